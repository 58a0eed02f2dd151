/**
 * The image and chart list of one stack: what an air-gapped site mirrors before `pulumi up`.
 *
 * Derived from data only: the systems the stack deploys (component registry, each entry's
 * `images`, its `monitoringImages` when monitoring is deployed too, and its `charts`), what the stack's platform installs itself (below), and the operand images each
 * installed chart runs. tests/stacks/images.test.ts renders every preset and checks that every
 * image of every rendered pod and every rendered Helm release is in this list, so a component
 * that adds an image or a chart without declaring it here fails there.
 */
import { CHARTS, chartSource, type ChartName } from "./charts";
import { ADDONS, type AddonName } from "./addons";
import { deployedSystems, isDeployed, systemEntry, type DeploymentSwitches } from "./components";
import { IMAGES, imageRef, type ImageName, type ImageSpec } from "./images";
import { deployedProjectImages, projectImageSpec } from "./project-images";
import type { PlatformKind } from "../config/keys";

/**
 * What each platform installs besides the registry's systems (components/platform/*):
 * - charts: cert-manager and Envoy Gateway everywhere (ClusterAddons); the CloudNativePG,
 *   Barman Cloud and MinIO operators only where the platform runs its own data services
 *   (existing); cluster-autoscaler only on AWS (GKE autoscales node pools itself; metrics-server
 *   on EKS is an EKS add-on whose image AWS serves, not a chart).
 * - images of the pods and custom resources the platform writes: the CloudNativePG clusters and
 *   MinIO tenant (existing), the database bootstrap Job on AWS (it needs psql, which the
 *   PostgreSQL image ships). Redis on existing is the registry's `cache` system; rclone where
 *   an existing cluster copies its backups off-site (`offsiteBackup*` keys).
 */
export const PLATFORM_ARTIFACTS: Record<PlatformKind, { charts: readonly ChartName[]; images: readonly ImageName[] }> = {
  aws: { charts: ["certManager", "envoyGateway", "clusterAutoscaler"], images: ["postgresql"] },
  gcp: { charts: ["certManager", "envoyGateway"], images: [] },
  existing: { charts: ["certManager", "envoyGateway", "cloudnativePg", "barmanCloudPlugin", "minioOperator"], images: ["postgresql", "minio"] },
};

/**
 * Operand images a chart runs, from the catalogue (tags = what the pinned chart ships, with the
 * values this program sets: features it leaves off — rate limiting, Thanos, kube-rbac-proxy,
 * the operator's own admission Deployment, Grafana's chown init container — pull nothing).
 * tests/catalog/chart-images.test.ts holds these to the charts' defaults
 * (tests/fixtures/chart-images.json).
 */
export const CHART_IMAGES: Record<ChartName, readonly ImageName[]> = {
  certManager: ["certManagerController", "certManagerWebhook", "certManagerCainjector", "certManagerAcmesolver", "certManagerStartupapicheck"],
  envoyGateway: ["envoyGateway", "envoyProxy"],
  clusterAutoscaler: ["clusterAutoscaler"],
  cloudnativePg: ["cnpgOperator"],
  barmanCloudPlugin: ["barmanCloudPlugin", "barmanCloudSidecar"],
  minioOperator: ["minioOperator", "minioSidecar"],
  kubePrometheusStack: ["prometheusOperator", "prometheusConfigReloader", "prometheus", "alertmanager", "kubeStateMetrics", "grafana", "grafanaSidecar"],
  loki: ["loki"],
  alloy: ["alloy"],
};

export interface ListedChart {
  name: ChartName;
  /** What helm.v3.Release gets as `chart` (the full oci:// reference for OCI charts). */
  chart: string;
  version: string;
  /** Repository index URL; absent for OCI charts. */
  repo?: string;
}

export interface StackArtifacts {
  /** Catalogue names, in a stable order (registry systems, then the platform's, then operands). */
  imageNames: ImageName[];
  /** Full references through the registry override, sorted. */
  images: string[];
  charts: ListedChart[];
}

