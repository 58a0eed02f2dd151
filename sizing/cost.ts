/**
 * Monthly cost of a stack from its Sizing, priced only from catalog/prices.ts (the dated table of
 * operations.md). Items the table has no price for are listed with their quantity and
 * `monthlyUsd: null`, never guessed. On the existing platform there is no bill to estimate: the
 * report gives the resources the cluster must provide instead.
 */
import {
  AWS_PRICES,
  AWS_RDS_MULTI_AZ_FACTOR,
  GCP_CLOUD_SQL_HA_FACTOR,
  GCP_PRICES,
  HOURS_PER_MONTH,
  awsInstanceHourly,
  gcpMachineHourly,
  rdsClassHourly,
} from "../catalog/prices";
import type { PlatformKind } from "../config/keys";
import type { PlatformSpec } from "../config/spec";
import { environmentPreset } from "../catalog/environments";
import { GI_TO_GB } from "./data-service-sizing";
import type { DatabaseSizing, NodeTier, Sizing } from "./types";
import { isDeployed } from "../catalog/components";

export interface CostLine {
  /** What is billed, e.g. "node pool homeserver". */
  item: string;
  /** The billed quantity in words, e.g. "5 x m7a.2xlarge". */
  quantity: string;
  /** USD per month, or null when the price table has no price for it. */
  monthlyUsd: number | null;
  /** How the figure was reached (factors applied), or why it is unpriced. */
  note?: string;
}

export interface CloudCostEstimate {
  kind: "cost";
  platform: Exclude<PlatformKind, "existing">;
  currency: "USD";
  lines: CostLine[];
  /** Sum of the priced lines. */
  monthlyUsd: number;
  /** The same sum (the name stacks/plan.ts reads). */
  total: number;
  /** Items of `lines` without a price. */
  unpriced: string[];
}

export interface ResourceReport {
  kind: "resources";
  platform: "existing";
  /** No bill: the cluster exists already. */
  currency: "none";
  /** One line for the plan, e.g. "needs 40 vCPU / 184 GiB on 10 nodes; requests 17.4 cores ...". */
  summary: string;
  cpuCores: number;
  memoryGi: number;
  storageGi: number;
  nodes: { tier: NodeTier; count: number; vcpu: number; memoryGi: number; localNvme: boolean }[];
  /** What the cluster's nodes must offer in total (nodes x shape). */
  nodeVcpu: number;
  nodeMemoryGi: number;
}

export type CostReport = CloudCostEstimate | ResourceReport;

const monthly = (hourly: number) => hourly * HOURS_PER_MONTH;

function nodePoolLines(platform: "aws" | "gcp", sizing: Sizing): CostLine[] {
  return sizing.nodePools.map((p) => {
    const type = platform === "aws" ? p.machine.aws : p.machine.gcp;
    const hourly = platform === "aws" ? awsInstanceHourly(type) : gcpMachineHourly(type);
    return {
      item: `node pool ${p.tier}`,
      quantity: `${p.nodeCount} x ${type}`,
      monthlyUsd: hourly === undefined ? null : p.nodeCount * monthly(hourly),
      note: hourly === undefined ? `${type} is not in the price table` : undefined,
    };
  });
}

function volumeGi(sizing: Sizing): number {
  const all = [sizing.synapse.main, ...Object.values(sizing.synapse.workers), ...Object.values(sizing.components)];
  return all.reduce((t, w) => t + w.replicas * (w.storageGi ?? 0), 0);
}

/** Compute of a managed database: primary (doubled for Multi-AZ/HA) plus read replicas. */
function databaseLines(platform: "aws" | "gcp", name: string, d: DatabaseSizing, multiAz: boolean): CostLine[] {
  const units = (multiAz ? (platform === "aws" ? AWS_RDS_MULTI_AZ_FACTOR : GCP_CLOUD_SQL_HA_FACTOR) : 1) + d.readReplicas;
  const factorNote = `${multiAz ? "HA/Multi-AZ x2" : "single zone"} + ${d.readReplicas} read replica(s)`;
  let hourly: number | undefined;
  let shape: string;
  if (platform === "aws") {
    hourly = rdsClassHourly(d.awsInstanceClass);
    shape = d.awsInstanceClass;
  } else {
    const m = /^db-custom-(\d+)-(\d+)$/.exec(d.gcpTier);
    // Cloud SQL bills memory per GiB (its "GB").
    hourly = m ? Number(m[1]) * GCP_PRICES.cloudSqlVcpu.usd + (Number(m[2]) / 1024) * GCP_PRICES.cloudSqlMemory.usd : undefined;
    shape = d.gcpTier;
  }
  return [
    {
      item: `${name} compute`,
      quantity: `${shape} (${factorNote})`,
      monthlyUsd: hourly === undefined ? null : units * monthly(hourly),
      note: hourly === undefined ? `${shape} is not in the price table` : factorNote,
    },
    {
      item: `${name} storage`,
      quantity: `${d.storageGi} GiB x ${multiAz ? 2 : 1} + ${d.readReplicas} replica(s)`,
      monthlyUsd: null,
      note: "managed database storage has no price in the table",
    },
  ];
}

