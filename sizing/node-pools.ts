/**
 * Packing pods into node pools. For each tier: choose the smallest machine size of the tier's
 * family that holds the tier's largest pod and packs the tier into at most MAX_NODES_PER_SIZE
 * nodes (beyond that, bigger machines: fewer, fuller nodes reserve less per pod and are simpler
 * to run), count nodes by first-fit-decreasing under the 70 % CPU / 80 % memory targets, then
 * add the environment's minimum and spare nodes.
 */
import type { PlatformKind } from "../config/keys";
import type { EnvironmentPreset } from "../stacks/environments";
import { familyFor, machineType, podCapacity } from "./machines";
import { tierLabels, tierTaints } from "./tiers";
import type { MachineType, NodePool, NodeTier } from "./types";

/** One pod's requests. */
export interface PodDemand {
  workload: string;
  cpuMillis: number;
  memoryMi: number;
}

/** Above this many nodes a tier moves to the next machine size. */
export const MAX_NODES_PER_SIZE = 8;

export function fits(pod: PodDemand, machine: MachineType): boolean {
  const cap = podCapacity(machine);
  return pod.cpuMillis <= cap.cpuMillis && pod.memoryMi <= cap.memoryMi;
}

/**
 * Nodes of `machine` needed for `pods`: first-fit decreasing on the pod's larger share of a
 * node. Infinity when some pod fits no node.
 */
export function packNodes(pods: readonly PodDemand[], machine: MachineType): number {
  return assignNodes(pods, machine)?.length ?? Infinity;
}

/** The packing itself: requests per node, or undefined when some pod fits no node. */
export function assignNodes(pods: readonly PodDemand[], machine: MachineType): { cpuMillis: number; memoryMi: number }[] | undefined {
  const cap = podCapacity(machine);
  const share = (p: PodDemand) => Math.max(p.cpuMillis / cap.cpuMillis, p.memoryMi / cap.memoryMi);
  const sorted = [...pods].sort((a, b) => share(b) - share(a));
  const nodes: { cpuMillis: number; memoryMi: number }[] = [];
  for (const pod of sorted) {
    if (!fits(pod, machine)) return undefined;
    const node = nodes.find((n) => n.cpuMillis + pod.cpuMillis <= cap.cpuMillis && n.memoryMi + pod.memoryMi <= cap.memoryMi);
    if (node) {
      node.cpuMillis += pod.cpuMillis;
      node.memoryMi += pod.memoryMi;
    } else {
      nodes.push({ cpuMillis: pod.cpuMillis, memoryMi: pod.memoryMi });
    }
  }
  return nodes;
}

/** Smallest size that holds the largest pod and needs at most MAX_NODES_PER_SIZE nodes. */
export function chooseMachine(tier: NodeTier, platform: PlatformKind, pods: readonly PodDemand[]): MachineType {
  const family = familyFor(tier, platform);
  const candidates = family.sizes.map((v) => machineType(family, v));
  const holding = candidates.filter((m) => pods.every((p) => fits(p, m)));
  if (holding.length === 0) {
    const big = [...pods].sort((a, b) => b.cpuMillis - a.cpuMillis)[0];
    throw new Error(`tier ${tier}: pod ${big?.workload} (${big?.cpuMillis}m, ${big?.memoryMi}Mi) fits no ${family.aws}/${family.gcp} size`);
  }
  return holding.find((m) => packNodes(pods, m) <= MAX_NODES_PER_SIZE) ?? holding[holding.length - 1];
}

/**
 * One tier's pool. `pods` are the pods at their sized replica counts, `podsAtMax` the same with
 * every HPA at its ceiling (the autoscaler's maximum). Node count: packed nodes, at least the
 * environment's minimum, plus its spare.
 */
export function planPool(
  tier: NodeTier,
  platform: PlatformKind,
  env: EnvironmentPreset,
  pods: readonly PodDemand[],
  podsAtMax: readonly PodDemand[],
): NodePool {
  const machine = chooseMachine(tier, platform, podsAtMax);
  const base = Math.max(packNodes(pods, machine), env.minNodesPerPool);
  const nodeCount = base + env.spareNodesPerPool;
  const atMax = Math.max(packNodes(podsAtMax, machine), env.minNodesPerPool) + env.spareNodesPerPool;
  return {
    tier,
    machine,
    nodeCount,
    minCount: nodeCount,
    maxCount: Math.max(nodeCount, atMax),
    requestedCpuMillis: pods.reduce((s, p) => s + p.cpuMillis, 0),
    requestedMemoryMi: pods.reduce((s, p) => s + p.memoryMi, 0),
    labels: tierLabels(tier),
    taints: tierTaints(tier),
  };
}
