/**
 * Cost from what is created: a price function per priced resource type, applied to the resources
 * a stack registers (the mock plan's resources.json or `pulumi preview --json`'s steps), so
 * nothing that is not created is priced. Rates come only from catalog/prices.ts; a rate the table
 * does not have makes the line unpriced with its reason (UNPRICED_RATES), never a guess.
 * How much is stored (object storage) comes from Sizing, the one usage figure resources do not carry.
 */
import {
  AWS_EXTRA_PRICES,
  AWS_PRICES,
  AWS_RDS_MULTI_AZ_FACTOR,
  GCP_CLOUD_SQL_HA_FACTOR,
  GCP_PRICES,
  HOURS_PER_MONTH,
  ON_PREM,
  PRICED_REGIONS,
  UNPRICED_RATES,
  awsInstanceHourly,
  gcpMachineHourly,
  rdsClassHourly,
  type UnpricedRate,
} from "../catalog/prices";
import { GI_TO_GB } from "../sizing/data-service-sizing";
import type { Sizing } from "../sizing/types";

type Obj = Record<string, any>;

export interface PricedResource {
  type: string;
  name: string;
  inputs: Obj;
}

export interface ResourceCostLine {
  /** What is billed, e.g. "node group homeserver". */
  item: string;
  /** `<type>::<name>` of the resource it prices. */
  resource: string;
  /** The billed quantity in words. */
  quantity: string;
  /** USD per month, or null when unpriced. */
  monthlyUsd: number | null;
  /** Why it is unpriced: a declared missing rate, or `missing` when the table lacks an entry it should have. */
  unpriced?: UnpricedRate | "missing";
  /** Factors applied, or the reason for an unpriced line. */
  note?: string;
}

export interface UsageFigures {
  /** GiB kept in object storage (media, backups, LI media), from Sizing. */
  objectStoreGi: number;
  /** What the cluster's nodes must offer (Sizing's node pools): picks the on-prem server option. */
  nodeVcpu?: number;
  nodeMemoryGi?: number;
}

export interface ResourceCost {
  platform: "aws" | "gcp" | "existing";
  region?: string;
  currency: "USD";
  lines: ResourceCostLine[];
  /** Sum of the priced lines, USD per month. */
  monthlyUsd: number;
  /** Lines without a price, with the reason. */
  unpriced: { item: string; reason: string }[];
}

const monthly = (hourly: number) => hourly * HOURS_PER_MONTH;
const rid = (r: PricedResource) => `${r.type}::${r.name}`;
const unpriced = (r: PricedResource, item: string, quantity: string, rate: UnpricedRate): ResourceCostLine => ({ item, resource: rid(r), quantity, monthlyUsd: null, unpriced: rate, note: UNPRICED_RATES[rate] });
const missing = (r: PricedResource, item: string, quantity: string, what: string): ResourceCostLine => ({ item, resource: rid(r), quantity, monthlyUsd: null, unpriced: "missing", note: `${what} is not in catalog/prices.ts` });

type PriceFn = (r: PricedResource, all: PricedResource[], usage: UsageFigures) => ResourceCostLine[];

// --- AWS --------------------------------------------------------------------------------------

const awsNodeGroup: PriceFn = (r, all) => {
  const type = String((r.inputs.instanceTypes ?? [])[0] ?? "");
  const count = Number(r.inputs.scalingConfig?.desiredSize ?? 0);
  const hourly = awsInstanceHourly(type);
  const tier = r.name.replace(/^.*?-/, "");
  const lines: ResourceCostLine[] = [
    hourly === undefined ? missing(r, `node group ${tier}`, `${count} x ${type}`, type) : { item: `node group ${tier}`, resource: rid(r), quantity: `${count} x ${type}`, monthlyUsd: count * monthly(hourly) },
  ];
  // Root volumes come from the group's launch template (same resource name).
  const lt = all.find((x) => x.type === "aws:ec2/launchTemplate:LaunchTemplate" && x.name === r.name);
  const gb = ((lt?.inputs.blockDeviceMappings ?? []) as Obj[]).reduce((t, m) => t + Number(m.ebs?.volumeSize ?? 0), 0);
  if (gb > 0) lines.push({ item: `node root volumes ${tier}`, resource: rid(r), quantity: `${count} x ${gb} GB gp3`, monthlyUsd: count * gb * AWS_PRICES.gp3.usd });
  return lines;
};

