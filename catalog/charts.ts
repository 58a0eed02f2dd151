/**
 * Every Helm chart the platform installs, pinned to one version, in one place. Upgrading an
 * add-on is a one-line change here; the air-gap mirror list (`helm pull` + `helm push`) is
 * `chartList()`.
 *
 * Versions were checked against the projects' release streams in late 2026:
 * - cert-manager v1.21.x (Gateway API http01 without parentRefs since 1.20; `imageRegistry`
 *   override since 1.20),
 * - Envoy Gateway v1.9.x (a maintained Gateway API implementation; ingress-nginx was retired
 *   upstream in March 2026),
 * - CloudNativePG chart 0.29.x (operator with declarative `Database` CRs) and the Barman Cloud
 *   plugin chart, which replaces the deprecated in-tree `barmanObjectStore` backups,
 * - cluster-autoscaler chart 9.56.x (AWS; its appVersion tracks the Kubernetes minor),
 * - MinIO operator 7.1.1: the last release before the MinIO community repositories were archived
 *   (2026); it still manages Tenants, but the server image must come from a registry the operator
 *   of the site trusts (see catalog/images.ts `minio`),
 * - kube-prometheus-stack 88.x (prometheus-operator v0.93, Prometheus 3, Grafana 12) for the
 *   monitoring system, the Loki 6.29 chart (Loki 3.4) and the Alloy 0.12 chart (Alloy 1.7) for
 *   its logs.
 */
export interface ChartSpec {
  /** Chart name inside its repository. */
  chart: string;
  /** Exact chart version (Helm semver; some projects prefix it with "v"). */
  version: string;
  /** Public repository: an https index URL, or an oci:// registry path holding the chart. */
  repository: string;
}

export const CHARTS = {
  certManager: { chart: "cert-manager", version: "v1.21.2", repository: "https://charts.jetstack.io" },
  envoyGateway: { chart: "gateway-helm", version: "v1.9.1", repository: "oci://docker.io/envoyproxy" },
  cloudnativePg: { chart: "cloudnative-pg", version: "0.29.1", repository: "https://cloudnative-pg.github.io/charts" },
  barmanCloudPlugin: { chart: "plugin-barman-cloud", version: "0.8.1", repository: "https://cloudnative-pg.github.io/charts" },
  minioOperator: { chart: "operator", version: "7.1.1", repository: "https://operator.min.io" },
  // AWS only (GKE autoscales node pools itself): scales the managed node groups for pending pods.
  clusterAutoscaler: { chart: "cluster-autoscaler", version: "9.56.0", repository: "https://kubernetes.github.io/autoscaler" },
  // Monitoring: Prometheus (operator), Alertmanager, Grafana with its dashboard sidecar, kube-state-metrics.
  kubePrometheusStack: { chart: "kube-prometheus-stack", version: "88.5.3", repository: "https://prometheus-community.github.io/helm-charts" },
  // Logs (monitoring): Loki in its monolithic (SingleBinary) mode, and Grafana Alloy as the
  // DaemonSet shipping pod logs. Both the newest release whose Chart.yaml the stored upstream
  // repositories hold (grafana/loki production/helm/loki: 6.29.0, appVersion 3.4.2; grafana/alloy
  // operations/helm/charts/alloy: 0.12.5, appVersion v1.7.4); move them with catalog/images.ts.
  loki: { chart: "loki", version: "6.29.0", repository: "https://grafana.github.io/helm-charts" },
  alloy: { chart: "alloy", version: "0.12.5", repository: "https://grafana.github.io/helm-charts" },
} as const satisfies Record<string, ChartSpec>;

export type ChartName = keyof typeof CHARTS;

/** Where Helm fetches a chart from: `chart` + optional `repo` in the shape helm.v3.Release takes. */
export interface ChartSource {
  /** Chart name in `repo`, a full oci:// reference, or a local chart directory / archive path. */
  chart: string;
  /** Absent for a local chart, which is the version it is. */
  version?: string;
  /** Repository index URL; absent for OCI charts, whose `chart` is the full oci:// reference. */
  repo?: string;
}

/**
 * Resolves a chart against the optional site-wide chart repository (config `chartRepository`).
 * An OCI override holds every chart under `<override>/<chart>`; an http(s) override is one
 * classic index holding all of them (what `helm repo index` over the mirrored tarballs yields).
 */
export function chartSource(name: ChartName, override?: string, localPath?: string): ChartSource {
  const spec: ChartSpec = CHARTS[name];
  // A chart directory or archive on the deploying machine (config `addonCharts`, checked against
  // the pinned name and version before anything runs: config/local-charts.ts): Helm reads it as
  // it is, with no repository and no version lookup.
  if (localPath) return { chart: localPath };
  const repository = (override ?? spec.repository).replace(/\/+$/, "");
  if (repository.startsWith("oci://")) return { chart: `${repository}/${spec.chart}`, version: spec.version };
  return { chart: spec.chart, version: spec.version, repo: repository };
}

/**
 * Every chart as `<repository> <chart> <version>`, sorted: the list an air-gapped site mirrors.
 * The images these charts run are listed per chart in catalog/image-list.ts CHART_IMAGES, held
 * to the charts' own defaults by tests/catalog/chart-images.test.ts: a chart upgrade is this
 * line, the operand tags in catalog/images.ts and tests/fixtures/chart-images.json, re-read
 * from the new chart.
 */
export function chartList(): string[] {
  return (Object.values(CHARTS) as ChartSpec[]).map((c) => `${c.repository} ${c.chart} ${c.version}`).sort();
}
