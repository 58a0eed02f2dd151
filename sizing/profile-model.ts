/**
 * The `profile` model: the architecture document's CCU tables, read at any CCU (replicas.ts),
 * with requests split out of the tables' totals (resources.ts), bridges by accounts (bridges.ts)
 * and storage split out of the table's `storage`.
 */
import { COMPONENTS, isDeployed, systemOf } from "../catalog/components";
import { WORKER_TYPES } from "../catalog/workers";
import type { PlatformSpec } from "../config/spec";
import { environmentPreset } from "../catalog/environments";
import { CCU_PROFILES, HA_MINIMUMS, INVENTORY } from "../catalog/profiles";
import { bridgeProcess, profileBridgeDemand } from "./bridges";
import { maxConnections } from "./connection-budget";
import { interpolate, interpolateCount, interpolateHold } from "./interpolate";
import type { ModelOutput } from "./model";
import { allWorkerReplicas, componentReplicas, hpaBounds } from "./replicas";
import { componentResources, mainResources, shape, workerResources } from "./resources";
import { componentTier } from "./tiers";
import { podCountAtMax, workload } from "./workload";
import type { ComponentName, WorkloadSizing } from "./types";

/**
 * How the table's `storage` divides. The hardware analysis's own split for Matrix (database 2 TB,
 * media 6 TB, indexes and logs 1.6 TB of ~10 TB) gives a database share of about a quarter once
 * indexes are counted and media about 60 %; the remaining 15 % is the persistent volumes of
 * monitoring (Prometheus and Loki 5 % each, Jaeger's sampled spans 1 %) and small state (Redis).
 */
export const STORAGE_SHARES = { database: 0.25, media: 0.6, prometheus: 0.05, loki: 0.05, traces: 0.01 } as const;

/**
 * Database compute at the five points: vCPU and GiB. Small profiles run on general-purpose
 * shapes; from 5k the database is memory-bound (8 GiB per vCPU) and at 20k reaches the hardware
 * analysis's dedicated database server (32 cores, 256 GB) — the same order as its 12,000
 * connections.
 */
export const DATABASE_SERIES = { vcpu: [2, 4, 8, 16, 32], memoryGi: [8, 16, 64, 128, 256] } as const;

/**
 * The LI database holds a full copy of main's (same storage) but serves only the sync system and
 * a few investigators: a quarter of main's compute, at least the smallest class.
 */
export const LI_DATABASE_FRACTION = 0.25;

/** Redis dataset ceiling (maxmemory) as a share of the Redis pod's memory request: room for
 * replication buffers and the copy-on-write of a background save. */
export const REDIS_DATASET_SHARE = 0.75;

export function profileStorageGi(ccu: number): number {
  return interpolate(ccu, CCU_PROFILES.map((p) => p.resources.storageGi));
}

/** The bridges: one process each, sized by accounts (bridges.ts says why one), 0 replicas when off. */
export function bridgeWorkload(spec: PlatformSpec, network: "telegram" | "whatsapp"): WorkloadSizing {
  const bridge = spec.bridges[network];
  if (!bridge.enabled) return workload(hpaBounds(0, false), shape(0, 0), componentTier(network));
  // Its own database of sessions and message history lives in PostgreSQL; the pod keeps nothing.
  return workload(hpaBounds(1, false), bridgeProcess(profileBridgeDemand(network, bridge.accounts)), componentTier(network));
}

/** Persistent volume per replica where the component keeps state. */
function componentStorage(name: ComponentName, ccu: number, redisMemoryGi: number): number | undefined {
  const storage = profileStorageGi(ccu);
  switch (name) {
    case "prometheus":
      return Math.ceil(storage * STORAGE_SHARES.prometheus);
    case "loki":
      return Math.ceil(storage * STORAGE_SHARES.loki);
    case "jaeger":
      return Math.ceil(storage * STORAGE_SHARES.traces);
    case "redis":
      // RDB snapshots and the AOF: twice the dataset.
      return Math.max(1, Math.ceil(2 * redisMemoryGi));
    case "grafana":
    case "alertmanager":
      return 1;
    default:
      return undefined;
  }
}

