/**
 * Packing pods into node pools. For each tier: choose the smallest machine size of the tier's
 * family that holds the tier's largest pod and packs the tier into at most MAX_NODES_PER_SIZE
 * nodes (beyond that, bigger machines: fewer, fuller nodes reserve less per pod and are simpler
 * to run), count nodes by first-fit-decreasing under the 70 % CPU / 80 % memory targets, then
 * add the environment's minimum and spare nodes.
 */
import type { PlatformKind } from "../config/keys";
import type { EnvironmentPreset } from "../catalog/environments";
import { familyFor, machineType, podCapacity } from "./machines";
import { tierLabels, tierTaints } from "./tiers";
import type { MachineType, NodePool, NodeTier } from "./types";

/** One pod's requests. */
export interface PodDemand {
  workload: string;
  cpuMillis: number;
  memoryMi: number;
  /**
   * Pods of the same group never share a node (hard anti-affinity): replicas whose redundancy
   * is the point (PostgreSQL instances, MinIO servers, Redis) or that bind host ports (LiveKit,
   * coturn).
   */
  spreadGroup?: string;
}

/** Above this many nodes a tier moves to the next machine size. */
export const MAX_NODES_PER_SIZE = 8;

export function fits(pod: PodDemand, machine: MachineType): boolean {
  const cap = podCapacity(machine);
  return pod.cpuMillis <= cap.cpuMillis && pod.memoryMi <= cap.memoryMi;
}

/**
 * Nodes of `machine` needed for `pods` (see assignNodes). Infinity when some pod fits no node.
 */
export function packNodes(pods: readonly PodDemand[], machine: MachineType): number {
  return assignNodes(pods, machine)?.length ?? Infinity;
}

export interface PackedNode {
  cpuMillis: number;
  memoryMi: number;
  groups: Set<string>;
}

/** The packing itself: requests per node, or undefined when some pod fits no node. */
export function assignNodes(pods: readonly PodDemand[], machine: MachineType): PackedNode[] | undefined {
  const cap = podCapacity(machine);
  const share = (p: PodDemand) => Math.max(p.cpuMillis / cap.cpuMillis, p.memoryMi / cap.memoryMi);
  // Spread groups first, biggest group first: they decide the node count, and placing them
  // before the free pods keeps free pods from filling the nodes a group member then cannot use.
  // Within each class, first-fit decreasing on the pod's larger share of a node.
  const groupSize = new Map<string, number>();
  for (const p of pods) if (p.spreadGroup !== undefined) groupSize.set(p.spreadGroup, (groupSize.get(p.spreadGroup) ?? 0) + 1);
  const rank = (p: PodDemand) => (p.spreadGroup === undefined ? 0 : groupSize.get(p.spreadGroup) ?? 0);
  const sorted = [...pods].sort((a, b) => rank(b) - rank(a) || share(b) - share(a));
  const nodes: PackedNode[] = [];
  for (const pod of sorted) {
    if (!fits(pod, machine)) return undefined;
    const node = nodes.find(
      (n) =>
        n.cpuMillis + pod.cpuMillis <= cap.cpuMillis &&
        n.memoryMi + pod.memoryMi <= cap.memoryMi &&
        (pod.spreadGroup === undefined || !n.groups.has(pod.spreadGroup)),
    );
    const target = node ?? { cpuMillis: 0, memoryMi: 0, groups: new Set<string>() };
    if (!node) nodes.push(target);
    target.cpuMillis += pod.cpuMillis;
    target.memoryMi += pod.memoryMi;
    if (pod.spreadGroup !== undefined) target.groups.add(pod.spreadGroup);
  }
  return nodes;
}

/**
 * Smallest size that holds the largest pod and needs at most MAX_NODES_PER_SIZE nodes (or the
 * size of its largest spread group, when that is more).
 */
export function chooseMachine(tier: NodeTier, platform: PlatformKind, pods: readonly PodDemand[]): MachineType {
  const family = familyFor(tier, platform);
  const candidates = family.sizes.map((v) => machineType(family, v));
  const holding = candidates.filter((m) => pods.every((p) => fits(p, m)));
  if (holding.length === 0) {
    const big = [...pods].sort((a, b) => b.cpuMillis - a.cpuMillis)[0];
    throw new Error(`tier ${tier}: pod ${big?.workload} (${big?.cpuMillis}m, ${big?.memoryMi}Mi) fits no ${family.aws}/${family.gcp} size`);
  }
  // A spread group needs one node per pod whatever the size; only nodes beyond that count
  // against the limit, or a 12-server MinIO would push its tier to the largest machines.
  const limit = Math.max(MAX_NODES_PER_SIZE, largestSpreadGroup(pods));
  return holding.find((m) => packNodes(pods, m) <= limit) ?? holding[holding.length - 1];
}

/** Pods in the biggest spread group: the fewest nodes the tier can have. */
export function largestSpreadGroup(pods: readonly PodDemand[]): number {
  const counts = new Map<string, number>();
  for (const p of pods) if (p.spreadGroup !== undefined) counts.set(p.spreadGroup, (counts.get(p.spreadGroup) ?? 0) + 1);
  return Math.max(0, ...counts.values());
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
