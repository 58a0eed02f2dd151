/**
 * `addonCharts`: local chart directories or archives that replace the chart repository for some
 * add-ons (air-gapped sites that copy charts onto the deploying machine instead of running a
 * mirror), as `add-on=path` pairs. The shape is checked here; that a path holds the pinned chart
 * (name and version) is checked against the filesystem before any resource, by
 * config/local-charts.ts; that the stack installs the add-on at all, by parse.ts.
 */
import type { ConfigKey } from "./key-kinds";
import type { PlatformKind } from "./keys";

/** The cluster add-ons by the names the config uses; what each installs is catalog/addons.ts. */
export const ADDON_NAMES = ["cert-manager", "envoy-gateway", "cloudnative-pg", "barman-cloud-plugin", "minio-operator", "cluster-autoscaler", "kube-prometheus-stack", "loki", "alloy"] as const;
export type AddonName = (typeof ADDON_NAMES)[number];

/**
 * The add-ons a stack installs: cert-manager and Envoy Gateway everywhere; the data operators
 * where the platform runs its own databases and object store (an existing cluster); the cluster
 * autoscaler on AWS (GKE scales its node pools itself); the monitoring charts with monitoring.
 */
export function installedAddons(platform: PlatformKind, monitoring: boolean): AddonName[] {
  return ADDON_NAMES.filter((a) => {
    switch (a) {
      case "cloudnative-pg": case "barman-cloud-plugin": case "minio-operator": return platform === "existing";
      case "cluster-autoscaler": return platform === "aws";
      case "kube-prometheus-stack": case "loki": case "alloy": return monitoring;
      default: return true;
    }
  });
}

/** An absolute path with no `,` or `=` in it (they separate the pairs). */
const LOCAL_PATH = /^\/[^,=\s]*[^,=\s/]$/;

/** `cert-manager=/srv/charts/cert-manager-v1.21.2.tgz,...` -> the paths by add-on, or undefined when not allowed. */
export function parseAddonCharts(raw: string): Partial<Record<AddonName, string>> | undefined {
  const out: Partial<Record<AddonName, string>> = {};
  const pairs = raw.split(",").map((p) => p.trim());
  if (pairs.some((p) => p === "")) return undefined;
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq < 0) return undefined;
    const addon = pair.slice(0, eq).trim() as AddonName;
    const path = pair.slice(eq + 1).trim();
    if (!(ADDON_NAMES as readonly string[]).includes(addon) || addon in out || !LOCAL_PATH.test(path) || path.split("/").includes("..")) return undefined;
    out[addon] = path;
  }
  return out;
}

/**
 * The add-ons a stack may find already running instead of installing. The others are always the
 * stack's own: its network policies name the namespaces their pods run in (Envoy Gateway's
 * proxies, the data operators) and its monitoring stack is one release with its dashboards.
 */
export const EXISTING_CAPABLE_ADDONS = ["cert-manager", "cluster-autoscaler"] as const satisfies readonly AddonName[];

/** `cert-manager,cluster-autoscaler` -> the add-ons, or undefined when not allowed. */
export function parseExistingAddons(raw: string): AddonName[] | undefined {
  const names = raw.split(",").map((n) => n.trim());
  if (names.some((n) => !(EXISTING_CAPABLE_ADDONS as readonly string[]).includes(n)) || new Set(names).size !== names.length) return undefined;
  return names as AddonName[];
}

export const ADDON_CHART_CONFIG_KEYS = {
  addonCharts: {
    type: "string",
    allowed: `comma-separated add-on=path pairs, each add-on at most once, the path absolute (a chart directory, or a .tgz archive as helm pull writes it) with no comma, = or space in it, such as cert-manager=/srv/charts/cert-manager-v1.21.2.tgz; add-ons: ${ADDON_NAMES.join(", ")}`,
    parse: parseAddonCharts,
    description: "Local Helm charts on the deploying machine that replace the chart repository for the add-ons named (air-gapped sites): each path must hold the add-on's pinned chart and version. Default: every chart from its repository (or chartRepository).",
  },
  existingAddons: {
    type: "string",
    allowed: `a comma-separated list of ${EXISTING_CAPABLE_ADDONS.join(", ")}, each at most once (Envoy Gateway, the data operators and the monitoring charts are always installed by the stack: its network policies name their pods' namespaces)`,
    parse: parseExistingAddons,
    description: "Add-ons the cluster already runs, which the stack then neither installs nor removes: cert-manager (in its `cert-manager` namespace, Gateway API support on; the stack checks its CRDs serve what it writes) and the cluster autoscaler (aws). Default: the stack installs every add-on it needs.",
  },
} satisfies Record<string, ConfigKey<unknown>>;