const awsRds: PriceFn = (r, all) => {
  const cls = String(r.inputs.instanceClass ?? "");
  const multiAz = r.inputs.multiAz === true || r.inputs.multiAz === "true";
  const factor = multiAz ? AWS_RDS_MULTI_AZ_FACTOR : 1;
  const source = r.inputs.replicateSourceDb ? all.find((x) => x.type === r.type && x.inputs.identifier === r.inputs.replicateSourceDb) : undefined;
  const storageGb = Number(r.inputs.allocatedStorage ?? source?.inputs.allocatedStorage ?? 0);
  const role = r.inputs.replicateSourceDb ? "read replica" : "PostgreSQL";
  const hourly = rdsClassHourly(cls);
  const name = `${role} ${r.inputs.identifier ?? r.name}`;
  return [
    hourly === undefined ? missing(r, `${name} compute`, cls, cls) : { item: `${name} compute`, resource: rid(r), quantity: `${cls}${multiAz ? " Multi-AZ" : ""}`, monthlyUsd: factor * monthly(hourly), note: multiAz ? "Multi-AZ x2" : undefined },
    { item: `${name} storage`, resource: rid(r), quantity: `${storageGb} GB gp3${multiAz ? " x 2 (Multi-AZ)" : ""}`, monthlyUsd: factor * storageGb * AWS_EXTRA_PRICES.rdsGp3.usd },
  ];
};

/** S3 buckets that receive a replication copy: each destination belongs to the bucket with the longest matching prefix. */
function replicaBuckets(all: PricedResource[]): Set<PricedResource> {
  const buckets = all.filter((x) => x.type === "aws:s3/bucket:Bucket");
  const prefix = (b: PricedResource) => String(b.inputs.bucketPrefix ?? b.inputs.bucket ?? "");
  const out = new Set<PricedResource>();
  for (const rc of all.filter((x) => x.type === "aws:s3/bucketReplicationConfig:BucketReplicationConfig")) {
    for (const rule of (rc.inputs.rules ?? []) as Obj[]) {
      const dest = String(rule.destination?.bucket ?? "").replace(/^arn:aws:s3:::/, "");
      const owner = buckets.filter((b) => prefix(b) && dest.startsWith(prefix(b))).sort((a, b) => prefix(b).length - prefix(a).length)[0];
      if (owner) out.add(owner);
    }
  }
  return out;
}

const awsBuckets = (all: PricedResource[], usage: UsageFigures): ResourceCostLine[] => {
  const buckets = all.filter((x) => x.type === "aws:s3/bucket:Bucket");
  const replicas = replicaBuckets(all);
  const primaries = buckets.filter((b) => !replicas.has(b));
  const copies = buckets.length - primaries.length;
  const gb = usage.objectStoreGi * GI_TO_GB;
  const lines: ResourceCostLine[] = [];
  if (primaries.length) lines.push({ item: "object storage", resource: primaries.map(rid).join(", "), quantity: `${Math.round(gb)} GB S3 Standard in ${primaries.length} bucket(s)`, monthlyUsd: gb * AWS_PRICES.s3Standard.usd, note: "stored bytes from sizing (media, backups, LI media)" });
  if (copies) lines.push({ item: "object storage, cross-region copy", resource: [...replicas].map(rid).join(", "), quantity: `${Math.round(gb)} GB in ${copies} replica bucket(s)`, monthlyUsd: gb * AWS_PRICES.s3Standard.usd, note: `priced at ${PRICED_REGIONS.aws}'s S3 Standard rate (the table's only S3 region)` });
  return lines;
};

