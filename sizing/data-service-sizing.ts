/**
 * PostgreSQL, Redis and the object store: the shapes of the data services, whichever platform
 * runs them (RDS/Cloud SQL, ElastiCache/Memorystore, S3/GCS on the clouds; CloudNativePG, Redis
 * and MinIO pods on an existing cluster).
 */
import type { DatabaseSizing, ObjectStoreSizing, RedisSizing } from "./types";

/** A managed PostgreSQL class and its shape. Graviton: the price table lists only db.*g classes. */
export interface DbClass {
  awsClass: string;
  vcpu: number;
  memoryGi: number;
}

/**
 * RDS classes, cheapest first, each at least as big as the one before in both vCPU and memory, so
 * "first class that holds the demand" grows with the demand. General-purpose (m7g, 4 GiB/vCPU)
 * while the database is small; memory-optimised (r7g, 8 GiB/vCPU) where the working set
 * (shared_buffers at half the RAM, as the hardware analysis configures) matters.
 */
export const DB_CLASSES: readonly DbClass[] = [
  { awsClass: "db.m7g.large", vcpu: 2, memoryGi: 8 },
  { awsClass: "db.r7g.large", vcpu: 2, memoryGi: 16 },
  { awsClass: "db.m7g.xlarge", vcpu: 4, memoryGi: 16 },
  { awsClass: "db.r7g.xlarge", vcpu: 4, memoryGi: 32 },
  { awsClass: "db.r7g.2xlarge", vcpu: 8, memoryGi: 64 },
  { awsClass: "db.r7g.4xlarge", vcpu: 16, memoryGi: 128 },
  { awsClass: "db.r7g.8xlarge", vcpu: 32, memoryGi: 256 },
  { awsClass: "db.r7g.12xlarge", vcpu: 48, memoryGi: 384 },
  { awsClass: "db.r7g.16xlarge", vcpu: 64, memoryGi: 512 },
];

export function dbClassFor(vcpu: number, memoryGi: number): DbClass {
  return DB_CLASSES.find((c) => c.vcpu >= vcpu && c.memoryGi >= memoryGi) ?? DB_CLASSES[DB_CLASSES.length - 1];
}

/**
 * Cloud SQL Enterprise custom machine with the same vCPUs. Cloud SQL allows at most 6.5 GB per
 * vCPU without extended memory, so memory-optimised shapes get that cap; memory must be a
 * multiple of 256 MiB.
 */
export function cloudSqlTier(vcpu: number, memoryGi: number): { tier: string; memoryGi: number } {
  const mem = Math.min(memoryGi, 6.5 * vcpu);
  const mib = Math.floor((mem * 1024) / 256) * 256;
  return { tier: `db-custom-${vcpu}-${mib}`, memoryGi: mib / 1024 };
}

export interface DatabaseDemand {
  instances: number;
  vcpu: number;
  memoryGi: number;
  storageGi: number;
  maxConnections: number;
  /** Standby in a second zone provided by the managed service (Multi-AZ / HA). */
  multiAz: boolean;
}

export function databaseSizing(d: DatabaseDemand): DatabaseSizing {
  const cls = dbClassFor(d.vcpu, d.memoryGi);
  // Managed clouds: one primary, the Multi-AZ standby when on, the rest of the document's
  // instances as read replicas.
  const readReplicas = Math.max(0, d.instances - 1 - (d.multiAz ? 1 : 0));
  return {
    instances: d.instances,
    readReplicas,
    vcpu: cls.vcpu,
    memoryGi: cls.memoryGi,
    storageGi: Math.ceil(d.storageGi),
    maxConnections: d.maxConnections,
    awsInstanceClass: cls.awsClass,
    gcpTier: cloudSqlTier(cls.vcpu, cls.memoryGi).tier,
  };
}

/** ElastiCache node types, smallest first, with their memory (GiB). */
export const REDIS_NODE_TYPES: readonly { type: string; memoryGi: number }[] = [
  { type: "cache.t4g.small", memoryGi: 1.37 },
  { type: "cache.t4g.medium", memoryGi: 3.09 },
  { type: "cache.m7g.large", memoryGi: 6.38 },
  { type: "cache.m7g.xlarge", memoryGi: 12.93 },
  { type: "cache.m7g.2xlarge", memoryGi: 26.04 },
];

/**
 * Redis holds almost nothing for Synapse (replication pub/sub and a few caches) and LiveKit's
 * room state; `memoryGi` is the dataset ceiling (maxmemory). Production avoids burstable t4g
 * nodes: CPU credits run out exactly when replication traffic spikes.
 */
export function redisSizing(replicas: number, memoryGi: number, highAvailability: boolean): RedisSizing {
  const types = highAvailability ? REDIS_NODE_TYPES.filter((t) => !t.type.includes(".t4g.")) : REDIS_NODE_TYPES;
  const node = types.find((t) => t.memoryGi >= memoryGi) ?? types[types.length - 1];
  return {
    replicas,
    memoryGi,
    awsNodeType: node.type,
    gcpMemorySizeGb: Math.max(1, Math.ceil(memoryGi * GI_TO_GB)),
  };
}

export const GI_TO_GB = 2 ** 30 / 1e9;

/** MinIO drives per server: four, the document's EC:4 minimum set shape (4 nodes x 4 drives). */
export const DRIVES_PER_NODE = 4;
/**
 * Usable fraction of raw capacity: MinIO's default parity for a 16-drive erasure set is EC:4,
 * leaving 12/16 for data.
 */
export const ERASURE_USABLE = 0.75;

export function objectStoreSizing(nodes: number, capacityGi: number): ObjectStoreSizing {
  const raw = capacityGi / ERASURE_USABLE;
  // Whole 100 GiB drives: what gets ordered or provisioned.
  const driveSizeGi = Math.max(100, Math.ceil(raw / (nodes * DRIVES_PER_NODE) / 100) * 100);
  return { nodes, drivesPerNode: DRIVES_PER_NODE, driveSizeGi, capacityGi: Math.ceil(capacityGi) };
}
