import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { NODE_DISK_GI } from "../../../sizing/machines";
import type { NodePool } from "../../../sizing/types";
import { serviceTrustPolicy } from "./iam";

type TaintEffect = NodePool["taints"][number]["effect"];

/** Kubernetes taint effect -> the EKS API's spelling. */
export function eksTaintEffect(effect: TaintEffect): "NO_SCHEDULE" | "NO_EXECUTE" | "PREFER_NO_SCHEDULE" {
  return effect === "NoSchedule" ? "NO_SCHEDULE" : effect === "NoExecute" ? "NO_EXECUTE" : "PREFER_NO_SCHEDULE";
}

/** A node group's scaling: sizing's counts as they are (sizing already keeps max >= desired). */
export function eksScaling(pool: Pick<NodePool, "nodeCount" | "minCount" | "maxCount">): { desiredSize: number; minSize: number; maxSize: number } {
  return { desiredSize: pool.nodeCount, minSize: pool.minCount, maxSize: pool.maxCount };
}

export interface EksNodeGroupsArgs {
  /** Resource name prefix (the platform's name). */
  name: string;
  /** Name prefix for instance Name tags. */
  prefix: string;
  /** Node pools from sizing: machine, counts, labels, taints per tier. */
  pools: NodePool[];
  clusterName: pulumi.Input<string>;
  /** Private subnets the nodes go into. */
  subnetIds: pulumi.Input<string>[];
  /** ARN of an AWS managed policy in this partition. */
  managedPolicy: (policy: string) => pulumi.Input<string>;
  /** Tags of every instance (the provider's default tags do not reach launch-template instances). */
  tags: Record<string, string>;
  /** Add-ons the nodes need before they join (CNI, kube-proxy). */
  dependsOn: pulumi.Resource[];
  /**
   * The tier whose nodes serve RTC media on host networking (edge, when calls are deployed):
   * its nodes go into the public subnets with public addresses and carry the media security
   * group besides the cluster's. Default: absent (every node private).
   */
  publicMedia?: { tier: NodePool["tier"]; subnetIds: pulumi.Input<string>[]; securityGroupIds: pulumi.Input<string>[] };
}

/**
 * One managed node group per sizing pool. IMDSv2 only with hop limit 1 (pods cannot borrow the
 * node role), encrypted root volumes; managed node groups get their access entry from EKS
 * itself (API authentication mode).
 */
export function createNodeGroups(a: EksNodeGroupsArgs, opts: { parent: pulumi.Resource; provider: aws.Provider }): aws.eks.NodeGroup[] {
  const { name, prefix } = a;
  const o = (extra: pulumi.CustomResourceOptions = {}): pulumi.CustomResourceOptions => ({ ...opts, ...extra });
  const nodeRole = new aws.iam.Role(`${name}-nodes`, { assumeRolePolicy: serviceTrustPolicy("ec2.amazonaws.com") }, o());
  const nodePolicies = ["AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryReadOnly", "AmazonSSMManagedInstanceCore"].map((p) =>
    new aws.iam.RolePolicyAttachment(`${name}-nodes-${p}`, { role: nodeRole.name, policyArn: a.managedPolicy(p) }, o()));
  return a.pools.map((pool) => {
    const media = a.publicMedia?.tier === pool.tier ? a.publicMedia : undefined;
    const lt = new aws.ec2.LaunchTemplate(`${name}-${pool.tier}`, {
      // Media nodes: a public address (WebRTC and TURN hand it to clients) and the media group
      // beside the cluster's (a launch template's groups replace the ones EKS would attach).
      ...(media ? { networkInterfaces: [{ deviceIndex: 0, associatePublicIpAddress: "true", securityGroups: media.securityGroupIds }] } : {}),
      metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
      blockDeviceMappings: [{
        deviceName: "/dev/xvda",
        ebs: { volumeSize: NODE_DISK_GI, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" },
      }],
      tagSpecifications: [{ resourceType: "instance", tags: { ...a.tags, Name: `${prefix}-${pool.tier}` } }],
    }, o());
    return new aws.eks.NodeGroup(`${name}-${pool.tier}`, {
      clusterName: a.clusterName,
      nodeGroupNamePrefix: `${pool.tier}-`,
      nodeRoleArn: nodeRole.arn,
      subnetIds: media ? media.subnetIds : a.subnetIds,
      instanceTypes: [pool.machine.aws],
      amiType: "AL2023_x86_64_STANDARD",
      capacityType: "ON_DEMAND",
      scalingConfig: eksScaling(pool),
      updateConfig: { maxUnavailable: 1 },
      labels: { ...pool.labels },
      taints: pool.taints.map((t) => ({ key: t.key, value: t.value, effect: eksTaintEffect(t.effect) })),
      launchTemplate: { id: lt.id, version: lt.latestVersion.apply(String) },
      nodeRepairConfig: { enabled: true },
    }, o({
      dependsOn: [...a.dependsOn, ...nodePolicies],
      // The cluster autoscaler owns the live node count after creation.
      ignoreChanges: ["scalingConfig.desiredSize"],
      replaceOnChanges: ["instanceTypes"],
    }));
  });
}
