/**
 * Replica counts of the `profile` model: the architecture document's tables at 100/1k/5k/10k/20k
 * CCU, interpolated (rounded up) between them, then raised to the HA minimums in production.
 */
import { WORKER_TYPES, type WorkerType } from "../catalog/workers";
import { CCU_PROFILES, HA_MINIMUMS, INVENTORY, type CcuProfile } from "../catalog/profiles";
import type { PlatformSpec } from "../config/spec";
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

interface ComponentRule {
  /** Replicas at the five profile points (before HA). */
  series: readonly number[];
  /** Production floor. */
  haMin: number;
  /** Stateless and behind a Service: gets an HPA. */
  autoscaled: boolean;
  /** Feature switch that turns the component off (0 replicas). */
  enabled(spec: PlatformSpec): boolean;
}

const always = () => true;
const rtc = (s: PlatformSpec) => s.features.rtc;
const li = (s: PlatformSpec) => s.features.li;
const av = (s: PlatformSpec) => s.features.antivirus;
const mon = (s: PlatformSpec) => s.features.monitoring;

const livekitSeries = CCU_PROFILES.map((p) => p.livekit.replicas);
const redisSeries = CCU_PROFILES.map((p) => p.redis.replicas);

/**
 * Components the profile tables give numbers for (LiveKit, Redis) follow them. The rest are not
 * in the tables; their series are engineering estimates: connection-terminating proxies add one
 * replica per 5k CCU beyond 5k (HAProxy comfortably holds several thousand long-poll syncs per
 * core); Element, lk-jwt-service, Sygnal and the key vault (static files, small APIs) get a
 * second replica at 10k; the admin UI serves a handful of operators and stays at one; coturn
 * relays only the calls that cannot reach LiveKit directly, so it grows at about half LiveKit's
 * pace; antivirus adds one replica per 5k CCU of upload traffic.
 * HA floors: the brief's list (HAProxy, Element, admin, lk-jwt, Sygnal: 2) plus the document's HA
 * table (LiveKit 3, Redis 3) and the inventory (lk-jwt-service 2); the key vault and antivirus are
 * in the upload/login path, so they get 2 as well. Monitoring stays at the document's "1*".
 * Bridges are singletons per shard (see bridges.ts); they are sized there.
 */
export const COMPONENT_RULES: Record<Exclude<ComponentName, "telegram" | "whatsapp">, ComponentRule> = {
  haproxy: { series: [1, 1, 1, 2, 4], haMin: 2, autoscaled: true, enabled: always },
  edgeProxy: { series: [1, 1, 1, 2, 4], haMin: 2, autoscaled: true, enabled: always },
  element: { series: [1, 1, 1, 2, 2], haMin: 2, autoscaled: true, enabled: always },
  admin: { series: [1, 1, 1, 1, 1], haMin: 2, autoscaled: true, enabled: always },
  livekit: { series: livekitSeries, haMin: HA_MINIMUMS.livekitReplicas, autoscaled: false, enabled: rtc },
  lkJwt: { series: [1, 1, 1, 2, 2], haMin: INVENTORY.lkJwtReplicas, autoscaled: true, enabled: rtc },
  coturn: { series: [1, 1, 2, 3, 4], haMin: 2, autoscaled: false, enabled: rtc },
  sygnal: { series: [1, 1, 1, 2, 2], haMin: 2, autoscaled: true, enabled: always },
  keyVault: { series: [1, 1, 1, 2, 2], haMin: 2, autoscaled: true, enabled: always },
  redis: { series: redisSeries, haMin: HA_MINIMUMS.redisReplicas, autoscaled: false, enabled: always },
  // One LI Synapse serves a handful of investigators; a missed sync cycle is caught up by the
  // next one, so LI is not raised to HA floors.
  synapseLi: { series: [1, 1, 1, 1, 1], haMin: 1, autoscaled: false, enabled: li },
  elementLi: { series: [1, 1, 1, 1, 1], haMin: 1, autoscaled: false, enabled: li },
  adminLi: { series: [1, 1, 1, 1, 1], haMin: 1, autoscaled: false, enabled: li },
  liSync: { series: [1, 1, 1, 2, 3], haMin: 1, autoscaled: false, enabled: li },
  clamav: { series: [1, 1, 2, 3, 4], haMin: 2, autoscaled: false, enabled: av },
  scanWorker: { series: [1, 1, 2, 3, 4], haMin: 2, autoscaled: true, enabled: av },
  prometheus: { series: [1, 1, 1, 1, 1], haMin: 1, autoscaled: false, enabled: mon },
  grafana: { series: [1, 1, 1, 1, 1], haMin: 1, autoscaled: false, enabled: mon },
  loki: { series: [1, 1, 1, 1, 1], haMin: 1, autoscaled: false, enabled: mon },
  alertmanager: { series: [1, 1, 1, 1, 1], haMin: 1, autoscaled: false, enabled: mon },
};

export type SizedByRule = keyof typeof COMPONENT_RULES;

/** Replicas of a rule-sized component for a CCU, HA flag and feature switch. */
export function componentReplicas(name: SizedByRule, ccu: number, highAvailability: boolean, enabled: boolean): ReplicaCount {
  const rule = COMPONENT_RULES[name];
  if (!enabled) return hpaBounds(0, false);
  let replicas = interpolateCount(ccu, rule.series);
  if (highAvailability) replicas = Math.max(replicas, rule.haMin);
  return hpaBounds(replicas, rule.autoscaled);
}