const AWS: Record<string, PriceFn> = {
  "aws:eks/nodeGroup:NodeGroup": awsNodeGroup,
  "aws:eks/cluster:Cluster": (r) => [r.inputs.upgradePolicy?.supportType === "EXTENDED"
    ? missing(r, "EKS cluster fee", "1 cluster (extended support)", "EKS extended support")
    : { item: "EKS cluster fee", resource: rid(r), quantity: "1 cluster", monthlyUsd: monthly(AWS_PRICES.eksCluster.usd) }],
  "aws:rds/instance:Instance": awsRds,
  "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication": (r) => [unpriced(r, "RDS backups, cross-region copy", `${r.inputs.retentionPeriod ?? "?"} days`, "rdsBackupCopy")],
  "aws:elasticache/replicationGroup:ReplicationGroup": (r) => [unpriced(r, "Redis (ElastiCache)", `${r.inputs.numCacheClusters ?? 1} x ${r.inputs.nodeType}`, "elastiCacheNode")],
  "aws:s3/bucketReplicationConfig:BucketReplicationConfig": (r) => [unpriced(r, `replication transfer ${r.name.replace(/^.*?-/, "")}`, "per GB replicated", "crossRegionTransfer")],
  "aws:ec2/natGateway:NatGateway": (r) => [{ item: "NAT gateway", resource: rid(r), quantity: "1 gateway", monthlyUsd: monthly(AWS_PRICES.natGateway.usd), note: `hours only; plus ${AWS_PRICES.natGatewayData.usd} USD per GB processed` }],
  "aws:ec2/eip:Eip": (r) => [unpriced(r, "public IPv4 address", "1 address", "publicIpv4")],
  "aws:kms/key:Key": (r) => [{ item: "KMS key", resource: rid(r), quantity: "1 key", monthlyUsd: AWS_EXTRA_PRICES.kmsKey.usd, note: r.inputs.enableKeyRotation ? "each rotation adds $1/month for the kept key material" : undefined }],
  "aws:cloudwatch/logGroup:LogGroup": (r) => [unpriced(r, "control-plane logs", `${r.inputs.retentionInDays ?? "?"} days retention`, "logIngestion")],
};

// --- GCP --------------------------------------------------------------------------------------

const gcpNodePool: PriceFn = (r) => {
  const type = String(r.inputs.nodeConfig?.machineType ?? "");
  const count = Number(r.inputs.autoscaling?.totalMinNodeCount ?? r.inputs.nodeCount ?? r.inputs.initialNodeCount ?? 0);
  const hourly = gcpMachineHourly(type);
  const pool = String(r.inputs.name ?? r.name);
  const disk = Number(r.inputs.nodeConfig?.diskSizeGb ?? 0);
  const diskRate = r.inputs.nodeConfig?.diskType === "pd-ssd" ? GCP_PRICES.pdSsd : GCP_PRICES.pdBalanced;
  return [
    hourly === undefined ? missing(r, `node pool ${pool}`, `${count} x ${type}`, type) : { item: `node pool ${pool}`, resource: rid(r), quantity: `${count} x ${type}`, monthlyUsd: count * monthly(hourly), note: "the pool's minimum (the autoscaler may add nodes)" },
    ...(disk > 0 ? [{ item: `node boot disks ${pool}`, resource: rid(r), quantity: `${count} x ${disk} GB ${r.inputs.nodeConfig?.diskType ?? "pd-balanced"}`, monthlyUsd: count * disk * diskRate.usd }] : []),
  ];
};

const gcpSql: PriceFn = (r) => {
  const tier = String(r.inputs.settings?.tier ?? "");
  const m = /^db-custom-(\d+)-(\d+)$/.exec(tier);
  const ha = r.inputs.settings?.availabilityType === "REGIONAL";
  const factor = ha ? GCP_CLOUD_SQL_HA_FACTOR : 1;
  const role = r.inputs.masterInstanceName ? "read replica" : "PostgreSQL";
  const name = `${role} ${r.inputs.name ?? r.name}`;
  const hourly = m ? Number(m[1]) * GCP_PRICES.cloudSqlVcpu.usd + (Number(m[2]) / 1024) * GCP_PRICES.cloudSqlMemory.usd : undefined;
  return [
    hourly === undefined ? missing(r, `${name} compute`, tier, tier) : { item: `${name} compute`, resource: rid(r), quantity: `${tier}${ha ? " HA" : ""}`, monthlyUsd: factor * monthly(hourly), note: ha ? "HA x2" : undefined },
    unpriced(r, `${name} storage`, `${r.inputs.settings?.diskSize ?? "auto"} GB ${r.inputs.settings?.diskType ?? ""}`.trim(), "cloudSqlStorage"),
  ];
};

