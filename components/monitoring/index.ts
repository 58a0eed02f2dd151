/**
 * MonitoringStack: kube-prometheus-stack (Prometheus, Alertmanager, Grafana, kube-state-metrics)
 * in the monitoring namespace, a PodMonitor per scrape target of the deployed systems and of the
 * platform, the alert rules of the scraped components, Alertmanager's routing from config, the
 * dashboards for the sidecar, Grafana at grafana.<domain> on the shared Gateway, and the flows
 * that let Prometheus (and nothing else) reach the metrics ports. Consumes only `Platform`.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { trustCertificate } from "../k8s/internal-ca";
import * as random from "@pulumi/random";
import { IMAGES, imageRef } from "../../catalog/images";
import { deployedScrapeTargets, isDeployed } from "../../catalog/components";
import { NAMESPACES } from "../../catalog/namespaces";
import { gatewayListenerName, type PlatformSpec } from "../../config/spec";
import { toYaml } from "../../render/synapse/yaml";
import type { Sizing } from "../../sizing/types";
import { standardLabels } from "../k8s/labels";
import { StackNamespace } from "../k8s/namespace";
import { SYNAPSE_PODS, type NetworkFlows } from "../k8s/network";
import type { Platform } from "../contracts";
import { alertmanagerConfig, RECEIVER_SECRET_KEYS, type AlertChannels } from "./alertmanager";
import { dashboardJson, dashboardsFor } from "./dashboards";
import { monitoringFlows } from "./flows";
import { alloyValues, LOGS_NAMES, logsScrapeTargets, lokiDatasource, lokiValues, type LokiStorage } from "./logs";
import { logsFlows } from "./logs-flows";
import { ruleFile, ruleGroupsFor } from "./rules";
import { assertDistinctJobs, platformScrapeTargets, podMonitorManifest, scrapeFlows, type ResolvedTarget } from "./targets";
import { GRAFANA_SERVICE_PORT, kubePrometheusStackValues, MONITORING_NAMES } from "./values";
import { chartRelease } from "../k8s/chart-release";
import { TraceCollector } from "./traces";
import { customResource } from "../k8s/custom-resource";
import { ManagedDataExporters } from "./managed-data-exporters";

export interface MonitoringStackArgs {
  /** Validated spec: hosts, switches (which systems are scraped), monitoring settings, registries. */
  spec: Pick<PlatformSpec, "platform" | "features" | "hosts" | "monitoring" | "imageRegistry" | "chartRepository" | "addonCharts" | "existingAddons" | "stack">;
  /** Replicas, resources, tier and volumes of Prometheus, Alertmanager and Grafana. */
  sizing: Pick<Sizing, "components">;
  /** The platform: provider, StorageClass, placement, Gateway, readiness. */
  platform: Pick<Platform, "kind" | "provider" | "storageClass" | "placement" | "gateway" | "ready" | "kubeApi" | "objectStore" | "redis" | "databaseMetrics" | "crdProviders">;
  /** The stack's flow registry: the namespace, its flows and the scrape flows are declared on it. */
  flows: NetworkFlows;
}

/** Which channels the config sets (credentials stay out of this value). */
export function alertChannels(alerting: PlatformSpec["monitoring"]["alerting"]): AlertChannels {
  return {
    webhook: alerting.webhookUrl !== undefined,
    pagerduty: alerting.pagerdutyRoutingKey !== undefined,
    matrix: alerting.matrixWebhookUrl !== undefined,
    ...(alerting.email
      ? { email: { to: alerting.email.to, from: alerting.email.from, smarthost: alerting.email.smarthost, username: alerting.email.username, password: alerting.email.password !== undefined } }
      : {}),
  };
}

/**
 * How Loki reaches the platform's logs bucket: the GCS API with workload identity where S3 is
 * only an interop layer (GCS), the S3 API with the store's key pair where it has one (MinIO), the
 * S3 API with workload identity otherwise (S3 with IRSA); its volume where there is no bucket.
 */
export function lokiStorageKindOf(store: Pick<Platform["objectStore"], "buckets" | "credentials" | "nativeApi">): "gcs" | "s3-keys" | "s3-identity" | "filesystem" {
  if (!store.buckets.logs) return "filesystem";
  if (store.nativeApi === "gcs") return "gcs";
  return store.credentials ? "s3-keys" : "s3-identity";
}

