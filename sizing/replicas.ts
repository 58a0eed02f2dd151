/**
 * Replica counts of the `profile` model: the architecture document's tables at 100/1k/5k/10k/20k
 * CCU, interpolated (rounded up) between them, then raised to the HA minimums in production.
 */
import { WORKER_TYPES, type WorkerType } from "../catalog/workers";
import { workloadEntry } from "../catalog/components";
import { CCU_PROFILES, HA_MINIMUMS, type CcuProfile } from "../catalog/profiles";
import { interpolateCount } from "./interpolate";
import type { ComponentName } from "./types";

/** Replicas plus HPA bounds. */
export interface ReplicaCount {
  replicas: number;
  minReplicas: number;
  maxReplicas: number;
}

/**
 * HPA bounds for an autoscaled pool: the floor is the sized count (the profile table is what the
 * document expects to run steadily), the ceiling twice that, and always at least one more than
 * the floor so even a 1-replica pool can absorb a burst. Twice is the headroom the hardware
 * analysis asks for ("plan for 50% headroom": 2x replicas at < 70 % CPU each leaves more than
 * that) without letting a runaway HPA eat the cluster.
 */
export function hpaBounds(replicas: number, autoscaled: boolean): ReplicaCount {
  if (!autoscaled || replicas === 0) return { replicas, minReplicas: replicas, maxReplicas: replicas };
  return { replicas, minReplicas: replicas, maxReplicas: Math.max(2 * replicas, replicas + 1) };
}

/**
 * Count for worker types the profile does not list. Where the document has a note it wins (100:
 * "All others: 1"; 1k: "Others scale to 1-2", read as its upper end since brackets round up).
 * From 5k on it is silent; there the unlisted types follow the smallest listed column, so they
 * keep growing with the profile at the pace of its slowest-growing worker type.
 */
export function othersCount(profile: CcuProfile): number {
  if (profile.synapse.others) return profile.synapse.others.max;
  return Math.min(...Object.values(profile.synapse.workers));
}

/** The document's count for a worker type at one profile point (before HA). */
export function workerCountAt(worker: WorkerType, profile: CcuProfile): number {
  if (worker.scaling === "singleton") return 1;
  const column = worker.profileColumn;
  const listed = column !== undefined ? profile.synapse.workers[column] : undefined;
  return listed ?? othersCount(profile);
}

/**
 * Worker instances at any CCU.
 *
 * In production only `pool` types are raised to the HA floor of 2. `sharded` and `singleton`
 * types are named instances: Synapse addresses each by its instance name (instance_map,
 * stream_writers, federation_sender_instances, pusher_instances), so a second pod with the same
 * name would write the same stream or send the same federation/push traffic twice, and a single
 * writer stream (typing, to-device, ...) refuses a second writer outright. Their availability
 * comes from the StatefulSet restarting the instance (seconds) and from Synapse queueing work for
 * it meanwhile, not from duplicates.
 */
export function workerReplicas(worker: WorkerType, ccu: number, highAvailability: boolean): ReplicaCount {
  const series = CCU_PROFILES.map((p) => workerCountAt(worker, p));
  let replicas = interpolateCount(ccu, series);
  if (worker.scaling === "singleton") replicas = 1;
  const pool = worker.scaling === "pool";
  if (highAvailability && pool) replicas = Math.max(replicas, HA_MINIMUMS.synapseWorkerReplicas);
  return hpaBounds(replicas, pool);
}

export function allWorkerReplicas(ccu: number, highAvailability: boolean): Record<string, ReplicaCount> {
  return Object.fromEntries(WORKER_TYPES.map((w) => [w.name, workerReplicas(w, ccu, highAvailability)]));
}

/**
 * Replicas of a component for a CCU, HA flag and whether it is deployed: its registry series
 * (catalog/components.ts) read at the CCU, raised to its HA floor in production, with HPA bounds
 * when it autoscales. Bridges are sized by accounts (bridges.ts), not here.
 */
export function componentReplicas(name: ComponentName, ccu: number, highAvailability: boolean, deployed: boolean): ReplicaCount {
  const rule = workloadEntry(name);
  if (!deployed) return hpaBounds(0, false);
  let replicas = interpolateCount(ccu, rule.replicaSeries);
  if (highAvailability) replicas = Math.max(replicas, rule.haMinReplicas);
  return hpaBounds(replicas, rule.autoscaled);
}
