import type * as k8s from "@pulumi/kubernetes";

/** How many of a workload's pods a voluntary disruption may take at once. */
export type DisruptionBudget = { maxUnavailable: number } | { minAvailable: number };

/**
 * A PodDisruptionBudget's spec for the pods `selector` matches. Unhealthy pods may always be
 * evicted (`unhealthyPodEvictionPolicy: AlwaysAllow`): under the default policy a pod that is
 * running but not ready counts against the budget, so one stuck pod blocks `kubectl drain` of its
 * node, and with it node upgrades and scale-downs — exactly when the node may be the problem.
 */
export function disruptionBudgetSpec(selector: Record<string, string>, budget: DisruptionBudget = { maxUnavailable: 1 }): k8s.types.input.policy.v1.PodDisruptionBudgetSpec {
  return { ...budget, selector: { matchLabels: selector }, unhealthyPodEvictionPolicy: "AlwaysAllow" };
}
