import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as random from "@pulumi/random";
import { chartSource } from "../../catalog/charts";
import { imageRef, overrideRegistry } from "../../catalog/images";
import type { PlatformSpec } from "../../config/spec";
import type { DatabaseSizing, NodeTier, Sizing } from "../../sizing/types";
import { PostgresBootstrap } from "../data/postgres-bootstrap";
import { standardLabels } from "../k8s/labels";
import { NAMESPACES } from "../k8s/namespaces";
import { StackNamespace } from "../k8s/namespace";
import { FlowPolicies } from "../k8s/network";
import { ClusterAddons } from "./addons";
import { helmPlacement, placementFor } from "./placement";
import {
  DATABASES,
  databasesOn,
  OBJECT_STORE_CLIENTS,
  type DatabaseConnection,
  type DatabaseName,
  type ObjectStore,
  type Placement,
  type Platform,
  type RedisEndpoint,
} from "../contracts";

/** EKS minor version; pinned, with the upgrade policy pinned to standard support (cost). */
export const EKS_VERSION = "1.35";
/** Days AWS keeps automated RDS backups (PITR window) and replicated backups. */
export const AWS_BACKUP_RETENTION_DAYS = 30;
/** Key rotation period the security specification asks for. */
export const KEY_ROTATION_DAYS = 90;
const VPC_CIDR = "10.40.0.0/16";
const PRIVATE_CIDRS = ["10.40.0.0/19", "10.40.32.0/19", "10.40.64.0/19"];
const PUBLIC_CIDRS = ["10.40.96.0/22", "10.40.100.0/22", "10.40.104.0/22"];
const AZ_COUNT = 3;
const CONTROL_PLANE_LOGS = ["api", "audit", "authenticator", "controllerManager", "scheduler"];

export interface AwsPlatformArgs {
  /** Validated configuration: region, secondary region, environment, hosts, overrides. */
  spec: PlatformSpec;
  /** Node pools, database, Redis and object-store sizes. */
  sizing: Sizing;
}

/** What the S3 policy of one object-store client may do. */
const CLIENT_BUCKETS: Record<keyof typeof OBJECT_STORE_CLIENTS, { readWrite: ("media" | "liMedia" | "backups")[]; readOnly: ("media" | "liMedia" | "backups")[] }> = {
  // Synapse's media repository reads and writes main media only.
  "synapse-media": { readWrite: ["media"], readOnly: [] },
  // The LI Synapse serves LI media; it never touches main's bucket.
  "synapse-li": { readWrite: ["liMedia"], readOnly: [] },
  // The LI sync copies main media into LI media.
  "li-sync": { readWrite: ["liMedia"], readOnly: ["media"] },
};

/**
 * AWS: a three-AZ VPC, EKS with KMS-encrypted secrets and managed node groups per tier, RDS
 * PostgreSQL (main and a separate LI instance), ElastiCache Redis, S3 buckets replicated to the
 * secondary region in production, IRSA for every object-store client, and the common add-ons.
 * Everything is raw @pulumi/aws so each property is visible to tests and policy checks.
 */
export class AwsPlatform extends pulumi.ComponentResource implements Platform {
  readonly kind = "aws" as const;
  readonly provider: k8s.Provider;
  readonly storageClass: pulumi.Output<string>;
  readonly kubernetesVersion = EKS_VERSION;
  readonly databases: Record<DatabaseName, DatabaseConnection>;
  readonly objectStore: ObjectStore;
  readonly redis: RedisEndpoint;
  readonly gateway: { className: string; namespace: string; name: string };
  readonly clusterIssuer: string;
  readonly ready: pulumi.Resource[];
  readonly cluster: aws.eks.Cluster;
  private readonly sizing: Sizing;

