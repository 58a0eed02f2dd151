/**
 * Price table: USD, on-demand list prices, exactly the figures of
 * docs/requirements/operations-reference.md ("Prices"), each with its source and date. Nothing here
 * is looked up or guessed; where that table has no price (ElastiCache, Memorystore, managed
 * database storage, local SSD, *5ad instances) the cost estimate reports the item unpriced.
 */

/** Hours in a billing month, the convention both clouds' calculators use (365 x 24 / 12). */
export const HOURS_PER_MONTH = 730;

export interface Price {
  usd: number;
  unit: "hour" | "GB-month" | "GB" | "vCPU-hour" | "GB-hour";
  source: string;
  date: string;
}

const AWS_EC2 = "AWS Pricing API, us-east-1 EC2 on-demand, as published in the karpenter AWS provider";
const AWS_EC2_DATE = "2026-07-20";
const AWS_RDS = "AWS-published fallback table, approximate";
const AWS_RDS_DATE = "2026 (operations.md, late 2026)";
const GCP_SKU = "GCP Cloud Billing Catalog SKUs, us-central1";
const GCP_SKU_DATE = "2026-07-30";
const THIRD_PARTY = "third-party price listing quoted in operations.md";

/** EC2 `.large` (2 vCPU) hourly price per family. "Each size step doubles (xlarge x2 ... 16xlarge x32)". */
export const AWS_EC2_LARGE: Record<string, Price> = {
  m7a: { usd: 0.11592, unit: "hour", source: AWS_EC2, date: AWS_EC2_DATE },
  c7a: { usd: 0.10264, unit: "hour", source: AWS_EC2, date: AWS_EC2_DATE },
  r7a: { usd: 0.15215, unit: "hour", source: AWS_EC2, date: AWS_EC2_DATE },
  m6a: { usd: 0.0864, unit: "hour", source: AWS_EC2, date: AWS_EC2_DATE },
};

/** Size multiplier over `.large`: each step doubles (operations.md). */
export const AWS_EC2_SIZE_FACTOR: Record<string, number> = { large: 1, xlarge: 2, "2xlarge": 4, "4xlarge": 8, "8xlarge": 16, "16xlarge": 32 };

export const AWS_PRICES = {
  eksCluster: { usd: 0.1, unit: "hour", source: `${AWS_EC2} (EKS standard support; extended support is 0.60)`, date: AWS_EC2_DATE },
  natGateway: { usd: 0.045, unit: "hour", source: AWS_EC2, date: AWS_EC2_DATE },
  natGatewayData: { usd: 0.045, unit: "GB", source: AWS_EC2, date: AWS_EC2_DATE },
  gp3: { usd: 0.08, unit: "GB-month", source: AWS_EC2, date: AWS_EC2_DATE },
  s3Standard: { usd: 0.023, unit: "GB-month", source: AWS_EC2, date: AWS_EC2_DATE },
} as const satisfies Record<string, Price>;

/** RDS `.large` hourly price per class family (single-AZ). "Multi-AZ ~ 2x compute and storage". */
export const AWS_RDS_LARGE: Record<string, Price> = {
  "db.r7g": { usd: 0.228, unit: "hour", source: AWS_RDS, date: AWS_RDS_DATE },
  "db.m7g": { usd: 0.162, unit: "hour", source: AWS_RDS, date: AWS_RDS_DATE },
  "db.r6g": { usd: 0.218, unit: "hour", source: AWS_RDS, date: AWS_RDS_DATE },
};
/** operations.md: "Multi-AZ ≈ 2× compute and storage". */
export const AWS_RDS_MULTI_AZ_FACTOR = 2;
/**
 * RDS sizes within a class family: the table lists only `.large`; RDS, like EC2, prices a family
 * linearly in size, so the EC2 doubling rule is applied (12xlarge = 24x). An extrapolation of
 * the table, stated here so the plan can say so.
 */
export const AWS_RDS_SIZE_FACTOR: Record<string, number> = { ...AWS_EC2_SIZE_FACTOR, "12xlarge": 24 };

/**
 * GCE hourly prices of the sizes the table lists. "n2d-standard-2 0.084492/h (linear in size)";
 * GCE prices every predefined type of a family from per-vCPU and per-GB SKUs, so the same
 * linearity holds for n2d-highmem and c3d-standard (the per-vCPU price below is the listed
 * machine's price over its vCPUs).
 */
export const GCP_MACHINE: Record<string, Price & { vcpu: number }> = {
  "n2d-standard": { usd: 0.084492, vcpu: 2, unit: "hour", source: GCP_SKU, date: GCP_SKU_DATE },
  "n2d-highmem": { usd: 0.11398, vcpu: 2, unit: "hour", source: GCP_SKU, date: GCP_SKU_DATE },
  "c3d-standard": { usd: 0.181596, vcpu: 4, unit: "hour", source: GCP_SKU, date: GCP_SKU_DATE },
};

