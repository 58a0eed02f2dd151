/**
 * The five CCU profiles of the architecture document ("Scaling Profiles", 100 to 20,000 CCU) as
 * typed data: every number the document gives, nothing more. Sizing (sizing/profile-model.ts)
 * interpolates between these points; tests/stacks/profiles.test.ts re-reads the document's YAML
 * blocks and compares them with this table, so a typo here fails a test.
 */
import type { ProfileName } from "../config/keys";
import type { ProfileWorkerColumn } from "./workers";

/**
 * What the document says about worker types it does not list in a profile's table: at 100 CCU
 * "All others: 1", at 1k "Others scale to 1-2". From 5k on it is silent (`undefined`).
 */
export interface OthersRule {
  min: number;
  max: number;
}

export interface CcuProfile {
  name: ProfileName;
  ccu: number;
  postgresql: { instances: number };
  redis: { replicas: number };
  minio: { nodes: number };
  synapse: {
    /** Instance counts per column the profile lists; a column it omits is absent. */
    workers: Partial<Record<ProfileWorkerColumn, number>>;
    /** The profile's note about the types it does not list, when it has one. */
    others?: OthersRule;
  };
  livekit: { replicas: number };
  /** The profile's `resources` block: total CPU cores, memory GiB and storage GiB. */
  resources: { totalCpu: number; totalMemoryGi: number; storageGi: number };
}

/** Architecture document, "Profile: 100 CCU (Minimal HA)" ... "Profile: 20,000 CCU (Massive Scale)". */
export const CCU_PROFILES: readonly CcuProfile[] = [
  {
    name: "100",
    ccu: 100,
    postgresql: { instances: 2 }, // 1 primary + 1 replica
    redis: { replicas: 3 }, // minimum for Sentinel
    minio: { nodes: 4 }, // minimum for EC:4
    synapse: {
      workers: { synchrotron: 1, event_persister: 1, client_reader: 1, federation_sender: 1, media_repository: 1 },
      others: { min: 1, max: 1 }, // "All others: 1"
    },
    livekit: { replicas: 1 },
    resources: { totalCpu: 8, totalMemoryGi: 16, storageGi: 500 },
  },
  {
    name: "1k",
    ccu: 1_000,
    postgresql: { instances: 3 }, // 1 primary + 2 replicas
    redis: { replicas: 3 },
    minio: { nodes: 4 },
    synapse: {
      workers: { synchrotron: 2, event_persister: 2, client_reader: 2, federation_sender: 2, media_repository: 2 },
      others: { min: 1, max: 2 }, // "Others scale to 1-2"
    },
    livekit: { replicas: 2 },
    resources: { totalCpu: 16, totalMemoryGi: 32, storageGi: 1024 }, // storage: 1Ti
  },
  {
    name: "5k",
    ccu: 5_000,
    postgresql: { instances: 3 },
    redis: { replicas: 3 },
    minio: { nodes: 6 },
    synapse: {
      workers: { synchrotron: 4, event_persister: 2, client_reader: 4, federation_sender: 2, media_repository: 2, federation_reader: 2 },
    },
    livekit: { replicas: 3 },
    resources: { totalCpu: 32, totalMemoryGi: 64, storageGi: 2048 }, // storage: 2Ti
  },
  {
    name: "10k",
    ccu: 10_000,
    postgresql: { instances: 3 },
    redis: { replicas: 5 },
    minio: { nodes: 8 },
    synapse: {
      workers: { synchrotron: 8, event_persister: 4, client_reader: 8, federation_sender: 4, media_repository: 4, federation_reader: 4 },
    },
    livekit: { replicas: 5 },
    resources: { totalCpu: 64, totalMemoryGi: 128, storageGi: 4096 }, // storage: 4Ti
  },
  {
    name: "20k",
    ccu: 20_000,
    postgresql: { instances: 4 }, // 1 primary + 3 replicas
    redis: { replicas: 5 },
    minio: { nodes: 12 },
    synapse: {
      workers: { synchrotron: 16, event_persister: 8, client_reader: 16, federation_sender: 8, media_repository: 8, federation_reader: 8 },
    },
    livekit: { replicas: 7 },
    resources: { totalCpu: 128, totalMemoryGi: 256, storageGi: 8192 }, // storage: 8Ti
  },
];

export function profileByName(name: ProfileName): CcuProfile {
  const found = CCU_PROFILES.find((p) => p.name === name);
  if (!found) throw new Error(`unknown CCU profile ${name}`);
  return found;
}

/**
 * The document's HA table ("High Availability Guarantees"): the minimum replicas it promises per
 * component. Production never sizes below these.
 */
export const HA_MINIMUMS = {
  postgresqlInstances: 2, // "2 (1+1)", synchronous replication
  redisReplicas: 3, // Sentinel automatic failover
  minioNodes: 4, // distributed erasure coding
  synapseWorkerReplicas: 2, // "Multiple replicas + HAProxy", "2+"
  livekitReplicas: 3, // "Distributed mode + Redis"
} as const;

/** Component inventory counts the document fixes outside the profile tables. */
export const INVENTORY = {
  /** li-cluster.yaml: 1 primary + 1 replica. */
  liPostgresqlInstances: 2,
  /** li-tenant.yaml: 4-node distributed. */
  liMinioNodes: 4,
  /** lk-jwt-service deployment.yaml: 2 replicas. */
  lkJwtReplicas: 2,
} as const;
