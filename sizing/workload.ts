/** Building WorkloadSizing values and reading their totals. */
import { CPU_TARGET } from "./machines";
import type { ReplicaCount } from "./replicas";
import type { NodeTier, ResourceShape, WorkloadSizing } from "./types";

export function workload(count: ReplicaCount, resources: ResourceShape, tier: NodeTier, extra: { storageGi?: number } = {}): WorkloadSizing {
  const w: WorkloadSizing = { replicas: count.replicas, minReplicas: count.minReplicas, maxReplicas: count.maxReplicas, resources, tier };
  // hpaBounds gives an autoscaled count a ceiling above its floor; a fixed count has none.
  if (count.maxReplicas > count.minReplicas) {
    w.autoscaling = { minReplicas: count.minReplicas, maxReplicas: count.maxReplicas, targetCpuUtilizationPercent: Math.round(CPU_TARGET * 100) };
  }
  if (extra.storageGi !== undefined) w.storageGi = extra.storageGi;
  return w;
}

/** Pods running now. */
export function podCount(w: WorkloadSizing): number {
  return w.replicas;
}

/** Pods with every HPA at its ceiling. */
export function podCountAtMax(w: WorkloadSizing): number {
  return w.maxReplicas;
}

/** CPU millicores and MiB the workload requests in total. */
export function workloadRequests(w: WorkloadSizing): { cpuMillis: number; memoryMi: number } {
  const n = podCount(w);
  return { cpuMillis: n * w.resources.cpuRequestMillis, memoryMi: n * w.resources.memoryRequestMi };
}
