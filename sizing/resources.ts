/**
 * Per-replica requests and limits of the `profile` model.
 *
 * Budget split. The profile tables give one `total_cpu` / `total_memory` per profile; we read it
 * as the Kubernetes compute of the main Matrix instance: Synapse (main + every worker), its edge
 * (HAProxy, the Gateway proxy, Element, admin), MatrixRTC (LiveKit, lk-jwt-service, coturn),
 * Sygnal, the key vault and Redis. Left out of that budget, each sized on its own:
 *  - PostgreSQL and MinIO: managed services on the clouds, a dedicated database/media tier
 *    on-prem; their shapes come from data-services.ts (the document lists them beside the
 *    totals, not inside them, and on AWS/GCP they are no pods at all);
 *  - the bridges, sized by bridged accounts, not CCU (bridges.ts);
 *  - the add-ons the profiles do not mention: LI, antivirus, monitoring (fixed series below).
 *
 * Inside the budget each workload gets `weight x unit`, where a workload's weight says how heavy
 * one replica is relative to the others (CPU and memory separately) and the unit at a profile
 * point is 90 % of the table's total divided by the weighted replica count the profile asks for
 * there. 90 %: the remaining tenth absorbs rounding up between brackets and is the scheduler's
 * slack, so requests stay "at most and close to" the table. Units are interpolated between
 * points, so per-replica sizes are monotone in CCU, and so is every total.
 */
import { WORKER_TYPES } from "../catalog/workers";
import { CCU_PROFILES } from "../catalog/profiles";
import { interpolateHold } from "./interpolate";
import { allWorkerReplicas, componentReplicas } from "./replicas";
import type { ComponentName, ResourceShape } from "./types";

/** Fraction of the table's totals the Matrix part requests. */
export const BUDGET_FRACTION = 0.9;

/** Components whose requests come out of the profile's totals (the "Matrix part"). */
export const BUDGET_COMPONENTS = ["haproxy", "edgeProxy", "element", "admin", "livekit", "lkJwt", "coturn", "sygnal", "keyVault", "redis"] as const;
export type BudgetComponent = (typeof BUDGET_COMPONENTS)[number];

interface Weight {
  cpu: number;
  mem: number;
}

/**
 * Relative weight of one replica. Synapse is one Python process per worker, held to about one
 * core by the GIL, so its weights stay near 1; the main process and the stream/event writers do
 * more. Memory follows Synapse's caches: synchrotrons and main hold the most state, stream
 * writers little. LiveKit is the heaviest pod (an SFU forwarding media uses cores and buffers);
 * static web apps and token services are tiny.
 */
export const WORKER_WEIGHTS: Record<string, Weight> = {
  synchrotron: { cpu: 1.2, mem: 3 },
  "initial-sync": { cpu: 1, mem: 2.5 },
  "client-reader": { cpu: 1, mem: 2 },
  "room-messages": { cpu: 0.8, mem: 1.5 },
  "event-creator": { cpu: 0.8, mem: 1.5 },
  "federation-reader": { cpu: 0.8, mem: 1.5 },
  "federation-inbound": { cpu: 0.8, mem: 1.5 },
  "media-repository": { cpu: 1, mem: 1.5 },
  "user-directory": { cpu: 0.4, mem: 1 },
  "event-persister": { cpu: 1.2, mem: 2 },
  "federation-sender": { cpu: 0.8, mem: 1.5 },
  pusher: { cpu: 0.4, mem: 1 },
  appservice: { cpu: 0.5, mem: 1 },
  background: { cpu: 0.4, mem: 1 },
  typing: { cpu: 0.2, mem: 0.5 },
  "to-device": { cpu: 0.3, mem: 0.7 },
  "account-data": { cpu: 0.2, mem: 0.5 },
  receipts: { cpu: 0.3, mem: 0.7 },
  presence: { cpu: 0.3, mem: 0.7 },
  "push-rules": { cpu: 0.2, mem: 0.5 },
  "device-lists": { cpu: 0.3, mem: 0.7 },
  "thread-subscriptions": { cpu: 0.2, mem: 0.5 },
};

export const MAIN_WEIGHT: Weight = { cpu: 1.5, mem: 4 };

export const COMPONENT_WEIGHTS: Record<BudgetComponent, Weight> = {
  haproxy: { cpu: 0.8, mem: 0.4 },
  edgeProxy: { cpu: 0.6, mem: 0.4 },
  element: { cpu: 0.1, mem: 0.1 },
  admin: { cpu: 0.1, mem: 0.1 },
  livekit: { cpu: 2.5, mem: 2 },
  lkJwt: { cpu: 0.1, mem: 0.1 },
  coturn: { cpu: 0.6, mem: 0.3 },
  sygnal: { cpu: 0.2, mem: 0.4 },
  keyVault: { cpu: 0.2, mem: 0.4 },
  redis: { cpu: 0.3, mem: 0.8 },
};

/** Weighted replica count of the Matrix part at one profile point, profile numbers exactly. */
function weightedReplicas(ccu: number, pick: (w: Weight) => number): number {
  const workers = allWorkerReplicas(ccu, false);
  let sum = pick(MAIN_WEIGHT);
  for (const w of WORKER_TYPES) sum += pick(WORKER_WEIGHTS[w.name]) * workers[w.name].replicas;
  for (const c of BUDGET_COMPONENTS) sum += pick(COMPONENT_WEIGHTS[c]) * componentReplicas(c, ccu, false, true).replicas;
  return sum;
}

