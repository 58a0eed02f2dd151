import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type * as k8s from "@pulumi/kubernetes";
import * as random from "@pulumi/random";
import type { EnvironmentPreset } from "../../../catalog/environments";
import { imageRef } from "../../../catalog/images";
import type { DatabaseSizing, NodePool, NodeTier, RedisSizing } from "../../../sizing/types";
import { standardLabels } from "../../k8s/labels";
import { NAMESPACES } from "../../../catalog/namespaces";
import { StackNamespace } from "../../k8s/namespace";
import type { NetworkFlows } from "../../k8s/network";
import type { ClusterApiEndpoint } from "../../../config/spec";
import { LI_SYNC_ROLE, MONITORING_ROLE, type DatabaseMetricsAccess, type DatabaseName, type KubeApiEndpoint, type LiSyncAccess, type ObjectStore, type Placement, type Platform, type PlatformDatabases, type ProjectImageRefs, type ProjectImagesRequest, type RedisEndpoint } from "../../contracts";
import { grantedRoleSql, ownerRightsSql, type PostgresBootstrapArgs } from "../../data/postgres-bootstrap";
import { ProjectImages } from "../project-images";
import { ClusterAddons, type AddonSettings } from "../addons";
import { InternalCa } from "../../k8s/internal-ca";
import { declarePlatformFlows } from "../flows";
import { serverTrust, sharedPlatformFields, type DatabaseServer } from "../outputs";
import { placementFor } from "../placement";
import { createElastiCache } from "./cache";
import { createEksCluster, EKS_VERSION } from "./cluster";
import { createEksServices } from "./cluster-services";
import { replicateRdsBackups, createRdsServer, type RdsServer } from "./database";
import { createKmsKey, createPlatformKeys } from "./keys";
import { createDataSecurityGroup, createMediaSecurityGroup, createNetwork } from "./network";
import type { PublicPortRule } from "../../../render/rtc/exposure";
import { createNodeGroups } from "./node-groups";
import { createS3Storage } from "./object-storage";
import { createEcrRepositories } from "./registry";
import { AMAZON_TRUST_ROOTS_PEM } from "../../../catalog/amazon-trust-roots";
import { amazonRdsRootsPem } from "../../../catalog/amazon-rds-roots";

export { EKS_VERSION } from "./cluster";

/**
 * RDS enforces TLS (rds.force_ssl). The pods verify the server on top, verify-full against the
 * region's Amazon RDS roots (catalog/amazon-rds-roots.ts; the certificate names the endpoint);
 * `require` is left for regions those roots lack (GovCloud, ap-east-2), for the connection LI's
 * instance opens to main's (the subscription), which can be given no CA file, and for the
 * platform's own bootstrap Jobs.
 */
const RDS_SSL_MODE = "require" as const;
export { KEY_ROTATION_DAYS } from "./keys";

export interface AwsPlatformArgs {
  /** The databases the stack creates (contracts.ts deployedDatabases: the bridges' only while deployed). */
  databases: readonly DatabaseName[];
  /** Stack name: resource names and the `matrix-platform/stack` tag. */
  stack: string;
  /** Primary region. */
  region: string;
  /** Region of the disaster-recovery copies; used only when the preset asks for cross-region copies. Default: none. */
  secondaryRegion?: string;
  /**
   * The environment preset: zones, NAT gateways, Multi-AZ database, backup retention, deletion
   * protection, cross-region copies, HA.
   */
  preset: EnvironmentPreset;
  /** Node pools from sizing, one managed node group each. */
  nodePools: NodePool[];
  /** Main PostgreSQL server's sizing. */
  database: DatabaseSizing;
  /** LI PostgreSQL server's sizing; absent when LI is not deployed (then no LI server, bucket or roles). */
  liDatabase?: DatabaseSizing;
  /** Monitoring is deployed: Loki gets a logs bucket and its own workload identity. Default: false. */
  logsBucket?: boolean;
  /** Monitoring is deployed: each server gets the exporters' login (MONITORING_ROLE, pg_monitor). Default: false. */
  databaseMetrics?: boolean;
  /** ElastiCache nodes and node type. */
  redis: RedisSizing;
  /** Settings of the common cluster add-ons (`addonSettings`); their registry and chart overrides apply here too. */
  addons: AddonSettings;
  /** Who may reach the cluster's API endpoint: private (VPC only) or public for listed ranges. */
  clusterApi: ClusterApiEndpoint;
  /** The stack's flow registry; without it the platform writes its own FlowPolicies. Default: absent. */
  flows?: NetworkFlows;
  /** RTC media ports the edge nodes open to the internet, when calls are deployed. Default: absent. */
  rtcMedia?: { tier: NodePool["tier"]; rules: PublicPortRule[] };
  /** The project's images: built into a repository the stack creates here, or prebuilt. */
  projectImages: ProjectImagesRequest;
}

