/**
 * Every container image the stack runs, pinned. One registry override (config `imageRegistry`)
 * rewrites all of them for air-gapped sites; `npm run images` prints the full list to mirror.
 *
 * Helm-installed operators bring their own operand images; those are listed here too (kind
 * "operand") so the mirror list is complete.
 */
export interface ImageSpec {
  /** Registry host the image is published to. */
  registry: string;
  /** Repository path within the registry. */
  repository: string;
  tag: string;
  /**
   * "workload" = used in our own pod specs; "operand" = pulled by an operator or chart; "base" =
   * pulled by `pulumi up` to build a project image on it (catalog/project-images.ts), not by pods.
   */
  kind: "workload" | "operand" | "base";
}

export const IMAGES = {
  // The base of the project's Synapse image (images/synapse): pods run that build, not this tag.
  synapse: { registry: "ghcr.io", repository: "element-hq/synapse", tag: "v1.163.2", kind: "base" },
  // The base of the project's Python services (images/key-vault, images/scan-worker).
  python: { registry: "docker.io", repository: "library/python", tag: "3.12.12-slim-bookworm", kind: "base" },
  haproxy: { registry: "docker.io", repository: "library/haproxy", tag: "3.2.7-alpine", kind: "workload" },
  elementWeb: { registry: "ghcr.io", repository: "element-hq/element-web", tag: "v1.12.3", kind: "workload" },
  ketesa: { registry: "ghcr.io", repository: "etkecc/ketesa", tag: "v1.5.0", kind: "workload" },
  // RTC tags checked against the upstream repositories' release tags and image workflows
  // (late 2026 snapshots): LiveKit v1.13.5 (images tagged v<semver>), lk-jwt-service 0.5.0
  // (images tagged <semver>, no "v"), coturn 4.17.0 (the newest `docker/<version>-r0` release
  // tag, which is what publishes coturn/coturn:<version>; 4.17.1 has no image release yet).
  livekit: { registry: "docker.io", repository: "livekit/livekit-server", tag: "v1.13.5", kind: "workload" },
  lkJwt: { registry: "ghcr.io", repository: "element-hq/lk-jwt-service", tag: "0.5.0", kind: "workload" },
  coturn: { registry: "docker.io", repository: "coturn/coturn", tag: "4.17.0", kind: "workload" },
  sygnal: { registry: "docker.io", repository: "matrixdotorg/sygnal", tag: "v0.15.1", kind: "workload" },
  // ClamAV's official Debian-based image (Cisco-Talos/clamav-docker, clamav/1.4/debian): clamd,
  // freshclam and clamdscan under /usr, a clamav user of UID/GID 1000. The tag without `_base`
  // ships the signature databases, which seed each pod's volume before the first update.
  clamav: { registry: "docker.io", repository: "clamav/clamav-debian", tag: "1.4.2", kind: "workload" },
  mautrixTelegram: { registry: "dock.mau.dev", repository: "mautrix/telegram", tag: "v0.2608.0", kind: "workload" },
  mautrixWhatsapp: { registry: "dock.mau.dev", repository: "mautrix/whatsapp", tag: "v0.2608.0", kind: "workload" },
  redis: { registry: "docker.io", repository: "library/redis", tag: "7.4.6-alpine", kind: "workload" },
  // Beside each Redis node when monitoring is deployed (metrics on 9121).
  redisExporter: { registry: "docker.io", repository: "oliver006/redis_exporter", tag: "v1.74.0", kind: "workload" },
  // Beside LI's archive database when LI and monitoring are deployed (components/li/sync.ts, metrics
  // on 9187). The validator runs Debian's postgres_exporter with the same custom-queries file.
  postgresExporter: { registry: "quay.io", repository: "prometheuscommunity/postgres-exporter", tag: "v0.17.1", kind: "workload" },
  nginxUnprivileged: { registry: "docker.io", repository: "nginxinc/nginx-unprivileged", tag: "1.29.3-alpine", kind: "workload" },
  // CloudNativePG operand (PostgreSQL + barman-cloud tools); also runs the database bootstrap Job
  // on AWS (it ships psql). The operator is told to use the same reference.
  postgresql: { registry: "ghcr.io", repository: "cloudnative-pg/postgresql", tag: "17.6-standard-bookworm", kind: "workload" },
  // MinIO server for the on-prem object store. The community repository was archived in 2026 and
  // upstream stopped publishing images: this is the last community image; sites pin their own
  // build or a maintained fork through `imageRegistry` (the repository path is kept).
  minio: { registry: "quay.io", repository: "minio/minio", tag: "RELEASE.2025-09-07T16-13-09Z", kind: "workload" },
  // Copies the database backups off-site on an existing cluster (components/data/offsite-backup.ts);
  // the tests run the same version built from its Go module (scripts/provision.d/55-rclone.sh).
  rclone: { registry: "docker.io", repository: "rclone/rclone", tag: "1.76.0", kind: "workload" },

  // Operands: images the pinned charts of catalog/charts.ts run. The charts pick the tag (their
  // appVersion or values.yaml default); the program overrides only the registry, so each tag
  // here must be the one the pinned chart ships, and moves with the chart version.
  // cluster-autoscaler chart 9.56.0: values.yaml `image.tag` (checked in kubernetes/autoscaler at
  // tag cluster-autoscaler-chart-9.56.0).
  clusterAutoscaler: { registry: "registry.k8s.io", repository: "autoscaling/cluster-autoscaler", tag: "v1.35.0", kind: "operand" },
  // cloudnative-pg chart 0.29.1: NOT VERIFIED. The stored chart repository ends at 0.29.0
  // (appVersion 1.30.0); chart patch releases have followed the operator's patch releases, so
  // 0.29.1 is taken to ship 1.30.1. Check with `helm show chart` before mirroring.
  cnpgOperator: { registry: "ghcr.io", repository: "cloudnative-pg/cloudnative-pg", tag: "1.30.1", kind: "operand" },
  // plugin-barman-cloud chart 0.8.1: NOT VERIFIED. The stored chart repository ends at 0.7.0
  // (appVersion v0.13.0; each chart minor has moved the plugin one minor), so 0.8.x is taken to
  // ship v0.14.0. Plugin and sidecar share the chart's appVersion.
  barmanCloudPlugin: { registry: "ghcr.io", repository: "cloudnative-pg/plugin-barman-cloud", tag: "v0.14.0", kind: "operand" },
  barmanCloudSidecar: { registry: "ghcr.io", repository: "cloudnative-pg/plugin-barman-cloud-sidecar", tag: "v0.14.0", kind: "operand" },
  // MinIO operator chart 7.1.1: values.yaml `operator.image.tag`; the operator itself injects its
  // sidecar into every Tenant pod (DefaultSidecarImage in pkg/resources/statefulsets at v7.1.1).
  minioOperator: { registry: "quay.io", repository: "minio/operator", tag: "v7.1.1", kind: "operand" },
  minioSidecar: { registry: "quay.io", repository: "minio/operator-sidecar", tag: "v7.0.1", kind: "operand" },

  // cert-manager chart v1.21.2: every image is `<imageRegistry>/<imageNamespace>/cert-manager-<x>`
  // with the chart's appVersion as tag (values.yaml `imageRegistry: quay.io`, `imageNamespace:
  // jetstack`, templates/_helpers.tpl "cert-manager.image"; checked in the Go module at v1.21.2).
  // The acmesolver runs in the http01 solver pods the controller creates; startupapicheck is a
  // post-install Job.
  certManagerController: { registry: "quay.io", repository: "jetstack/cert-manager-controller", tag: "v1.21.2", kind: "operand" },
  certManagerWebhook: { registry: "quay.io", repository: "jetstack/cert-manager-webhook", tag: "v1.21.2", kind: "operand" },
  certManagerCainjector: { registry: "quay.io", repository: "jetstack/cert-manager-cainjector", tag: "v1.21.2", kind: "operand" },
  certManagerAcmesolver: { registry: "quay.io", repository: "jetstack/cert-manager-acmesolver", tag: "v1.21.2", kind: "operand" },
  certManagerStartupapicheck: { registry: "quay.io", repository: "jetstack/cert-manager-startupapicheck", tag: "v1.21.2", kind: "operand" },
  // Envoy Gateway chart v1.9.1: the controller (also the proxies' shutdown-manager sidecar,
  // templates/_helpers.tpl "eg.image"), and the Envoy proxy the controller starts, whose default
  // is compiled in (api/v1alpha1/shared_types.go DefaultEnvoyProxyImage, pinned there with a
  // digest) and does NOT follow `global.imageRegistry`: the EnvoyProxy resource names it.
  envoyGateway: { registry: "docker.io", repository: "envoyproxy/gateway", tag: "v1.9.1", kind: "operand" },
  envoyProxy: { registry: "docker.io", repository: "envoyproxy/envoy", tag: "distroless-v1.39.1", kind: "operand" },
  // kube-prometheus-stack: read from the pinned chart 88.5.3 (the newest release whose source
  // could be read here; catalog/charts.ts pins that one). Operator and config reloader
  // take the chart's appVersion (v0.93.1); kube-state-metrics chart 8.4.0 (appVersion 2.20.0) and
  // Grafana chart 12.11.1 (appVersion 13.2.0, sidecar k8s-sidecar 2.10.1) are its dependencies.
  prometheusOperator: { registry: "quay.io", repository: "prometheus-operator/prometheus-operator", tag: "v0.93.1", kind: "operand" },
  prometheusConfigReloader: { registry: "quay.io", repository: "prometheus-operator/prometheus-config-reloader", tag: "v0.93.1", kind: "operand" },
  prometheus: { registry: "quay.io", repository: "prometheus/prometheus", tag: "v3.14.0-distroless", kind: "operand" },
  alertmanager: { registry: "quay.io", repository: "prometheus/alertmanager", tag: "v0.34.0", kind: "operand" },
  kubeStateMetrics: { registry: "registry.k8s.io", repository: "kube-state-metrics/kube-state-metrics", tag: "v2.20.0", kind: "operand" },
  grafana: { registry: "docker.io", repository: "grafana/grafana", tag: "13.2.0", kind: "operand" },
  grafanaSidecar: { registry: "quay.io", repository: "kiwigrid/k8s-sidecar", tag: "2.10.1", kind: "operand" },
  // loki chart 6.29.0: appVersion 3.4.2 (the chart's `loki.image.tag` default); its gateway,
  // caches, canary and rules sidecar are switched off, so Loki is its only image.
  loki: { registry: "docker.io", repository: "grafana/loki", tag: "3.4.2", kind: "operand" },
  // alloy chart 0.12.5: appVersion v1.7.4 (`image.tag` default); its config reloader is off
  // (the config is the chart's ConfigMap, rolled by a checksum), so Alloy is its only image.
  alloy: { registry: "docker.io", repository: "grafana/alloy", tag: "v1.7.4", kind: "operand" },
  // Jaeger v2, the trace collector and store (render/traces). Its Go module keeps v1 tags: the
  // module's v1.75.0 is release v2.12.0 (CHANGELOG.md pairs them, as in "v1.74.0 / v2.11.0"),
  // which scripts/provision.d/60-monitoring.sh builds for the checks.
  jaeger: { registry: "docker.io", repository: "jaegertracing/jaeger", tag: "2.12.0", kind: "workload" },
} as const satisfies Record<string, ImageSpec>;