const gcpBuckets = (all: PricedResource[], usage: UsageFigures): ResourceCostLine[] => {
  const buckets = all.filter((x) => x.type === "gcp:storage/bucket:Bucket");
  if (!buckets.length) return [];
  const dual = buckets.some((b) => ((b.inputs.customPlacementConfig?.dataLocations ?? []) as unknown[]).length > 1);
  const gb = usage.objectStoreGi * GI_TO_GB * (dual ? 2 : 1);
  return [{
    item: "object storage",
    resource: buckets.map(rid).join(", "),
    quantity: `${Math.round(usage.objectStoreGi * GI_TO_GB)} GB GCS Standard${dual ? " x 2 regions" : ""} in ${buckets.length} bucket(s)`,
    monthlyUsd: gb * GCP_PRICES.gcsStandard.usd,
    note: dual ? "dual-region buckets priced as two copies at the regional Standard rate (the table has no dual-region rate)" : "stored bytes from sizing",
  }];
};

const GCP: Record<string, PriceFn> = {
  "gcp:container/nodePool:NodePool": gcpNodePool,
  "gcp:container/cluster:Cluster": (r) => [{ item: "GKE cluster fee", resource: rid(r), quantity: "1 cluster", monthlyUsd: monthly(GCP_PRICES.gkeCluster.usd) }],
  "gcp:sql/databaseInstance:DatabaseInstance": gcpSql,
  "gcp:redis/instance:Instance": (r) => [unpriced(r, "Redis (Memorystore)", `${r.inputs.tier} ${r.inputs.memorySizeGb} GB`, "memorystore")],
  "gcp:compute/routerNat:RouterNat": (r) => [{ item: "Cloud NAT", resource: rid(r), quantity: "1 gateway", monthlyUsd: monthly(GCP_PRICES.cloudNat.usd), note: `hours only; plus ${GCP_PRICES.cloudNatData.usd} USD per GB processed` }],
  "gcp:kms/cryptoKey:CryptoKey": (r) => [unpriced(r, "Cloud KMS key", "1 key", "gcpKmsKey")],
};

// --- Kubernetes objects with a cloud bill -------------------------------------------------------

/** The edge Gateway becomes one cloud load balancer (Envoy Gateway's Service of type LoadBalancer). */
const gatewayLoadBalancer = (platform: "aws" | "gcp"): PriceFn => (r) =>
  platform === "aws"
    ? [{ item: "network load balancer", resource: rid(r), quantity: "1 NLB", monthlyUsd: monthly(AWS_EXTRA_PRICES.networkLoadBalancer.usd), note: "hours only; plus NLCU usage" }]
    : [unpriced(r, "load balancer", "1 forwarding rule", "gcpLoadBalancer")];

/** PVCs of StatefulSets: replicas x claim size on the cloud's block storage. */
const statefulSetVolumes = (platform: "aws" | "gcp"): PriceFn => (r) => {
  const replicas = Number(r.inputs.spec?.replicas ?? 1);
  const gi = ((r.inputs.spec?.volumeClaimTemplates ?? []) as Obj[]).reduce((t, c) => t + giOf(c.spec?.resources?.requests?.storage), 0);
  if (!gi) return [];
  const rate = platform === "aws" ? AWS_PRICES.gp3 : GCP_PRICES.pdBalanced;
  return [{ item: `volumes ${r.inputs.metadata?.name ?? r.name}`, resource: rid(r), quantity: `${replicas} x ${gi} GiB`, monthlyUsd: replicas * gi * GI_TO_GB * rate.usd }];
};

