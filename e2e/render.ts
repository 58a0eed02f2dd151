/**
 * The render inputs of the `dev` stack, built by the same functions the Matrix component uses
 * (render/synapse/deployment.ts, render/haproxy haproxyDeploymentInput): spec from
 * Pulumi.dev.yaml, sizing from sizing/index.ts, and cluster endpoints shaped like the existing
 * platform's (CloudNativePG, in-cluster Redis, MinIO). The adapter then swaps the addresses,
 * ports and paths for loopback ones.
 */
import { generateKeyPairSync } from "crypto";
import { PROJECT, parseSpec } from "../config/parse";
import type { PushApp } from "../config/spec";
import { isDeployed } from "../catalog/components";
import { throwawayPushConfig } from "./sygnal";
import type { PlatformSpec } from "../config/spec";
import { NAMESPACES } from "../catalog/namespaces";
import { WORKER_TYPES } from "../catalog/workers";
import { haproxyDeploymentInput, type HaproxyInput } from "../render/haproxy";
import { appserviceFilesFor, planInstances, type BridgeName, type InstanceCounts, type SynapseRenderInput } from "../render/synapse";
import { synapseDeploymentInput } from "../render/synapse/deployment";
import { size } from "../sizing";
import type { Sizing } from "../sizing/types";
import { loadStackConfig } from "../stacks/stack-config";
import { minioBucketKinds, minioLayout } from "../components/data/minio";
import type { LoopbackTenant } from "./object-store";

export interface StackInputs {
  spec: PlatformSpec;
  sizing: Sizing;
  synapse: SynapseRenderInput;
  haproxy: HaproxyInput;
  bridges: BridgeName[];
  /** Sygnal's apps (throw-away credentials) when push is deployed. */
  pushApps: PushApp[];
  /** The existing platform's MinIO tenant as the stack sizes it (components/platform/existing.ts). */
  objectStoreTenant: LoopbackTenant;
}

/** Upload limit of the loopback run (96K). */
export const E2E_UPLOAD_LIMIT = 96 * 1024;
/** Client range the loopback run's admin API accepts through the edge. */
export const E2E_ADMIN_RANGE = "192.0.2.0/24";
/**
 * Stands in for Sygnal's Service ClusterIP, which the API server allocates at deploy time (the
 * component passes the real one); the adapter swaps it for loopback.
 */
export const SYGNAL_CLUSTER_IP_STAND_IN = "10.96.0.50";

/**
/**
 * The LI public key main's key-store module publishes in a loopback run with LI (clients encrypt
 * with it; nothing here decrypts). Made once per process, as the stack's tls.PrivateKey is once.
 */
export const E2E_LI_PUBLIC_KEY_PEM = generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey.export({ format: "pem", type: "spki" }).toString();

/** What a loopback run deploys beyond the dev stack's switches. */
export interface LoopbackFeatures {
  /** Lawful intercept: main rendered with the key-store module and LI's retention rules. Default: false. */
  li?: boolean;
  /**
   * The stack's spec as it is, without the e2e's stand-ins and extra systems (the capacity
   * benchmark measures what the stack runs: its own systems and upload limit). Default: false.
   */
  asDeployed?: boolean;
}

