/**
 * The render input of a real deployment, built from the spec, the sizing and the platform's
 * endpoints (resolved to plain values). The Kubernetes component and the loopback e2e both call
 * this, so the e2e runs exactly what the cluster would get, save for the adapter's address, port
 * and path changes.
 */
import type { PlatformSpec } from "../../config/spec";
import type { Sizing } from "../../sizing/types";
import { DEFAULT_SYNAPSE_PATHS, type SynapseDatabase, type SynapseObjectStore, type SynapseRedis, type SynapseRenderInput } from "./inputs";
import { kubernetesNetwork, type SynapseInstance } from "./topology";
import { processBudgetFromSizing } from "./index";
import { isDeployed } from "../../catalog/components";
import { internalMtlsOn } from "../../catalog/internal-tls";
import { keyVaultUrl } from "../key-vault";
import { NAMESPACES } from "../../catalog/namespaces";
import { scanWorkerUrl, SCAN_TIMEOUT_SECONDS } from "../antivirus";
import { jaegerHost, JAEGER_PORTS } from "../traces";

/** The platform's data services as plain values (the component resolves the Platform's outputs). */
export interface ResolvedEndpoints {
  database: SynapseDatabase;
  redis: SynapseRedis;
  objectStore?: SynapseObjectStore;
}

export interface DeploymentInputArgs {
  spec: PlatformSpec;
  sizing: Sizing;
  /** Worker instances to render (planInstances). */
  instances: readonly SynapseInstance[];
  /** Namespace the processes run in (cluster DNS names). */
  namespace: string;
  endpoints: ResolvedEndpoints;
  /** Appservice registration file names mounted for every process. */
  appserviceFiles: string[];
  /** coturn is deployed and shares its secret with Synapse. */
  turn: boolean;
  /** Processes sharing the database budget; defaults to every process the sizing can scale to. */
  processCount?: number;
  /** Sygnal's Service address when push is deployed (Synapse's `ip_range_whitelist`). */
  pushGatewayAddress?: string;
  /** The LI officers' RSA public key (PEM), required while the key vault is deployed. */
  keyVaultPublicKeyPem?: string;
}

/** TURN URIs handed to clients: UDP and TCP on 3478, TLS on 5349. */
export function turnUris(spec: PlatformSpec): string[] {
  const host = spec.hosts.turn;
  return [`turn:${host}:3478?transport=udp`, `turn:${host}:3478?transport=tcp`, `turns:${host}:5349?transport=tcp`];
}

export function synapseDeploymentInput(args: DeploymentInputArgs): SynapseRenderInput {
  const { spec } = args;
  const keyVault = isDeployed("keyVault", spec);
  if (keyVault && !args.keyVaultPublicKeyPem) throw new Error("the key vault is deployed (li: true) but no LI public key was given for Synapse's key-store module");
  return {
    serverName: spec.serverName,
    publicBaseUrl: `https://${spec.hosts.matrix}/`,
    instances: args.instances,
    network: kubernetesNetwork(args.namespace, undefined, { mtlsProxy: internalMtlsOn(spec) }),
    paths: DEFAULT_SYNAPSE_PATHS,
    database: args.endpoints.database,
    redis: args.endpoints.redis,
    processCount: args.processCount ?? processBudgetFromSizing(args.sizing),
    objectStore: args.endpoints.objectStore,
    turnUris: args.turn ? turnUris(spec) : [],
    livekitServiceUrl: isDeployed("rtc", spec) ? `https://${spec.hosts.rtc}/livekit/jwt` : undefined,
    maxUploadBytes: spec.synapse.maxUploadBytes,
    redactionRetentionPeriod: spec.synapse.redactionRetentionPeriod,
    // LI copies what main keeps: with LI deployed main prunes nothing (catalog/components.ts `li`).
    ...(isDeployed("li", spec) ? { keepEvidence: true } : {}),
    appserviceFiles: args.appserviceFiles,
    ...(args.pushGatewayAddress ? { pushGatewayAddresses: [args.pushGatewayAddress] } : {}),
    ...(keyVault ? { liKeyStore: { keyVaultUrl: keyVaultUrl(args.namespace), publicKeyPem: args.keyVaultPublicKeyPem! } } : {}),
    ...(isDeployed("antivirus", spec)
      ? { antivirus: { scanUrl: scanWorkerUrl(NAMESPACES.antivirus), failOpen: spec.antivirus.failOpen, timeoutSeconds: SCAN_TIMEOUT_SECONDS.module } }
      : {}),
    // The collector is part of monitoring (catalog/components.ts `traces`).
    ...(isDeployed("traces", spec)
      ? { tracing: { samplingRatio: spec.monitoring.traceSamplingRatio ?? args.sizing.preset.traceSamplingRatio, agentHost: jaegerHost(NAMESPACES.monitoring), agentPort: JAEGER_PORTS.thriftCompact } }
      : {}),
  };
}
