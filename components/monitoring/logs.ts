/**
 * Logs (pure): Loki in its monolithic mode (the chart's SingleBinary: one process with every
 * role) and Grafana Alloy as a DaemonSet tailing the pods' log files on each node and pushing
 * them to Loki; Grafana reads them through a provisioned datasource.
 *
 * Why monolithic: the stack's log volume (a few GB a day at the largest profile) is far inside
 * what one Loki process ingests, and the SimpleScalable mode's separate read, write and backend
 * StatefulSets (plus its gateway and caches) triple the pods and flows for no gain at that
 * volume. High availability comes from replication instead: Loki writes to the platform's logs
 * bucket, and production runs three replicas with replication factor 3 (every stream is written
 * to a quorum of two, so one replica can be lost or rolled without losing writes or reads), all
 * sharing the bucket, with the ring over memberlist. The bucket is the MinIO tenant's on an
 * existing cluster (its static key pair, its private CA), an S3 bucket on AWS (IRSA: the chart's
 * ServiceAccount carries the role) and a GCS bucket on GCP (Workload Identity, through the GCS
 * API). Without a bucket the chunks stay on the replica's volume, and a second replica would
 * hold other logs than the first, so Loki runs one replica then.
 *
 * Retention is the compactor's: `retention_period` from `logRetentionDays`, applied to the bucket
 * (or the volume) by deleting expired chunks.
 */
import { NAMESPACES } from "../../catalog/namespaces";
import { STACK_NAMESPACE_REGEX } from "./rules";
import type { ResolvedTarget } from "./targets";
import { caVolume } from "../k8s/internal-ca";

export const LOGS_NAMES = {
  /** Helm release and fullname of Loki (its Service is `loki`). */
  loki: "loki",
  /** Helm release and fullname of Alloy. */
  alloy: "alloy",
  /** Secret (monitoring namespace) with the object store's key pair, read as AWS_* variables. */
  lokiObjectStoreSecret: "loki-object-store",
  /** ConfigMap of the Loki datasource, read by Grafana's datasource sidecar. */
  datasourceConfigMap: "grafana-datasource-loki",
} as const;

export const LOKI_PORTS = { http: 3100, grpc: 9095, memberlist: 7946 } as const;
export const LOKI_DATASOURCE_UID = "loki";
/** Where Alloy pushes and Grafana queries. */
export const LOKI_URL = `http://${LOGS_NAMES.loki}.${NAMESPACES.monitoring}.svc.cluster.local:${LOKI_PORTS.http}`;

/** Alloy's HTTP server (UI, /metrics): the chart's `alloy.listenPort`. */
export const ALLOY_HTTP_PORT = 12345;

/**
 * The log pipeline's own scrape targets: Loki and Alloy serve /metrics on their HTTP ports, which
 * both charts name `http-metrics`. The logs alerts (rules.ts, jobs `loki` and `alloy`) read them.
 */
export function logsScrapeTargets(): ResolvedTarget[] {
  return [
    { job: "loki", namespace: NAMESPACES.monitoring, podLabels: { ...LOGS_POD_LABELS.loki }, portName: "http-metrics", port: LOKI_PORTS.http },
    { job: "alloy", namespace: NAMESPACES.logs, podLabels: { ...LOGS_POD_LABELS.alloy }, portName: "http-metrics", port: ALLOY_HTTP_PORT },
  ];
}

/** Pod labels the charts put on their pods (release = fullname above). */
export const LOGS_POD_LABELS = {
  loki: { "app.kubernetes.io/name": "loki", "app.kubernetes.io/instance": LOGS_NAMES.loki },
  alloy: { "app.kubernetes.io/name": "alloy", "app.kubernetes.io/instance": LOGS_NAMES.alloy },
} as const;

/** Where Loki reads the object store's private CA (ca.crt projected from a cert-manager Secret). */
export const LOKI_OBJECT_STORE_CA_DIR = "/etc/loki/object-store-ca";

