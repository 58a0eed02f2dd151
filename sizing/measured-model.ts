/**
 * The `measured` model: Synapse and PostgreSQL sized from what `npm run bench:capacity` measured
 * on loopback (catalog/capacity.ts), under the stack's activity model; everything the benchmark
 * does not run (edge, RTC, LI, antivirus, monitoring, bridges, Redis, object store) keeps the
 * profile model's sizing at the same CCU.
 *
 * Per Synapse process type, the measurement gives CPU cores and memory as a base plus a per-user
 * slope (one process of each type served every user of a level). With the stack's activity
 * scaling the slope (its write rate against the measured one):
 * - users per process = the load at which one process reaches the hardware analysis's 70 % CPU
 *   target, capped by the load at which p99 delivery crossed 500 ms unless the host was busy
 *   there, with the topology or with other work (then the host, not a process, was the limit:
 *   docs/capacity.md);
 * - pool and sharded types run ceil(CCU / users per process) processes (pools at least the HA
 *   floor in production), pools autoscale from there to twice that at the 70 % target;
 * - requests are the fitted use at a process's design load (the CCU, up to its users per
 *   process) over the 70 % CPU / 80 % memory targets, so a process at its design load sits at
 *   the HPA's target.
 * Federation types keep the profile's sizing: loopback has no remote server to federate with.
 */
import { CAPACITY, type CapacityMeasurement } from "../catalog/capacity";
import { HA_MINIMUMS } from "../catalog/profiles";
import { WORKER_TYPES, type WorkerType } from "../catalog/workers";
import type { PlatformSpec } from "../config/spec";
import { activityFor, writeRequestsPerSecond } from "./activity";
import { groupFits, perProcessLatencyUsers, type GroupFit } from "./capacity-fit";
import { DB_CLASSES } from "./data-service-sizing";
import { CPU_TARGET, MEMORY_TARGET } from "./machines";
import type { ModelOutput } from "./model";
import { connectionDemand, profileModel, profileWorkloads } from "./profile-model";
import { hpaBounds } from "./replicas";
import { shape } from "./resources";
import { workload } from "./workload";
import type { WorkloadSizing } from "./types";

/** Types whose load the loopback run cannot produce: no remote homeserver federates with it. */
export const UNMEASURED_TYPES: readonly string[] = ["federation-inbound", "federation-reader", "federation-sender"];
/** A Synapse process is one Python event loop: requests above one core buy nothing. */
const MAX_PROCESS_CPU_MILLIS = 1000;
/** The smallest database the model asks for (the profile model's smallest class). */
const MIN_DATABASE_VCPU = 2;

/** How much more (or less) per-user work the stack's activity means than the measured one's. */
export function activityScale(spec: PlatformSpec, m: CapacityMeasurement = CAPACITY): number {
  const measured = writeRequestsPerSecond(1, activityFor(m.activity));
  const wanted = writeRequestsPerSecond(1, activityFor(spec.capacityActivity));
  return measured > 0 ? wanted / measured : 1;
}

/** Per-process figures the model derives for one measured type, for the plan and the tests. */
export interface ProcessCapacity {
  /** Cores per user, scaled to the stack's activity. */
  coresPerUser: number;
  baseCores: number;
  /** Users one process serves at the 70 % CPU target (capped by the latency ceiling). */
  usersPerProcess: number;
  /** What capped it: the CPU target or the p99 delivery latency. */
  limitedBy: "cpu" | "latency";
}

export function processCapacity(fit: GroupFit, scale: number, latencyUsers: number | undefined): ProcessCapacity {
  const coresPerUser = Math.max(0, fit.cpu.slope) * scale;
  const baseCores = Math.max(0, fit.cpu.intercept);
  const cpuUsers = coresPerUser > 0 ? Math.max(1, (CPU_TARGET - baseCores) / coresPerUser) : Number.POSITIVE_INFINITY;
  if (latencyUsers !== undefined && latencyUsers < cpuUsers) return { coresPerUser, baseCores, usersPerProcess: Math.max(1, latencyUsers), limitedBy: "latency" };
  return { coresPerUser, baseCores, usersPerProcess: cpuUsers, limitedBy: "cpu" };
}

/** Fits and ceilings of the measurement, or an error naming what is missing. */
export function measuredCapacity(m: CapacityMeasurement = CAPACITY): { fits: Record<string, GroupFit>; latencyUsers: number | undefined } {
  const levels = m.topologies.workers.levels;
  if (levels.length < 2) throw new Error(`the measured sizing model needs a capacity measurement with at least two load levels (catalog/measurements/, written by \`npm run bench:capacity -- --write\`); the current one has ${levels.length}`);
  const hostLoad = Math.max(m.machine.loadAverage.start, m.machine.loadAverage.end);
  return { fits: groupFits(m.topologies.workers), latencyUsers: perProcessLatencyUsers(levels, m.machine.cores, hostLoad) };
}

