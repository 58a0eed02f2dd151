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
import { SYNAPSE_PORTS, kubernetesNetwork, workerServiceName, type SynapseInstance, type SynapseNetwork, mainInstance } from "../synapse/topology";
import type { HaproxyInput, ServerSource } from "./model";

export * from "./model";
export * from "./render";
export * from "./route";

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
      workers[type.name] = [{ kind: "template", prefix: "pod", count: slots, host: `${workerServiceName(type)}.${args.namespace}.svc.${domain}`, port: SYNAPSE_PORTS.http }];
    } else {
      workers[type.name] = insts.map((i) => {
        const a = args.network.addressOf(i);
        return { kind: "server" as const, name: i.name, host: a.host, port: a.httpPort, instance: i.name };
      });
    }
  }
  return { main: { host: main.host, port: main.httpPort }, workers, maxUploadBytes: args.maxUploadBytes, adminApi: args.adminApi, resolvers: true };
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
  spec: Pick<PlatformSpec, "synapse" | "hosts" | "admin">;
  sizing: Pick<Sizing, "synapse">;
  instances: readonly SynapseInstance[];
  namespace: string;
}): HaproxyInput {
  return kubernetesHaproxyInput({
    namespace: args.namespace,
    network: kubernetesNetwork(args.namespace),
    instances: args.instances,
    poolSlots: poolSlotsFromSizing(args.sizing),
    maxUploadBytes: args.spec.synapse.maxUploadBytes,
    adminApi: { hosts: [args.spec.hosts.admin], sourceRanges: args.spec.admin.sourceRanges },
  });
}