/**
 * Where Loki keeps its chunks and index: the platform's bucket (S3 API with the store's key pair
 * or with workload identity, or the GCS API with workload identity), or its own volume.
 */
export type LokiStorage =
  | { kind: "s3"; endpoint: string; region: string; bucket: string; forcePathStyle: boolean; caSecret?: string; staticKeys: boolean }
  | { kind: "gcs"; bucket: string }
  | { kind: "filesystem" };

export interface LokiValuesInput {
  storage: LokiStorage;
  /** Replicas the sizing asks for; forced to 1 on a volume (see the file comment). */
  replicas: number;
  retentionDays: number;
  resources: { requests: Record<string, string>; limits: Record<string, string> };
  volumeGi: number;
  storageClass: string;
  placement: { nodeSelector?: Record<string, string>; tolerations?: unknown[] };
  /** Registry that replaces docker.io (air-gapped sites). */
  imageRegistry?: string;
  image: { repository: string; tag: string };
  /** Annotations of Loki's ServiceAccount: the workload identity of its `loki` object-store client. */
  serviceAccountAnnotations?: Record<string, string>;
}

/**
 * Replicas and replication factor: on a volume one replica; with a bucket the replicas asked for,
 * replicated three ways from three replicas on (a quorum of two survives one loss), else once.
 */
export function lokiReplication(storage: LokiStorage, replicas: number): { replicas: number; replicationFactor: number } {
  if (storage.kind === "filesystem") return { replicas: 1, replicationFactor: 1 };
  return { replicas, replicationFactor: replicas >= 3 ? 3 : 1 };
}

/** Loki's retention as its config takes it: whole hours, a multiple of the 24 h index period. */
export function retentionPeriod(days: number): string {
  if (!Number.isInteger(days) || days < 1) throw new Error(`log retention must be a whole number of days, got ${days}`);
  return `${days * 24}h`;
}

/** An S3 endpoint URL as Loki's `s3.endpoint` (host[:port]) and `insecure` (plain HTTP) take it. */
export function s3Endpoint(url: string): { endpoint: string; insecure: boolean } {
  const u = new URL(url);
  if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error(`object store endpoint ${url} is not http(s)`);
  return { endpoint: u.host, insecure: u.protocol === "http:" };
}

const restrictedContainer = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ["ALL"] },
  seccompProfile: { type: "RuntimeDefault" },
};