function processWorkload(spec: PlatformSpec, w: WorkerType | "main", fit: GroupFit, cap: ProcessCapacity, base: WorkloadSizing, scale: number): WorkloadSizing {
  const scaling = w === "main" ? "singleton" : w.scaling;
  let count = scaling === "singleton" ? 1 : Math.max(1, Math.ceil(spec.ccu / cap.usersPerProcess));
  if (scaling === "pool" && spec.highAvailability) count = Math.max(count, HA_MINIMUMS.synapseWorkerReplicas);
  // Each process is sized for the load it is designed to carry (the CCU, up to its users per
  // process), not for CCU / count: that would drop every time the count steps up, and more
  // users would then mean smaller pods.
  const users = Math.min(spec.ccu, cap.usersPerProcess);
  const cpu = Math.min(MAX_PROCESS_CPU_MILLIS, ((cap.baseCores + cap.coresPerUser * users) * 1000) / CPU_TARGET);
  // Memory grows with the users a process serves (caches, open /sync streams); the activity
  // scale applies to it as to CPU.
  const memory = (Math.max(0, fit.memory.intercept) + Math.max(0, fit.memory.slope) * scale * users) / MEMORY_TARGET;
  return workload(hpaBounds(count, scaling === "pool"), shape(cpu, memory), base.tier, base.storageGi !== undefined ? { storageGi: base.storageGi } : {});
}

/** Cores a fitted group uses at `users`, its per-user slope scaled to the stack's activity. */
function fittedCores(fit: GroupFit, scale: number, users: number): number {
  return Math.max(0, fit.cpu.intercept) + Math.max(0, fit.cpu.slope) * scale * users;
}

export function measuredModel(spec: PlatformSpec, m: CapacityMeasurement = CAPACITY): ModelOutput {
  const { fits, latencyUsers } = measuredCapacity(m);
  const scale = activityScale(spec, m);
  const base = profileWorkloads(spec);
  const profile = profileModel(spec);
  const sized = (type: WorkerType | "main", current: WorkloadSizing): WorkloadSizing => {
    const name = type === "main" ? "main" : type.name;
    const fit = fits[name];
    if (!fit || UNMEASURED_TYPES.includes(name)) return current;
    return processWorkload(spec, type, fit, processCapacity(fit, scale, latencyUsers), current, scale);
  };
  const main = sized("main", base.main);
  const workers = Object.fromEntries(WORKER_TYPES.map((w) => [w.name, sized(w, base.workers[w.name])]));
  const workloads = { main, workers, components: base.components };

  // PostgreSQL: the measured server's cores at this CCU over the 70 % target; memory and storage
  // as the profile model (a loopback database of minutes holds no realistic working set).
  const pg = fits.postgres;
  const pgCores = pg ? fittedCores(pg, scale, spec.ccu) : profile.database.vcpu * CPU_TARGET;
  const vcpu = Math.max(MIN_DATABASE_VCPU, 2 ** Math.ceil(Math.log2(pgCores / CPU_TARGET)));
  return {
    ...workloads,
    database: { ...profile.database, vcpu, memoryGi: Math.max(profile.database.memoryGi, vcpu * 4), maxConnections: connectionDemand(workloads) },
    liDatabase: profile.liDatabase,
    redis: profile.redis,
    objectStore: profile.objectStore,
  };
}

/** What the plan should say about a measured sizing: extrapolation and saturated singletons. */
export function measuredModelWarnings(spec: PlatformSpec, m: CapacityMeasurement = CAPACITY): string[] {
  const out: string[] = [];
  const { fits, latencyUsers } = measuredCapacity(m);
  const scale = activityScale(spec, m);
  const largest = Math.max(...m.topologies.workers.levels.map((l) => l.users));
  if (spec.ccu > 10 * largest) out.push(`measured model: ${spec.ccu.toLocaleString("en-US")} CCU is ${Math.round(spec.ccu / largest)}x the largest load measured (${largest} users on ${m.machine.cores} cores, ${m.date}); the per-user slopes are extrapolated`);
  const pg = fits.postgres;
  if (pg) {
    const largest = DB_CLASSES[DB_CLASSES.length - 1];
    const wantVcpu = fittedCores(pg, scale, spec.ccu) / CPU_TARGET;
    if (wantVcpu > largest.vcpu) out.push(`measured model: PostgreSQL's measured per-user CPU asks for about ${Math.round(wantVcpu)} vCPU at ${spec.ccu.toLocaleString("en-US")} CCU, more than the largest class (${largest.awsClass}, ${largest.vcpu} vCPU) the database is capped at; its primary would run above the 70 % target`);
  }
  for (const w of WORKER_TYPES) {
    const fit = fits[w.name];
    if (w.scaling !== "singleton" || !fit || UNMEASURED_TYPES.includes(w.name)) continue;
    const cap = processCapacity(fit, scale, latencyUsers);
    if (spec.ccu > cap.usersPerProcess) out.push(`measured model: the single ${w.name} writer reaches its ${cap.limitedBy === "cpu" ? "70 % CPU target" : "p99 latency limit"} at about ${Math.round(cap.usersPerProcess).toLocaleString("en-US")} users, below ${spec.ccu.toLocaleString("en-US")} CCU`);
  }
  return out;
}