/**
 * AWS: a VPC over the preset's AZs, EKS with KMS-encrypted secrets and managed node groups per
 * tier, RDS PostgreSQL (main and a separate LI instance), ElastiCache Redis, S3 buckets
 * replicated to the secondary region where the preset asks, IRSA for every object-store client,
 * and the common add-ons. Each concern is a factory beside this file; this class only wires
 * their outputs into each other. Everything is raw @pulumi/aws so each property is visible to
 * tests and policy checks.
 */
export class AwsPlatform extends pulumi.ComponentResource implements Platform {
  readonly kind = "aws" as const;
  readonly provider: k8s.Provider;
  readonly storageClass: pulumi.Output<string>;
  readonly kubernetesVersion = EKS_VERSION;
  readonly databases: PlatformDatabases;
  readonly objectStore: ObjectStore;
  readonly redis: RedisEndpoint;
  readonly gateway: Platform["gateway"];
  readonly clusterIssuer: string;
  readonly internalCaIssuer?: string;
  readonly ready: pulumi.Resource[];
  readonly crdProviders: Platform["crdProviders"];
  readonly kubeApi: KubeApiEndpoint;
  readonly projectImages: ProjectImageRefs;
  readonly liSync?: LiSyncAccess;
  readonly databaseMetrics?: DatabaseMetricsAccess;
  readonly cluster: aws.eks.Cluster;
  private readonly nodePools: NodePool[];