  constructor(name: string, args: AwsPlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    super("matrix-platform:platform:AwsPlatform", name, {}, opts);
    const { spec, sizing } = args;
    this.sizing = sizing;
    const prod = spec.environment === "prod";
    const ha = spec.highAvailability;
    const region = spec.cloud.region!;
    const prefix = `matrix-${spec.stack}`.slice(0, 28).replace(/-+$/, "");
    const tags = { "matrix-platform/stack": spec.stack, "matrix-platform/environment": spec.environment, "managed-by": "pulumi" };

    const awsProvider = new aws.Provider(`${name}-aws`, { region: region as aws.Region, defaultTags: { tags } }, { parent: this });
    const o = (extra: pulumi.CustomResourceOptions = {}): pulumi.CustomResourceOptions => ({ parent: this, provider: awsProvider, ...extra });
    const identity = aws.getCallerIdentityOutput({}, { parent: this, provider: awsProvider });
    const partition = aws.getPartitionOutput({}, { parent: this, provider: awsProvider });
    const azs = aws.getAvailabilityZonesOutput({ state: "available" }, { parent: this, provider: awsProvider });

    // ---- KMS: one key per data class, rotated every 90 days (security specification 1.3) ----
    const kmsKey = (purpose: string, description: string, provider = awsProvider) =>
      new aws.kms.Key(`${name}-${purpose}`, {
        description: `${prefix} ${description}`,
        enableKeyRotation: true,
        rotationPeriodInDays: KEY_ROTATION_DAYS,
        deletionWindowInDays: 30,
        keyUsage: "ENCRYPT_DECRYPT",
      }, { parent: this, provider });
    const eksKey = kmsKey("eks-secrets", "EKS secrets envelope encryption");
    const ebsKey = kmsKey("ebs", "EBS volumes of persistent volume claims");
    const rdsKey = kmsKey("rds", "RDS storage, snapshots and Performance Insights");
    const s3Key = kmsKey("s3", "S3 media, LI media and backups (SSE-KMS)");
    const cacheKey = kmsKey("elasticache", "ElastiCache at-rest encryption");

    // ---- Network: 3 AZs, private subnets for nodes and data, public subnets for the NLB/NAT ----
    const vpc = new aws.ec2.Vpc(`${name}-vpc`, {
      cidrBlock: VPC_CIDR,
      enableDnsHostnames: true,
      enableDnsSupport: true,
      tags: { Name: `${prefix}-vpc` },
    }, o());
    const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: { Name: `${prefix}-igw` } }, o());
    const publicRt = new aws.ec2.RouteTable(`${name}-public`, {
      vpcId: vpc.id,
      routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }],
      tags: { Name: `${prefix}-public` },
    }, o());
    const publicSubnets: aws.ec2.Subnet[] = [];
    const privateSubnets: aws.ec2.Subnet[] = [];
    const privateRts: aws.ec2.RouteTable[] = [];
    // One NAT gateway per AZ in production, so losing an AZ never cuts the others' egress;
    // a single one elsewhere to save cost.
    const natCount = prod ? AZ_COUNT : 1;
    const nats: aws.ec2.NatGateway[] = [];
    for (let i = 0; i < AZ_COUNT; i++) {
      const az = azs.names.apply((n) => n[i]);
      const pub = new aws.ec2.Subnet(`${name}-public-${i}`, {
        vpcId: vpc.id,
        cidrBlock: PUBLIC_CIDRS[i],
        availabilityZone: az,
        mapPublicIpOnLaunch: false,
        tags: { Name: `${prefix}-public-${i}`, "kubernetes.io/role/elb": "1" },
      }, o());
      new aws.ec2.RouteTableAssociation(`${name}-public-${i}`, { subnetId: pub.id, routeTableId: publicRt.id }, o());
      publicSubnets.push(pub);
      if (i < natCount) {
        const eip = new aws.ec2.Eip(`${name}-nat-${i}`, { domain: "vpc", tags: { Name: `${prefix}-nat-${i}` } }, o());
        nats.push(new aws.ec2.NatGateway(`${name}-nat-${i}`, { allocationId: eip.id, subnetId: pub.id, tags: { Name: `${prefix}-nat-${i}` } }, o({ dependsOn: [igw] })));
      }
    }
    for (let i = 0; i < AZ_COUNT; i++) {
      const az = azs.names.apply((n) => n[i]);
      const priv = new aws.ec2.Subnet(`${name}-private-${i}`, {
        vpcId: vpc.id,
        cidrBlock: PRIVATE_CIDRS[i],
        availabilityZone: az,
        tags: { Name: `${prefix}-private-${i}`, "kubernetes.io/role/internal-elb": "1" },
      }, o());
      const rt = new aws.ec2.RouteTable(`${name}-private-${i}`, {
        vpcId: vpc.id,
        routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: nats[Math.min(i, nats.length - 1)].id }],
        tags: { Name: `${prefix}-private-${i}` },
      }, o());
      new aws.ec2.RouteTableAssociation(`${name}-private-${i}`, { subnetId: priv.id, routeTableId: rt.id }, o());
      privateSubnets.push(priv);
      privateRts.push(rt);
    }
    // S3 through a gateway endpoint: media traffic never pays NAT data processing.
    new aws.ec2.VpcEndpoint(`${name}-s3-endpoint`, {
      vpcId: vpc.id,
      serviceName: `com.amazonaws.${region}.s3`,
      vpcEndpointType: "Gateway",
      routeTableIds: privateRts.map((rt) => rt.id),
      tags: { Name: `${prefix}-s3` },
    }, o());
    const privateSubnetIds = privateSubnets.map((s) => s.id);

    // ---- EKS ----
    const assumeBy = (service: string) => JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: ["sts:AssumeRole", "sts:TagSession"] }],
    });
    const managedPolicy = (policy: string) => pulumi.interpolate`arn:${partition.partition}:iam::aws:policy/${policy}`;
    const clusterRole = new aws.iam.Role(`${name}-cluster`, { assumeRolePolicy: assumeBy("eks.amazonaws.com") }, o());
    const clusterRoleAttachment = new aws.iam.RolePolicyAttachment(`${name}-cluster`, { role: clusterRole.name, policyArn: managedPolicy("AmazonEKSClusterPolicy") }, o());
    const controlPlaneLogs = new aws.cloudwatch.LogGroup(`${name}-control-plane`, {
      // EKS writes to exactly this name; creating it first lets us set the retention.
      name: `/aws/eks/${prefix}/cluster`,
      retentionInDays: 90,
    }, o());

    this.cluster = new aws.eks.Cluster(`${name}-eks`, {
      name: prefix,
      version: EKS_VERSION,
      roleArn: clusterRole.arn,
      vpcConfig: {
        // Control-plane ENIs only in private subnets; the public ones carry just the NLB and NAT.
        subnetIds: privateSubnetIds,
        endpointPrivateAccess: true,
        // Public endpoint so Pulumi and operators can reach the API; restrict
        // publicAccessCidrs to the operators' networks at real sites.
        endpointPublicAccess: true,
      },
      accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: true },
      encryptionConfig: { provider: { keyArn: eksKey.arn }, resources: ["secrets"] },
      enabledClusterLogTypes: CONTROL_PLANE_LOGS,
      upgradePolicy: { supportType: "STANDARD" },
      deletionProtection: prod,
      kubernetesNetworkConfig: { ipFamily: "ipv4" },
    }, o({ dependsOn: [clusterRoleAttachment, controlPlaneLogs] }));
    const cluster = this.cluster;

    const oidcIssuer = cluster.identities.apply((ids) => ids[0].oidcs![0].issuer!);
    const oidc = new aws.iam.OpenIdConnectProvider(`${name}-oidc`, {
      url: oidcIssuer,
      clientIdLists: ["sts.amazonaws.com"],
    }, o());
    const oidcHost = oidcIssuer.apply((u) => u.replace(/^https:\/\//, ""));
    /** A role only one Kubernetes ServiceAccount can assume (IRSA). */
    const irsaRole = (rname: string, namespace: string, serviceAccount: string) =>
      new aws.iam.Role(`${name}-irsa-${rname}`, {
        assumeRolePolicy: pulumi.all([oidc.arn, oidcHost]).apply(([arn, host]) => JSON.stringify({
          Version: "2012-10-17",
          Statement: [{
            Effect: "Allow",
            Principal: { Federated: arn },
            Action: "sts:AssumeRoleWithWebIdentity",
            Condition: { StringEquals: { [`${host}:sub`]: `system:serviceaccount:${namespace}:${serviceAccount}`, [`${host}:aud`]: "sts.amazonaws.com" } },
          }],
        })),
      }, o());

    // VPC CNI with network-policy enforcement (the stack's NetworkPolicies are only words
    // without it) and prefix delegation for pod density; IRSA instead of node-role permissions.
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

    const nodeRole = new aws.iam.Role(`${name}-nodes`, { assumeRolePolicy: assumeBy("ec2.amazonaws.com") }, o());
    const nodePolicies = ["AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryReadOnly", "AmazonSSMManagedInstanceCore"].map((p) =>
      new aws.iam.RolePolicyAttachment(`${name}-nodes-${p}`, { role: nodeRole.name, policyArn: managedPolicy(p) }, o()));
    // Managed node groups get their access entry from EKS itself (API authentication mode).

    // Nodes: IMDSv2 only with hop limit 1 (pods cannot borrow the node role), encrypted root
    // volumes. Managed node groups per tier, labels and taints straight from sizing.
    const nodeGroups: aws.eks.NodeGroup[] = [];
    for (const pool of sizing.nodePools) {
      const lt = new aws.ec2.LaunchTemplate(`${name}-${pool.tier}`, {
        metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
        blockDeviceMappings: [{
          deviceName: "/dev/xvda",
          ebs: { volumeSize: 100, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" },
        }],
        tagSpecifications: [{ resourceType: "instance", tags: { ...tags, Name: `${prefix}-${pool.tier}` } }],
      }, o());
      nodeGroups.push(new aws.eks.NodeGroup(`${name}-${pool.tier}`, {
        clusterName: cluster.name,
        nodeGroupNamePrefix: `${pool.tier}-`,
        nodeRoleArn: nodeRole.arn,
        subnetIds: privateSubnetIds,
        instanceTypes: [pool.machine.aws],
        amiType: "AL2023_x86_64_STANDARD",
        capacityType: "ON_DEMAND",
        scalingConfig: { desiredSize: pool.nodeCount, minSize: pool.minCount, maxSize: Math.max(pool.maxCount, pool.nodeCount) },
        updateConfig: { maxUnavailable: 1 },
        labels: { ...pool.labels },
        taints: pool.taints.map((t) => ({ key: t.key, value: t.value, effect: t.effect === "NoSchedule" ? "NO_SCHEDULE" : t.effect === "NoExecute" ? "NO_EXECUTE" : "PREFER_NO_SCHEDULE" })),
        launchTemplate: { id: lt.id, version: lt.latestVersion.apply(String) },
        nodeRepairConfig: { enabled: true },
      }, o({
        dependsOn: [vpcCni, kubeProxy, ...nodePolicies],
        // The cluster autoscaler owns the live node count after creation.
        ignoreChanges: ["scalingConfig.desiredSize"],
        replaceOnChanges: ["instanceTypes"],
      })));
    }
    const coreDns = new aws.eks.Addon(`${name}-coredns`, { clusterName: cluster.name, addonName: "coredns", resolveConflictsOnCreate: "OVERWRITE" }, o({ dependsOn: nodeGroups }));

    // EBS CSI driver with IRSA; its role may use the EBS key for encrypted volumes.
    const ebsRole = irsaRole("ebs-csi", "kube-system", "ebs-csi-controller-sa");
    new aws.iam.RolePolicyAttachment(`${name}-ebs-csi`, { role: ebsRole.name, policyArn: managedPolicy("service-role/AmazonEBSCSIDriverPolicy") }, o());
    new aws.iam.RolePolicy(`${name}-ebs-csi-kms`, {
      role: ebsRole.id,
      policy: ebsKey.arn.apply((arn) => JSON.stringify({
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

    // Resource metrics for the HPAs of the stateless worker pools (EKS ships no metrics API).
    const metricsServer = new aws.eks.Addon(`${name}-metrics-server`, {
      clusterName: cluster.name,
      addonName: "metrics-server",
      resolveConflictsOnCreate: "OVERWRITE",
    }, o({ dependsOn: nodeGroups }));

    // Kubernetes provider: short-lived tokens from `aws eks get-token`, nothing stored.
    const kubeconfig = pulumi.all([cluster.name, cluster.endpoint, cluster.certificateAuthority]).apply(([n, endpoint, ca]) => JSON.stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: n, cluster: { server: endpoint, "certificate-authority-data": ca.data } }],
      contexts: [{ name: n, context: { cluster: n, user: n } }],
      "current-context": n,
      users: [{ name: n, user: { exec: { apiVersion: "client.authentication.k8s.io/v1beta1", command: "aws", args: ["eks", "get-token", "--cluster-name", n, "--region", region, "--output", "json"] } } }],
    }));
    this.provider = new k8s.Provider(`${name}-k8s`, { kubeconfig, enableServerSideApply: true }, { parent: this, dependsOn: nodeGroups });
    const provider = this.provider;

    // gp3, encrypted with our key, bound where the pod lands (zonal EBS); Retain in production
    // so deleting a claim never deletes data.
    const storageClass = new k8s.storage.v1.StorageClass(`${name}-gp3`, {
      metadata: { name: "gp3-encrypted", labels: standardLabels("storage", "storage-class", "platform"), annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
      provisioner: "ebs.csi.aws.com",
      parameters: { type: "gp3", encrypted: "true", kmsKeyId: ebsKey.arn, "csi.storage.k8s.io/fstype": "ext4" },
      volumeBindingMode: "WaitForFirstConsumer",
      allowVolumeExpansion: true,
      reclaimPolicy: prod ? "Retain" : "Delete",
    }, { parent: this, provider, dependsOn: [ebsCsi] });
    this.storageClass = storageClass.metadata.name;

    // Cluster autoscaler: grows a node group when HPAs add pods that do not fit, shrinks it when
    // nodes idle. It may only resize the Auto Scaling groups of this cluster's node groups (EKS
    // tags them `k8s.io/cluster-autoscaler/<cluster>`).
    const autoscalerRole = irsaRole("cluster-autoscaler", "kube-system", "cluster-autoscaler");
    new aws.iam.RolePolicy(`${name}-cluster-autoscaler`, {
      role: autoscalerRole.id,
      policy: JSON.stringify({
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
            Condition: { StringEquals: { [`aws:ResourceTag/k8s.io/cluster-autoscaler/${prefix}`]: "owned" } },
          },
        ],
      }),
    }, o());
    const autoscalerChart = chartSource("clusterAutoscaler", spec.chartRepository);
    const autoscaler = new k8s.helm.v3.Release(`${name}-cluster-autoscaler`, {
      name: "cluster-autoscaler",
      chart: autoscalerChart.chart,
      version: autoscalerChart.version,
      repositoryOpts: autoscalerChart.repo ? { repo: autoscalerChart.repo } : undefined,
      namespace: "kube-system",
      atomic: true,
      cleanupOnFail: true,
      values: {
        cloudProvider: "aws",
        awsRegion: region,
        autoDiscovery: { clusterName: prefix },
        rbac: { serviceAccount: { create: true, name: "cluster-autoscaler", annotations: { "eks.amazonaws.com/role-arn": autoscalerRole.arn } } },
        extraArgs: { "balance-similar-node-groups": true, "skip-nodes-with-local-storage": false, expander: "least-waste" },
        ...(spec.imageRegistry ? { image: { repository: overrideRegistry("registry.k8s.io/autoscaling/cluster-autoscaler", spec.imageRegistry) } } : {}),
        ...helmPlacement(this.placement("system")),
      },
    }, { parent: this, provider, dependsOn: nodeGroups });

    const addons = new ClusterAddons(`${name}-addons`, {
      spec,
      sizing,
      provider,
      placement: (t) => this.placement(t),
      cloudnativePg: false,
      minioOperator: false,
      loadBalancerAnnotations: {
        "service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
        "service.beta.kubernetes.io/aws-load-balancer-cross-zone-load-balancing-enabled": "true",
      },
      dependsOn: [...nodeGroups, coreDns, ebsCsi],
    }, { parent: this });

    // ---- Data-tier security groups: only the cluster's nodes and pods may connect ----
    const clusterSg = cluster.vpcConfig.clusterSecurityGroupId;
    const dataSg = (sname: string, port: number, description: string) => {
      const sg = new aws.ec2.SecurityGroup(`${name}-${sname}`, {
        vpcId: vpc.id,
        description,
        tags: { Name: `${prefix}-${sname}` },
      }, o());
      new aws.vpc.SecurityGroupIngressRule(`${name}-${sname}-from-cluster`, {
        securityGroupId: sg.id,
        referencedSecurityGroupId: clusterSg,
        ipProtocol: "tcp",
        fromPort: port,
        toPort: port,
        description: "from EKS nodes and pods",
      }, o());
      return sg;
    };

    // ---- RDS PostgreSQL ----
    const dbSubnets = new aws.rds.SubnetGroup(`${name}-db`, { subnetIds: privateSubnetIds, description: `${prefix} private database subnets` }, o());
    const pgSg = dataSg("postgres", 5432, "PostgreSQL from the EKS cluster only");
    const dataNs = new StackNamespace(`${name}-data`, {
      name: NAMESPACES.data,
      labels: standardLabels(NAMESPACES.data, "namespace", "platform"),
    }, { parent: this, provider, dependsOn: nodeGroups }).namespace;
    // The bootstrap Jobs reach the RDS servers in the private subnets, nothing else.
    new FlowPolicies(`${name}-data-flows`, {
      flows: [{ from: { namespace: NAMESPACES.data, podLabels: { "app.kubernetes.io/name": "postgres-bootstrap" } }, to: { kind: "cidr", cidrs: [...PRIVATE_CIDRS], port: 5432 }, description: "database bootstrap -> RDS" }],
      namePrefix: "data",
    }, { parent: this, provider, dependsOn: [dataNs] });

    const rdsServer = (server: "main" | "li", s: DatabaseSizing) => {
      const params = new aws.rds.ParameterGroup(`${name}-pg-${server}`, {
        family: "postgres17",
        description: `${prefix} ${server} PostgreSQL parameters`,
        parameters: [
          // Connection budget from sizing (pools of every consumer fit under it).
          { name: "max_connections", value: String(s.maxConnections), applyMethod: "pending-reboot" },
          { name: "rds.force_ssl", value: "1" },
          // Logical decoding for the LI copy's insert-only publications (operations notes).
          { name: "rds.logical_replication", value: server === "main" ? "1" : "0", applyMethod: "pending-reboot" },
          { name: "log_min_duration_statement", value: "1000" },
          { name: "shared_preload_libraries", value: "pg_stat_statements", applyMethod: "pending-reboot" },
        ],
      }, o());
      const adminPassword = new random.RandomPassword(`${name}-pg-${server}-admin`, { length: 40, special: false }, { parent: this });
      const identifier = `${prefix}-${server}`;
      const primary = new aws.rds.Instance(`${name}-pg-${server}`, {
        identifier,
        engine: "postgres",
        engineVersion: "17",
        instanceClass: s.awsInstanceClass,
        allocatedStorage: s.storageGi,
        // Storage autoscaling up to twice the sized volume before anyone is paged.
        maxAllocatedStorage: s.storageGi * 2,
        storageType: "gp3",
        storageEncrypted: true,
        kmsKeyId: rdsKey.arn,
        multiAz: ha,
        dbSubnetGroupName: dbSubnets.name,
        vpcSecurityGroupIds: [pgSg.id],
        publiclyAccessible: false,
        parameterGroupName: params.name,
        username: "matrix_admin",
        password: adminPassword.result,
        // Automated backups + continuous WAL shipping = point-in-time restore to any second of
        // the last 30 days (WAL is uploaded every 5 minutes: RPO well under 15 minutes).
        backupRetentionPeriod: AWS_BACKUP_RETENTION_DAYS,
        backupWindow: "02:00-03:00",
        maintenanceWindow: "sun:04:00-sun:05:00",
        copyTagsToSnapshot: true,
        deleteAutomatedBackups: !prod,
        deletionProtection: prod,
        skipFinalSnapshot: !prod,
        finalSnapshotIdentifier: prod ? `${identifier}-final` : undefined,
        autoMinorVersionUpgrade: true,
        performanceInsightsEnabled: true,
        performanceInsightsKmsKeyId: rdsKey.arn,
        enabledCloudwatchLogsExports: ["postgresql", "upgrade"],
        caCertIdentifier: "rds-ca-rsa2048-g1",
      }, o({ additionalSecretOutputs: ["password"] }));
      const replicas = Array.from({ length: s.readReplicas }, (_, i) => new aws.rds.Instance(`${name}-pg-${server}-replica-${i}`, {
        identifier: `${identifier}-replica-${i}`,
        replicateSourceDb: primary.identifier,
        instanceClass: s.awsInstanceClass,
        storageType: "gp3",
        storageEncrypted: true,
        kmsKeyId: rdsKey.arn,
        vpcSecurityGroupIds: [pgSg.id],
        publiclyAccessible: false,
        parameterGroupName: params.name,
        deletionProtection: prod,
        skipFinalSnapshot: true,
        autoMinorVersionUpgrade: true,
        performanceInsightsEnabled: true,
        performanceInsightsKmsKeyId: rdsKey.arn,
      }, o()));
      const bootstrap = new PostgresBootstrap(`${name}-pg-${server}-bootstrap`, {
        provider,
        namespace: dataNs.metadata.name,
        server,
        host: primary.address,
        port: primary.port,
        adminUser: primary.username,
        adminPassword: pulumi.secret(adminPassword.result),
        databases: databasesOn(server),
        image: imageRef("postgresql", spec.imageRegistry),
        ...this.placement("system"),
        dependsOn: [primary, dataNs],
      }, { parent: this });
      return { primary, replicas, bootstrap, adminPassword };
    };
    const mainDb = rdsServer("main", sizing.database);
    const liDb = rdsServer("li", sizing.liDatabase);

    // ---- S3 ----
    const secondary = prod && spec.cloud.secondaryRegion
      ? new aws.Provider(`${name}-aws-secondary`, { region: spec.cloud.secondaryRegion as aws.Region, defaultTags: { tags } }, { parent: this })
      : undefined;
    const replicaKey = secondary ? kmsKey("s3-replica", "S3 replicas in the secondary region", secondary) : undefined;
    const replicationRole = secondary ? new aws.iam.Role(`${name}-s3-replication`, { assumeRolePolicy: assumeBy("s3.amazonaws.com") }, o()) : undefined;

    // When to move or expire objects, per bucket. Media stays (users expect old media);
    // non-current versions are kept 30 days for undo; LI keeps its versions a year.
    const lifecycle: Record<"media" | "backups" | "liMedia", aws.types.input.s3.BucketLifecycleConfigurationRule[]> = {
      media: [
        { id: "tiering", status: "Enabled", filter: {}, transitions: [{ days: 30, storageClass: "INTELLIGENT_TIERING" }] },
        { id: "noncurrent", status: "Enabled", filter: {}, noncurrentVersionExpiration: { noncurrentDays: 30 } },
        { id: "multipart", status: "Enabled", filter: {}, abortIncompleteMultipartUpload: { daysAfterInitiation: 7 } },
      ],
      backups: [
        { id: "infrequent", status: "Enabled", filter: {}, transitions: [{ days: 30, storageClass: "STANDARD_IA" }] },
        { id: "noncurrent", status: "Enabled", filter: {}, noncurrentVersionExpiration: { noncurrentDays: AWS_BACKUP_RETENTION_DAYS } },
        { id: "multipart", status: "Enabled", filter: {}, abortIncompleteMultipartUpload: { daysAfterInitiation: 7 } },
      ],
      liMedia: [
        { id: "noncurrent", status: "Enabled", filter: {}, noncurrentVersionExpiration: { noncurrentDays: 365 } },
        { id: "multipart", status: "Enabled", filter: {}, abortIncompleteMultipartUpload: { daysAfterInitiation: 7 } },
      ],
    };

    const hardenBucket = (bname: string, bucket: aws.s3.Bucket, key: aws.kms.Key, p: aws.Provider) => {
      const bo: pulumi.CustomResourceOptions = { parent: this, provider: p };
      new aws.s3.BucketPublicAccessBlock(`${bname}`, { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true }, bo);
      new aws.s3.BucketOwnershipControls(`${bname}`, { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } }, bo);
      new aws.s3.BucketServerSideEncryptionConfiguration(`${bname}`, {
        bucket: bucket.id,
        rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: key.arn }, bucketKeyEnabled: true }],
      }, bo);
      new aws.s3.BucketPolicy(`${bname}`, {
        bucket: bucket.id,
        policy: bucket.arn.apply((arn) => JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [arn, `${arn}/*`], Condition: { Bool: { "aws:SecureTransport": "false" } } }],
        })),
      }, bo);
      return new aws.s3.BucketVersioning(`${bname}`, { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } }, bo);
    };

    const bucketKinds = ["media", "backups", "liMedia"] as const;
    const buckets = {} as Record<(typeof bucketKinds)[number], aws.s3.Bucket>;
    for (const kind of bucketKinds) {
      const slug = kind === "liMedia" ? "li-media" : kind;
      const bucket = new aws.s3.Bucket(`${name}-${slug}`, { bucketPrefix: `${prefix}-${slug}-`, forceDestroy: !prod }, o());
      buckets[kind] = bucket;
      const versioning = hardenBucket(`${name}-${slug}`, bucket, s3Key, awsProvider);
      new aws.s3.BucketLifecycleConfiguration(`${name}-${slug}`, { bucket: bucket.id, rules: lifecycle[kind] }, o({ dependsOn: [versioning] }));

      if (secondary && replicaKey && replicationRole) {
        // Cross-region copy (disaster recovery). Delete markers are not replicated, so a
        // deletion in the primary region never removes the copy.
        const replica = new aws.s3.Bucket(`${name}-${slug}-replica`, { bucketPrefix: `${prefix}-${slug}-dr-`, forceDestroy: false }, { parent: this, provider: secondary });
        const replicaVersioning = hardenBucket(`${name}-${slug}-replica`, replica, replicaKey, secondary);
        new aws.s3.BucketLifecycleConfiguration(`${name}-${slug}-replica`, { bucket: replica.id, rules: lifecycle[kind] }, { parent: this, provider: secondary, dependsOn: [replicaVersioning] });
        new aws.iam.RolePolicy(`${name}-${slug}-replication`, {
          role: replicationRole.id,
          policy: pulumi.all([bucket.arn, replica.arn, s3Key.arn, replicaKey.arn]).apply(([src, dst, srcKey, dstKey]) => JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              { Effect: "Allow", Action: ["s3:GetReplicationConfiguration", "s3:ListBucket"], Resource: src },
              { Effect: "Allow", Action: ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"], Resource: `${src}/*` },
              { Effect: "Allow", Action: ["s3:ReplicateObject", "s3:ReplicateTags"], Resource: `${dst}/*` },
              { Effect: "Allow", Action: ["kms:Decrypt"], Resource: srcKey },
              { Effect: "Allow", Action: ["kms:Encrypt", "kms:GenerateDataKey"], Resource: dstKey },
            ],
          })),
        }, o());
        new aws.s3.BucketReplicationConfig(`${name}-${slug}`, {
          bucket: bucket.id,
          role: replicationRole.arn,
          rules: [{
            id: "to-secondary-region",
            status: "Enabled",
            priority: 1,
            filter: {},
            deleteMarkerReplication: { status: "Disabled" },
            sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: "Enabled" } },
            destination: {
              bucket: replica.arn,
              storageClass: kind === "media" ? "STANDARD_IA" : "STANDARD",
              encryptionConfiguration: { replicaKmsKeyId: replicaKey.arn },
              // Replication Time Control: 99.99% of objects copied within 15 minutes, which is
              // the disaster-recovery RPO; the metrics let an alert fire when it slips.
              replicationTime: { status: "Enabled", time: { minutes: 15 } },
              metrics: { status: "Enabled", eventThreshold: { minutes: 15 } },
            },
          }],
        }, o({ dependsOn: [versioning, replicaVersioning] }));
      }
    }

    // Cross-region copies of RDS automated backups (snapshots + WAL) for regional disasters.
    if (secondary) {
      const backupKey = kmsKey("rds-replica", "RDS backups replicated to the secondary region", secondary);
      for (const [server, db] of [["main", mainDb], ["li", liDb]] as const) {
        new aws.rds.InstanceAutomatedBackupsReplication(`${name}-pg-${server}-backups`, {
          sourceDbInstanceArn: db.primary.arn,
          kmsKeyId: backupKey.arn,
          retentionPeriod: AWS_BACKUP_RETENTION_DAYS,
        }, { parent: this, provider: secondary });
      }
    }

    // IRSA roles for the object-store clients, scoped to their buckets and the S3 key.
    const serviceAccountAnnotations: Record<string, pulumi.Output<Record<string, string>>> = {};
    for (const [sa, namespace] of Object.entries(OBJECT_STORE_CLIENTS) as [keyof typeof OBJECT_STORE_CLIENTS, string][]) {
      const role = irsaRole(sa, namespace, sa);
      const access = CLIENT_BUCKETS[sa];
      new aws.iam.RolePolicy(`${name}-irsa-${sa}`, {
        role: role.id,
        policy: pulumi.all([
          pulumi.all(access.readWrite.map((k) => buckets[k].arn)),
          pulumi.all(access.readOnly.map((k) => buckets[k].arn)),
          s3Key.arn,
        ]).apply(([rw, ro, key]) => JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            { Effect: "Allow", Action: ["s3:ListBucket", "s3:GetBucketLocation"], Resource: [...rw, ...ro] },
            ...(rw.length ? [{ Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"], Resource: rw.map((a) => `${a}/*`) }] : []),
            ...(ro.length ? [{ Effect: "Allow", Action: ["s3:GetObject"], Resource: ro.map((a) => `${a}/*`) }] : []),
            { Effect: "Allow", Action: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"], Resource: key },
          ],
        })),
      }, o());
      serviceAccountAnnotations[sa] = role.arn.apply((arn): Record<string, string> => ({ "eks.amazonaws.com/role-arn": arn }));
    }

    // ---- ElastiCache Redis ----
    const cacheSg = dataSg("redis", 6379, "Redis from the EKS cluster only");
    const cacheSubnets = new aws.elasticache.SubnetGroup(`${name}-redis`, { subnetIds: privateSubnetIds, description: `${prefix} Redis subnets` }, o());
    const authToken = new random.RandomPassword(`${name}-redis-auth`, { length: 64, special: false }, { parent: this });
    // Multi-AZ failover needs a primary and at least one replica in another AZ.
    const cacheNodes = ha ? Math.max(2, sizing.redis.replicas) : Math.max(1, sizing.redis.replicas);
    const failover = cacheNodes >= 2;
    const redisGroup = new aws.elasticache.ReplicationGroup(`${name}-redis`, {
      replicationGroupId: `${prefix}-redis`.slice(0, 40),
      description: `${prefix} Redis for Synapse replication`,
      engine: "redis",
      engineVersion: "7.1",
      nodeType: sizing.redis.awsNodeType,
      numCacheClusters: cacheNodes,
      port: 6379,
      automaticFailoverEnabled: failover,
      multiAzEnabled: failover,
      subnetGroupName: cacheSubnets.name,
      securityGroupIds: [cacheSg.id],
      transitEncryptionEnabled: true,
      atRestEncryptionEnabled: true,
      kmsKeyId: cacheKey.arn,
      authToken: authToken.result,
      snapshotRetentionLimit: 7,
      snapshotWindow: "03:00-04:00",
      maintenanceWindow: "sun:05:00-sun:06:00",
      autoMinorVersionUpgrade: true,
      applyImmediately: !prod,
    }, o({ additionalSecretOutputs: ["authToken"] }));

    // ---- What the Matrix stack consumes ----
    const dataCidrs = [...PRIVATE_CIDRS];
    const connection = (db: DatabaseName): DatabaseConnection => {
      const server = databasesOn("li").includes(db) ? liDb : mainDb;
      const s = server === liDb ? sizing.liDatabase : sizing.database;
      const creds = server.bootstrap.credentials[db]!;
      return {
        host: server.primary.address,
        port: server.primary.port,
        database: creds.database,
        user: pulumi.output(creds.user),
        password: creds.password,
        // RDS enforces TLS (rds.force_ssl); verify-full would need the RDS CA bundle in pods.
        sslMode: "require",
        readHost: server.replicas[0]?.address,
        maxConnections: s.maxConnections,
        network: { kind: "cidr", cidrs: dataCidrs, port: 5432 },
      };
    };
    this.databases = Object.fromEntries(DATABASES.map((d) => [d, connection(d)])) as Record<DatabaseName, DatabaseConnection>;

    this.objectStore = {
      endpoint: pulumi.output(`https://s3.${region}.amazonaws.com`),
      region,
      buckets: { media: buckets.media.bucket, backups: buckets.backups.bucket, liMedia: buckets.liMedia.bucket },
      serviceAccountAnnotations,
      forcePathStyle: false,
      // S3 public endpoints (reached through the VPC gateway endpoint).
      network: { kind: "cidr", cidrs: ["0.0.0.0/0"], port: 443 },
    };

    this.redis = {
      host: redisGroup.primaryEndpointAddress,
      port: redisGroup.port.apply((p) => p ?? 6379),
      tls: true,
      password: pulumi.secret(authToken.result),
      network: { kind: "cidr", cidrs: dataCidrs, port: 6379 },
    };

    this.gateway = addons.gateway;
    this.clusterIssuer = addons.clusterIssuer;
    this.ready = [...nodeGroups, coreDns, ebsCsi, metricsServer, autoscaler, storageClass, ...addons.ready, mainDb.bootstrap.job, liDb.bootstrap.job];
    this.registerOutputs({
      clusterName: cluster.name,
      clusterEndpoint: cluster.endpoint,
      vpcId: vpc.id,
      databaseHost: mainDb.primary.address,
      liDatabaseHost: liDb.primary.address,
      redisHost: this.redis.host,
      buckets: this.objectStore.buckets,
      accountId: identity.accountId,
    });
  }

  placement(tier: NodeTier): Placement {
    return placementFor(this.sizing, tier);
  }
}