/** Every target scraped in this stack: the deployed systems' and the platform's. */
export function scrapedTargets(spec: MonitoringStackArgs["spec"]): ResolvedTarget[] {
  const targets: ResolvedTarget[] = [...deployedScrapeTargets(spec), ...platformScrapeTargets(spec.platform, undefined, spec.existingAddons), ...logsScrapeTargets()];
  assertDistinctJobs(targets);
  return targets;
}

export class MonitoringStack extends pulumi.ComponentResource {
  readonly namespace: StackNamespace;
  readonly release: k8s.helm.v3.Release;
  /** Grafana's admin password (secret). */
  readonly grafanaAdminPassword: pulumi.Output<string>;

  constructor(name: string, args: MonitoringStackArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("matrix-platform:monitoring:MonitoringStack", name, {}, opts);
    const { spec, sizing, platform } = args;
    const ns = NAMESPACES.monitoring;
    const child = (extra: pulumi.CustomResourceOptions = {}): pulumi.CustomResourceOptions => ({ parent: this, provider: platform.provider, ...extra });
    const labels = (n: string) => standardLabels(n, "monitoring");

    this.namespace = new StackNamespace(`${name}-namespace`, { name: ns, component: "monitoring", flows: args.flows }, { parent: this, providers: [platform.provider], dependsOn: platform.ready });
    const nsDeps = { dependsOn: [this.namespace] };

    // Grafana's admin account: generated, only in a Secret the chart reads.
    const password = new random.RandomPassword(`${name}-grafana-admin`, { length: 32, special: false }, { parent: this });
    this.grafanaAdminPassword = pulumi.secret(password.result);
    new k8s.core.v1.Secret(`${name}-grafana-admin`, {
      metadata: { name: MONITORING_NAMES.grafanaAdminSecret, namespace: ns, labels: labels("grafana") },
      type: "Opaque",
      stringData: { "admin-user": "admin", "admin-password": this.grafanaAdminPassword },
    }, child(nsDeps));

    // Alertmanager: the routing from config, the credentials as files of their own Secret.
    const alerting = spec.monitoring.alerting;
    new k8s.core.v1.Secret(`${name}-alertmanager-config`, {
      metadata: { name: MONITORING_NAMES.alertmanagerConfigSecret, namespace: ns, labels: labels("alertmanager") },
      type: "Opaque",
      stringData: { "alertmanager.yaml": toYaml(alertmanagerConfig(alertChannels(alerting))) },
    }, child(nsDeps));
    const credentials: Record<string, string> = {
      ...(alerting.webhookUrl ? { [RECEIVER_SECRET_KEYS.webhookUrl]: alerting.webhookUrl } : {}),
      ...(alerting.pagerdutyRoutingKey ? { [RECEIVER_SECRET_KEYS.pagerdutyRoutingKey]: alerting.pagerdutyRoutingKey } : {}),
      ...(alerting.email?.password ? { [RECEIVER_SECRET_KEYS.smtpPassword]: alerting.email.password } : {}),
      ...(alerting.matrixWebhookUrl ? { [RECEIVER_SECRET_KEYS.matrixWebhookUrl]: alerting.matrixWebhookUrl } : {}),
    };
    new k8s.core.v1.Secret(`${name}-alertmanager-receivers`, {
      metadata: { name: MONITORING_NAMES.alertmanagerReceiverSecret, namespace: ns, labels: labels("alertmanager") },
      type: "Opaque",
      // An empty stringData is dropped by the API server, so the provider would diff it on every
      // preview (the real engine showed a perpetual replace): with no receiver credentials the
      // Secret exists, empty, for the mount.
      ...(Object.keys(credentials).length > 0 ? { stringData: pulumi.secret(credentials) } : {}),
    }, child(nsDeps));

    const c = sizing.components;
    const values = platform.storageClass.apply((storageClass) => kubePrometheusStackValues({
      prometheus: c.prometheus,
      alertmanager: c.alertmanager,
      grafana: c.grafana,
      retention: spec.monitoring.retention,
      storageClass,
      placement: platform.placement(c.prometheus.tier),
      grafanaUrl: `https://${spec.hosts.grafana}`,
      imageRegistry: spec.imageRegistry,
      externalLabels: { cluster: spec.stack },
    }));
    this.release = chartRelease(`${name}-kube-prometheus-stack`, { releaseName: "kube-prometheus-stack", chart: "kubePrometheusStack", chartRepository: spec.chartRepository, localCharts: spec.addonCharts, namespace: ns, values }, child(nsDeps));
    // Monitors and rules are custom resources of the chart's CRDs.
    const afterChart = { dependsOn: [this.release] };
    const crds = { ...platform.crdProviders, "monitoring.coreos.com": [this.release] };

    const targets = scrapedTargets(spec);
    for (const t of targets) {
      const m = podMonitorManifest(t) as { metadata: Record<string, unknown>; spec: Record<string, unknown> };
      customResource(`${name}-podmonitor-${t.job}`, { apiVersion: "monitoring.coreos.com/v1", kind: "PodMonitor", metadata: m.metadata, spec: m.spec }, child(afterChart), crds);
    }
    const jobs = new Set(targets.map((t) => t.job));
    customResource(`${name}-rules`, {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "PrometheusRule",
      metadata: { name: "matrix-platform", namespace: ns, labels: labels("rules") },
      spec: ruleFile(ruleGroupsFor(jobs)),
    }, child(afterChart), crds);

    for (const d of dashboardsFor(jobs)) {
      new k8s.core.v1.ConfigMap(`${name}-dashboard-${d.uid}`, {
        metadata: { name: `dashboard-${d.uid}`, namespace: ns, labels: { ...labels("grafana"), grafana_dashboard: "1" } },
        data: { [`${d.uid}.json`]: JSON.stringify(dashboardJson(d)) },
      }, child(nsDeps));
    }

    customResource(`${name}-route-grafana`, {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "HTTPRoute",
      metadata: { name: "grafana", namespace: ns, labels: labels("grafana") },
      spec: {
        parentRefs: [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: platform.gateway.name, namespace: platform.gateway.namespace, sectionName: gatewayListenerName("grafana") }],
        hostnames: [spec.hosts.grafana],
        rules: [{ matches: [{ path: { type: "PathPrefix", value: "/" } }], backendRefs: [{ group: "", kind: "Service", name: MONITORING_NAMES.grafana, namespace: ns, port: GRAFANA_SERVICE_PORT }] }],
      },
    }, child(nsDeps), crds);