export const GCP_PRICES = {
  pdBalanced: { usd: 0.1, unit: "GB-month", source: GCP_SKU, date: GCP_SKU_DATE },
  pdSsd: { usd: 0.17, unit: "GB-month", source: GCP_SKU, date: GCP_SKU_DATE },
  gcsStandard: { usd: 0.02, unit: "GB-month", source: GCP_SKU, date: GCP_SKU_DATE },
  cloudNat: { usd: 0.0448, unit: "hour", source: GCP_SKU, date: GCP_SKU_DATE },
  cloudNatData: { usd: 0.045, unit: "GB", source: GCP_SKU, date: GCP_SKU_DATE },
  gkeCluster: { usd: 0.1, unit: "hour", source: THIRD_PARTY, date: GCP_SKU_DATE },
  cloudSqlVcpu: { usd: 0.0413, unit: "vCPU-hour", source: `${THIRD_PARTY} (Cloud SQL Enterprise, approximate)`, date: GCP_SKU_DATE },
  cloudSqlMemory: { usd: 0.007, unit: "GB-hour", source: `${THIRD_PARTY} (Cloud SQL Enterprise, approximate)`, date: GCP_SKU_DATE },
} as const satisfies Record<string, Price>;
/** operations.md: Cloud SQL "HA ≈ 2×" (third-party). */
export const GCP_CLOUD_SQL_HA_FACTOR = 2;

/** Hourly price of an EC2 instance type such as `m7a.2xlarge`, or undefined when not in the table. */
export function awsInstanceHourly(instanceType: string): number | undefined {
  const [family, sizeName] = instanceType.split(".");
  const base = AWS_EC2_LARGE[family];
  const factor = AWS_EC2_SIZE_FACTOR[sizeName];
  return base && factor ? base.usd * factor : undefined;
}

/** Hourly price of a GCE machine type such as `n2d-standard-8`, or undefined when not in the table. */
export function gcpMachineHourly(machineType: string): number | undefined {
  const m = /^(.*)-(\d+)$/.exec(machineType);
  if (!m) return undefined;
  const listed = GCP_MACHINE[m[1]];
  return listed ? (listed.usd / listed.vcpu) * Number(m[2]) : undefined;
}

/** Single-AZ hourly price of an RDS class such as `db.r7g.2xlarge`, or undefined. */
export function rdsClassHourly(instanceClass: string): number | undefined {
  const m = /^(db\.[a-z0-9]+)\.(.+)$/.exec(instanceClass);
  if (!m) return undefined;
  const base = AWS_RDS_LARGE[m[1]];
  const factor = AWS_RDS_SIZE_FACTOR[m[2]];
  return base && factor ? base.usd * factor : undefined;
}

// --- prices of what the program creates beyond operations.md's table -----------------------------

/** Regions the dated prices are for; resources in any other region are reported unpriced. */
export const PRICED_REGIONS = { aws: "us-east-1", gcp: "us-central1" } as const;

export const AWS_EXTRA_PRICES = {
  kmsKey: { usd: 1, unit: "month", source: "AWS KMS pricing page (aws.amazon.com/kms/pricing): $1/month per KMS key, each rotated backing key another $1/month", date: "2026-03-14" },
  networkLoadBalancer: {
    usd: 0.0225,
    unit: "hour",
    source: "third-party listings of the AWS NLB list price, us-east-1 (clustercost.com 2025 guide; awsnegotiations.com, May 2026), plus NLCU usage",
    date: "2026-05",
  },
  rdsGp3: { usd: 0.115, unit: "GB-month", source: "third-party listing of RDS gp3 storage, us-east-1 (usage.ai, June 2026, citing aws.amazon.com/rds/pricing); Multi-AZ doubles it", date: "2026-06" },
} as const satisfies Record<string, Omit<Price, "unit"> & { unit: string }>;

/**
 * What the program creates that has a price but no dated, sourced figure here: reported unpriced,
 * each with this reason, never guessed. Adding a price moves an entry out of this list.
 */
export const UNPRICED_RATES = {
  elastiCacheNode: "ElastiCache node-hours: no dated price in catalog/prices.ts",
  memorystore: "Memorystore for Redis: no dated price in catalog/prices.ts",
  cloudSqlStorage: "Cloud SQL storage: no dated price in catalog/prices.ts (GCE pd-ssd is not the Cloud SQL rate)",
  gcpKmsKey: "Cloud KMS key versions: no dated price in catalog/prices.ts",
  gcpLoadBalancer: "GCP forwarding rule / load balancer: no dated price in catalog/prices.ts",
  publicIpv4: "public IPv4 address-hours: no dated price in catalog/prices.ts",
  crossRegionTransfer: "cross-region replication transfer: priced per GB moved, which depends on traffic",
  rdsBackupCopy: "cross-region RDS backup copies: backup storage and transfer depend on the data written",
  logIngestion: "log ingestion and storage: depends on log volume",
} as const;
export type UnpricedRate = keyof typeof UNPRICED_RATES;

/**
 * The hardware analysis's on-premise figures (seed 000, "Recommended Server Configurations" and
 * "Cost-Benefit Analysis"): server options as purchase ranges, amortised over 36 months, plus the
 * monthly colocation, bandwidth and maintenance lines of its 3-year TCO.
 */
export const ON_PREM = {
  source: "hardware requirements analysis (seed 000): recommended server configurations and 3-year on-premise TCO",
  amortisationMonths: 36,
  serverOptions: [
    { name: "minimum single server (32 cores, 256 GB)", lowUsd: 15_000, highUsd: 25_000, cores: 32, memoryGb: 256 },
    { name: "option 1: single large server (2x EPYC 7763, 128 cores, 2 TB)", lowUsd: 80_000, highUsd: 120_000, cores: 128, memoryGb: 2048 },
    // The distributed cluster has no stated total; it is the option beyond one server.
    { name: "option 2: distributed cluster, 14 servers (the analysis's recommendation)", lowUsd: 150_000, highUsd: 200_000, cores: Infinity, memoryGb: Infinity },
  ],
  monthly: { colocation: 3_000, bandwidth: 5_000, maintenance: 2_500 },
} as const;
