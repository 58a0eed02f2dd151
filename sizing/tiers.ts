/**
 * Which node tier every workload runs on, and the labels/taints that keep it there. Tiers are the
 * hardware analysis's server classes ("Option 2: Distributed Cluster"): frontend load balancers,
 * homeservers, bridge servers, database cluster, media storage; plus `system` for monitoring and
 * operators, which the document runs beside everything else.
 */
import { workloadEntry, type ComponentName } from "../catalog/components";
import type { NodeTier } from "./types";

/** Node label naming the tier; pods select it. */
export const TIER_LABEL = "matrix-platform.io/tier";
/** Taint key keeping other pods off a dedicated tier. */
export const TIER_TAINT_KEY = "matrix-platform.io/dedicated";

/**
 * `system` stays untainted so operators, controllers and DaemonSets that carry no toleration
 * land there by default; every other tier is dedicated.
 */
export function tierTaints(tier: NodeTier): { key: string; value: string; effect: "NoSchedule" }[] {
  return tier === "system" ? [] : [{ key: TIER_TAINT_KEY, value: tier, effect: "NoSchedule" }];
}

export function tierLabels(tier: NodeTier): Record<string, string> {
  return { [TIER_LABEL]: tier };
}

/** nodeSelector and tolerations a pod of `tier` needs (for the components to copy). */
export function schedulingFor(tier: NodeTier): {
  nodeSelector: Record<string, string>;
  tolerations: { key: string; operator: "Equal"; value: string; effect: "NoSchedule" }[];
} {
  return {
    nodeSelector: tierLabels(tier),
    tolerations: tierTaints(tier).map((t) => ({ key: t.key, operator: "Equal" as const, value: t.value, effect: t.effect })),
  };
}

/** Tier of a component's pods, from its registry entry. */
export function componentTier(name: ComponentName): NodeTier {
  return workloadEntry(name).tier;
}
