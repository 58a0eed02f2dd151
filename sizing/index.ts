/**
 * PlatformSpec -> Sizing, pure. A model (profile-model.ts or seed-model.ts) gives the workloads
 * and data-service demands; the steps here are shared: managed classes for the data services,
 * the in-cluster data pods of the existing platform, node pools and totals.
 */
import type { PlatformSpec } from "../config/spec";
import { environmentPreset } from "../stacks/environments";
import { estimateCost, type CostReport } from "./cost";
import { databaseSizing, objectStoreSizing, redisSizing } from "./data-services";
import { interpolateHold, profileLabel } from "./interpolate";
import type { ModelOutput } from "./model";
import { planPool, type PodDemand } from "./node-pools";
import { profileModel } from "./profile-model";
import { seedModel } from "./seed-model";
import { NODE_TIERS, type DatabaseSizing, type NodePool, type NodeTier, type ObjectStoreSizing, type Sizing, type WorkloadSizing } from "./types";
import { podCount, podCountAtMax } from "./workload";

export type { Sizing } from "./types";
export { seedAnalysis, type SeedBreakdown } from "./seed-analysis";
export { schedulingFor, TIER_LABEL, TIER_TAINT_KEY } from "./tiers";
export { estimateCost, type CostReport, type CostLine, type CloudCostEstimate, type ResourceReport } from "./cost";

/** MinIO server pod per node at the five profile points (CPU millicores, MiB): erasure coding and
 * TLS are CPU work, and MinIO's own guidance grows memory with drives and concurrent requests. */
export const MINIO_POD_SERIES = { cpu: [500, 1000, 2000, 2000, 4000], mem: [2048, 4096, 8192, 8192, 16384] } as const;
/** The LI tenant serves a few investigators: the smallest MinIO pod, 4 nodes (inventory). */
export const MINIO_LI_POD = { cpuMillis: 500, memoryMi: 2048, nodes: 4 } as const;

/** A data service's pods on the existing platform (CloudNativePG, MinIO), for node packing. */
export interface DataPods {
  tier: NodeTier;
  pods: PodDemand[];
}

/**
 * Share of its class a PostgreSQL pod requests on-prem. The class is the node a database
 * instance gets to itself (the hardware analysis's dedicated database servers); the pod asks for
 * what that node can give under the 70 % CPU / 80 % memory targets after the kubelet's and the
 * DaemonSets' share, so one instance always fits one node of its own size. PostgreSQL sizes
 * shared_buffers and work_mem from this request, not from the node.
 */
export const PG_POD_CPU_SHARE = 0.6;
export const PG_POD_MEMORY_SHARE = 0.7;

/** In-cluster data pods of the existing platform (CloudNativePG and MinIO), for node packing. */
export function inClusterDataPods(spec: PlatformSpec, database: DatabaseSizing, liDatabase: DatabaseSizing, objectStore: ObjectStoreSizing): DataPods[] {
  if (spec.platform !== "existing") return [];
  const pg = (name: string, d: DatabaseSizing): PodDemand[] =>
    Array.from({ length: d.instances }, () => ({
      workload: name,
      spreadGroup: name,
      cpuMillis: Math.floor(d.vcpu * 1000 * PG_POD_CPU_SHARE),
      memoryMi: Math.floor(d.memoryGi * 1024 * PG_POD_MEMORY_SHARE),
    }));
  const minio: PodDemand[] = Array.from({ length: objectStore.nodes }, () => ({
    workload: "minio",
    spreadGroup: "minio",
    cpuMillis: Math.round(interpolateHold(spec.ccu, MINIO_POD_SERIES.cpu)),
    memoryMi: Math.round(interpolateHold(spec.ccu, MINIO_POD_SERIES.mem)),
  }));
  const minioLi: PodDemand[] = spec.features.li
    ? Array.from({ length: MINIO_LI_POD.nodes }, () => ({ workload: "minio-li", spreadGroup: "minio-li", cpuMillis: MINIO_LI_POD.cpuMillis, memoryMi: MINIO_LI_POD.memoryMi }))
    : [];
  return [
    { tier: "database", pods: [...pg("postgresql", database), ...(spec.features.li ? pg("postgresql-li", liDatabase) : [])] },
    { tier: "media", pods: [...minio, ...minioLi] },
  ];
}

/**
 * Operators and controllers every cluster runs (cert-manager, the Gateway controller's
 * control plane, CloudNativePG and MinIO operators, kube-state-metrics): one budget on the
 * system tier so that tier exists and is sized even with monitoring off.
 */
export const SYSTEM_OVERHEAD_POD: PodDemand = { workload: "operators", cpuMillis: 500, memoryMi: 1024 };

