/**
 * kube-prometheus-stack values (pure): Prometheus, Alertmanager and Grafana as sizing says, on
 * persistent volumes, picking up every ServiceMonitor, PodMonitor and rule of the cluster whatever
 * its labels, and nothing the stack cannot run (node-exporter needs host namespaces; the control
 * plane's endpoints are not reachable on managed clusters).
 */
import type { Placement } from "../contracts";
import type { ResourceShape, WorkloadSizing } from "../../sizing/types";

/** Names the rest of the monitoring component refers to (fixed so Services and Secrets can be named). */
export const MONITORING_NAMES = {
  /** `fullnameOverride` of the chart: objects are `kps-*`. */
  fullname: "kps",
  /** Grafana's `fullnameOverride`: its Service is `grafana` on port 80. */
  grafana: "grafana",
  /** Secret with Grafana's admin user and password. */
  grafanaAdminSecret: "grafana-admin",
  /** Secret holding alertmanager.yaml (the operator's `configSecret`). */
  alertmanagerConfigSecret: "alertmanager-config",
  /** Secret with the receivers' credentials, mounted at ALERTMANAGER_SECRETS_DIR. */
  alertmanagerReceiverSecret: "alertmanager-receivers",
} as const;

/** Where the operator mounts `alertmanagerSpec.secrets` (one directory per Secret). */
export const ALERTMANAGER_SECRETS_DIR = `/etc/alertmanager/secrets/${MONITORING_NAMES.alertmanagerReceiverSecret}`;

/** Grafana's Service port (the chart's default). */
export const GRAFANA_SERVICE_PORT = 80;
/** Grafana's container port: what the Gateway's proxies reach. */
export const GRAFANA_CONTAINER_PORT = 3000;

/** The Prometheus datasource uid the chart provisions; dashboards name it instead of an input. */
export const PROMETHEUS_DATASOURCE_UID = "prometheus";

/** Share of the volume Prometheus may fill before it deletes the oldest blocks (WAL and compaction need the rest). */
export const RETENTION_SIZE_SHARE = 0.85;

export interface MonitoringValuesInput {
  /** Prometheus replicas, resources, tier and volume (sizing.components.prometheus). */
  prometheus: WorkloadSizing;
  alertmanager: WorkloadSizing;
  grafana: WorkloadSizing;
  /** How long Prometheus keeps samples, e.g. "15d". */
  retention: string;
  /** StorageClass of every volume. */
  storageClass: string;
  /** Where the system tier's pods run. */
  placement: Placement;
  /** Grafana's public URL (https://grafana.<domain>). */
  grafanaUrl: string;
  /** Registry that replaces every image's registry (air-gapped sites). */
  imageRegistry?: string;
  /** Labels every series gets at the remote end (cluster name), so two stacks' alerts are told apart. */
  externalLabels: Record<string, string>;
}

function resources(r: ResourceShape) {
  return {
    requests: { cpu: `${r.cpuRequestMillis}m`, memory: `${r.memoryRequestMi}Mi` },
    limits: { cpu: `${r.cpuLimitMillis}m`, memory: `${r.memoryLimitMi}Mi` },
  };
}

function volumeClaim(storageClass: string, gi: number) {
  return { spec: { storageClassName: storageClass, accessModes: ["ReadWriteOnce"], resources: { requests: { storage: `${gi}Gi` } } } };
}

/** `retentionSize` for a volume: what Prometheus may keep of it, in whole GiB (at least 1). */
export function retentionSizeFor(volumeGi: number): string {
  return `${Math.max(1, Math.floor(volumeGi * RETENTION_SIZE_SHARE))}GB`;
}