function giOf(q: unknown): number {
  const m = /^(\d+(?:\.\d+)?)(Gi|Ti|Mi)?$/.exec(String(q ?? ""));
  if (!m) return 0;
  return Number(m[1]) * (m[2] === "Ti" ? 1024 : m[2] === "Mi" ? 1 / 1024 : 1);
}

/**
 * Cloud resource types that cost nothing by themselves (networking plumbing, IAM, configuration
 * attached to a priced resource, or priced through another resource): the test requires every
 * cloud type a preset registers to be priced or listed here.
 */
export const FREE_TYPES = new Set([
  "aws:ec2/vpc:Vpc", "aws:ec2/subnet:Subnet", "aws:ec2/routeTable:RouteTable", "aws:ec2/routeTableAssociation:RouteTableAssociation",
  "aws:ec2/internetGateway:InternetGateway", "aws:ec2/securityGroup:SecurityGroup", "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  "aws:ec2/vpcEndpoint:VpcEndpoint", // a Gateway endpoint for S3: no charge
  "aws:ec2/launchTemplate:LaunchTemplate", // its volumes are priced with the node group
  "aws:eks/addon:Addon", "aws:iam/openIdConnectProvider:OpenIdConnectProvider", "aws:iam/role:Role", "aws:iam/rolePolicy:RolePolicy", "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  "aws:elasticache/subnetGroup:SubnetGroup", "aws:rds/parameterGroup:ParameterGroup", "aws:rds/subnetGroup:SubnetGroup",
  "aws:s3/bucket:Bucket", // priced together as object storage
  "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "aws:s3/bucketOwnershipControls:BucketOwnershipControls", "aws:s3/bucketPolicy:BucketPolicy",
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "aws:s3/bucketVersioning:BucketVersioning",
  "gcp:compute/network:Network", "gcp:compute/subnetwork:Subnetwork", "gcp:compute/firewall:Firewall", "gcp:compute/router:Router",
  "gcp:compute/globalAddress:GlobalAddress", // an internal range for private services access
  "gcp:servicenetworking/connection:Connection", "gcp:projects/service:Service", "gcp:projects/serviceIdentity:ServiceIdentity", "gcp:projects/iAMMember:IAMMember",
  "gcp:serviceaccount/account:Account", "gcp:serviceaccount/iAMMember:IAMMember", "gcp:kms/keyRing:KeyRing", "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember",
  "gcp:sql/database:Database", "gcp:sql/user:User", "gcp:storage/bucketIAMMember:BucketIAMMember", "gcp:storage/hmacKey:HmacKey",
  "gcp:storage/bucket:Bucket", // priced together as object storage
  // The project's images: a few hundred MB a build, 20 kept (ECR $0.10/GB-month, Artifact
  // Registry $0.10/GB-month beyond 0.5 GB free): about a dollar a month, below the plan's rounding.
  "aws:ecr/repository:Repository", "aws:ecr/lifecyclePolicy:LifecyclePolicy", "gcp:artifactregistry/repository:Repository",
  // LI's media copy: Storage Transfer Service charges nothing for bucket-to-bucket transfers in GCS
  // (the objects' storage is priced with the LI bucket).
  "gcp:storage/transferJob:TransferJob",
]);

/** Resource types with a price function on `platform` (the test's list of priced types). */
export function pricedTypes(platform: "aws" | "gcp"): string[] {
  return [...Object.keys(platform === "aws" ? AWS : GCP), "kubernetes:gateway.networking.k8s.io/v1:Gateway", "kubernetes:apps/v1:StatefulSet"];
}

/** The region a stack's default cloud provider is configured for. */
function providerRegion(all: PricedResource[], platform: "aws" | "gcp"): string | undefined {
  const p = all.find((x) => x.type === `pulumi:providers:${platform}` && x.inputs.region);
  return p ? String(p.inputs.region) : undefined;
}

/** The smallest of the analysis's server options that holds the node pools' cores and memory. */
export function onPremOption(usage: UsageFigures): number {
  const i = ON_PREM.serverOptions.findIndex((o) => (usage.nodeVcpu ?? Infinity) <= o.cores && (usage.nodeMemoryGi ?? Infinity) * GI_TO_GB <= o.memoryGb);
  return i < 0 ? ON_PREM.serverOptions.length - 1 : i;
}

