/**
 * Bridge sizing. A mautrix bridge is one process per appservice registration: two replicas of the
 * same bridge would both log in to the same Telegram/WhatsApp accounts and split Synapse's
 * transactions between them. So a bridge scales by shards (independent bridge instances, each
 * with a share of the accounts, as the hardware analysis suggests: "distribute accounts across
 * multiple bridge instances, consistent hashing"), each shard one pod, vertically sized up to a
 * ceiling that fits the bridge tier's machines.
 */
import type { ResourceShape } from "./types";

/**
 * Largest shard: a quarter of the biggest bridge-tier machine (r7a.16xlarge / n2d-highmem-64,
 * 64 vCPU / 512 GiB) so four shards pack onto one node under the 70 % CPU / 80 % memory targets
 * and a lost node takes down at most a quarter of the accounts.
 */
export const MAX_SHARD_CPU_MILLIS = 10_500;
export const MAX_SHARD_MEMORY_MI = 96 * 1024;

/** Total demand of one bridge (all shards together). */
export interface BridgeDemand {
  cpuRequestMillis: number;
  cpuLimitMillis: number;
  memoryRequestMi: number;
  memoryLimitMi: number;
}

export interface ShardedBridge {
  shards: number;
  perShard: ResourceShape;
}

/**
 * Per-account coefficients of the `profile` model: the hardware analysis's sustained figures for
 * each bridge (its "idle" / lower-bound rows), not its peak planning envelope (that is the
 * `seed-analysis` model): Telegram 0.002 cores idle and 20 MB session per account; WhatsApp
 * 0.005 cores per connection and 40 MB session per account. The bridges are Go (bridgev2) now,
 * lighter than the Python bridges the document measured, so its lower bounds are the honest
 * steady state. Plus a fixed base per shard for the process itself.
 */
export const PROFILE_BRIDGE_COEFFICIENTS = {
  telegram: { cpuMillisPerAccount: 2, memoryMbPerAccount: 20 },
  whatsapp: { cpuMillisPerAccount: 5, memoryMbPerAccount: 40 },
} as const;
const BASE_CPU_MILLIS = 100;
const BASE_MEMORY_MI = 256;

/** MB (10^6 bytes, as the document counts) to MiB. */
export const MB_TO_MI = 1e6 / 2 ** 20;

export function profileBridgeDemand(network: keyof typeof PROFILE_BRIDGE_COEFFICIENTS, accounts: number): BridgeDemand {
  const k = PROFILE_BRIDGE_COEFFICIENTS[network];
  const cpu = k.cpuMillisPerAccount * accounts;
  const mem = k.memoryMbPerAccount * accounts * MB_TO_MI;
  // Limits: 2x CPU and 1.5x memory, the same headroom as every other workload (resources.ts).
  return { cpuRequestMillis: cpu, cpuLimitMillis: 2 * cpu, memoryRequestMi: mem, memoryLimitMi: 1.5 * mem };
}

/** Split a bridge's demand into the fewest shards that each fit the shard ceiling. */
export function shardBridge(demand: BridgeDemand): ShardedBridge {
  const shards = Math.max(
    1,
    Math.ceil(demand.cpuRequestMillis / MAX_SHARD_CPU_MILLIS),
    Math.ceil(demand.memoryRequestMi / MAX_SHARD_MEMORY_MI),
  );
  const per = (x: number, base: number) => Math.ceil(x / shards) + base;
  const cpuReq = per(demand.cpuRequestMillis, BASE_CPU_MILLIS);
  const memReq = per(demand.memoryRequestMi, BASE_MEMORY_MI);
  return {
    shards,
    perShard: {
      cpuRequestMillis: cpuReq,
      cpuLimitMillis: Math.max(cpuReq, per(demand.cpuLimitMillis, 2 * BASE_CPU_MILLIS)),
      memoryRequestMi: memReq,
      memoryLimitMi: Math.max(memReq, per(demand.memoryLimitMi, Math.round(1.5 * BASE_MEMORY_MI))),
    },
  };
}
