/** The recommended app.kubernetes.io labels every object carries. */
export function standardLabels(name: string, component: string, instance = "main"): Record<string, string> {
  return {
    "app.kubernetes.io/name": name,
    "app.kubernetes.io/instance": instance,
    "app.kubernetes.io/component": component,
    "app.kubernetes.io/part-of": "matrix-platform",
    "app.kubernetes.io/managed-by": "pulumi",
  };
}

/** The subset of standardLabels that selects a workload's pods (stable across upgrades). */
export function selectorLabels(name: string, instance = "main"): Record<string, string> {
  return { "app.kubernetes.io/name": name, "app.kubernetes.io/instance": instance };
}