    // ----- logs: Loki (monolithic) on the platform's logs bucket where it has one, Alloy on every node.
    const store = platform.objectStore;
    const logsBucket = store.buckets.logs;
    const lokiStorageKind = lokiStorageKindOf(store);
    if (lokiStorageKind === "s3-keys" && store.credentials) {
      new k8s.core.v1.Secret(`${name}-loki-object-store`, {
        metadata: { name: LOGS_NAMES.lokiObjectStoreSecret, namespace: ns, labels: labels("loki") },
        type: "Opaque",
        stringData: pulumi.secret({ AWS_ACCESS_KEY_ID: store.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: store.credentials.secretAccessKey }),
      }, child(nsDeps));
    }
    // The store's private CA, as ca.crt of a Certificate in this namespace (components/platform/internal-ca.ts).
    const lokiCa = lokiStorageKind !== "filesystem" && lokiStorageKind !== "gcs" && store.privateCaIssuer
      ? trustCertificate(`${name}-loki-object-store-ca`, { namespace: ns, secretName: "loki-object-store-ca", issuer: store.privateCaIssuer }, child(nsDeps), platform.crdProviders)
      : undefined;
    const lokiStorage: pulumi.Output<LokiStorage> = !logsBucket || lokiStorageKind === "filesystem"
      ? pulumi.output({ kind: "filesystem" as const })
      : lokiStorageKind === "gcs"
        ? pulumi.output(logsBucket).apply((bucket) => ({ kind: "gcs" as const, bucket }))
        : pulumi.all([store.endpoint, logsBucket]).apply(([endpoint, bucket]) => ({
          kind: "s3" as const, endpoint, bucket, region: store.region, forcePathStyle: store.forcePathStyle, staticKeys: lokiStorageKind === "s3-keys",
          ...(lokiCa ? { caSecret: "loki-object-store-ca" } : {}),
        }));
    // The workload identity of Loki's object-store client (IRSA role, GCP service account; none on-prem).
    const lokiIdentity = store.serviceAccountAnnotations.loki ?? pulumi.output<Record<string, string>>({});
    chartRelease(`${name}-loki`, {
      releaseName: LOGS_NAMES.loki,
      chart: "loki",
      chartRepository: spec.chartRepository,
      localCharts: spec.addonCharts,
      namespace: ns,
      values: pulumi.all([platform.storageClass, lokiStorage, lokiIdentity]).apply(([storageClass, storage, serviceAccountAnnotations]) => lokiValues({
        storage,
        serviceAccountAnnotations,
        replicas: c.loki.replicas,
        retentionDays: spec.monitoring.logRetentionDays,
        resources: {
          requests: { cpu: `${c.loki.resources.cpuRequestMillis}m`, memory: `${c.loki.resources.memoryRequestMi}Mi` },
          limits: { cpu: `${c.loki.resources.cpuLimitMillis}m`, memory: `${c.loki.resources.memoryLimitMi}Mi` },
        },
        volumeGi: c.loki.storageGi ?? 10,
        storageClass,
        placement: platform.placement(c.loki.tier),
        imageRegistry: spec.imageRegistry,
        image: { repository: IMAGES.loki.repository, tag: IMAGES.loki.tag },
      })),
    }, child(nsDeps));
    new k8s.core.v1.ConfigMap(`${name}-datasource-loki`, {
      metadata: { name: LOGS_NAMES.datasourceConfigMap, namespace: ns, labels: { ...labels("grafana"), grafana_datasource: "1" } },
      data: { "loki.yaml": toYaml(lokiDatasource()) },
    }, child(nsDeps));

