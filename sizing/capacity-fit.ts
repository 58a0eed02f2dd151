/**
 * From a capacity measurement (catalog/capacity.ts) to what sizing needs, pure: per process
 * group, CPU cores and memory as a fixed base plus a per-user slope (sizing/linear-fit.ts), the
 * load at which one process saturates a core, and the load at which the clients' p99 delivery
 * latency crosses the hardware analysis's 500 ms.
 */
import type { CapacityLevel, CapacityTopology } from "../catalog/capacity";
import { fitReaches, linearFit, type LinearFit } from "./linear-fit";

/** The hardware analysis's key metric: message latency < 500 ms p99. */
export const P99_DELIVERY_LIMIT_MS = 500;
/** A Synapse process runs Python's event loop on one core: it saturates at one core. */
export const CORES_PER_PROCESS = 1;

export interface GroupFit {
  /** Cores used by the group (per process: the topology runs one of each) against users. */
  cpu: LinearFit;
  /** Peak resident MiB against users. */
  memory: LinearFit;
  /** Users at which the fit reaches one core per process (null: its slope is not positive). */
  usersAtOneCore: number | null;
}

/** A fit per group that every level measured. */
export function groupFits(topology: CapacityTopology): Record<string, GroupFit> {
  const levels = topology.levels;
  const groups = Object.keys(levels[0]?.cpuCores ?? {}).filter((g) => levels.every((l) => g in l.cpuCores && g in l.peakMemoryMi));
  const out: Record<string, GroupFit> = {};
  for (const g of groups) {
    const per = topology.processes[g] ?? 1;
    const xs = levels.map((l) => l.users);
    const cpu = linearFit(xs, levels.map((l) => l.cpuCores[g] / per));
    const memory = linearFit(xs, levels.map((l) => l.peakMemoryMi[g] / per));
    out[g] = { cpu, memory, usersAtOneCore: fitReaches(cpu, CORES_PER_PROCESS) };
  }
  return out;
}

/**
 * The load at which p99 delivery latency crosses `limitMs`, linearly interpolated between the
 * last level under it and the first over it; `reached: false` with the highest level measured
 * when no level crossed it (the ceiling is above what was measured), and 0 users when the first
 * level already did.
 */
export function latencyCeiling(levels: readonly CapacityLevel[], limitMs = P99_DELIVERY_LIMIT_MS): { users: number; reached: boolean; atLevel?: CapacityLevel } {
  const sorted = [...levels].filter((l) => l.delivery.samples > 0).sort((a, b) => a.users - b.users);
  if (sorted.length === 0) return { users: 0, reached: false };
  if (sorted[0].delivery.p99 > limitMs) return { users: sorted[0].users * (limitMs / sorted[0].delivery.p99), reached: true, atLevel: sorted[0] };
  for (let i = 1; i < sorted.length; i++) {
    const lo = sorted[i - 1];
    const hi = sorted[i];
    if (hi.delivery.p99 > limitMs) {
      const t = (limitMs - lo.delivery.p99) / (hi.delivery.p99 - lo.delivery.p99);
      return { users: lo.users + t * (hi.users - lo.users), reached: true, atLevel: hi };
    }
  }
  return { users: sorted[sorted.length - 1].users, reached: false };
}

/** Cores every process of a level used together. */
export function totalCores(level: CapacityLevel): number {
  return Object.values(level.cpuCores).reduce((s, c) => s + c, 0);
}

/**
 * Share of the machine's cores in use at which a latency crossing is the machine's, not a
 * process's: every process of the topology and the clients share one host, so once it is nearly
 * busy, queueing for a core explains the latency and no single process type is at its limit.
 */
export const MACHINE_BOUND_SHARE = 0.8;

/**
 * The latency ceiling as a per-process limit, or undefined when not reached or machine-bound:
 * the topology kept the host at least 80 % busy at the crossing, or other work did (a 1-minute
 * load average above the core count during the run means runnable processes queued for cores).
 */
export function perProcessLatencyUsers(levels: readonly CapacityLevel[], machineCores: number, hostLoadAverage = 0, limitMs = P99_DELIVERY_LIMIT_MS): number | undefined {
  const c = latencyCeiling(levels, limitMs);
  if (!c.reached || !c.atLevel) return undefined;
  if (hostLoadAverage > machineCores) return undefined;
  return totalCores(c.atLevel) >= MACHINE_BOUND_SHARE * machineCores ? undefined : c.users;
}
