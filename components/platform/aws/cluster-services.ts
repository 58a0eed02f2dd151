import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { chartSource } from "../../../catalog/charts";
import { imageRepository } from "../../../catalog/images";
import { standardLabels } from "../../k8s/labels";
import type { Placement } from "../../contracts";
import { helmPlacement } from "../placement";
import type { EksCluster } from "./cluster";
import { KUBE_PROVIDER_BEHAVIOUR } from "../kube-provider";

/**
 * kubeconfig of an EKS cluster whose user runs `aws eks get-token`: short-lived tokens,
 * nothing stored in state.
 */
export function eksKubeconfig(clusterName: string, endpoint: string, caData: string, region: string): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: clusterName, cluster: { server: endpoint, "certificate-authority-data": caData } }],
    contexts: [{ name: clusterName, context: { cluster: clusterName, user: clusterName } }],
    "current-context": clusterName,
    users: [{ name: clusterName, user: { exec: { apiVersion: "client.authentication.k8s.io/v1beta1", command: "aws", args: ["eks", "get-token", "--cluster-name", clusterName, "--region", region, "--output", "json"] } } }],
  });
}

/** IAM policy of the cluster autoscaler: describe anything, resize only this cluster's groups. */
export function autoscalerPolicy(clusterName: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Action: ["autoscaling:DescribeAutoScalingGroups", "autoscaling:DescribeAutoScalingInstances", "autoscaling:DescribeLaunchConfigurations", "autoscaling:DescribeScalingActivities", "autoscaling:DescribeTags", "ec2:DescribeImages", "ec2:DescribeInstanceTypes", "ec2:DescribeLaunchTemplateVersions", "ec2:GetInstanceTypesFromInstanceRequirements", "eks:DescribeNodegroup"],
        Resource: "*",
      },
      {
        Effect: "Allow",
        Action: ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"],
        Resource: "*",
        // EKS tags a node group's Auto Scaling group `k8s.io/cluster-autoscaler/<cluster>`.
        Condition: { StringEquals: { [`aws:ResourceTag/k8s.io/cluster-autoscaler/${clusterName}`]: "owned" } },
      },
    ],
  });
}

export interface EksServicesArgs {
  /** Resource name prefix (the platform's name). */
  name: string;
  /** Cluster name (the autoscaler discovers node groups by it). */
  prefix: string;
  region: string;
  /** The cluster, its managed-policy ARNs and IRSA roles. */
  eks: EksCluster;
  /** Node groups everything here waits for. */
  nodeGroups: aws.eks.NodeGroup[];
  /** KMS key of the EBS volumes behind PersistentVolumeClaims. */
  ebsKey: aws.kms.Key;
  /** Keep volumes when their claim is deleted (environment preset `deletionProtection`). */
  retainVolumes: boolean;
  /** Placement of the system tier (the autoscaler's pods). */
  systemPlacement: Placement;
  /** Registry override for air-gapped sites. Default: the images' own. */
  imageRegistry?: string;
  /** Chart repository override for air-gapped sites. Default: the charts' own. */
  chartRepository?: string;
  /** Local chart of the cluster autoscaler (config `addonCharts`), replacing any repository. */
  localChart?: string;
  /** The cluster already runs a cluster autoscaler (config `existingAddons`): no role, no release. Default: false. */
  existingAutoscaler?: boolean;
}

export interface EksServices {
  provider: k8s.Provider;
  storageClass: k8s.storage.v1.StorageClass;
  /** Cluster services the add-ons wait for (CoreDNS, EBS CSI). */
  coreDns: aws.eks.Addon;
  ebsCsi: aws.eks.Addon;
  /** Everything here, in the order the stack waits for it. */
  ready: pulumi.Resource[];
}

/**
 * What makes the EKS cluster usable once nodes exist: CoreDNS, the EBS CSI driver (IRSA, may
 * use the EBS key), metrics-server for the HPAs (EKS ships no metrics API), the Kubernetes
 * provider, an encrypted gp3 StorageClass, and the cluster autoscaler.
 */