/** The loki chart's values (6.29): SingleBinary only, no gateway, caches, canary, test or sidecar. */
export function lokiValues(v: LokiValuesInput): Record<string, unknown> {
  const { replicas, replicationFactor } = lokiReplication(v.storage, v.replicas);
  const store = v.storage.kind;
  const bucketNames = (bucket: string) => ({ chunks: bucket, ruler: bucket, admin: bucket });
  const storage = v.storage.kind === "s3"
    ? {
      type: "s3",
      bucketNames: bucketNames(v.storage.bucket),
      // No keys here: the values end in a ConfigMap. Loki's S3 client takes AWS_ACCESS_KEY_ID and
      // AWS_SECRET_ACCESS_KEY from its environment (the Secret below) when the config has none,
      // and otherwise the web identity IRSA projects into the pod.
      // A store with a private CA (MinIO on an existing cluster): Loki verifies it with that CA.
      s3: { ...s3Endpoint(v.storage.endpoint), region: v.storage.region, s3ForcePathStyle: v.storage.forcePathStyle, ...(v.storage.caSecret ? { http_config: { ca_file: `${LOKI_OBJECT_STORE_CA_DIR}/ca.crt` } } : {}) },
    }
    // GCS through Google's client, which finds the pod's Workload Identity as its default credentials.
    : v.storage.kind === "gcs"
      ? { type: "gcs", bucketNames: bucketNames(v.storage.bucket), gcs: {} }
      : { type: "filesystem" };
  const staticKeys = v.storage.kind === "s3" && v.storage.staticKeys;
  return {
    deploymentMode: "SingleBinary",
    fullnameOverride: LOGS_NAMES.loki,
    ...(v.imageRegistry ? { global: { image: { registry: v.imageRegistry } } } : {}),
    // The chart's ServiceAccount is `loki` (the fullname): the name the workload identity trusts.
    serviceAccount: { create: true, name: LOGS_NAMES.loki, annotations: v.serviceAccountAnnotations ?? {} },
    loki: {
      image: { registry: v.imageRegistry ?? "docker.io", repository: v.image.repository, tag: v.image.tag },
      auth_enabled: false,
      commonConfig: { replication_factor: replicationFactor },
      storage,
      schemaConfig: {
        configs: [{ from: "2024-04-01", store: "tsdb", object_store: store, schema: "v13", index: { prefix: "loki_index_", period: "24h" } }],
      },
      limits_config: { retention_period: retentionPeriod(v.retentionDays), reject_old_samples: true, reject_old_samples_max_age: "168h" },
      compactor: { retention_enabled: true, delete_request_store: store, working_directory: "/var/loki/compactor" },
      analytics: { reporting_enabled: false },
      podSecurityContext: { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, seccompProfile: { type: "RuntimeDefault" } },
      containerSecurityContext: restrictedContainer,
    },
    singleBinary: {
      replicas,
      resources: v.resources,
      nodeSelector: v.placement.nodeSelector ?? {},
      tolerations: v.placement.tolerations ?? [],
      persistence: { enabled: true, size: `${v.volumeGi}Gi`, storageClass: v.storageClass },
      ...(v.storage.kind === "s3" && staticKeys
        ? {
          extraEnv: (["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"] as const).map((name) => ({ name, valueFrom: { secretKeyRef: { name: LOGS_NAMES.lokiObjectStoreSecret, key: name } } })),
          ...(v.storage.caSecret
            ? { extraVolumes: [caVolume("object-store-ca", v.storage.caSecret)], extraVolumeMounts: [{ name: "object-store-ca", mountPath: LOKI_OBJECT_STORE_CA_DIR, readOnly: true }] }
            : {}),
        }
        : {}),
    },
    read: { replicas: 0 },
    write: { replicas: 0 },
    backend: { replicas: 0 },
    gateway: { enabled: false },
    chunksCache: { enabled: false },
    resultsCache: { enabled: false },
    lokiCanary: { enabled: false },
    test: { enabled: false },
    sidecar: { rules: { enabled: false } },
    minio: { enabled: false },
    monitoring: { selfMonitoring: { enabled: false, grafanaAgent: { installOperator: false } } },
  };
}

/** A River (Alloy configuration) string literal. */
function str(s: string): string {
  return JSON.stringify(s);
}

/**
 * Alloy's configuration: the pods of this node (the API server's field selector on NODE_NAME),
 * those of the stack's namespaces only, their files under /var/log/pods parsed as CRI lines,
 * labelled by namespace, pod, container and app, pushed to Loki. Written in the canonical format
 * `alloy fmt` prints (tabs; a blank line before a block that follows another statement), which
 * tests/monitoring/alloy-config.test.ts checks with Alloy's own parser and printer.
 */
