import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as random from "@pulumi/random";
import type { ObjectStoreSizing } from "../../sizing/types";
import { selectorLabels, standardLabels } from "../k8s/labels";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../k8s/security-context";
import { deployedBuckets, type Placement } from "../contracts";

/** UID of the bucket-settings Job's `mc` container. */
const MC_UID = 10000;

/** Bucket names of the on-prem object store. */
export const MINIO_BUCKETS = { media: "synapse-media", backups: "matrix-backups", liMedia: "synapse-li-media", logs: "loki-logs" } as const;
/**
 * Days a replaced or deleted object version is kept: 30 days of undo for media and backups (the
 * backup retention), a year for LI media, which must keep what main deletes.
 */
export const MINIO_NONCURRENT_DAYS = { media: 30, backups: 30, liMedia: 365, logs: 1 } as const;
/** Keys of the user Secrets the MinIO operator reads (and our clients reuse). */
export const MINIO_ACCESS_KEY = "CONSOLE_ACCESS_KEY";
export const MINIO_SECRET_KEY = "CONSOLE_SECRET_KEY";
/** MinIO never serves fewer drives than this in erasure-coded mode. */
const MIN_ERASURE_DRIVES = 4;

export interface MinioTenantArgs {
  /** Kubernetes provider of the cluster. */
  provider: k8s.Provider;
  /** Namespace of the tenant (its Service is `minio.<namespace>`). */
  namespace: pulumi.Input<string>;
  /** Tenant name. */
  tenantName: string;
  /** Servers, drives per server and drive size. */
  sizing: ObjectStoreSizing;
  /**
   * Requests of each server pod as sizing packed them onto the media tier (sizing/in-cluster-data-pods.ts
   * `minioServerPod`); the pool's resources are derived from it.
   */
  serverPod: { cpuMillis: number; memoryMi: number };
  /** StorageClass for the drives (local NVMe/SSD class on-prem). */
  storageClass: pulumi.Input<string>;
  /** Node placement of the media tier. */
  placement: Placement;
  /**
   * Full MinIO server image reference. The MinIO community repository was archived in 2026 and
   * upstream images stopped, so sites set their own build/mirror through `imageRegistry`.
   */
  image: string;
  /** Production: spread servers over nodes strictly. */
  highAvailability: boolean;
  /** LI is deployed: the LI media bucket exists only then. */
  li: boolean;
  /** Monitoring is deployed: Loki's logs bucket exists only then. */
  logs: boolean;
  /** The MinIO operator release. */
  dependsOn: pulumi.Resource[];
}

/**
 * A server pod's resources: requests are what sizing packed on the media nodes; memory is limited
 * at the request so a server never takes memory another pod on the node was promised, and CPU may
 * burst to twice the request for erasure-coding and healing spikes.
 */
export function minioServerResources(pod: { cpuMillis: number; memoryMi: number }): { requests: Record<string, string>; limits: Record<string, string> } {
  return {
    requests: { cpu: `${pod.cpuMillis}m`, memory: `${pod.memoryMi}Mi` },
    limits: { cpu: `${pod.cpuMillis * 2}m`, memory: `${pod.memoryMi}Mi` },
  };
}

/** EC parity MinIO should use for a drive count: more parity as the erasure set grows. */
export function erasureParity(drives: number): number {
  if (drives >= 16) return 4;
  if (drives >= 6) return 3;
  return 2;
}

/** Servers x drives, topped up to the erasure-coding minimum of four drives. */
export function minioLayout(s: ObjectStoreSizing): { servers: number; volumesPerServer: number; drives: number } {
  const servers = Math.max(1, s.nodes);
  const volumesPerServer = Math.max(s.drivesPerNode, Math.ceil(MIN_ERASURE_DRIVES / servers));
  return { servers, volumesPerServer, drives: servers * volumesPerServer };
}

/**
 * An erasure-coded MinIO tenant managed by the MinIO operator, with the stack's three buckets
 * and two access keys: one for the Matrix stack (media, LI media) and one for database backups.
 * In-cluster traffic is plain HTTP on port 80 of the `minio` Service, confined by the data
 * namespace's network policies; the root credentials exist only in the tenant's config Secret.
 */
export class MinioTenant extends pulumi.ComponentResource {
  readonly endpoint: pulumi.Output<string>;
  /** `liMedia` only while LI is deployed, `logs` only while monitoring is. */
  readonly buckets: { media: pulumi.Output<string>; backups: pulumi.Output<string>; liMedia?: pulumi.Output<string>; logs?: pulumi.Output<string> };
  /** Access key pair of the Matrix stack (secret outputs). */
  readonly credentials: { accessKeyId: pulumi.Output<string>; secretAccessKey: pulumi.Output<string> };
  /** Secret (in the tenant namespace) with the backup user's keys, for barman-cloud. */
  readonly backupCredentialsSecret: pulumi.Output<string>;
  /** The backup user's key pair (secret outputs), for the off-site copy. */
  readonly backupCredentials: { accessKeyId: pulumi.Output<string>; secretAccessKey: pulumi.Output<string> };
  readonly tenant: k8s.apiextensions.CustomResource;
  /** Job that enables versioning and lifecycle rules on the buckets. */
  readonly bucketJob: k8s.batch.v1.Job;
  /** Pod labels of the MinIO servers (for network policies). */
  readonly podLabels: Record<string, string>;
  /** Pod labels of the Job that configures the buckets (an S3 client of the tenant). */
  readonly clientPodLabels: Record<string, string>;