export interface ArtifactInputs extends DeploymentSwitches {
  imageRegistry?: string;
  chartRepository?: string;
  /** Add-ons the cluster already runs (config `existingAddons`): nothing of theirs to mirror. Default: none. */
  existingAddons?: readonly AddonName[];
  /** On an existing cluster with an off-site backup target, the copy CronJob runs rclone. */
  existing?: { offsiteBackup?: unknown };
}

/** The images and charts one stack pulls, through its `imageRegistry` / `chartRepository` overrides. */
export function stackArtifacts(spec: ArtifactInputs): StackArtifacts {
  const platform = PLATFORM_ARTIFACTS[spec.platform];
  const names = new Set<ImageName>();
  const monitored = isDeployed("monitoring", spec);
  const systems = deployedSystems(spec).map((s) => systemEntry(s));
  for (const entry of systems) for (const image of [...entry.images, ...(monitored ? entry.monitoringImages ?? [] : [])]) names.add(image);
  for (const image of platform.images) names.add(image);
  // The project's images are built by the stack; the build pulls their bases.
  for (const built of deployedProjectImages(spec)) {
    const base = projectImageSpec(built).base;
    if (base) names.add(base);
  }
  if (spec.platform === "existing" && spec.existing?.offsiteBackup) names.add("rclone");
  // An add-on the cluster already runs is not the stack's to mirror.
  const existing = new Set((spec.existingAddons ?? []).map((a) => ADDONS[a].chart));
  const charts = [...platform.charts, ...systems.flatMap((e) => e.charts ?? [])].filter((c) => !existing.has(c));
  for (const chart of charts) for (const image of CHART_IMAGES[chart]) names.add(image);
  const imageNames = [...names];
  return {
    imageNames,
    images: [...new Set(imageNames.map((n) => imageRef(n, spec.imageRegistry)))].sort(),
    // What a mirror holds: the pinned version, whatever local chart a stack reads instead.
    charts: charts.map((name) => ({ name, ...chartSource(name, spec.chartRepository), version: CHARTS[name].version })),
  };
}

/** The printed form: one image reference a line, then one `<repository> <chart> <version>` a chart. */
export function formatArtifacts(a: StackArtifacts): string[] {
  return [
    `# images (${a.images.length})`,
    ...a.images,
    `# helm charts (${a.charts.length}): repository chart version`,
    ...a.charts.map((c) => `${c.repo ?? c.chart.slice(0, c.chart.lastIndexOf("/"))} ${c.chart.slice(c.chart.lastIndexOf("/") + 1)} ${c.version}`),
  ];
}

/**
 * `skopeo sync --src yaml` input: the upstream images grouped by registry, each repository with
 * its pinned tags. Sources are always the public registries (a mirror is the destination:
 * `skopeo sync --src yaml --dest docker skopeo.yaml <imageRegistry>`, which keeps each repository
 * path under the destination, the layout `imageRegistry` expects).
 */
export function skopeoSyncYaml(imageNames: readonly ImageName[]): string {
  const byRegistry = new Map<string, Map<string, Set<string>>>();
  for (const name of imageNames) {
    const image: ImageSpec = IMAGES[name];
    const repos = byRegistry.get(image.registry) ?? new Map<string, Set<string>>();
    byRegistry.set(image.registry, repos);
    const tags = repos.get(image.repository) ?? new Set<string>();
    repos.set(image.repository, tags);
    tags.add(image.tag);
  }
  const lines: string[] = [];
  for (const registry of [...byRegistry.keys()].sort()) {
    lines.push(`${registry}:`, "  images:");
    const repos = byRegistry.get(registry)!;
    for (const repo of [...repos.keys()].sort()) {
      lines.push(`    ${repo}:`);
      for (const tag of [...repos.get(repo)!].sort()) lines.push(`      - "${tag}"`);
    }
  }
  return `${lines.join("\n")}\n`;
}

/** One `helm pull` per chart, into the current directory: what the site then pushes or indexes. */
export function helmPullCommands(charts: readonly ListedChart[]): string[] {
  return charts.map((c) => (c.repo ? `helm pull ${c.chart} --repo ${c.repo} --version ${c.version}` : `helm pull ${c.chart} --version ${c.version}`));
}
