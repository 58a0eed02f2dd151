/**
 * Scrape targets -> PodMonitors and the flows that admit Prometheus (pure). The registry's
 * targets (catalog/components.ts `scrape`) come from the systems; the platform's own (the
 * CloudNativePG instances, the MinIO tenant, cert-manager, the Gateway's Envoy proxies) are listed
 * here, because the platform is not a registry entry; their flows are the platform's
 * (components/k8s/network/platform-flows.ts declares them when monitoring is deployed).
 */
import type { DeployedScrapeTarget, ScrapeTarget } from "../../catalog/components";
import { NAMESPACES, type NamespaceName } from "../../catalog/namespaces";
import type { PlatformKind } from "../../config/keys";
import type { AddonName } from "../../catalog/addons";
import { standardLabels } from "../k8s/labels";
import { PROMETHEUS_PODS, type FlowSpec } from "../k8s/network";

/** A target the monitoring component scrapes, wherever it was declared. */
export interface ResolvedTarget extends ScrapeTarget {
  namespace: NamespaceName;
}

/** How often Prometheus scrapes every target. */
export const SCRAPE_INTERVAL = "30s";

/**
 * The platform's targets. CloudNativePG instances serve their exporter on the `metrics` port
 * (9187); the MinIO tenant's cluster metrics are on its S3 port; cert-manager's controller on
 * `http-metrics` (9402); Envoy Gateway's proxies on `metrics` (19001, `/stats/prometheus`).
 * On the clouds PostgreSQL and Redis are managed services: their exporters run in the monitoring
 * namespace and are the registry's targets (catalog/components.ts `managedDataMetrics`, the same
 * `postgresql` and `redis` jobs); the object store's metrics stay in the cloud's own monitoring.
 */
export function platformScrapeTargets(platform: PlatformKind, tenant = "object-store", existingAddons: readonly AddonName[] = []): ResolvedTarget[] {
  const shared: ResolvedTarget[] = [
    // A cert-manager the cluster already runs is the site's to scrape: its namespace admits no one from the stack.
    ...(existingAddons.includes("cert-manager") ? [] : [{ job: "cert-manager", namespace: NAMESPACES.certManager, podLabels: { "app.kubernetes.io/name": "cert-manager", "app.kubernetes.io/component": "controller" }, portName: "http-metrics", port: 9402 }]),
    { job: "envoy", namespace: NAMESPACES.edge, podLabels: { "app.kubernetes.io/component": "proxy", "app.kubernetes.io/managed-by": "envoy-gateway" }, portName: "metrics", port: 19001, path: "/stats/prometheus" },
  ];
  if (platform !== "existing") return shared;
  return [
    ...shared,
    { job: "postgresql", namespace: NAMESPACES.data, podLabels: { "cnpg.io/podRole": "instance" }, portName: "metrics", port: 9187 },
    { job: "minio", namespace: NAMESPACES.data, podLabels: { "v1.min.io/tenant": tenant }, portName: "http-minio", port: 9000, path: "/minio/v2/metrics/cluster" },
  ];
}

/** Relabelings that give a target its `job` (and `index`) the way the registry entry asks. */
export function relabelings(t: ScrapeTarget): Record<string, unknown>[] {
  // `component` keeps the target's name where `job` is per process (Synapse): rules select by it.
  const out: Record<string, unknown>[] = [
    { targetLabel: "job", replacement: t.job, action: "replace" },
    { targetLabel: "component", replacement: t.job, action: "replace" },
  ];
  if (t.jobFromPodLabel) {
    const source = `__meta_kubernetes_pod_label_${t.jobFromPodLabel.label.replace(/[^a-zA-Z0-9_]/g, "_")}`;
    const prefix = (t.jobFromPodLabel.trimPrefix ?? "").replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    out.push({ sourceLabels: [source], regex: `${prefix}(.+)`, targetLabel: "job", replacement: "$1", action: "replace" });
  }
  if (t.index) {
    // The pod name first; a StatefulSet pod's ordinal replaces it (the regex matches only those).
    out.push({ sourceLabels: ["__meta_kubernetes_pod_name"], targetLabel: "index", action: "replace" });
    out.push({ sourceLabels: ["__meta_kubernetes_pod_name", "__meta_kubernetes_pod_controller_kind"], regex: ".+-([0-9]+);StatefulSet", targetLabel: "index", replacement: "$1", action: "replace" });
  }
  out.push({ sourceLabels: ["__meta_kubernetes_pod_name"], targetLabel: "pod", action: "replace" });
  return out;
}

/** The PodMonitor of one target: in the target's namespace, selecting its pods. */
export function podMonitorManifest(t: ResolvedTarget): Record<string, unknown> {
  return {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "PodMonitor",
    metadata: { name: t.job, namespace: t.namespace, labels: standardLabels(t.job, "monitoring") },
    spec: {
      selector: { matchLabels: { ...t.podLabels } },
      namespaceSelector: { matchNames: [t.namespace] },
      podMetricsEndpoints: [{
        port: t.portName,
        path: t.path ?? "/metrics",
        interval: SCRAPE_INTERVAL,
        relabelings: relabelings(t),
      }],
    },
  };
}

/**
 * Flows admitting Prometheus to the registry's targets (receiver side; the egress is the
 * monitoring namespace's). Host-network targets have none: no NetworkPolicy selects a
 * host-network pod, so their receiving side is the node firewall (see `ScrapeTarget.hostNetwork`).
 */
export function scrapeFlows(targets: readonly DeployedScrapeTarget[]): FlowSpec[] {
  return targets.filter((t) => !t.hostNetwork).map((t) => ({
    from: PROMETHEUS_PODS,
    to: { namespace: t.namespace, podLabels: { ...t.podLabels }, name: t.job },
    ports: [t.port],
    description: `metrics scrape of ${t.job}`,
  }));
}

/** Two targets with one job would merge their series and their PodMonitors' names. */
export function assertDistinctJobs(targets: readonly ResolvedTarget[]): void {
  const seen = new Map<string, string>();
  for (const t of targets) {
    const key = `${t.namespace}/${t.job}`;
    if (seen.has(t.job)) throw new Error(`scrape job "${t.job}" is declared twice (${seen.get(t.job)} and ${key}): every target needs its own job`);
    seen.set(t.job, key);
  }
}