export function createEksServices(a: EksServicesArgs, opts: { parent: pulumi.Resource; provider: aws.Provider }): EksServices {
  const { name, eks, nodeGroups } = a;
  const o = (extra: pulumi.CustomResourceOptions = {}): pulumi.CustomResourceOptions => ({ ...opts, ...extra });
  const cluster = eks.cluster;
  const coreDns = new aws.eks.Addon(`${name}-coredns`, { clusterName: cluster.name, addonName: "coredns", resolveConflictsOnCreate: "OVERWRITE" }, o({ dependsOn: nodeGroups }));

  const ebsRole = eks.irsaRole("ebs-csi", "kube-system", "ebs-csi-controller-sa");
  new aws.iam.RolePolicyAttachment(`${name}-ebs-csi`, { role: ebsRole.name, policyArn: eks.managedPolicy("service-role/AmazonEBSCSIDriverPolicy") }, o());
  new aws.iam.RolePolicy(`${name}-ebs-csi-kms`, {
    role: ebsRole.id,
    policy: a.ebsKey.arn.apply((arn) => JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"], Resource: arn },
        { Effect: "Allow", Action: ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"], Resource: arn, Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } } },
      ],
    })),
  }, o());
  const ebsCsi = new aws.eks.Addon(`${name}-ebs-csi`, {
    clusterName: cluster.name,
    addonName: "aws-ebs-csi-driver",
    serviceAccountRoleArn: ebsRole.arn,
    resolveConflictsOnCreate: "OVERWRITE",
  }, o({ dependsOn: nodeGroups }));
  const metricsServer = new aws.eks.Addon(`${name}-metrics-server`, {
    clusterName: cluster.name,
    addonName: "metrics-server",
    resolveConflictsOnCreate: "OVERWRITE",
  }, o({ dependsOn: nodeGroups }));

  const kubeconfig = pulumi.all([cluster.name, cluster.endpoint, cluster.certificateAuthority])
    .apply(([n, endpoint, ca]) => eksKubeconfig(n, endpoint, ca.data!, a.region));
  // No credentials in it (tokens come from `aws eks get-token`), but every provider kubeconfig is a secret input alike.
  const provider = new k8s.Provider(`${name}-k8s`, { kubeconfig: pulumi.secret(kubeconfig), ...KUBE_PROVIDER_BEHAVIOUR }, { parent: opts.parent, dependsOn: nodeGroups });

  // gp3, encrypted with our key, bound where the pod lands (zonal EBS); Retain where the preset
  // protects data, so deleting a claim never deletes it.
  const storageClass = new k8s.storage.v1.StorageClass(`${name}-gp3`, {
    metadata: { name: "gp3-encrypted", labels: standardLabels("storage", "storage-class", "platform"), annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
    provisioner: "ebs.csi.aws.com",
    parameters: { type: "gp3", encrypted: "true", kmsKeyId: a.ebsKey.arn, "csi.storage.k8s.io/fstype": "ext4" },
    volumeBindingMode: "WaitForFirstConsumer",
    allowVolumeExpansion: true,
    reclaimPolicy: a.retainVolumes ? "Retain" : "Delete",
  }, { parent: opts.parent, provider, dependsOn: [ebsCsi] });

  // Cluster autoscaler: grows a node group when HPAs add pods that do not fit, shrinks it when
  // nodes idle.
  const autoscaler = a.existingAutoscaler ? undefined : clusterAutoscaler();
  function clusterAutoscaler(): k8s.helm.v3.Release {
  const autoscalerRole = eks.irsaRole("cluster-autoscaler", "kube-system", "cluster-autoscaler");
  new aws.iam.RolePolicy(`${name}-cluster-autoscaler`, { role: autoscalerRole.id, policy: autoscalerPolicy(a.prefix) }, o());
  const chart = chartSource("clusterAutoscaler", a.chartRepository, a.localChart);
  return new k8s.helm.v3.Release(`${name}-cluster-autoscaler`, {
    name: "cluster-autoscaler",
    chart: chart.chart,
    version: chart.version,
    repositoryOpts: chart.repo ? { repo: chart.repo } : undefined,
    namespace: "kube-system",
    atomic: true,
    cleanupOnFail: true,
    values: {
      cloudProvider: "aws",
      awsRegion: a.region,
      autoDiscovery: { clusterName: a.prefix },
      rbac: { serviceAccount: { create: true, name: "cluster-autoscaler", annotations: { "eks.amazonaws.com/role-arn": autoscalerRole.arn } } },
      extraArgs: { "balance-similar-node-groups": true, "skip-nodes-with-local-storage": false, expander: "least-waste" },
      ...(a.imageRegistry ? { image: { repository: imageRepository("clusterAutoscaler", a.imageRegistry) } } : {}),
      ...helmPlacement(a.systemPlacement),
    },
  }, { parent: opts.parent, provider, dependsOn: nodeGroups });
  }

  return { provider, storageClass, coreDns, ebsCsi, ready: [...nodeGroups, coreDns, ebsCsi, metricsServer, ...(autoscaler ? [autoscaler] : []), storageClass] };
}
