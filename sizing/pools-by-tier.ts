/** Every pod of a model, grouped by tier and packed into one node pool per tier. */
import { COMPONENTS, workloadEntry } from "../catalog/components";
import type { PlatformSpec } from "../config/spec";
import { environmentPreset } from "../catalog/environments";
import { MTLS_PROXY_RESOURCES, REDIS_PROXY_RESOURCES, internalMtlsOn } from "../catalog/internal-tls";
import type { DataPods } from "./in-cluster-data-pods";
import type { ModelOutput } from "./model";
import { planPool, type PodDemand } from "./pool-packing";
import { NODE_TIERS, type NodePool, type WorkloadSizing } from "./types";
import { podCount, podCountAtMax } from "./workload";

/**
 * Operators and controllers every cluster runs (cert-manager, the Gateway controller's
 * control plane, CloudNativePG and MinIO operators, kube-state-metrics): one budget on the
 * system tier so that tier exists and is sized even with monitoring off.
 */
export const SYSTEM_OVERHEAD_POD: PodDemand = { workload: "operators", cpuMillis: 500, memoryMi: 1024 };

/** Workloads whose replicas must each have a node of their own (registry `onePerNode`). */
export const ONE_PER_NODE: ReadonlySet<string> = new Set(COMPONENTS.filter((c) => workloadEntry(c).onePerNode));

/** Workload names of the Synapse processes in `allWorkloads`. */
export function isSynapseWorkload(name: string): boolean {
  return name.startsWith("synapse-");
}

/**
 * What one pod of a workload requests: the sized process, plus beside every Synapse process the
 * verifying Redis proxy (every platform's Redis speaks TLS: components/matrix/redis-proxy.ts) and
 * the mutual-TLS proxy while `internalMtls` is on.
 */
export function podRequests(spec: Pick<PlatformSpec, "internalMtls" | "environment">, name: string, w: WorkloadSizing): { cpuMillis: number; memoryMi: number } {
  const synapse = isSynapseWorkload(name);
  const proxy = synapse && internalMtlsOn(spec);
  return {
    cpuMillis: w.resources.cpuRequestMillis + (proxy ? MTLS_PROXY_RESOURCES.cpuRequestMillis : 0) + (synapse ? REDIS_PROXY_RESOURCES.cpuRequestMillis : 0),
    memoryMi: w.resources.memoryRequestMi + (proxy ? MTLS_PROXY_RESOURCES.memoryRequestMi : 0) + (synapse ? REDIS_PROXY_RESOURCES.memoryRequestMi : 0),
  };
}

function podsOf(spec: PlatformSpec, name: string, w: WorkloadSizing, count: number): PodDemand[] {
  const spreadGroup = ONE_PER_NODE.has(name) ? name : undefined;
  const r = podRequests(spec, name, w);
  return Array.from({ length: count }, () => ({ workload: name, cpuMillis: r.cpuMillis, memoryMi: r.memoryMi, spreadGroup }));
}

export function allWorkloads(m: ModelOutput): [string, WorkloadSizing][] {
  return [
    ["synapse-main", m.main],
    ...Object.entries(m.workers).map(([n, w]) => [`synapse-${n}`, w] as [string, WorkloadSizing]),
    ...Object.entries(m.components),
  ];
}

export function nodePools(spec: PlatformSpec, m: ModelOutput, data: DataPods[]): NodePool[] {
  const env = environmentPreset(spec.environment);
  const pools: NodePool[] = [];
  for (const tier of NODE_TIERS) {
    const inTier = allWorkloads(m).filter(([, w]) => w.tier === tier);
    const dataPods = data.filter((d) => d.tier === tier).flatMap((d) => d.pods);
    const extra = tier === "system" ? [SYSTEM_OVERHEAD_POD] : [];
    const pods = [...inTier.flatMap(([n, w]) => podsOf(spec, n, w, podCount(w))), ...dataPods, ...extra];
    if (pods.length === 0) continue;
    const podsAtMax = [...inTier.flatMap(([n, w]) => podsOf(spec, n, w, podCountAtMax(w))), ...dataPods, ...extra];
    pools.push(planPool(tier, spec.platform, env, pods, podsAtMax));
  }
  return pools;
}

