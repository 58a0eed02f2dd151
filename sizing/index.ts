/**
 * PlatformSpec -> Sizing, pure. A model (profile-model.ts or seed-model.ts) gives the workloads
 * and data-service demands; the steps here are shared: managed classes for the data services,
 * the in-cluster data pods of the existing platform, node pools and totals.
 */
import { environmentPreset } from "../catalog/environments";
import type { PlatformSpec } from "../config/spec";
import { allWorkloads, nodePools, podRequests } from "./pools-by-tier";
import { estimateCost, type CostReport } from "./cost";
import { inClusterDataPods } from "./in-cluster-data-pods";
import { databaseSizing, objectStoreSizing, redisSizing } from "./data-service-sizing";
import { profileLabel } from "./interpolate";
import { profileModel } from "./profile-model";
import { seedModel } from "./seed-model";
import { measuredModel } from "./measured-model";
import type { Sizing } from "./types";
import { podCount } from "./workload";
import { isDeployed } from "../catalog/components";

export type { Sizing } from "./types";
export { seedAnalysis, type SeedBreakdown } from "./seed-analysis";
export { schedulingFor, TIER_LABEL, TIER_TAINT_KEY } from "./tiers";
export { estimateCost, type CostReport, type CostLine, type CloudCostEstimate, type ResourceReport } from "./cost";

/** The whole sizing of a stack: pure, deterministic, from the spec alone. */
export function size(spec: PlatformSpec): Sizing {
  const m = spec.sizingModel === "seed-analysis" ? seedModel(spec) : spec.sizingModel === "measured" ? measuredModel(spec) : profileModel(spec);
  const database = databaseSizing(m.database);
  const liDatabase = databaseSizing(m.liDatabase);
  const redis = redisSizing(m.redis.replicas, m.redis.memoryGi, spec.highAvailability);
  const objectStore = objectStoreSizing(m.objectStore.nodes, m.objectStore.capacityGi);
  const data = inClusterDataPods(spec, database, liDatabase, objectStore);
  const pools = nodePools(spec, m, data);

  const workloads = allWorkloads(m);
  const podCpu = workloads.reduce((s, [n, w]) => s + podCount(w) * podRequests(spec, n, w).cpuMillis, 0);
  const podMem = workloads.reduce((s, [n, w]) => s + podCount(w) * podRequests(spec, n, w).memoryMi, 0);
  const dataCpu = data.flatMap((d) => d.pods).reduce((s, p) => s + p.cpuMillis, 0);
  const dataMem = data.flatMap((d) => d.pods).reduce((s, p) => s + p.memoryMi, 0);
  const pvc = workloads.reduce((s, [, w]) => s + podCount(w) * (w.storageGi ?? 0), 0);
  const dbStorage = database.storageGi * database.instances + (isDeployed("li", spec) ? liDatabase.storageGi * liDatabase.instances : 0);

  return {
    model: spec.sizingModel,
    environment: spec.environment,
    preset: environmentPreset(spec.environment),
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
 * Every model for the same spec, for the plan's side-by-side view: the spec's own model is
 * unchanged in each; only `sizingModel` differs.
 */
export function sizeAllModels(spec: PlatformSpec): { profile: SizedModel; seedAnalysis: SizedModel; measured: SizedModel } {
  const one = (model: PlatformSpec["sizingModel"]): SizedModel => {
    const s = size({ ...spec, sizingModel: model });
    return { sizing: s, cost: estimateCost(spec, s) };
  };
  return { profile: one("profile"), seedAnalysis: one("seed-analysis"), measured: one("measured") };
}
