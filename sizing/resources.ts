/**
 * Per-replica requests and limits of the `profile` model.
 *
 * Budget split. The profile tables give one `total_cpu` / `total_memory` per profile; we read it
 * as the Kubernetes compute of the main Matrix instance: Synapse (main + every worker), its edge
 * (HAProxy, the Gateway proxy, Element, admin), MatrixRTC (LiveKit, lk-jwt-service, coturn),
 * Sygnal, the key vault and Redis. Left out of that budget, each sized on its own:
 *  - PostgreSQL and MinIO: managed services on the clouds, a dedicated database/media tier
 *    on-prem; their shapes come from data-service-sizing.ts (the document lists them beside the
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
import { MAIN_PROCESS_WEIGHT, WORKER_TYPES, type ResourceWeight } from "../catalog/workers";
import { CCU_PROFILES } from "../catalog/profiles";
import { interpolateHold } from "./interpolate";
import { allWorkerReplicas, componentReplicas } from "./replicas";
import { COMPONENTS, workloadEntry, type ComponentName } from "../catalog/components";
import type { ResourceShape } from "./types";

/** Fraction of the table's totals the Matrix part requests. */
export const BUDGET_FRACTION = 0.9;

/**
 * Components whose requests come out of the profile's totals (the "Matrix part"): those the
 * registry sizes by weight. Every one counts in the budget whether or not the stack deploys it,
 * so switching a system on or off never resizes the others.
 */
export const BUDGET_COMPONENTS: readonly ComponentName[] = COMPONENTS.filter((c) => workloadEntry(c).resources.kind === "weight");

function budgetWeight(name: ComponentName): Weight {
  const rule = workloadEntry(name).resources;
  if (rule.kind !== "weight") throw new Error(`${name} is not sized from the profile budget`);
  return rule;
}

type Weight = ResourceWeight;

/** Each worker type's weight, from its catalogue entry. */
export const WORKER_WEIGHTS: Record<string, Weight> = Object.fromEntries(WORKER_TYPES.map((w) => [w.name, w.weight]));

export const MAIN_WEIGHT: Weight = MAIN_PROCESS_WEIGHT;

/** Weighted replica count of the Matrix part at one profile point, profile numbers exactly. */
function weightedReplicas(ccu: number, pick: (w: Weight) => number): number {
  const workers = allWorkerReplicas(ccu, false);
  let sum = pick(MAIN_WEIGHT);
  for (const w of WORKER_TYPES) sum += pick(WORKER_WEIGHTS[w.name]) * workers[w.name].replicas;
  for (const c of BUDGET_COMPONENTS) sum += pick(budgetWeight(c)) * componentReplicas(c, ccu, false, true).replicas;
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

/** Per-replica requests and limits of a component, by its registry resource rule. */
export function componentResources(name: ComponentName, ccu: number): ResourceShape {
  const rule = workloadEntry(name).resources;
  switch (rule.kind) {
    case "weight":
      return weighted(rule, ccu);
    case "series":
      return shape(floorTo(interpolateHold(ccu, rule.cpuMillis), 10), floorTo(interpolateHold(ccu, rule.memoryMi), 16), rule.cpuLimitFactor ?? 2, rule.memoryLimitFactor ?? 1.5);
    case "accounts":
      throw new Error(`${name} is sized by bridged accounts (sizing/bridges.ts), not by CCU`);
  }
}