function cloudEstimate(spec: PlatformSpec, sizing: Sizing, platform: "aws" | "gcp"): CloudCostEstimate {
  const env = environmentPreset(spec.environment);
  const aws = platform === "aws";
  const lines: CostLine[] = [...nodePoolLines(platform, sizing)];

  const pv = volumeGi(sizing);
  const volumePrice = aws ? AWS_PRICES.gp3 : GCP_PRICES.pdBalanced;
  lines.push({ item: "persistent volumes", quantity: `${pv} GiB ${aws ? "gp3" : "pd-balanced"}`, monthlyUsd: pv * GI_TO_GB * volumePrice.usd });

  lines.push(...databaseLines(platform, "PostgreSQL", sizing.database, env.multiAzDatabase));
  if (isDeployed("li", spec)) lines.push(...databaseLines(platform, "PostgreSQL (LI)", sizing.liDatabase, env.multiAzDatabase));

  lines.push({
    item: "Redis",
    quantity: aws ? `${sizing.redis.replicas} x ${sizing.redis.awsNodeType}` : `Memorystore Standard ${sizing.redis.gcpMemorySizeGb} GB`,
    monthlyUsd: null,
    note: `${aws ? "ElastiCache" : "Memorystore"} has no price in the table`,
  });

  // Media, its LI copy and backups; prod keeps a copy in the secondary region.
  const copies = env.crossRegionReplication ? 2 : 1;
  const objectGb = sizing.objectStore.capacityGi * GI_TO_GB * copies;
  const objectPrice = aws ? AWS_PRICES.s3Standard : GCP_PRICES.gcsStandard;
  lines.push({
    item: "object storage",
    quantity: `${sizing.objectStore.capacityGi} GiB ${aws ? "S3 Standard" : "GCS Standard"}${copies > 1 ? " x 2 regions" : ""}`,
    monthlyUsd: objectGb * objectPrice.usd,
    note: copies > 1 ? "cross-region copy doubles the stored bytes; replication transfer not priced" : undefined,
  });

  const nat = aws ? AWS_PRICES.natGateway : GCP_PRICES.cloudNat;
  const gateways = aws ? env.natGateways : 1; // Cloud NAT is one regional gateway
  lines.push({
    item: "NAT",
    quantity: `${gateways} gateway(s)`,
    monthlyUsd: gateways * monthly(nat.usd),
    note: `hours only; plus ${(aws ? AWS_PRICES.natGatewayData : GCP_PRICES.cloudNatData).usd} USD per GB processed`,
  });

  lines.push({ item: "cluster fee", quantity: aws ? "1 EKS cluster" : "1 GKE cluster", monthlyUsd: monthly(aws ? AWS_PRICES.eksCluster.usd : GCP_PRICES.gkeCluster.usd) });

  const monthlyUsd = lines.reduce((t, l) => t + (l.monthlyUsd ?? 0), 0);
  return {
    kind: "cost",
    platform,
    currency: "USD",
    lines,
    monthlyUsd,
    total: monthlyUsd,
    unpriced: lines.filter((l) => l.monthlyUsd === null).map((l) => l.item),
  };
}

function resourceReport(sizing: Sizing): ResourceReport {
  const nodes = sizing.nodePools.map((p) => ({ tier: p.tier, count: p.nodeCount, vcpu: p.machine.vcpu, memoryGi: p.machine.memoryGi, localNvme: p.machine.localNvme }));
  const nodeVcpu = nodes.reduce((t, n) => t + n.count * n.vcpu, 0);
  const nodeMemoryGi = nodes.reduce((t, n) => t + n.count * n.memoryGi, 0);
  const nodeCount = nodes.reduce((t, n) => t + n.count, 0);
  const { cpuCores, memoryGi, storageGi } = sizing.totals;
  return {
    kind: "resources",
    platform: "existing",
    currency: "none",
    summary:
      `needs ${nodeVcpu} vCPU / ${nodeMemoryGi} GiB on ${nodeCount} nodes; ` +
      `requests ${round1(cpuCores)} cores / ${Math.round(memoryGi)} GiB; ${Math.round(storageGi)} GiB storage`,
    cpuCores,
    memoryGi,
    storageGi,
    nodes,
    nodeVcpu,
    nodeMemoryGi,
  };
}

const round1 = (x: number) => Math.round(x * 10) / 10;

/** Monthly cost on AWS/GCP; resource totals on an existing cluster. */
export function estimateCost(spec: PlatformSpec, sizing: Sizing): CostReport {
  return spec.platform === "existing" ? resourceReport(sizing) : cloudEstimate(spec, sizing, spec.platform);
}