export function devSpecAndSizing(stack = "dev", extra: LoopbackFeatures = {}): { spec: PlatformSpec; sizing: Sizing } {
  if (extra.asDeployed) {
    const spec = parseSpec(loadStackConfig(stack), stack);
    return { spec, sizing: size(spec) };
  }
  // Push is rendered as deployed, with throw-away credentials (e2e/sygnal.ts): the e2e runs the
  // Sygnal the stack would, and Synapse's pushers deliver to it.
  const parsed = parseSpec({ ...loadStackConfig(stack), ...Object.fromEntries(Object.entries(throwawayPushConfig()).map(([k, v]) => [`${PROJECT}:${k}`, v])) }, stack);
  // The e2e plays the bridges itself (appservice-sink.ts), so it renders Synapse as a stack with
  // its bridges deployed would be: the stack's account counts with the bridges switch on. The
  // program refuses that switch until the bridges exist; the render layer does not ask.
  // Likewise calls: Synapse is rendered with TURN and the MatrixRTC transport, as a stack with
  // `rtc: true` deploys it, and the e2e runs coturn beside it (e2e/rtc-scenario.ts).
  // And antivirus: Synapse loads the scan module, and the e2e runs clamd and a scan worker
  // (e2e/antivirus-scenario.ts).
  // LI (with `extra.li`): main is rendered as a stack with `li: true` deploys it, and the e2e runs
  // key_vault beside it (e2e/li-scenario.ts).
  const bridges = { ...parsed.features, bridges: true, rtc: true, antivirus: true, ...(extra.li ? { li: true } : {}) };
  const spec: PlatformSpec = {
    ...parsed,
    // Edge rules under test (e2e/edge.ts): an upload limit small enough to cross with real files
    // (and below Synapse's 200 KiB cap on other request bodies, so a login may be larger than it),
    // and an operator network (TEST-NET-1) allowed to the admin API.
    synapse: { ...parsed.synapse, maxUploadSize: "96K", maxUploadBytes: E2E_UPLOAD_LIMIT },
    admin: { sourceRanges: [E2E_ADMIN_RANGE] },
    features: bridges,
    // HAProxy <-> Synapse mutual TLS, as staging and prod run it (the dev preset leaves it off):
    // every process behind its proxy, the router verifying (e2e/topology.ts issues the certificates).
    internalMtls: true,
    bridges: {
      ...parsed.bridges,
      telegram: { ...parsed.bridges.telegram, enabled: parsed.bridges.telegram.accounts > 0 },
      whatsapp: { ...parsed.bridges.whatsapp, enabled: parsed.bridges.whatsapp.accounts > 0 },
    },
  };
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

export function stackInputs(workers: "one-each" | "none" | InstanceCounts = "one-each", stack = "dev", extra: LoopbackFeatures = {}): StackInputs {
  const { spec, sizing } = devSpecAndSizing(stack, extra);
  const data = NAMESPACES.data;
  const instances = planInstances(typeof workers === "string" ? loopbackCounts(workers) : workers);
  const bridges = (["telegram", "whatsapp"] as const).filter((b) => spec.bridges[b].enabled);
  // The same builders the Kubernetes component uses; only the endpoints are ours to give. They
  // are the existing platform's in-cluster services, which the adapter swaps for loopback ones.
  const synapse = synapseDeploymentInput({
    spec,
    sizing,
    instances,
    namespace: NAMESPACES.matrix,
    endpoints: {
      database: { host: `synapse-pg-rw.${data}.svc.cluster.local`, port: 5432, database: "synapse", user: "synapse", sslMode: "require", maxConnections: sizing.database.maxConnections },
      redis: { host: `redis.${data}.svc.cluster.local`, port: 6379, tls: false, privateCa: false },
      objectStore: { bucket: "synapse-media", endpoint: `http://minio.${data}.svc.cluster.local:9000`, region: "us-east-1", forcePathStyle: true },
    },
    appserviceFiles: appserviceFilesFor(bridges),
    turn: spec.features.rtc,
    processCount: workers === "none" ? 1 : undefined,
    pushGatewayAddress: isDeployed("push", spec) ? SYGNAL_CLUSTER_IP_STAND_IN : undefined,
    ...(isDeployed("keyVault", spec) ? { keyVaultPublicKeyPem: E2E_LI_PUBLIC_KEY_PEM } : {}),
  });
  const haproxy = haproxyDeploymentInput({ spec, sizing, instances, namespace: NAMESPACES.matrix });
  const li = isDeployed("li", spec);
  const objectStoreTenant = { drives: minioLayout(sizing.objectStore).drives, bucketKinds: minioBucketKinds(li, isDeployed("monitoring", spec)), li };
  return { spec, sizing, synapse, haproxy, bridges: [...bridges], pushApps: isDeployed("push", spec) ? spec.push.apps : [], objectStoreTenant };
}