export type ImageName = keyof typeof IMAGES;

/**
 * Full image reference. With an override registry the original registry host is replaced and
 * the repository path kept, which is the layout `skopeo sync` / `crane copy` produce.
 */
export function imageRef(name: ImageName, registryOverride?: string): string {
  const image: ImageSpec = IMAGES[name];
  return `${registryOverride ?? image.registry}/${image.repository}:${image.tag}`;
}

/**
 * Repository without the tag, through the override: what a chart's `image.repository` takes
 * when the chart keeps the tag (its appVersion) and expects the registry host in the repository.
 */
export function imageRepository(name: ImageName, registryOverride?: string): string {
  const image: ImageSpec = IMAGES[name];
  return `${registryOverride ?? image.registry}/${image.repository}`;
}

/** Every image, resolved against the override, sorted: the air-gap mirror list. */
export function imageList(registryOverride?: string): string[] {
  return (Object.keys(IMAGES) as ImageName[]).map((n) => imageRef(n, registryOverride)).sort();
}

/** Replaces an image reference's registry host, keeping the repository path (skopeo/crane layout). */
export function overrideRegistry(image: string, registry?: string): string {
  if (!registry) return image;
  const firstSlash = image.indexOf("/");
  const head = image.slice(0, firstSlash);
  const hasRegistryHost = firstSlash > 0 && (head.includes(".") || head.includes(":") || head === "localhost");
  return `${registry}/${hasRegistryHost ? image.slice(firstSlash + 1) : image}`;
}
