/**
 * The database connection budget: one rule for both sides of it. Sizing sets the server's
 * max_connections from the pods that may hold connections at their HPA ceilings; the Synapse
 * renderer splits what is left after the same headroom into per-process pools. Every Synapse
 * process opens its own Twisted pool of up to `cp_max` connections, so all processes together
 * may hold `processes x cp_max`; that must fit in max_connections with room left for superuser
 * slots, replication, backups, admin sessions, and the other programs that share the server.
 */

/** Share of max_connections kept free for everything that is not a pool (also covers deploys, when old and new pods overlap). */
export const DB_HEADROOM_FRACTION = 0.2;
/** Connections always kept free on top of the fraction (superuser_reserved_connections, replication, backups). */
export const DB_HEADROOM_FIXED = 10;
/** Synapse's default cp_max, and what sizing plans per process; more per process gives little. */
export const CP_MAX_CEILING = 10;
/** Pool of each other pod on the main server (bridges, the key vault). */
export const CONNECTIONS_PER_OTHER_POD = 10;
/** Admin sessions, monitoring and replication slots, planned on top of the pools. */
export const RESERVED_CONNECTIONS = 30;
/** max_connections moves in steps of this (and is never below it). */
export const MAX_CONNECTIONS_STEP = 100;

/** Connections the pools may use at most: max_connections less the headroom. */
export function poolBudget(maxConnections: number): number {
  return Math.floor(maxConnections * (1 - DB_HEADROOM_FRACTION)) - DB_HEADROOM_FIXED;
}

/**
 * max_connections for a server: the smallest step whose share left after the headroom fraction
 * holds every Synapse process's full pool, every other pod's pool and the reserved sessions.
 */
export function maxConnections(synapseProcessesAtMax: number, otherPodsAtMax: number): number {
  const needed = synapseProcessesAtMax * CP_MAX_CEILING + otherPodsAtMax * CONNECTIONS_PER_OTHER_POD + RESERVED_CONNECTIONS;
  let max = MAX_CONNECTIONS_STEP;
  while (Math.floor(max * (1 - DB_HEADROOM_FRACTION)) < needed) max += MAX_CONNECTIONS_STEP;
  return max;
}

export interface PoolSize {
  cp_min: number;
  cp_max: number;
  /** processes x cp_max */
  total: number;
  /** Connections the pools may use at most (max_connections less headroom). */
  budget: number;
}

/** Each Synapse process's pool, given the server's max_connections and the processes that may run at once. */
export function dbPoolSize(maxConnections: number, processes: number): PoolSize {
  if (!Number.isInteger(processes) || processes < 1) throw new Error(`process count ${processes} must be a whole number >= 1`);
  const budget = poolBudget(maxConnections);
  const cpMax = Math.min(CP_MAX_CEILING, Math.floor(budget / processes));
  if (cpMax < 2) {
    throw new Error(
      `database max_connections ${maxConnections} cannot give ${processes} Synapse processes a pool of at least 2 connections ` +
      `(budget ${budget} after headroom); raise max_connections or lower the worker counts`,
    );
  }
  const cpMin = Math.max(1, Math.min(5, Math.floor(cpMax / 2)));
  return { cp_min: cpMin, cp_max: cpMax, total: cpMax * processes, budget };
}
