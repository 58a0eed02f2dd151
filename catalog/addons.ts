/**
 * The cluster add-ons the platform installs, and the custom-resource API groups each one brings
 * (its CRDs). Pure data: components/platform/addons.ts installs them, and every custom resource
 * the program writes records a dependency on the add-on that defines its kind
 * (components/k8s/custom-resource.ts), so Pulumi orders creates, deletes and `--target` runs by
 * it: a component's `dependsOn` is not inherited by its children, so without this an HTTPRoute
 * would carry no edge to the release that installs the Gateway API CRDs.
 *
 * The monitoring charts (kube-prometheus-stack, Loki, Alloy) belong to the monitoring system
 * (components/monitoring/); `monitoring.coreos.com` is listed so its kinds resolve the same way.
 */
import { ADDON_NAMES, type AddonName } from "../config/addon-chart-keys";
import type { ChartName } from "./charts";

export { ADDON_NAMES, type AddonName };

export interface AddonSpec {
  /** Its pinned chart (catalog/charts.ts). */
  chart: ChartName;
  /** API groups of the CRDs the chart installs that the program writes resources of. */
  apiGroups: readonly string[];
}

export const ADDONS = {
  "cert-manager": { chart: "certManager", apiGroups: ["cert-manager.io"] },
  // Envoy Gateway's chart installs the Gateway API CRDs as well as its own.
  "envoy-gateway": { chart: "envoyGateway", apiGroups: ["gateway.networking.k8s.io", "gateway.envoyproxy.io"] },
  "cloudnative-pg": { chart: "cloudnativePg", apiGroups: ["postgresql.cnpg.io"] },
  "barman-cloud-plugin": { chart: "barmanCloudPlugin", apiGroups: ["barmancloud.cnpg.io"] },
  "minio-operator": { chart: "minioOperator", apiGroups: ["minio.min.io"] },
  "cluster-autoscaler": { chart: "clusterAutoscaler", apiGroups: [] },
  "kube-prometheus-stack": { chart: "kubePrometheusStack", apiGroups: ["monitoring.coreos.com"] },
  loki: { chart: "loki", apiGroups: [] },
  alloy: { chart: "alloy", apiGroups: [] },
} as const satisfies Record<AddonName, AddonSpec>;

/** The add-on that installs a chart. */
export function addonOfChart(chart: ChartName): AddonName {
  const name = ADDON_NAMES.find((a) => ADDONS[a].chart === chart);
  if (!name) throw new Error(`chart ${chart} belongs to no add-on of catalog/addons.ts`);
  return name;
}

/** The add-on whose CRDs define an API group; undefined for Kubernetes' own groups. */
export function addonOfApiGroup(group: string): AddonName | undefined {
  return ADDON_NAMES.find((a) => (ADDONS[a].apiGroups as readonly string[]).includes(group));
}

/** `cert-manager.io/v1` -> `cert-manager.io`; a core `v1` -> "". */
export function apiGroupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf("/");
  return slash < 0 ? "" : apiVersion.slice(0, slash);
}
