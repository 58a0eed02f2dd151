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

/** One custom-resource kind the program writes, as its CRD serves it. */
export interface CrdKind {
  group: string;
  /** The API version the program writes (the CRD must serve it). */
  version: string;
  kind: string;
  /** The CRD's plural: the CRD is named `<plural>.<group>`. */
  plural: string;
}

export interface AddonSpec {
  /** Its pinned chart (catalog/charts.ts). */
  chart: ChartName;
  /** The kinds of its CRDs the program writes resources of (tests/platform/crd-dependencies.test.ts holds this complete). */
  crds: readonly CrdKind[];
  /**
   * Where the cluster may already run it (config `existingAddons`): the oldest release the stack
   * works with, read from its CRDs' `app.kubernetes.io/version` label, and why.
   */
  existing?: { minimumVersion: string; reason: string };
}

const kind = (group: string, version: string, k: string, plural: string): CrdKind => ({ group, version, kind: k, plural });

export const ADDONS = {
  "cert-manager": {
    chart: "certManager",
    crds: [kind("cert-manager.io", "v1", "Certificate", "certificates"), kind("cert-manager.io", "v1", "ClusterIssuer", "clusterissuers")],
    existing: { minimumVersion: "v1.20.0", reason: "Gateway API http01 solving without parentRefs, which the ACME issuer relies on, arrived in 1.20" },
  },
  // Envoy Gateway's chart installs the Gateway API CRDs as well as its own.
  "envoy-gateway": {
    chart: "envoyGateway",
    crds: [
      kind("gateway.networking.k8s.io", "v1", "GatewayClass", "gatewayclasses"), kind("gateway.networking.k8s.io", "v1", "Gateway", "gateways"),
      kind("gateway.networking.k8s.io", "v1", "HTTPRoute", "httproutes"), kind("gateway.networking.k8s.io", "v1beta1", "ReferenceGrant", "referencegrants"),
      kind("gateway.envoyproxy.io", "v1alpha1", "EnvoyProxy", "envoyproxies"), kind("gateway.envoyproxy.io", "v1alpha1", "ClientTrafficPolicy", "clienttrafficpolicies"),
      kind("gateway.envoyproxy.io", "v1alpha1", "SecurityPolicy", "securitypolicies"),
    ],
  },
  "cloudnative-pg": {
    chart: "cloudnativePg",
    crds: [kind("postgresql.cnpg.io", "v1", "Cluster", "clusters"), kind("postgresql.cnpg.io", "v1", "Database", "databases"), kind("postgresql.cnpg.io", "v1", "ScheduledBackup", "scheduledbackups")],
  },
  "barman-cloud-plugin": { chart: "barmanCloudPlugin", crds: [kind("barmancloud.cnpg.io", "v1", "ObjectStore", "objectstores")] },
  "minio-operator": { chart: "minioOperator", crds: [kind("minio.min.io", "v2", "Tenant", "tenants")] },
  "cluster-autoscaler": { chart: "clusterAutoscaler", crds: [] },
  "kube-prometheus-stack": { chart: "kubePrometheusStack", crds: [kind("monitoring.coreos.com", "v1", "PodMonitor", "podmonitors"), kind("monitoring.coreos.com", "v1", "PrometheusRule", "prometheusrules")] },
  loki: { chart: "loki", crds: [] },
  alloy: { chart: "alloy", crds: [] },
} as const satisfies Record<AddonName, AddonSpec>;

/** The API groups an add-on's CRDs define. */
export function apiGroupsOf(addon: AddonName): string[] {
  return [...new Set((ADDONS[addon].crds as readonly CrdKind[]).map((c) => c.group))];
}

/** The add-on that installs a chart. */
export function addonOfChart(chart: ChartName): AddonName {
  const name = ADDON_NAMES.find((a) => ADDONS[a].chart === chart);
  if (!name) throw new Error(`chart ${chart} belongs to no add-on of catalog/addons.ts`);
  return name;
}

/** The add-on whose CRDs define an API group; undefined for Kubernetes' own groups. */
export function addonOfApiGroup(group: string): AddonName | undefined {
  return ADDON_NAMES.find((a) => apiGroupsOf(a).includes(group));
}

/** `cert-manager.io/v1` -> `cert-manager.io`; a core `v1` -> "". */
export function apiGroupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf("/");
  return slash < 0 ? "" : apiVersion.slice(0, slash);
}