    // Alloy reads the nodes' /var/log/pods (hostPath): its own namespace, the only privileged one of monitoring.
    const logsNs = new StackNamespace(`${name}-logs-namespace`, {
      name: NAMESPACES.logs,
      component: "logs",
      flows: args.flows,
      podSecurity: "privileged",
      podSecurityReason: "Grafana Alloy mounts the node's /var/log read-only (hostPath) to ship pod logs; it drops every capability and runs with a read-only root filesystem",
    }, { parent: this, providers: [platform.provider], dependsOn: platform.ready });
    chartRelease(`${name}-alloy`, {
      releaseName: LOGS_NAMES.alloy,
      chart: "alloy",
      chartRepository: spec.chartRepository,
      localCharts: spec.addonCharts,
      namespace: NAMESPACES.logs,
      values: alloyValues({ cluster: spec.stack, imageRegistry: spec.imageRegistry, image: { repository: IMAGES.alloy.repository, tag: IMAGES.alloy.tag } }),
    }, child({ dependsOn: [logsNs] }));
    args.flows.allowAll(logsFlows(lokiStorageKind !== "filesystem" ? store.network : undefined, platform.kubeApi), { namePrefix: "logs", parent: this, resourceName: `${name}-logs-flows` });

    // ----- traces: Jaeger, which every Synapse process reports its sampled spans to.
    if (isDeployed("traces", spec)) {
      new TraceCollector(`${name}-traces`, {
        sizing: c.jaeger, image: imageRef("jaeger", spec.imageRegistry), synapse: SYNAPSE_PODS,
        platform, flows: args.flows, dependsOn: [this.namespace],
      }, { parent: this });
    }

    // ----- the clouds' managed PostgreSQL and Redis, through exporters here.
    if (isDeployed("managedDataMetrics", spec)) {
      new ManagedDataExporters(`${name}-data-exporters`, {
        ...(platform.databaseMetrics ? { databases: platform.databaseMetrics } : {}),
        redis: platform.redis,
        images: { postgres: imageRef("postgresExporter", spec.imageRegistry), redis: imageRef("redisExporter", spec.imageRegistry) },
        placement: platform.placement("system"),
        flows: args.flows,
        provider: platform.provider,
        crds: platform.crdProviders,
        dependsOn: [this.namespace],
      }, { parent: this });
    }

    const registryTargets = deployedScrapeTargets(spec);
    args.flows.allowAll([...monitoringFlows(targets, platform.kubeApi), ...scrapeFlows(registryTargets)], { namePrefix: "monitoring", parent: this, resourceName: `${name}-flows` });

    this.registerOutputs({ namespace: ns, grafana: `https://${spec.hosts.grafana}` });
  }
}