export function alloyConfig(cluster: string): string {
  const relabel = ([["__meta_kubernetes_namespace", "namespace"], ["__meta_kubernetes_pod_name", "pod"], ["__meta_kubernetes_pod_container_name", "container"], ["__meta_kubernetes_pod_label_app_kubernetes_io_name", "app"]] as const)
    .flatMap(([source, target]) => ["", "\trule {", `\t\tsource_labels = [${str(source)}]`, `\t\ttarget_label  = ${str(target)}`, "\t}"]);
  return [
    `// Rendered by matrix-platform (components/monitoring/logs.ts).`,
    `discovery.kubernetes "pods" {`,
    `\trole = "pod"`,
    ``,
    `\tselectors {`,
    `\t\trole  = "pod"`,
    `\t\tfield = "spec.nodeName=" + sys.env("NODE_NAME")`,
    `\t}`,
    `}`,
    ``,
    `discovery.relabel "pods" {`,
    `\ttargets = discovery.kubernetes.pods.targets`,
    ``,
    `\trule {`,
    `\t\tsource_labels = ["__meta_kubernetes_namespace"]`,
    `\t\tregex         = ${str(STACK_NAMESPACE_REGEX)}`,
    `\t\taction        = "keep"`,
    `\t}`,
    ...relabel,
    ``,
    `\trule {`,
    `\t\tsource_labels = ["__meta_kubernetes_pod_uid", "__meta_kubernetes_pod_container_name"]`,
    `\t\tseparator     = "/"`,
    `\t\treplacement   = "/var/log/pods/*$1/*.log"`,
    `\t\ttarget_label  = "__path__"`,
    `\t}`,
    `}`,
    ``,
    `local.file_match "pods" {`,
    `\tpath_targets = discovery.relabel.pods.output`,
    `}`,
    ``,
    `loki.source.file "pods" {`,
    `\ttargets    = local.file_match.pods.targets`,
    `\tforward_to = [loki.process.pods.receiver]`,
    `}`,
    ``,
    `loki.process "pods" {`,
    `\tstage.cri { }`,
    `\tforward_to = [loki.write.loki.receiver]`,
    `}`,
    ``,
    `loki.write "loki" {`,
    `\tendpoint {`,
    `\t\turl = ${str(`${LOKI_URL}/loki/api/v1/push`)}`,
    `\t}`,
    `\texternal_labels = {cluster = ${str(cluster)}}`,
    `}`,
    ``,
  ].join("\n");
}

export interface AlloyValuesInput {
  cluster: string;
  imageRegistry?: string;
  image: { repository: string; tag: string };
}

/**
 * The alloy chart's values (0.12): a DaemonSet on every node (tolerating every taint, so the
 * edge and media nodes' pods are shipped too), reading /var/log read-only. It runs as root
 * because the kubelet writes pod logs 0640 root:root; it keeps no capability, cannot escalate and
 * has a read-only root filesystem (positions in an emptyDir). hostPath is why its namespace is
 * `privileged` (NAMESPACES.logs).
 */
export function alloyValues(v: AlloyValuesInput): Record<string, unknown> {
  return {
    fullnameOverride: LOGS_NAMES.alloy,
    global: { ...(v.imageRegistry ? { image: { registry: v.imageRegistry } } : {}), podSecurityContext: { seccompProfile: { type: "RuntimeDefault" } } },
    image: { registry: v.imageRegistry ?? "docker.io", repository: v.image.repository, tag: v.image.tag },
    crds: { create: false },
    configReloader: { enabled: false },
    serviceMonitor: { enabled: false },
    alloy: {
      // The chart passes `content` through Helm's `tpl`: the config has no `{{`, so it lands as written.
      configMap: { create: true, content: alloyConfig(v.cluster) },
      clustering: { enabled: false },
      storagePath: "/var/lib/alloy",
      mounts: { varlog: true, dockercontainers: false, extra: [{ name: "data", mountPath: "/var/lib/alloy" }] },
      extraEnv: [{ name: "NODE_NAME", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } }],
      securityContext: { runAsUser: 0, runAsNonRoot: false, ...restrictedContainer },
      resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
      enableReporting: false,
    },
    controller: {
      type: "daemonset",
      tolerations: [{ operator: "Exists" }],
      volumes: { extra: [{ name: "data", emptyDir: { sizeLimit: "256Mi" } }] },
    },
  };
}

/** The Grafana datasource (provisioning file for the sidecar): Loki by uid, no credentials. */
export function lokiDatasource(): Record<string, unknown> {
  return {
    apiVersion: 1,
    datasources: [{ name: "Loki", type: "loki", uid: LOKI_DATASOURCE_UID, access: "proxy", url: LOKI_URL, isDefault: false, editable: false, jsonData: { maxLines: 1000 } }],
  };
}