/** CPU millicores and MiB per unit of weight at each profile point. */
export const CPU_UNIT_MILLIS: readonly number[] = CCU_PROFILES.map(
  (p) => (BUDGET_FRACTION * p.resources.totalCpu * 1000) / weightedReplicas(p.ccu, (w) => w.cpu),
);
export const MEMORY_UNIT_MI: readonly number[] = CCU_PROFILES.map(
  (p) => (BUDGET_FRACTION * p.resources.totalMemoryGi * 1024) / weightedReplicas(p.ccu, (w) => w.mem),
);

/** Smallest request anything gets: below this the kubelet's accounting is noise. */
const MIN_CPU_MILLIS = 20;
const MIN_MEMORY_MI = 32;

/** Round down to a step so sums stay under the budget. */
function floorTo(x: number, step: number): number {
  return Math.floor(x / step) * step;
}

/**
 * Requests and limits from a request. CPU limits are twice the request: Python and Go burst on
 * startup and cache warm-up, and CPU over the limit only throttles. Memory limits are 1.5x: a
 * memory limit kills, so it sits well above the steady state but still caps a leak before it
 * starves the node.
 */
export function shape(cpuRequestMillis: number, memoryRequestMi: number, cpuLimitFactor = 2, memoryLimitFactor = 1.5): ResourceShape {
  const cpu = Math.max(MIN_CPU_MILLIS, Math.round(cpuRequestMillis));
  const mem = Math.max(MIN_MEMORY_MI, Math.round(memoryRequestMi));
  return {
    cpuRequestMillis: cpu,
    cpuLimitMillis: Math.round(cpu * cpuLimitFactor),
    memoryRequestMi: mem,
    memoryLimitMi: Math.round(mem * memoryLimitFactor),
  };
}

function weighted(weight: Weight, ccu: number): ResourceShape {
  return shape(
    floorTo(weight.cpu * interpolateHold(ccu, CPU_UNIT_MILLIS), 10),
    floorTo(weight.mem * interpolateHold(ccu, MEMORY_UNIT_MI), 16),
  );
}

export function mainResources(ccu: number): ResourceShape {
  return weighted(MAIN_WEIGHT, ccu);
}

export function workerResources(workerName: string, ccu: number): ResourceShape {
  const weight = WORKER_WEIGHTS[workerName];
  if (!weight) throw new Error(`no resource weight for Synapse worker type ${workerName}`);
  return weighted(weight, ccu);
}

export function budgetComponentResources(name: BudgetComponent, ccu: number): ResourceShape {
  return weighted(COMPONENT_WEIGHTS[name], ccu);
}

/**
 * Add-ons outside the profile budget: per-replica (CPU millicores, MiB) at the five points.
 * Engineering estimates, each growing with what drives it:
 *  - the LI Synapse answers a few investigators but its caches grow with the copied database;
 *  - the LI sync copies more data per cycle as the platform grows;
 *  - clamd holds the whole signature database in memory (about 1.2 GB) and needs twice that
 *    while it reloads, whatever the load, so its memory starts at 2.5 GiB;
 *  - Prometheus memory follows active series, which follow pod count; Loki follows log volume.
 */
export const ADDON_SERIES: Record<Exclude<ComponentName, BudgetComponent | "telegram" | "whatsapp">, { cpu: readonly number[]; mem: readonly number[] }> = {
  synapseLi: { cpu: [250, 500, 1000, 1500, 2000], mem: [1024, 1536, 2048, 3072, 4096] },
  elementLi: { cpu: [20, 20, 20, 20, 20], mem: [32, 32, 32, 32, 32] },
  adminLi: { cpu: [20, 20, 20, 20, 20], mem: [32, 32, 32, 32, 32] },
  liSync: { cpu: [200, 250, 500, 1000, 1000], mem: [256, 512, 1024, 2048, 2048] },
  clamav: { cpu: [500, 500, 1000, 1000, 1000], mem: [2560, 2560, 3072, 3072, 3072] },
  scanWorker: { cpu: [50, 100, 200, 250, 250], mem: [128, 128, 256, 256, 256] },
  prometheus: { cpu: [250, 500, 1000, 2000, 4000], mem: [1024, 2048, 4096, 8192, 16384] },
  grafana: { cpu: [100, 100, 200, 200, 250], mem: [256, 256, 512, 512, 512] },
  loki: { cpu: [250, 250, 500, 1000, 2000], mem: [512, 1024, 2048, 4096, 8192] },
  alertmanager: { cpu: [20, 20, 50, 50, 50], mem: [64, 64, 128, 128, 128] },
};
export type AddonComponent = keyof typeof ADDON_SERIES;

export function addonResources(name: AddonComponent, ccu: number): ResourceShape {
  const s = ADDON_SERIES[name];
  // clamd's memory limit must cover the reload peak (two databases in memory).
  const memoryLimitFactor = name === "clamav" ? 2 : 1.5;
  return shape(floorTo(interpolateHold(ccu, s.cpu), 10), floorTo(interpolateHold(ccu, s.mem), 16), 2, memoryLimitFactor);
}