/**
 * Workloads whose replicas must each have a node of their own: Redis (a failover that lands the
 * new master beside the old one protects nothing), LiveKit and coturn (host networking: their
 * UDP port ranges are per node).
 */
export const ONE_PER_NODE: ReadonlySet<string> = new Set(["redis", "livekit", "coturn"]);

function podsOf(name: string, w: WorkloadSizing, count: number): PodDemand[] {
  const spreadGroup = ONE_PER_NODE.has(name) ? name : undefined;
  return Array.from({ length: count }, () => ({ workload: name, cpuMillis: w.resources.cpuRequestMillis, memoryMi: w.resources.memoryRequestMi, spreadGroup }));
}

function allWorkloads(m: ModelOutput): [string, WorkloadSizing][] {
  return [
    ["synapse-main", m.main],
    ...Object.entries(m.workers).map(([n, w]) => [`synapse-${n}`, w] as [string, WorkloadSizing]),
    ...Object.entries(m.components),
  ];
}

export function nodePools(spec: PlatformSpec, m: ModelOutput, data: DataPods[]): NodePool[] {
  const env = environmentPreset(spec.environment);
  const pools: NodePool[] = [];
  for (const tier of NODE_TIERS) {
    const inTier = allWorkloads(m).filter(([, w]) => w.tier === tier);
    const dataPods = data.filter((d) => d.tier === tier).flatMap((d) => d.pods);
    const extra = tier === "system" ? [SYSTEM_OVERHEAD_POD] : [];
    const pods = [...inTier.flatMap(([n, w]) => podsOf(n, w, podCount(w))), ...dataPods, ...extra];
    if (pods.length === 0) continue;
    const podsAtMax = [...inTier.flatMap(([n, w]) => podsOf(n, w, podCountAtMax(w))), ...dataPods, ...extra];
    pools.push(planPool(tier, spec.platform, env, pods, podsAtMax));
  }
  return pools;
}

export function size(spec: PlatformSpec): Sizing {
  const m = spec.sizingModel === "seed-analysis" ? seedModel(spec) : profileModel(spec);
  const database = databaseSizing(m.database);
  const liDatabase = databaseSizing(m.liDatabase);
  const redis = redisSizing(m.redis.replicas, m.redis.memoryGi, spec.highAvailability);
  const objectStore = objectStoreSizing(m.objectStore.nodes, m.objectStore.capacityGi);
  const data = inClusterDataPods(spec, database, liDatabase, objectStore);
  const pools = nodePools(spec, m, data);

  const workloads = allWorkloads(m);
  const podCpu = workloads.reduce((s, [, w]) => s + podCount(w) * w.resources.cpuRequestMillis, 0);
  const podMem = workloads.reduce((s, [, w]) => s + podCount(w) * w.resources.memoryRequestMi, 0);
  const dataCpu = data.flatMap((d) => d.pods).reduce((s, p) => s + p.cpuMillis, 0);
  const dataMem = data.flatMap((d) => d.pods).reduce((s, p) => s + p.memoryMi, 0);
  const pvc = workloads.reduce((s, [, w]) => s + podCount(w) * (w.storageGi ?? 0), 0);
  const dbStorage = database.storageGi * database.instances + (spec.features.li ? liDatabase.storageGi * liDatabase.instances : 0);

  return {
    model: spec.sizingModel,
    environment: spec.environment,
    ccu: spec.ccu,
    profileLabel: profileLabel(spec.ccu),
    synapse: { main: m.main, workers: m.workers },
    components: m.components,
    database,
    liDatabase,
    redis,
    objectStore,
    nodePools: pools,
    totals: {
      cpuCores: (podCpu + dataCpu) / 1000,
      memoryGi: (podMem + dataMem) / 1024,
      // Provisioned: pod volumes, every database instance's volume, and the object store.
      storageGi: pvc + dbStorage + objectStore.capacityGi,
    },
  };
}

/** One model's sizing and what it costs (or, on an existing cluster, what it needs). */
export interface SizedModel {
  sizing: Sizing;
  cost: CostReport;
}

/**
 * Both coefficient sets for the same spec, for the plan's side-by-side view: the spec's own
 * model is unchanged in either; only `sizingModel` differs.
 */
export function sizeBothModels(spec: PlatformSpec): { profile: SizedModel; seedAnalysis: SizedModel } {
  const one = (model: PlatformSpec["sizingModel"]): SizedModel => {
    const s = size({ ...spec, sizingModel: model });
    return { sizing: s, cost: estimateCost(spec, s) };
  };
  return { profile: one("profile"), seedAnalysis: one("seed-analysis") };
}
