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
