/**
 * Which Synapse processes exist and where each one listens. This is the one place addresses,
 * ports and bind addresses are decided: the Kubernetes layout is `kubernetesNetwork`, and the
 * local end-to-end run swaps in its own `SynapseNetwork` (loopback, distinct ports) without
 * touching anything else.
 */
import { WORKER_TYPES, hasStableNames, maxInstances, workerType, type WorkerType } from "../../catalog/workers";

/** Name of the main process in instance_map (Synapse maps it to its internal "master"). */
export const MAIN_INSTANCE = "main";

/** One Synapse process the configs are rendered for. */
export interface SynapseInstance {
  /** Instance (worker) name: `main`, or `<type>-<n>`. */
  name: string;
  /** Worker type, or undefined for main. */
  type?: WorkerType;
  /** Index within its type (0 for main). */
  index: number;
}

/** Where one process listens and how others reach it. */
export interface ProcessAddress {
  /** Host name or IP other processes (and HAProxy) dial. */
  host: string;
  /** Addresses the listeners bind to. */
  bindAddresses: string[];
  /** Public HTTP listener (client/federation/media resources and /health). */
  httpPort: number;
  /** Private replication listener (only on processes named in the shared config, and main). */
  replicationPort: number;
  /** Prometheus metrics listener. */
  metricsPort: number;
  /**
   * Health-only HTTP listener (resource `health`) for the liveness probe, apart from the traffic
   * listener the readiness probe uses: both run on the process's event loop. No such listener
   * when absent (a loopback run needs none).
   */
  healthPort?: number;
  /**
   * Addresses the public HTTP listener binds to instead of `bindAddresses`: 127.0.0.1 when a
   * mutual-TLS proxy in the pod is its only way in. Default: `bindAddresses`.
   */
  httpBindAddresses?: string[];
  /**
   * The pod's mutual-TLS proxy, when the HTTP listener sits behind one: HAProxy dials `tlsPort`
   * (TLS, client certificate required) instead of `httpPort`; `proxyHealthPort` serves only
   * `/health`, in plain HTTP, for the kubelet's probes.
   */
  tlsPort?: number;
  proxyHealthPort?: number;
  /** The name the process's server certificate carries (HAProxy's SNI and verifyhost), with the proxy. */
  tlsName?: string;
}

/** Addressing scheme for a whole deployment. */
export interface SynapseNetwork {
  addressOf(instance: SynapseInstance): ProcessAddress;
}

/** Ports every Synapse pod uses in Kubernetes (each pod has its own IP). */
export const SYNAPSE_PORTS = { http: 8008, replication: 9093, metrics: 9000, health: 8080, mtls: 8443, proxyHealth: 8081 } as const;

/** Kubernetes object names: Service of main, and Service/StatefulSet/Deployment of each type. */
export const MAIN_SERVICE = "synapse-main";
export function workerServiceName(type: WorkerType | string): string {
  return typeof type === "string" ? type : type.name;
}

/**
 * Kubernetes layout: main behind the ClusterIP Service `synapse-main`; a stable-name instance
 * `<type>-<n>` is pod `<type>-<n>` of StatefulSet `<type>` behind headless Service `<type>`, so it
 * resolves as `<type>-<n>.<type>.<namespace>.svc.<clusterDomain>`. Pool pods are reached through
 * their headless Service by HAProxy and are never dialled by name.
 */
export function kubernetesNetwork(namespace: string, clusterDomain = "cluster.local", opts: { mtlsProxy?: boolean } = {}): SynapseNetwork {
  return {
    addressOf(instance) {
      const host = instance.type === undefined
        ? `${MAIN_SERVICE}.${namespace}.svc.${clusterDomain}`
        : `${instance.name}.${workerServiceName(instance.type)}.${namespace}.svc.${clusterDomain}`;
      return {
        host,
        bindAddresses: ["0.0.0.0"],
        httpPort: SYNAPSE_PORTS.http,
        replicationPort: SYNAPSE_PORTS.replication,
        metricsPort: SYNAPSE_PORTS.metrics,
        healthPort: SYNAPSE_PORTS.health,
        // Behind the pod's mutual-TLS proxy the HTTP listener is reachable from inside the pod only.
        ...(opts.mtlsProxy
          ? { httpBindAddresses: ["127.0.0.1"], tlsPort: SYNAPSE_PORTS.mtls, proxyHealthPort: SYNAPSE_PORTS.proxyHealth, tlsName: serviceDnsName(instance, namespace, clusterDomain) }
          : {}),
      };
    },
  };
}

/**
 * The DNS name of the Service in front of an instance's type (`synapse-main.<ns>.svc.<domain>`,
 * `<type>.<ns>.svc.<domain>`): the one name on the type's server certificate, which HAProxy
 * sends as SNI and verifies for every server of that backend, pool slot or named instance.
 */
export function serviceDnsName(instance: Pick<SynapseInstance, "type">, namespace: string, clusterDomain = "cluster.local"): string {
  const service = instance.type === undefined ? MAIN_SERVICE : workerServiceName(instance.type);
  return `${service}.${namespace}.svc.${clusterDomain}`;
}

/** Instance counts per worker type (from sizing: `replicas`, or the HPA ceiling for pools). */
export type InstanceCounts = Record<string, number>;

/**
 * Every worker instance to render, in catalogue order. Stable-name types get `count` instances
 * `<type>-0..n-1`; a pool is rendered as `count` instances of the same template (in Kubernetes a
 * pod takes its own name as worker_name at start-up). Types with count 0 are left out.
 * Throws when a singleton is asked for more than one instance.
 */
export function planInstances(counts: InstanceCounts): SynapseInstance[] {
  const unknown = Object.keys(counts).filter((n) => !WORKER_TYPES.some((t) => t.name === n));
  if (unknown.length > 0) throw new Error(`instance counts name unknown worker types: ${unknown.join(", ")}`);
  const out: SynapseInstance[] = [];
  for (const type of WORKER_TYPES) {
    const count = counts[type.name] ?? 0;
    if (!Number.isInteger(count) || count < 0) throw new Error(`worker type ${type.name}: instance count ${count} is not a whole number`);
    if (count > maxInstances(type)) {
      throw new Error(`worker type ${type.name} is a singleton (${type.streams.join(", ") || type.roles.join(", ")}); asked for ${count} instances`);
    }
    for (let i = 0; i < count; i++) out.push({ name: `${type.name}-${i}`, type, index: i });
  }
  return out;
}

/** The main process as an instance. */
export function mainInstance(): SynapseInstance {
  return { name: MAIN_INSTANCE, index: 0 };
}

/** Instances of one type. */
export function instancesOf(instances: readonly SynapseInstance[], typeName: string): SynapseInstance[] {
  workerType(typeName);
  return instances.filter((i) => i.type?.name === typeName);
}

/** Does this instance get a replication listener and an instance_map entry? */
export function needsReplicationListener(instance: SynapseInstance): boolean {
  if (instance.type === undefined) return true;
  return hasStableNames(instance.type) && instance.type.resources.includes("replication");
}
