/**
 * The render inputs of the `dev` stack, as the Matrix component would build them for its
 * Kubernetes deployment: spec from Pulumi.dev.yaml through config/parse.ts, sizing from
 * sizing/index.ts, the cluster network, default container paths, and cluster endpoints shaped
 * like the existing platform's (CloudNativePG, in-cluster Redis, MinIO). The adapter then swaps
 * the addresses, ports and paths for loopback ones.
 */
import { parseSpec } from "../config/parse";
import type { PlatformSpec } from "../config/spec";
import { NAMESPACES } from "../components/k8s/namespaces";
import { WORKER_TYPES } from "../catalog/workers";
import { kubernetesHaproxyInput, parseSynapseSize, type HaproxyInput } from "../render/haproxy";
import {
  appserviceFileName,
  DEFAULT_SYNAPSE_PATHS,
  kubernetesNetwork,
  planInstances,
  processBudgetFromSizing,
  type BridgeName,
  type InstanceCounts,
  type SynapseRenderInput,
} from "../render/synapse";
import { size } from "../sizing";
import type { Sizing } from "../sizing/types";
import { loadStackConfig } from "../stacks/stack-config";

export interface StackInputs {
  spec: PlatformSpec;
  sizing: Sizing;
  synapse: SynapseRenderInput;
  haproxy: HaproxyInput;
  bridges: BridgeName[];
}

export function devSpecAndSizing(stack = "dev"): { spec: PlatformSpec; sizing: Sizing } {
  const spec = parseSpec(loadStackConfig(stack), stack);
  return { spec, sizing: size(spec) };
}

/**
 * Instance counts for a loopback run: exactly one process of every worker type. Sharded and
 * pool types run one instance (the brief allows it; the dev sizing asks for one of each anyway),
 * and a type the sizing leaves to main still gets its process so every type is exercised.
 * `workers: "none"` renders the monolith: main alone, every route to main.
 */
export function loopbackCounts(workers: "one-each" | "none"): InstanceCounts {
  const out: InstanceCounts = {};
  for (const t of WORKER_TYPES) out[t.name] = workers === "none" ? 0 : 1;
  return out;
}

export function stackInputs(workers: "one-each" | "none" = "one-each", stack = "dev"): StackInputs {
  const { spec, sizing } = devSpecAndSizing(stack);
  const ns = NAMESPACES.matrix;
  const data = NAMESPACES.data;
  const network = kubernetesNetwork(ns);
  const instances = planInstances(loopbackCounts(workers));
  const bridges = (["telegram", "whatsapp"] as const).filter((b) => spec.bridges[b].enabled);
  const synapse: SynapseRenderInput = {
    serverName: spec.serverName,
    publicBaseUrl: `https://${spec.hosts.matrix}/`,
    instances,
    network,
    paths: DEFAULT_SYNAPSE_PATHS,
    // Cluster endpoints of the existing platform's data services (replaced by the adapter).
    database: { host: `synapse-pg-rw.${data}.svc.cluster.local`, port: 5432, database: "synapse", user: "synapse", sslMode: "require", maxConnections: sizing.database.maxConnections },
    redis: { host: `redis.${data}.svc.cluster.local`, port: 6379, tls: false, privateCa: false },
    processCount: workers === "none" ? 1 : processBudgetFromSizing(sizing),
    objectStore: { bucket: "synapse-media", endpoint: `http://minio.${data}.svc.cluster.local:9000`, region: "us-east-1", forcePathStyle: true },
    // As components/matrix/synapse.ts hands them to clients (never dialled by Synapse).
    turnUris: spec.features.rtc ? [`turn:${spec.hosts.turn}:3478?transport=udp`, `turn:${spec.hosts.turn}:3478?transport=tcp`, `turns:${spec.hosts.turn}:5349?transport=tcp`] : [],
    livekitServiceUrl: spec.features.rtc ? `https://${spec.hosts.rtc}/livekit/jwt` : undefined,
    maxUploadSize: spec.synapse.maxUploadSize,
    redactionRetentionPeriod: spec.synapse.redactionRetentionPeriod,
    appserviceFiles: bridges.map((b) => appserviceFileName(b)),
  };
  const poolSlots: Record<string, number> = {};
  for (const t of WORKER_TYPES) poolSlots[t.name] = sizing.synapse.workers[t.name]?.maxReplicas ?? 1;
  const haproxy = kubernetesHaproxyInput({
    namespace: ns,
    network,
    instances,
    poolSlots,
    maxUploadBytes: parseSynapseSize(spec.synapse.maxUploadSize),
  });
  return { spec, sizing, synapse, haproxy, bridges: [...bridges] };
}