  constructor(name: string, args: AwsPlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    super("matrix-platform:platform:AwsPlatform", name, {}, opts);
    const { preset, region } = args;
    this.nodePools = args.nodePools;
    const prefix = `matrix-${args.stack}`.slice(0, 28).replace(/-+$/, "");
    const tags = { "matrix-platform/stack": args.stack, "matrix-platform/environment": preset.name, "managed-by": "pulumi" };
    const awsProvider = new aws.Provider(`${name}-aws`, { region: region as aws.Region, defaultTags: { tags } }, { parent: this });
    const o = { parent: this, provider: awsProvider };
    const identity = aws.getCallerIdentityOutput({}, o);

    const keys = createPlatformKeys({ name, prefix, provider: awsProvider, parent: this });
    const network = createNetwork({ name, prefix, region, zones: preset.zones, natGateways: preset.natGateways }, o);
    const eks = createEksCluster({ name, prefix, subnetIds: network.privateSubnetIds, secretsKeyArn: keys.eks.arn, deletionProtection: preset.deletionProtection, api: args.clusterApi }, o);
    this.cluster = eks.cluster;
    const mediaSg = args.rtcMedia ? createMediaSecurityGroup({ name, prefix, vpcId: network.vpc.id, rules: args.rtcMedia.rules }, o) : undefined;
    const nodeGroups = createNodeGroups({
      name, prefix, pools: args.nodePools, clusterName: eks.cluster.name, subnetIds: network.privateSubnetIds,
      managedPolicy: eks.managedPolicy, tags, dependsOn: eks.networkAddons,
      ...(mediaSg ? { publicMedia: { tier: args.rtcMedia!.tier, subnetIds: network.publicSubnetIds, securityGroupIds: [eks.cluster.vpcConfig.clusterSecurityGroupId, mediaSg.id] } } : {}),
    }, o);
    const services = createEksServices({
      name, prefix, region, eks, nodeGroups, ebsKey: keys.ebs, retainVolumes: preset.deletionProtection,
      systemPlacement: this.placement("system"), imageRegistry: args.addons.imageRegistry, chartRepository: args.addons.chartRepository, localChart: args.addons.localCharts?.["cluster-autoscaler"], existingAutoscaler: args.addons.existing?.includes("cluster-autoscaler"),
    }, o);
    this.provider = services.provider;
    const provider = this.provider;
    this.storageClass = services.storageClass.metadata.name;

    // The API server's endpoints are the control-plane ENIs EKS places in the cluster's (private)
    // subnets, answering on 443: controllers' egress is opened to those ranges only.
    this.kubeApi = { cidrs: [...network.privateCidrs], ports: [443] };
    const addons = new ClusterAddons(`${name}-addons`, {
      ...args.addons,
      kubeApi: this.kubeApi,
      provider,
      placement: (t) => this.placement(t),
      cloudnativePg: false,
      minioOperator: false,
      loadBalancerAnnotations: {
        "service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
        "service.beta.kubernetes.io/aws-load-balancer-cross-zone-load-balancing-enabled": "true",
      },
      dependsOn: [...nodeGroups, services.coreDns, services.ebsCsi],
      flows: args.flows,
    }, { parent: this });
    // The internal CA, while mutual TLS between HAProxy and Synapse needs it (components/k8s/internal-ca.ts).
    const internalCa = args.addons.internalCa ? new InternalCa(`${name}-internal-ca`, { provider, domain: args.addons.domain, crds: addons.crdProviders, dependsOn: [addons.certManager] }, { parent: this }) : undefined;
    this.internalCaIssuer = internalCa?.issuer;

    // ---- PostgreSQL: RDS in the private subnets, reachable from the cluster only ----
    const clusterSg = eks.cluster.vpcConfig.clusterSecurityGroupId;
    const dbSubnets = new aws.rds.SubnetGroup(`${name}-db`, { subnetIds: network.privateSubnetIds, description: `${prefix} private database subnets` }, o);
    const pgSg = createDataSecurityGroup({ name, prefix, service: "postgres", vpcId: network.vpc.id, port: 5432, description: "PostgreSQL from the EKS cluster only", clusterSecurityGroupId: clusterSg }, o);
    const dataNs = new StackNamespace(`${name}-data`, {
      name: NAMESPACES.data,
      labels: standardLabels(NAMESPACES.data, "namespace", "platform"),
      flows: args.flows,
    }, { parent: this, provider, dependsOn: nodeGroups }).namespace;
    // The bootstrap Jobs reach the RDS servers in the private subnets, nothing else.
    declarePlatformFlows(`${name}-data-flows`, "data", [{
      from: { namespace: NAMESPACES.data, podLabels: { "app.kubernetes.io/name": "postgres-bootstrap" } },
      to: { kind: "cidr", cidrs: [...network.privateCidrs], port: 5432 },
      description: "database bootstrap -> RDS",
    }], { flows: args.flows, provider, parent: this, dependsOn: [dataNs] });
    // With LI: the sync's login on main (rds_replication: RDS's way to the replication right, its
    // SELECT grants come from the publisher Job), and on LI's server synapse-li's owner may create
    // the sync's databases and its subscription.
    const liSyncPassword = args.liDatabase ? pulumi.secret(new random.RandomPassword(`${name}-li-sync-password`, { length: 40, special: false }, { parent: this }).result) : undefined;
    // With monitoring: the exporters' login on each server, in pg_monitor (statistics, no table).
    const monitorPassword = args.databaseMetrics ? pulumi.secret(new random.RandomPassword(`${name}-pg-monitor-password`, { length: 40, special: false }, { parent: this }).result) : undefined;
    const extra = (server: "main" | "li"): PostgresBootstrapArgs["extra"] => {
      const parts: NonNullable<PostgresBootstrapArgs["extra"]>[] = [];
      if (liSyncPassword) {
        parts.push(server === "main"
          ? { sql: grantedRoleSql(LI_SYNC_ROLE, ["rds_replication"]), passwords: { [`PW_${LI_SYNC_ROLE.toUpperCase()}`]: liSyncPassword } }
          : { sql: ownerRightsSql("synapseLi", { createdb: true, inRoles: ["pg_create_subscription"] }), passwords: {} });
      }
      if (monitorPassword) parts.push({ sql: grantedRoleSql(MONITORING_ROLE, ["pg_monitor"]), passwords: { [`PW_${MONITORING_ROLE.toUpperCase()}`]: monitorPassword } });
      if (parts.length === 0) return undefined;
      return { sql: parts.map((p) => p.sql).join("\n"), passwords: Object.assign({}, ...parts.map((p) => p.passwords)) };
    };
    // The bootstrap Job verifies RDS like every other client (the roots of the stack's region).
    const rdsRootsPem = amazonRdsRootsPem(region);
    const rds = (server: "main" | "li", sizing: DatabaseSizing) => createRdsServer({
      name, prefix, server, databases: args.databases, sizing, preset, subnetGroupName: dbSubnets.name, securityGroupId: pgSg.id, kmsKeyArn: keys.rds.arn,
      bootstrap: { provider, namespace: dataNs.metadata.name, image: imageRef("postgresql", args.addons.imageRegistry), placement: this.placement("system"), dependsOn: [dataNs], extra: extra(server), ...(rdsRootsPem ? { serverCaPem: rdsRootsPem } : {}) },
    }, o);
    const mainDb = rds("main", args.database);
    const liDb = args.liDatabase ? rds("li", args.liDatabase) : undefined;
    if (liDb) {
      // The subscription's connection: LI's server (in the same security group) to main's primary.
      new aws.vpc.SecurityGroupIngressRule(`${name}-postgres-from-li`, {
        securityGroupId: pgSg.id,
        referencedSecurityGroupId: pgSg.id,
        ipProtocol: "tcp",
        fromPort: 5432,
        toPort: 5432,
        description: "LI's RDS server to main's (the LI sync's logical replication)",
      }, o);
    }

    // ---- Object storage, and the disaster-recovery copies in the secondary region ----
    const secondary = preset.crossRegionReplication && args.secondaryRegion
      ? new aws.Provider(`${name}-aws-secondary`, { region: args.secondaryRegion as aws.Region, defaultTags: { tags } }, { parent: this })
      : undefined;
    const secondaryKey = (purpose: string, description: string) => createKmsKey({ name, prefix, purpose, description, provider: secondary!, parent: this });
    const s3 = createS3Storage({
      name, prefix, kmsKey: keys.s3, deletionProtection: preset.deletionProtection, backupRetentionDays: preset.backupRetentionDays,
      secondary: secondary ? { provider: secondary, kmsKey: secondaryKey("s3-replica", "S3 replicas in the secondary region") } : undefined,
      irsaRole: eks.irsaRole,
      li: liDb !== undefined,
      logs: args.logsBucket === true,
    }, o);
    if (secondary) {
      replicateRdsBackups({
        name,
        primaries: [{ server: "main", arn: mainDb.primary.arn }, ...(liDb ? [{ server: "li" as const, arn: liDb.primary.arn }] : [])],
        kmsKeyArn: secondaryKey("rds-replica", "RDS backups replicated to the secondary region").arn,
        retentionDays: preset.backupRetentionDays,
      }, { parent: this, provider: secondary });
    }

    // ---- The project's images: ECR repositories, built and pushed by the up ----
    const toBuild = args.projectImages.images.filter((i) => args.projectImages.prebuilt[i] === undefined);
    const ecr = createEcrRepositories({ name, prefix, images: toBuild, deletionProtection: preset.deletionProtection }, o);
    this.projectImages = new ProjectImages(`${name}-images`, { ...args.projectImages, ...(ecr ? { target: ecr } : {}) }, { parent: this }).refs;

    // ---- Redis ----
    const cacheSg = createDataSecurityGroup({ name, prefix, service: "redis", vpcId: network.vpc.id, port: 6379, description: "Redis from the EKS cluster only", clusterSecurityGroupId: clusterSg }, o);
    const cache = createElastiCache({
      name, prefix, sizing: args.redis, subnetIds: network.privateSubnetIds, securityGroupId: cacheSg.id, kmsKeyArn: keys.cache.arn,
      applyImmediately: !preset.highAvailability,
    }, o);

    // ---- What the Matrix stack consumes ----
    const dataCidrs = [...network.privateCidrs];
    const rdsRoots = amazonRdsRootsPem(region);
    const rdsCa = rdsRoots ? { serverCaCertificate: pulumi.output(rdsRoots), certificateNamesHost: true } : {};
    const rdsTrust = serverTrust(rdsCa, RDS_SSL_MODE);
    const server = (db: RdsServer, sizing: DatabaseSizing): DatabaseServer => ({
      ...rdsCa,
      host: db.primary.address,
      port: db.primary.port,
      readHost: db.replicas[0]?.address,
      maxConnections: sizing.maxConnections,
      network: { kind: "cidr", cidrs: dataCidrs, port: 5432 },
      credentials: db.bootstrap.credentials,
    });
    const shared = sharedPlatformFields({
      databases: args.databases,
      addons,
      servers: { main: server(mainDb, args.database), ...(liDb && args.liDatabase ? { li: server(liDb, args.liDatabase) } : {}) },
      sslMode: RDS_SSL_MODE,
      readyBefore: services.ready,
      readyAfter: [mainDb.bootstrap.job, ...(liDb ? [liDb.bootstrap.job] : [])],
    });
    this.databases = shared.databases;
    this.gateway = shared.gateway;
    this.clusterIssuer = shared.clusterIssuer;
    this.ready = internalCa ? [...shared.ready, ...internalCa.ready] : shared.ready;
    this.crdProviders = shared.crdProviders;

    if (liDb && liSyncPassword) {
      const peer = { kind: "cidr" as const, cidrs: dataCidrs, port: 5432 };
      this.liSync = {
        main: {
          primaryHost: mainDb.primary.address, readHost: mainDb.replicas[0]?.address ?? mainDb.primary.address, port: mainDb.primary.port, primaryNetwork: peer, readNetwork: peer,
          primaryTrust: rdsTrust,
          readTrust: rdsTrust,
          // LI's RDS instance opens the subscription's connection and takes no CA file.
          subscriptionTls: { sslMode: RDS_SSL_MODE },
        },
        login: { user: LI_SYNC_ROLE, password: liSyncPassword, replicationGrantedBy: "platform" },
        ready: [mainDb.bootstrap.job],
      };
    }

    if (monitorPassword) {
      const endpoints = (db: RdsServer, server: "main" | "li") => [
        { server, instance: "primary", host: db.primary.address, port: db.primary.port, caCertificate: rdsTrust.caCertificate },
        ...db.replicas.map((r, i) => ({ server, instance: `replica-${i}`, host: r.address, port: r.port, caCertificate: rdsTrust.caCertificate })),
      ];
      this.databaseMetrics = {
        endpoints: [...endpoints(mainDb, "main"), ...(liDb ? endpoints(liDb, "li") : [])],
        login: { user: MONITORING_ROLE, password: monitorPassword },
        sslMode: rdsTrust.sslMode,
        network: { kind: "cidr", cidrs: dataCidrs, port: 5432 },
        ready: [mainDb.bootstrap.job, ...(liDb ? [liDb.bootstrap.job] : [])],
      };
    }

    this.objectStore = {
      endpoint: pulumi.output(`https://s3.${region}.amazonaws.com`),
      region,
      buckets: {
        media: s3.buckets.media.bucket, backups: s3.buckets.backups.bucket,
        ...(s3.buckets.liMedia ? { liMedia: s3.buckets.liMedia.bucket } : {}),
        ...(s3.buckets.logs ? { logs: s3.buckets.logs.bucket } : {}),
      },
      serviceAccountAnnotations: s3.serviceAccountAnnotations,
      forcePathStyle: false,
      nativeApi: "s3",
      // S3 public endpoints (reached through the VPC gateway endpoint).
      network: { kind: "cidr", cidrs: ["0.0.0.0/0"], port: 443 },
    };
    this.redis = {
      host: cache.group.primaryEndpointAddress,
      port: cache.group.port.apply((p) => p ?? 6379),
      tls: true,
      // Public roots (Amazon Trust Services), handed over as a file for the clients that verify
      // against one (Synapse's verifying Redis proxy): catalog/amazon-trust-roots.ts.
      caCertificate: pulumi.output(AMAZON_TRUST_ROOTS_PEM),
      certificateNamesHost: true,
      password: cache.authToken,
      network: { kind: "cidr", cidrs: dataCidrs, port: 6379 },
    };

    this.registerOutputs({
      clusterName: eks.cluster.name,
      clusterEndpoint: eks.cluster.endpoint,
      vpcId: network.vpc.id,
      databaseHost: mainDb.primary.address,
      ...(liDb ? { liDatabaseHost: liDb.primary.address } : {}),
      redisHost: this.redis.host,
      buckets: this.objectStore.buckets,
      accountId: identity.accountId,
    });
  }

  placement(tier: NodeTier): Placement {
    return placementFor({ nodePools: this.nodePools }, tier);
  }
}
