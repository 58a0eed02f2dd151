import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { ClusterApiEndpoint } from "../../../config/spec";
import { irsaTrustPolicy, serviceTrustPolicy } from "./iam";
import { VPC_CIDR } from "./network";

/** EKS minor version; pinned, with the upgrade policy pinned to standard support (cost). */
export const EKS_VERSION = "1.35";
const CONTROL_PLANE_LOGS = ["api", "audit", "authenticator", "controllerManager", "scheduler"];

export interface EksClusterArgs {
  /** Resource name prefix (the platform's name). */
  name: string;
  /** Cluster name (also the log group's and the autoscaler's discovery name). */
  prefix: string;
  /** Private subnets of the control-plane ENIs. */
  subnetIds: pulumi.Input<string>[];
  /** KMS key for envelope encryption of Secrets. */
  secretsKeyArn: pulumi.Input<string>;
  /** Refuse `pulumi destroy` of the cluster (environment preset `deletionProtection`). */
  deletionProtection: boolean;
  /** Who may reach the API endpoint (config `clusterApiAccess` / `clusterApiCidrs`). */
  api: ClusterApiEndpoint;
}

/**
 * The EKS endpoint settings for an access choice. Private keeps the API off the internet
 * (reachable through the VPC only: a runner, bastion or VPN inside it); public adds the internet
 * endpoint for exactly the listed ranges, never EKS's default of 0.0.0.0/0. The private endpoint
 * stays on either way, so nodes never leave the VPC to reach their control plane.
 */
export function eksEndpointAccess(api: ClusterApiEndpoint): { endpointPrivateAccess: true; endpointPublicAccess: boolean; publicAccessCidrs?: string[] } {
  return api.access === "public"
    ? { endpointPrivateAccess: true, endpointPublicAccess: true, publicAccessCidrs: [...api.cidrs] }
    : { endpointPrivateAccess: true, endpointPublicAccess: false };
}

export interface EksCluster {
  cluster: aws.eks.Cluster;
  /** ARN of an AWS managed policy in this partition. */
  managedPolicy: (policy: string) => pulumi.Output<string>;
  /** A role only one Kubernetes ServiceAccount can assume (IRSA). */
  irsaRole: (role: string, namespace: string, serviceAccount: string) => aws.iam.Role;
  /** Add-ons the node groups need before they join (CNI, kube-proxy). */
  networkAddons: aws.eks.Addon[];
}

/**
 * The EKS control plane: private-subnet ENIs, KMS-encrypted Secrets, every control-plane log
 * kept 90 days, the OIDC provider IRSA needs, and the VPC CNI with network-policy enforcement
 * (the stack's NetworkPolicies are only words without it) and prefix delegation for pod density.
 */
export function createEksCluster(a: EksClusterArgs, opts: { parent: pulumi.Resource; provider: aws.Provider }): EksCluster {
  const { name, prefix } = a;
  const o = (extra: pulumi.CustomResourceOptions = {}): pulumi.CustomResourceOptions => ({ ...opts, ...extra });
  const partition = aws.getPartitionOutput({}, opts);
  const managedPolicy = (policy: string) => pulumi.interpolate`arn:${partition.partition}:iam::aws:policy/${policy}`;
  const clusterRole = new aws.iam.Role(`${name}-cluster`, { assumeRolePolicy: serviceTrustPolicy("eks.amazonaws.com") }, o());
  const clusterRoleAttachment = new aws.iam.RolePolicyAttachment(`${name}-cluster`, { role: clusterRole.name, policyArn: managedPolicy("AmazonEKSClusterPolicy") }, o());
  const controlPlaneLogs = new aws.cloudwatch.LogGroup(`${name}-control-plane`, {
    // EKS writes to exactly this name; creating it first lets us set the retention.
    name: `/aws/eks/${prefix}/cluster`,
    retentionInDays: 90,
  }, o());

  const cluster = new aws.eks.Cluster(`${name}-eks`, {
    name: prefix,
    version: EKS_VERSION,
    roleArn: clusterRole.arn,
    vpcConfig: {
      // Control-plane ENIs only in private subnets; the public ones carry just the NLB and NAT.
      subnetIds: a.subnetIds,
      ...eksEndpointAccess(a.api),
    },
    accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: true },
    encryptionConfig: { provider: { keyArn: a.secretsKeyArn }, resources: ["secrets"] },
    enabledClusterLogTypes: CONTROL_PLANE_LOGS,
    upgradePolicy: { supportType: "STANDARD" },
    deletionProtection: a.deletionProtection,
    kubernetesNetworkConfig: { ipFamily: "ipv4" },
  }, o({ dependsOn: [clusterRoleAttachment, controlPlaneLogs] }));

  // The private endpoint answers on the cluster security group, which admits only the nodes by
  // default; the deploying machine (CI runner, bastion, VPN client) reaches it from the VPC.
  new aws.vpc.SecurityGroupIngressRule(`${name}-api-from-vpc`, {
    securityGroupId: cluster.vpcConfig.clusterSecurityGroupId,
    description: "Kubernetes API from inside the VPC (private endpoint)",
    ipProtocol: "tcp",
    fromPort: 443,
    toPort: 443,
    cidrIpv4: VPC_CIDR,
  }, o());

  const oidcIssuer = cluster.identities.apply((ids) => ids[0].oidcs![0].issuer!);
  const oidc = new aws.iam.OpenIdConnectProvider(`${name}-oidc`, { url: oidcIssuer, clientIdLists: ["sts.amazonaws.com"] }, o());
  const oidcHost = oidcIssuer.apply((u) => u.replace(/^https:\/\//, ""));
  const irsaRole = (role: string, namespace: string, serviceAccount: string) =>
    new aws.iam.Role(`${name}-irsa-${role}`, {
      assumeRolePolicy: pulumi.all([oidc.arn, oidcHost]).apply(([arn, host]) => irsaTrustPolicy(arn, host, namespace, serviceAccount)),
    }, o());

  // IRSA for the CNI instead of node-role permissions.
  const cniRole = irsaRole("vpc-cni", "kube-system", "aws-node");
  new aws.iam.RolePolicyAttachment(`${name}-vpc-cni`, { role: cniRole.name, policyArn: managedPolicy("AmazonEKS_CNI_Policy") }, o());
  const vpcCni = new aws.eks.Addon(`${name}-vpc-cni`, {
    clusterName: cluster.name,
    addonName: "vpc-cni",
    serviceAccountRoleArn: cniRole.arn,
    resolveConflictsOnCreate: "OVERWRITE",
    resolveConflictsOnUpdate: "OVERWRITE",
    configurationValues: JSON.stringify({
      enableNetworkPolicy: "true",
      env: { ENABLE_PREFIX_DELEGATION: "true", WARM_PREFIX_TARGET: "1" },
    }),
  }, o());
  const kubeProxy = new aws.eks.Addon(`${name}-kube-proxy`, { clusterName: cluster.name, addonName: "kube-proxy", resolveConflictsOnCreate: "OVERWRITE" }, o());
  return { cluster, managedPolicy, irsaRole, networkAddons: [vpcCni, kubeProxy] };
}