function onPremLines(usage: UsageFigures): ResourceCostLine[] {
  const chosen = onPremOption(usage);
  const lines: ResourceCostLine[] = ON_PREM.serverOptions.map((o, i) => ({
    item: `servers: ${o.name}`,
    resource: "hardware analysis",
    quantity: `$${o.lowUsd.toLocaleString("en-US")}-$${o.highUsd.toLocaleString("en-US")} over ${ON_PREM.amortisationMonths} months`,
    monthlyUsd: i === chosen ? (o.lowUsd + o.highUsd) / 2 / ON_PREM.amortisationMonths : null,
    note:
      i === chosen
        ? `smallest option holding ${usage.nodeVcpu ?? "?"} vCPU / ${usage.nodeMemoryGi ?? "?"} GiB; midpoint of its range (counted in the total)`
        : `alternative: $${Math.round(o.lowUsd / ON_PREM.amortisationMonths).toLocaleString("en-US")}-$${Math.round(o.highUsd / ON_PREM.amortisationMonths).toLocaleString("en-US")}/month (not counted)`,
  }));
  for (const [k, usd] of Object.entries(ON_PREM.monthly)) lines.push({ item: k, resource: "hardware analysis", quantity: "per month", monthlyUsd: usd });
  return lines;
}

/** The usage figures Sizing supplies: stored bytes, and the nodes' total shape. */
export function usageOf(sizing: Sizing): UsageFigures {
  return {
    objectStoreGi: sizing.objectStore.capacityGi,
    nodeVcpu: sizing.nodePools.reduce((t, p) => t + p.nodeCount * p.machine.vcpu, 0),
    nodeMemoryGi: sizing.nodePools.reduce((t, p) => t + p.nodeCount * p.machine.memoryGi, 0),
  };
}

/**
 * Whether a stack's cost on `platform` depends on the resources it registers. An existing
 * cluster's is the hardware analysis's server option for Sizing's node pools, whatever the
 * program registers: a driver may price it without running the program.
 */
export function pricesResources(platform: "aws" | "gcp" | "existing"): platform is "aws" | "gcp" {
  return platform !== "existing";
}

/** Prices every registered resource of a stack on `platform`. */
export function costOfResources(resources: PricedResource[], platform: "aws" | "gcp" | "existing", usage: UsageFigures): ResourceCost {
  let lines: ResourceCostLine[] = [];
  let region: string | undefined;
  if (!pricesResources(platform)) {
    lines = onPremLines(usage);
  } else {
    const fns = platform === "aws" ? AWS : GCP;
    region = providerRegion(resources, platform);
    for (const r of resources) {
      const fn = fns[r.type] ?? (r.type === "kubernetes:gateway.networking.k8s.io/v1:Gateway" ? gatewayLoadBalancer(platform) : r.type === "kubernetes:apps/v1:StatefulSet" ? statefulSetVolumes(platform) : undefined);
      if (fn) lines.push(...fn(r, resources, usage));
    }
    lines.push(...(platform === "aws" ? awsBuckets(resources, usage) : gcpBuckets(resources, usage)));
    if (region && region !== PRICED_REGIONS[platform]) {
      // The dated table holds one region per cloud: elsewhere every line is unpriced.
      lines = lines.map((l) => ({ ...l, monthlyUsd: null, unpriced: "missing", note: `no dated prices for ${region} (catalog/prices.ts has ${PRICED_REGIONS[platform]})` }));
    }
  }
  const monthlyUsd = lines.reduce((t, l) => t + (l.monthlyUsd ?? 0), 0);
  const unpricedLines = lines.filter((l) => l.monthlyUsd === null && !(platform === "existing" && l.resource === "hardware analysis"));
  return { platform, region, currency: "USD", lines, monthlyUsd, unpriced: unpricedLines.map((l) => ({ item: l.item, reason: l.note ?? "" })) };
}
