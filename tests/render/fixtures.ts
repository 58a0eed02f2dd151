/**
 * Test fixtures for the renderers: a Sizing built by hand from the architecture document's
 * profile tables (independent of sizing/), and render inputs with file paths under a directory.
 */
import { WORKER_TYPES } from "../../catalog/workers";
import type { ProfileName } from "../../config/keys";
import { CCU_PROFILES } from "../../catalog/profiles";
import { environmentPreset } from "../../catalog/environments";
import type { Sizing, WorkloadSizing } from "../../sizing/types";
import { buildHaproxyModel, kubernetesHaproxyInput, parseSynapseSize, poolSlotsFromSizing, type HaproxyModel } from "../../render/haproxy";
import {
  DEFAULT_SYNAPSE_PATHS,
  instanceCountsFromSizing,
  kubernetesNetwork,
  planInstances,
  processBudgetFromSizing,
  type SynapsePaths,
  type SynapseRenderInput,
} from "../../render/synapse";

const SHAPE = { cpuRequestMillis: 500, cpuLimitMillis: 1000, memoryRequestMi: 1024, memoryLimitMi: 1536 };

function workload(replicas: number, autoscaled: boolean): WorkloadSizing {
  const maxReplicas = autoscaled ? Math.max(2 * replicas, replicas + 1) : replicas;
  return {
    replicas,
    minReplicas: replicas,
    maxReplicas,
    // A target unlike sizing's 70 %, so a test can tell the HPA copies the fixture's.
    ...(autoscaled ? { autoscaling: { minReplicas: replicas, maxReplicas, targetCpuUtilizationPercent: 65 } } : {}),
    resources: SHAPE,
    tier: "homeserver",
  };
}

/** Worker counts straight from the document's table ("All others: 1" at 100; smallest listed column beyond 1k). */
export function fixtureWorkerCounts(profile: ProfileName): Record<string, number> {
  const p = CCU_PROFILES.find((x) => x.name === profile)!;
  const others = p.synapse.others?.max ?? Math.min(...Object.values(p.synapse.workers));
  const out: Record<string, number> = {};
  for (const t of WORKER_TYPES) {
    out[t.name] = t.scaling === "singleton" ? 1 : (t.profileColumn && p.synapse.workers[t.profileColumn]) || others;
  }
  return out;
}

/** Just enough Sizing for the Synapse and HAProxy renderers and the Matrix stack. */
export function fixtureSizing(profile: ProfileName, highAvailability = false): Sizing {
  const counts = fixtureWorkerCounts(profile);
  const workers: Record<string, WorkloadSizing> = {};
  for (const t of WORKER_TYPES) {
    const n = t.scaling === "pool" && highAvailability ? Math.max(2, counts[t.name]) : counts[t.name];
    workers[t.name] = workload(n, t.scaling === "pool");
  }
  const ccu = CCU_PROFILES.find((x) => x.name === profile)!.ccu;
  const comp = (n: number): WorkloadSizing => ({ ...workload(n, false), tier: "edge" });
  const components = Object.fromEntries(
    ["haproxy", "element", "admin", "livekit", "lkJwt", "coturn", "sygnal", "keyVault", "telegram", "whatsapp", "synapseLi", "elementLi", "adminLi", "liSync", "clamav", "scanWorker", "prometheus", "grafana", "loki", "alertmanager", "redis", "edgeProxy"]
      .map((c) => [c, comp(highAvailability ? 2 : 1)]),
  ) as Sizing["components"];
  const processes = 1 + Object.values(workers).reduce((a, w) => a + w.maxReplicas, 0);
  const db = { instances: 2, readReplicas: 0, vcpu: 4, memoryGi: 16, storageGi: 100, maxConnections: processes * 10 + 100, awsInstanceClass: "db.m7g.xlarge", gcpTier: "db-custom-4-16384" };
  return {
    model: "profile",
    environment: highAvailability ? "prod" : "dev",
    preset: environmentPreset(highAvailability ? "prod" : "dev"),
    ccu,
    profileLabel: profile,
    synapse: { main: workload(1, false), workers },
    components,
    database: db,
    liDatabase: db,
    redis: { replicas: 3, memoryGi: 2, awsNodeType: "cache.m7g.large", gcpMemorySizeGb: 2 },
    objectStore: { nodes: 4, drivesPerNode: 4, driveSizeGi: 100, capacityGi: 1200 },
    nodePools: [],
    totals: { cpuCores: 0, memoryGi: 0, storageGi: 0 },
  };
}

/** Container paths moved under `dir` (for the real-program checks). */
export function pathsUnder(dir: string): SynapsePaths {
  const out = {} as SynapsePaths;
  for (const [k, v] of Object.entries(DEFAULT_SYNAPSE_PATHS)) (out as unknown as Record<string, string>)[k] = `${dir}${v}`;
  return out;
}

/** A complete render input for a profile, the way the Matrix stack builds it. */
export function fixtureRenderInput(profile: ProfileName, opts: { paths?: SynapsePaths; objectStore?: boolean; pathStyle?: boolean; appservices?: string[] } = {}): SynapseRenderInput {
  const sizing = fixtureSizing(profile);
  return {
    serverName: "example.com",
    publicBaseUrl: "https://matrix.example.com/",
    instances: planInstances(instanceCountsFromSizing(sizing)),
    network: kubernetesNetwork("matrix"),
    paths: opts.paths ?? DEFAULT_SYNAPSE_PATHS,
    database: { host: "db.example.internal", port: 5432, database: "synapse", user: "synapse", sslMode: "require", maxConnections: sizing.database.maxConnections },
    redis: { host: "redis.example.internal", port: 6379, tls: true },
    processCount: processBudgetFromSizing(sizing),
    objectStore: opts.objectStore === false ? undefined : { bucket: "media", endpoint: "https://s3.us-east-1.amazonaws.com", region: "us-east-1", forcePathStyle: opts.pathStyle ?? false },
    turnUris: ["turn:turn.example.com?transport=udp", "turn:turn.example.com?transport=tcp"],
    livekitServiceUrl: "https://rtc.example.com/livekit/jwt",
    maxUploadBytes: 100 * 1024 * 1024,
    redactionRetentionPeriod: "7d",
    appserviceFiles: opts.appservices ?? ["telegram-registration.yaml", "whatsapp-registration.yaml"],
  };
}

/** The Kubernetes HAProxy model for a profile, as the Matrix stack builds it. */
export function fixtureHaproxyModel(profile: ProfileName, maxUploadSize = "100M", adminApi = { hosts: ["admin.example.com"], sourceRanges: ["192.0.2.0/24"] }): HaproxyModel {
  const sizing = fixtureSizing(profile);
  return buildHaproxyModel(kubernetesHaproxyInput({
    namespace: "matrix",
    network: kubernetesNetwork("matrix"),
    instances: planInstances(instanceCountsFromSizing(sizing)),
    poolSlots: poolSlotsFromSizing(sizing),
    maxUploadBytes: parseSynapseSize(maxUploadSize),
    adminApi,
  }));
}
