import type { NodePool, NodeTier, Sizing } from "../../sizing/types";
import type { Placement } from "../contracts";

/**
 * Pods of a tier go where that tier's node pool is: its labels become the nodeSelector and its
 * taints become tolerations. A tier without its own pool (small profiles fold tiers together)
 * falls back to the `system` pool, then to no constraint at all, so the same stack schedules on
 * a one-pool dev cluster and on a fully tiered production cluster.
 */
export function placementFor(sizing: Pick<Sizing, "nodePools">, tier: NodeTier): Placement {
  const pool: NodePool | undefined =
    sizing.nodePools.find((p) => p.tier === tier) ?? sizing.nodePools.find((p) => p.tier === "system");
  if (!pool) return { nodeSelector: {}, tolerations: [] };
  return {
    nodeSelector: { ...pool.labels },
    tolerations: pool.taints.map((t) => ({ key: t.key, operator: "Equal" as const, value: t.value, effect: t.effect })),
  };
}

/** The shape most Helm charts take for pod placement. */
export function helmPlacement(p: Placement): { nodeSelector: Record<string, string>; tolerations: Placement["tolerations"] } {
  return { nodeSelector: p.nodeSelector, tolerations: p.tolerations };
}