/** Components and Synapse processes of the profile model; shared by the seed model. */
export function profileWorkloads(spec: PlatformSpec): Pick<ModelOutput, "main" | "workers" | "components"> {
  const { ccu, highAvailability: ha } = spec;
  const workerCounts = allWorkerReplicas(ccu, ha);
  const workers = Object.fromEntries(
    WORKER_TYPES.map((w) => [w.name, workload(workerCounts[w.name], workerResources(w.name, ccu), w.tier)]),
  );
  const main = workload(hpaBounds(1, false), mainResources(ccu), "homeserver");

  const redisMemoryGi = redisDatasetGi(ccu);
  const components = {} as Record<ComponentName, WorkloadSizing>;
  for (const name of COMPONENTS) {
    if (name === "telegram" || name === "whatsapp") {
      components[name] = bridgeWorkload(spec, name);
      continue;
    }
    // A system that is not deployed gets no pods: nothing sized, packed or priced.
    const deployed = isDeployed(systemOf(name), spec);
    components[name] = workload(
      componentReplicas(name, ccu, ha, deployed),
      componentResources(name, ccu),
      componentTier(name),
      { storageGi: componentStorage(name, ccu, redisMemoryGi) },
    );
  }
  return { main, workers, components };
}

/** Redis maxmemory, GiB (quarter-GiB steps), from the Redis pod's budgeted memory. */
export function redisDatasetGi(ccu: number): number {
  const podMi = componentResources("redis", ccu).memoryRequestMi;
  return Math.max(0.25, Math.floor(((podMi * REDIS_DATASET_SHARE) / 1024) * 4) / 4);
}

/** Database connections every pod that talks to the main database may open, at HPA ceilings. */
export function connectionDemand(w: Pick<ModelOutput, "main" | "workers" | "components">): number {
  const synapse = podCountAtMax(w.main) + Object.values(w.workers).reduce((s, x) => s + podCountAtMax(x), 0);
  const others = ["telegram", "whatsapp", "keyVault"].reduce((s, n) => s + podCountAtMax(w.components[n as ComponentName]), 0);
  return maxConnections(synapse, others);
}

export function profileModel(spec: PlatformSpec): ModelOutput {
  const { ccu, highAvailability: ha } = spec;
  const workloads = profileWorkloads(spec);
  const storage = profileStorageGi(ccu);
  const dbStorage = storage * STORAGE_SHARES.database;
  const vcpu = interpolateHold(ccu, DATABASE_SERIES.vcpu);
  const memoryGi = interpolateHold(ccu, DATABASE_SERIES.memoryGi);
  let instances = interpolateCount(ccu, CCU_PROFILES.map((p) => p.postgresql.instances));
  if (ha) instances = Math.max(instances, HA_MINIMUMS.postgresqlInstances);
  const multiAz = environmentPreset(spec.environment).multiAzDatabase;

  let redisReplicas = interpolateCount(ccu, CCU_PROFILES.map((p) => p.redis.replicas));
  if (ha) redisReplicas = Math.max(redisReplicas, HA_MINIMUMS.redisReplicas);
  let minioNodes = interpolateCount(ccu, CCU_PROFILES.map((p) => p.minio.nodes));
  if (ha) minioNodes = Math.max(minioNodes, HA_MINIMUMS.minioNodes);
  const media = storage * STORAGE_SHARES.media;

  return {
    ...workloads,
    database: { instances, vcpu, memoryGi, storageGi: dbStorage, maxConnections: connectionDemand(workloads), multiAz },
    liDatabase: {
      instances: INVENTORY.liPostgresqlInstances,
      vcpu: vcpu * LI_DATABASE_FRACTION,
      memoryGi: memoryGi * LI_DATABASE_FRACTION,
      storageGi: dbStorage,
      // LI Synapse (single process) + sync workers + admin.
      maxConnections: 100,
      multiAz,
    },
    redis: { replicas: redisReplicas, memoryGi: redisDatasetGi(ccu) },
    // Media, its LI copy, and database backups (base backups + WAL: twice the database).
    objectStore: { nodes: minioNodes, capacityGi: 2 * media + 2 * dbStorage },
  };
}
