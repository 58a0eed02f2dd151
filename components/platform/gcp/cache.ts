import * as gcp from "@pulumi/gcp";
import type * as pulumi from "@pulumi/pulumi";
import type { RedisSizing } from "../../../sizing/types";

export interface MemorystoreArgs {
  /** Resource name prefix (the platform's name). */
  name: string;
  /** Instance name prefix. */
  prefix: string;
  region: string;
  /** Memory size (sizing's GB, at least Memorystore's 1 GB). */
  sizing: Pick<RedisSizing, "gcpMemorySizeGb">;
  /** A replica in another zone with automatic failover (environment preset `highAvailability`). */
  highAvailability: boolean;
  /** VPC the instance is reachable from. */
  network: pulumi.Input<string>;
  /** CMEK key (its grants must exist first). */
  kmsKey: { key: gcp.kms.CryptoKey; grants: pulumi.Resource[] };
  /** Private services access peering. */
  peering: pulumi.Resource;
  /** Labels of the instance. */
  labels: Record<string, string>;
}

/** Memorystore Redis with AUTH, TLS, CMEK and hourly RDB snapshots; one stable endpoint across failovers. */
export function createMemorystore(a: MemorystoreArgs, opts: { parent: pulumi.Resource; provider: gcp.Provider }): gcp.redis.Instance {
  return new gcp.redis.Instance(`${a.name}-redis`, {
    name: `${a.prefix}-redis`,
    region: a.region,
    // STANDARD_HA: a replica in another zone with automatic failover behind one endpoint.
    tier: a.highAvailability ? "STANDARD_HA" : "BASIC",
    // Memorystore's smallest instance is 1 GB (a service minimum, not a sizing floor).
    memorySizeGb: Math.max(1, a.sizing.gcpMemorySizeGb),
    redisVersion: "REDIS_7_2",
    authorizedNetwork: a.network,
    connectMode: "PRIVATE_SERVICE_ACCESS",
    authEnabled: true,
    transitEncryptionMode: "SERVER_AUTHENTICATION",
    customerManagedKey: a.kmsKey.key.id,
    persistenceConfig: { persistenceMode: "RDB", rdbSnapshotPeriod: "ONE_HOUR" },
    maintenancePolicy: { weeklyMaintenanceWindows: [{ day: "SUNDAY", startTime: { hours: 4, minutes: 0 } }] },
    labels: a.labels,
  }, { ...opts, dependsOn: [a.peering, ...a.kmsKey.grants], additionalSecretOutputs: ["authString"] });
}
