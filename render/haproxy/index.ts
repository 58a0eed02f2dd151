/**
 * HAProxy in front of Synapse, generated from the worker catalogue.
 *
 * The small API other code uses:
 * - `kubernetesHaproxyInput(...)`: the cluster's server sources (headless Services with
 *   `server-template` for pools, one `server` per stable-name instance, main's Service).
 * - `buildHaproxyModel(input)`: the structured model (frontends, ACLs, rules, backends,
 *   servers, timeouts, readiness). Change addresses/ports here, e.g. for a loopback run.
 * - `renderHaproxyConfig(model)`: haproxy.cfg text.
 * - `routeRequest(model, request)`: pure evaluation of the same rules (tests, e2e expectations).
 */
import { WORKER_TYPES } from "../../catalog/workers";
import type { PlatformSpec } from "../../config/spec";
import type { Sizing } from "../../sizing/types";
import { podCountAtMax } from "../../sizing/workload";
import { internalMtlsOn } from "../../catalog/internal-tls";
import { kubernetesNetwork, workerServiceName, type SynapseInstance, type SynapseNetwork, type ProcessAddress, mainInstance } from "../synapse/topology";
import type { HaproxyInput, ServerSource, UpstreamTls } from "./model";
import { ROUTER_TLS_FILES } from "./mtls-proxy";

export * from "./model";
export * from "./render";
export * from "./route";
export * from "./mtls-proxy";

/**
 * Server sources in Kubernetes. Pools: `server-template` with `poolSlots[type]` slots (the HPA
 * ceiling) on the pool's headless Service. Stable-name instances: one `server` each at the
 * address the network gives. Main: its Service.
 */
export function kubernetesHaproxyInput(args: {
  namespace: string;
  network: SynapseNetwork;
  instances: readonly SynapseInstance[];
  /** Slots per pool type (HPA maxReplicas). */
  poolSlots: Record<string, number>;
  maxUploadBytes: number;
  adminApi?: HaproxyInput["adminApi"];
  clusterDomain?: string;
  /** Mutual TLS to the servers: the network's addresses then name each process's proxy port and certificate. */
  upstreamTls?: UpstreamTls;
}): HaproxyInput {
  const domain = args.clusterDomain ?? "cluster.local";
  const main = args.network.addressOf(mainInstance());
  const workers: Record<string, ServerSource[]> = {};
  for (const type of WORKER_TYPES) {
    if (type.routes.length === 0) continue;
    const insts = args.instances.filter((i) => i.type?.name === type.name);
    if (insts.length === 0) continue;
    if (type.scaling === "pool") {
      const slots = Math.max(args.poolSlots[type.name] ?? insts.length, insts.length);
      // Every pod of a pool listens alike: the first instance's address names the port and certificate.
      const a = args.network.addressOf(insts[0]);
      workers[type.name] = [{ kind: "template", prefix: "pod", count: slots, host: `${workerServiceName(type)}.${args.namespace}.svc.${domain}`, ...serverPort(a, args.upstreamTls) }];
    } else {
      workers[type.name] = insts.map((i) => {
        const a = args.network.addressOf(i);
        return { kind: "server" as const, name: i.name, host: a.host, ...serverPort(a, args.upstreamTls), instance: i.name };
      });
    }
  }
  return {
    main: { host: main.host, ...serverPort(main, args.upstreamTls) },
    workers,
    maxUploadBytes: args.maxUploadBytes,
    adminApi: args.adminApi,
    resolvers: true,
    ...(args.upstreamTls ? { upstreamTls: args.upstreamTls } : {}),
  };
}

/** The port HAProxy dials: the pod's mutual-TLS proxy (with its certificate name) when TLS is on, else Synapse's HTTP listener. */
function serverPort(a: ProcessAddress, tls: UpstreamTls | undefined): { port: number; tlsName?: string } {
  if (!tls) return { port: a.httpPort };
  if (a.tlsPort === undefined || a.tlsName === undefined) throw new Error(`mutual TLS is on, but the process at ${a.host} has no TLS proxy port or certificate name`);
  return { port: a.tlsPort, tlsName: a.tlsName };
}

/** HPA ceiling per pool type: how many `server-template` slots its backend needs. */
export function poolSlotsFromSizing(sizing: Pick<Sizing, "synapse">): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of WORKER_TYPES) {
    const w = sizing.synapse.workers[t.name];
    if (t.scaling === "pool" && w) out[t.name] = podCountAtMax(w);
  }
  return out;
}

/**
 * HAProxy's input for a real deployment: the cluster's server sources for the rendered instances,
 * pool slots up to each pool's HPA ceiling, and the upload limit. Used by the Kubernetes component
 * and, through the loopback adapter, by the e2e run.
 */
export function haproxyDeploymentInput(args: {
  spec: Pick<PlatformSpec, "synapse" | "hosts" | "admin" | "internalMtls" | "environment">;
  sizing: Pick<Sizing, "synapse">;
  instances: readonly SynapseInstance[];
  namespace: string;
}): HaproxyInput {
  const mtls = internalMtlsOn(args.spec);
  return kubernetesHaproxyInput({
    namespace: args.namespace,
    network: kubernetesNetwork(args.namespace, undefined, { mtlsProxy: mtls }),
    instances: args.instances,
    poolSlots: poolSlotsFromSizing(args.sizing),
    maxUploadBytes: args.spec.synapse.maxUploadBytes,
    adminApi: { hosts: [args.spec.hosts.admin], sourceRanges: args.spec.admin.sourceRanges },
    ...(mtls ? { upstreamTls: ROUTER_TLS_FILES } : {}),
  });
}