/** The chart's values. */
export function kubePrometheusStackValues(v: MonitoringValuesInput): Record<string, unknown> {
  const place = { nodeSelector: v.placement.nodeSelector, tolerations: v.placement.tolerations };
  const promGi = v.prometheus.storageGi ?? 10;
  const amGi = v.alertmanager.storageGi ?? 1;
  const grafanaGi = v.grafana.storageGi ?? 1;
  // Two replicas go to two nodes, or the second protects nothing.
  const antiAffinity = (replicas: number) => (replicas > 1 ? "hard" : "soft");
  const anySelector = {};
  return {
    fullnameOverride: MONITORING_NAMES.fullname,
    ...(v.imageRegistry ? { global: { imageRegistry: v.imageRegistry } } : {}),
    // Control-plane components are not reachable on EKS/GKE; node-exporter needs host namespaces
    // (the namespace is `restricted`): container, volume and pod metrics come from the kubelet.
    kubeControllerManager: { enabled: false },
    kubeScheduler: { enabled: false },
    kubeEtcd: { enabled: false },
    kubeProxy: { enabled: false },
    nodeExporter: { enabled: false },
    defaultRules: {
      rules: {
        etcd: false, kubeControllerManager: false, kubeSchedulerAlerting: false, kubeSchedulerRecording: false, kubeProxy: false,
        node: false, nodeExporterAlerting: false, nodeExporterRecording: false,
      },
    },
    prometheusOperator: {
      ...place,
      // The admission webhook's certificate from cert-manager (installed on every platform) rather than a patch Job.
      admissionWebhooks: { certManager: { enabled: true } },
    },
    "kube-state-metrics": { ...place },
    prometheus: {
      prometheusSpec: {
        replicas: v.prometheus.replicas,
        retention: v.retention,
        retentionSize: retentionSizeFor(promGi),
        externalLabels: v.externalLabels,
        resources: resources(v.prometheus.resources),
        ...place,
        podAntiAffinity: antiAffinity(v.prometheus.replicas),
        storageSpec: { volumeClaimTemplate: volumeClaim(v.storageClass, promGi) },
        // Every monitor and rule of the cluster, whatever its Helm release label.
        serviceMonitorSelectorNilUsesHelmValues: false,
        podMonitorSelectorNilUsesHelmValues: false,
        ruleSelectorNilUsesHelmValues: false,
        probeSelectorNilUsesHelmValues: false,
        scrapeConfigSelectorNilUsesHelmValues: false,
        serviceMonitorSelector: anySelector,
        serviceMonitorNamespaceSelector: anySelector,
        podMonitorSelector: anySelector,
        podMonitorNamespaceSelector: anySelector,
        ruleSelector: anySelector,
        ruleNamespaceSelector: anySelector,
      },
    },
    alertmanager: {
      alertmanagerSpec: {
        replicas: v.alertmanager.replicas,
        resources: resources(v.alertmanager.resources),
        ...place,
        podAntiAffinity: antiAffinity(v.alertmanager.replicas),
        storage: { volumeClaimTemplate: volumeClaim(v.storageClass, amGi) },
        // The configuration is ours (alertmanager.ts), with the receivers' credentials as files.
        useExistingSecret: true,
        configSecret: MONITORING_NAMES.alertmanagerConfigSecret,
        secrets: [MONITORING_NAMES.alertmanagerReceiverSecret],
      },
    },
    grafana: {
      fullnameOverride: MONITORING_NAMES.grafana,
      replicas: v.grafana.replicas,
      resources: resources(v.grafana.resources),
      ...place,
      admin: { existingSecret: MONITORING_NAMES.grafanaAdminSecret, userKey: "admin-user", passwordKey: "admin-password" },
      persistence: { enabled: true, storageClassName: v.storageClass, size: `${grafanaGi}Gi` },
      "grafana.ini": {
        server: { root_url: v.grafanaUrl },
        analytics: { reporting_enabled: false, check_for_updates: false },
        users: { allow_sign_up: false },
      },
      // The chart's init container chowns the volume as root with CHOWN, which the namespace's
      // "restricted" Pod Security level rejects; the pod's fsGroup already owns the volume.
      initChownData: { enabled: false },
      sidecar: {
        dashboards: { enabled: true, label: "grafana_dashboard", labelValue: "1", searchNamespace: "ALL", folderAnnotation: "grafana_folder", provider: { foldersFromFilesStructure: true } },
        datasources: { enabled: true, label: "grafana_datasource", labelValue: "1", searchNamespace: "ALL" },
      },
      // The chart's own dashboards are for node-exporter and the control plane, which are not scraped.
      defaultDashboardsEnabled: false,
    },
  };
}