  constructor(name: string, args: MinioTenantArgs, opts?: pulumi.ComponentResourceOptions) {
    super("matrix-platform:data:MinioTenant", name, {}, opts);
    const { provider, tenantName, namespace } = args;
    const childOpts = (dependsOn: pulumi.Input<pulumi.Resource>[] = []): pulumi.CustomResourceOptions => ({ parent: this, provider, dependsOn });
    const labels = standardLabels("minio", "object-store", tenantName);
    const layout = minioLayout(args.sizing);
    const bucketNames = [...deployedBuckets(args.li).map((kind) => MINIO_BUCKETS[kind]), ...(args.logs ? [MINIO_BUCKETS.logs] : [])];
    const parity = erasureParity(layout.drives);

    const key = (suffix: string, length: number) =>
      new random.RandomString(`${name}-${suffix}`, { length, special: false, upper: true, lower: suffix.endsWith("secret"), numeric: true }, { parent: this });
    const rootUser = key("root-user", 20);
    const rootPassword = new random.RandomPassword(`${name}-root-secret`, { length: 48, special: false }, { parent: this });

    // The operator reads root credentials and server settings from `config.env` in this Secret.
    // Metrics without a bearer token: the data namespace's policies admit only Prometheus (and the
    // S3 clients already trusted with data) to port 9000, and the metrics carry no object content.
    const config = new k8s.core.v1.Secret(`${name}-config`, {
      metadata: { name: `${tenantName}-env-configuration`, namespace, labels },
      type: "Opaque",
      stringData: {
        "config.env": pulumi.interpolate`export MINIO_ROOT_USER="${rootUser.result}"
export MINIO_ROOT_PASSWORD="${rootPassword.result}"
export MINIO_STORAGE_CLASS_STANDARD="EC:${parity}"
export MINIO_BROWSER="off"
export MINIO_PROMETHEUS_AUTH_TYPE="public"
`,
      },
    }, childOpts());

    const user = (suffix: string) => {
      const access = key(`${suffix}-access`, 20);
      const secret = new random.RandomPassword(`${name}-${suffix}-secret`, { length: 40, special: false }, { parent: this });
      const s = new k8s.core.v1.Secret(`${name}-${suffix}-user`, {
        metadata: { name: `${tenantName}-${suffix}-user`, namespace, labels },
        type: "Opaque",
        stringData: { [MINIO_ACCESS_KEY]: access.result, [MINIO_SECRET_KEY]: secret.result },
      }, childOpts());
      return { secret: s, accessKeyId: pulumi.secret(access.result), secretAccessKey: pulumi.secret(secret.result) };
    };
    const app = user("matrix");
    const backup = user("backup");

    this.podLabels = { "v1.min.io/tenant": tenantName };
    const podSecurity = restrictedPodSecurityContext(1000);
    this.tenant = new k8s.apiextensions.CustomResource(`${name}-tenant`, {
      apiVersion: "minio.min.io/v2",
      kind: "Tenant",
      metadata: { name: tenantName, namespace, labels },
      spec: {
        // Override point for the archived upstream image (see catalog/images.ts `minio`).
        image: args.image,
        configuration: { name: config.metadata.name },
        // TLS inside the cluster would need every S3 client to trust the operator's CA; traffic
        // stays in the cluster and is confined by network policy instead.
        requestAutoCert: false,
        podManagementPolicy: "Parallel",
        features: { bucketDNS: false },
        buckets: bucketNames.map((b) => ({ name: b })),
        users: [{ name: app.secret.metadata.name }, { name: backup.secret.metadata.name }],
        pools: [{
          name: "pool-0",
          servers: layout.servers,
          volumesPerServer: layout.volumesPerServer,
          volumeClaimTemplate: {
            metadata: { name: "data" },
            spec: {
              accessModes: ["ReadWriteOnce"],
              storageClassName: args.storageClass,
              resources: { requests: { storage: `${args.sizing.driveSizeGi}Gi` } },
            },
          },
          resources: minioServerResources(args.serverPod),
          nodeSelector: args.placement.nodeSelector,
          tolerations: args.placement.tolerations,
          affinity: {
            podAntiAffinity: args.highAvailability
              ? { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: this.podLabels }, topologyKey: "kubernetes.io/hostname" }] }
              : { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { labelSelector: { matchLabels: this.podLabels }, topologyKey: "kubernetes.io/hostname" } }] },
          },
          securityContext: { ...podSecurity, fsGroupChangePolicy: "OnRootMismatch" },
          containerSecurityContext: restrictedContainerSecurityContext(1000, true),
        }],
      },
    }, childOpts([...args.dependsOn, config, app.secret, backup.secret]));

    this.endpoint = pulumi.interpolate`http://minio.${namespace}.svc.cluster.local`;

    // Versioning and lifecycle are bucket settings the Tenant CR cannot express: a Job applies
    // them with the `mc` client shipped in the MinIO server image (same override as the server).
    // `mc ilm import` replaces the whole lifecycle, so re-runs converge instead of piling up rules.
    const lifecycle = (noncurrentDays: number) => JSON.stringify({
      Rules: [{ ID: "noncurrent-and-multipart", Status: "Enabled", Filter: { Prefix: "" }, NoncurrentVersionExpiration: { NoncurrentDays: noncurrentDays }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } }],
    });
    const bucketSettings = new k8s.core.v1.ConfigMap(`${name}-bucket-settings`, {
      metadata: { name: `${tenantName}-bucket-settings`, namespace, labels },
      data: {
        ...Object.fromEntries(deployedBuckets(args.li).map((kind) => [`${MINIO_BUCKETS[kind]}.json`, lifecycle(MINIO_NONCURRENT_DAYS[kind])])),
        // Loki's compactor enforces the log retention; deleted chunks linger one day as versions.
        ...(args.logs ? { [`${MINIO_BUCKETS.logs}.json`]: lifecycle(MINIO_NONCURRENT_DAYS.logs) } : {}),
        "configure.sh": [
          "set -eu",
          ". /env/config.env",
          "export MC_CONFIG_DIR=/tmp/mc",
          `until mc alias set local "$ENDPOINT" "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD" >/dev/null 2>&1 && mc ready local >/dev/null 2>&1; do sleep 5; done`,
          `for b in ${bucketNames.join(" ")}; do`,
          '  mc mb --ignore-existing "local/$b"',
          '  mc version enable "local/$b"',
          '  mc ilm import "local/$b" < "/settings/$b.json"',
          "done",
          "",
        ].join("\n"),
      },
    }, childOpts());
    const jobLabels = standardLabels("minio-bucket-settings", "object-store-setup", tenantName);
    this.clientPodLabels = selectorLabels("minio-bucket-settings", tenantName);
    this.bucketJob = new k8s.batch.v1.Job(`${name}-bucket-settings`, {
      metadata: { namespace, labels: jobLabels },
      spec: {
        backoffLimit: 10,
        activeDeadlineSeconds: 1800,
        template: {
          metadata: { labels: jobLabels },
          spec: {
            restartPolicy: "OnFailure",
            automountServiceAccountToken: false,
            // mc writes only to /tmp: it runs above the node's UIDs (CKV_K8S_40), unlike the
            // servers, whose data directories the operator prepares for the image's user.
            securityContext: restrictedPodSecurityContext(MC_UID),
            nodeSelector: args.placement.nodeSelector,
            tolerations: args.placement.tolerations,
            containers: [{
              name: "mc",
              image: args.image,
              command: ["sh", "/settings/configure.sh"],
              env: [{ name: "ENDPOINT", value: this.endpoint }],
              securityContext: restrictedContainerSecurityContext(MC_UID, true),
              volumeMounts: [
                { name: "env", mountPath: "/env", readOnly: true },
                { name: "settings", mountPath: "/settings", readOnly: true },
                { name: "tmp", mountPath: "/tmp" },
              ],
              resources: { requests: { cpu: "20m", memory: "64Mi", "ephemeral-storage": "32Mi" }, limits: { cpu: "500m", memory: "128Mi", "ephemeral-storage": "256Mi" } },
            }],
            volumes: [
              { name: "env", secret: { secretName: config.metadata.name } },
              { name: "settings", configMap: { name: bucketSettings.metadata.name } },
              { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
            ],
          },
        },
      },
    }, childOpts([this.tenant]));

    this.buckets = {
      media: pulumi.output(MINIO_BUCKETS.media),
      backups: pulumi.output(MINIO_BUCKETS.backups),
      ...(args.li ? { liMedia: pulumi.output(MINIO_BUCKETS.liMedia) } : {}),
      ...(args.logs ? { logs: pulumi.output(MINIO_BUCKETS.logs) } : {}),
    };
    this.credentials = { accessKeyId: app.accessKeyId, secretAccessKey: app.secretAccessKey };
    this.backupCredentialsSecret = backup.secret.metadata.name;
    this.backupCredentials = { accessKeyId: backup.accessKeyId, secretAccessKey: backup.secretAccessKey };
    this.registerOutputs({ endpoint: this.endpoint, buckets: this.buckets });
  }
}
