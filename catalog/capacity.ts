/**
 * Measured capacity: what `npm run bench:capacity` recorded on loopback, as dated data (one file
 * per run under catalog/measurements/, written by `--write`), and the one the `measured` sizing
 * model uses. The shapes are here; the fits (sizing/capacity-fit.ts) are computed from them.
 */
import type { CcuActivity } from "../config/activity";
import { CAPACITY_MEASUREMENT } from "./measurements/capacity-current";

/** One load level of one topology. */
export interface CapacityLevel {
  /** Concurrent simulated users. */
  users: number;
  /** Length of the measured window, seconds. */
  windowSeconds: number;
  /** Mean CPU cores used in the window, per process group (Synapse type, postgres, redis, haproxy, s3). */
  cpuCores: Record<string, number>;
  /** Peak resident memory in the window, MiB, per group (summed over a group's processes). */
  peakMemoryMi: Record<string, number>;
  /** Client connections PostgreSQL held (the larger of the window's two readings). */
  postgresConnections: number;
  /** Requests per second HAProxy sent to each backend in the window. */
  haproxyRps: Record<string, number>;
  /** Send→/sync delivery latency, ms (p50/p95/p99 over `samples` deliveries). */
  delivery: { samples: number; p50: number; p95: number; p99: number };
  /** Time the send request took, ms (included in each delivery time). */
  send: { p50: number; p99: number };
  /** Messages some member had not received when the window closed (plus 3 s). */
  undelivered: number;
  /** Actions started in the window: succeeded / failed / dropped (client backlogged). */
  actions: Record<string, { ok: number; failed: number; dropped: number }>;
  syncs: { ok: number; failed: number; initial: number };
}

export interface CapacityTopology {
  /** Processes per group in this topology (Synapse types; one each, or main alone). */
  processes: Record<string, number>;
  levels: CapacityLevel[];
}

export interface CapacityMeasurement {
  /** Day of the run (UTC, YYYY-MM-DD). */
  date: string;
  /** The command that produced it. */
  command: string;
  /**
   * The host, and its 1-minute load average at the start and the end of the run: above the core
   * count, other work competed with the benchmark and its latencies are the host's, not Synapse's.
   */
  machine: { cores: number; cpuModel: string; memoryGi: number; loadAverage: { start: number; end: number } };
  synapseVersion: string;
  /** The activity model the clients followed. */
  activity: CcuActivity;
  warmupSeconds: number;
  /** `workers`: main plus one process of every worker type; `main-only`: main alone. */
  topologies: { workers: CapacityTopology; "main-only"?: CapacityTopology };
}

/** The measurement the `measured` model is calibrated by. */
export const CAPACITY: CapacityMeasurement = CAPACITY_MEASUREMENT;
