import type { DatabaseName } from "./types";

/**
 * The PostgreSQL database and owning role of each consumer. One owner per database, so a
 * compromised bridge cannot read Synapse's tables, and the LI database lives on its own
 * server/cluster, apart from main.
 */
export const DATABASE_SPECS: Record<DatabaseName, { database: string; owner: string; instance: "main" | "li" }> = {
  synapse: { database: "synapse", owner: "synapse", instance: "main" },
  telegram: { database: "mautrix_telegram", owner: "mautrix_telegram", instance: "main" },
  whatsapp: { database: "mautrix_whatsapp", owner: "mautrix_whatsapp", instance: "main" },
  keyVault: { database: "key_vault", owner: "key_vault", instance: "main" },
  synapseLi: { database: "synapse_li", owner: "synapse_li", instance: "li" },
};

/** Databases per server ("main" holds everything but LI). */
export function databasesOn(instance: "main" | "li"): DatabaseName[] {
  return (Object.keys(DATABASE_SPECS) as DatabaseName[]).filter((d) => DATABASE_SPECS[d].instance === instance);
}

/**
 * Synapse refuses a database whose collation is not C (its text ordering assumptions), so every
 * database is created from template0 with C collation and UTF8 encoding; the bridges and the
 * key vault are indifferent to it.
 */
export const DATABASE_LOCALE = { encoding: "UTF8", collate: "C", ctype: "C" } as const;

/** PostgreSQL settings derived from the server's memory and connection budget (pgtune rules). */
export function postgresTuning(memoryGi: number, maxConnections: number): Record<string, string> {
  const memMb = Math.max(1024, Math.round(memoryGi * 1024));
  const sharedBuffersMb = Math.round(memMb / 4);
  return {
    max_connections: String(maxConnections),
    shared_buffers: `${sharedBuffersMb}MB`,
    effective_cache_size: `${Math.round((memMb * 3) / 4)}MB`,
    maintenance_work_mem: `${Math.min(2048, Math.round(memMb / 16))}MB`,
    // What is left after shared buffers, shared by every connection with headroom for sorts.
    work_mem: `${Math.max(4, Math.round(((memMb - sharedBuffersMb) * 1024) / (maxConnections * 3)))}kB`,
    wal_buffers: "16MB",
    checkpoint_completion_target: "0.9",
    random_page_cost: "1.1",
  };
}
