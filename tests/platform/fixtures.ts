import { environmentPreset } from "../../catalog/environments";
import { parseSpec, PROJECT, type PlatformSpec } from "../../config";
import { COMPONENTS, NODE_TIERS, type ComponentName, type NodePool, type NodeTier, type Sizing, type WorkloadSizing } from "../../sizing/types";

/**
 * Hand-built Sizing for platform tests, independent of sizing/index.ts: every number is chosen
 * to be recognisable in assertions (machine types, counts, storage) and production-shaped.
 */
const MACHINES: Record<NodeTier, { aws: string; gcp: string; vcpu: number; memoryGi: number; localNvme: boolean; networkGbps: number }> = {
  edge: { aws: "c7a.2xlarge", gcp: "c3d-standard-8", vcpu: 8, memoryGi: 16, localNvme: false, networkGbps: 10 },
  homeserver: { aws: "m7a.4xlarge", gcp: "n2d-standard-16", vcpu: 16, memoryGi: 64, localNvme: false, networkGbps: 10 },
  bridge: { aws: "r7a.2xlarge", gcp: "n2d-highmem-8", vcpu: 8, memoryGi: 64, localNvme: false, networkGbps: 10 },
  database: { aws: "r7a.4xlarge", gcp: "n2d-highmem-16", vcpu: 16, memoryGi: 128, localNvme: true, networkGbps: 25 },
  media: { aws: "m7a.2xlarge", gcp: "n2d-standard-8", vcpu: 8, memoryGi: 32, localNvme: true, networkGbps: 10 },
  system: { aws: "m7a.xlarge", gcp: "n2d-standard-4", vcpu: 4, memoryGi: 16, localNvme: false, networkGbps: 10 },
};

function workload(tier: NodeTier, replicas: number, storageGi?: number): WorkloadSizing {
  return {
    replicas,
    minReplicas: replicas,
    maxReplicas: replicas * 2,
    resources: { cpuRequestMillis: 250, cpuLimitMillis: 1000, memoryRequestMi: 256, memoryLimitMi: 512 },
    tier,
    storageGi,
  };
}

export function fixtureSizing(production: boolean): Sizing {
  const pools: NodePool[] = NODE_TIERS.map((tier, i) => ({
    tier,
    machine: MACHINES[tier],
    nodeCount: production ? 3 + i : 1,
    minCount: production ? 3 : 1,
    maxCount: production ? 6 + i : 2,
    requestedCpuMillis: 1000,
    requestedMemoryMi: 2048,
    labels: { "matrix-platform.io/tier": tier },
    taints: tier === "system" ? [] : [{ key: "matrix-platform.io/dedicated", value: tier, effect: "NoSchedule" as const }],
  }));
  const components = Object.fromEntries(
    COMPONENTS.map((c) => [c, workload(c === "edgeProxy" ? "edge" : c === "redis" ? "homeserver" : "system", production ? 3 : 1, c === "redis" ? 16 : undefined)]),
  ) as Record<ComponentName, WorkloadSizing>;
  return {
    model: "profile",
    environment: production ? "prod" : "dev",
    preset: environmentPreset(production ? "prod" : "dev"),
    ccu: production ? 5000 : 100,
    profileLabel: production ? "5k" : "100",
    synapse: { main: workload("homeserver", 1), workers: {} },
    components,
    database: {
      instances: production ? 3 : 2,
      readReplicas: production ? 2 : 0,
      vcpu: production ? 16 : 2,
      memoryGi: production ? 64 : 4,
      storageGi: production ? 2000 : 50,
      maxConnections: production ? 1200 : 200,
      awsInstanceClass: production ? "db.r7g.4xlarge" : "db.t4g.medium",
      gcpTier: production ? "db-custom-16-65536" : "db-custom-2-4096",
    },
    liDatabase: {
      instances: 2,
      readReplicas: 0,
      vcpu: 4,
      memoryGi: 16,
      storageGi: production ? 1000 : 20,
      maxConnections: 150,
      awsInstanceClass: "db.r7g.large",
      gcpTier: "db-custom-4-16384",
    },
    redis: { replicas: production ? 3 : 1, memoryGi: production ? 8 : 1, awsNodeType: production ? "cache.r7g.large" : "cache.t4g.small", gcpMemorySizeGb: production ? 8 : 1 },
    objectStore: { nodes: production ? 6 : 1, drivesPerNode: production ? 4 : 1, driveSizeGi: production ? 2000 : 50, capacityGi: production ? 20000 : 200 },
    nodePools: pools,
    totals: { cpuCores: 100, memoryGi: 400, storageGi: 10000 },
  };
}

/** A validated spec from raw config keys (without the project prefix). */
export function specFor(stack: string, config: Record<string, string>): PlatformSpec {
  // staging and prod must name their domain; the fixtures' stacks use example.com unless they say.
  const named = config.domain !== undefined || config.serverName !== undefined || (config.environment ?? "dev") === "dev";
  const named_ = named ? config : { ...config, domain: "example.com" };
  // prod on an existing cluster must copy its backups off-site or waive it; fixtures that are not
  // about backups waive it (tests/platform/existing.test.ts sets a real target).
  const onPremProd = (config.environment ?? "dev") === "prod" && (config.platform ?? "existing") === "existing";
  const waived = onPremProd && !Object.keys(config).some((k) => k.startsWith("offsiteBackup")) ? { ...named_, offsiteBackupWaived: "true" } : named_;
  // staging and prod on an existing cluster name where the project's images are pushed.
  const onPremNamed = (config.environment ?? "dev") !== "dev" && (config.platform ?? "existing") === "existing";
  const full: Record<string, string> = onPremNamed && config.projectImageRegistry === undefined && config.imageRegistry === undefined && config.prebuiltSynapseImage === undefined ? { ...waived, projectImageRegistry: "registry.example.com/matrix-platform" } : waived;
  // LI's routes need the investigators' ranges; fixtures not about them take a documentation range.
  if (full.li === "true" && full.liInvestigatorCidrs === undefined) Object.assign(full, { liInvestigatorCidrs: "203.0.113.0/24" });
  return parseSpec(Object.fromEntries(Object.entries(full).map(([k, v]) => [`${PROJECT}:${k}`, v])), stack);
}
