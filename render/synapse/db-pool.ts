/**
 * Connection-pool sizing. Every Synapse process opens its own Twisted pool of up to `cp_max`
 * connections, so all processes together may hold `processes x cp_max`; that must fit in the
 * server's max_connections with room left for superuser slots, replication, backups, admin
 * sessions and the other programs that share the server.
 */

/** Share of max_connections kept free for everything that is not a Synapse pool. */
export const DB_HEADROOM_FRACTION = 0.2;
/** Connections always kept free on top of the fraction (superuser_reserved_connections, replication, backups). */
export const DB_HEADROOM_FIXED = 10;
/** Synapse's default cp_max; more per process gives little. */
export const CP_MAX_CEILING = 10;

export interface PoolSize {
  cp_min: number;
  cp_max: number;
  /** processes x cp_max */
  total: number;
  /** Connections the pools may use at most (max_connections less headroom). */
  budget: number;
}

export function dbPoolSize(maxConnections: number, processes: number): PoolSize {
  if (!Number.isInteger(processes) || processes < 1) throw new Error(`process count ${processes} must be a whole number >= 1`);
  const budget = Math.floor(maxConnections * (1 - DB_HEADROOM_FRACTION)) - DB_HEADROOM_FIXED;
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
