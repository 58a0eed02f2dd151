import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { caVolume } from "../k8s/internal-ca";
import type { OffsiteBackupSpec } from "../../config/spec";
import { rcloneConfig, rcloneCopyScript, rcloneKeyEnvironment, type OffsiteCopyPlan } from "../../render/backup/offsite-copy";
import { selectorLabels, standardLabels } from "../k8s/labels";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../k8s/security-context";
import type { Placement } from "../contracts";

/** UID of the copy Job's rclone container (above the node's UIDs; rclone writes only to /tmp). */
const RCLONE_UID = 10000;
/** Every five minutes: the WAL archive interval is five minutes too, so the off-site copy trails the in-cluster one by at most about ten. */
export const OFFSITE_COPY_SCHEDULE = "*/5 * * * *";
/** A first copy of a large base backup may take hours; a copy still running after this is stuck. */
export const OFFSITE_COPY_DEADLINE_SECONDS = 6 * 3600;

const CONFIG_PATH = "/config/rclone.conf";

export interface OffsiteBackupCopyArgs {
  /** Kubernetes provider of the cluster. */
  provider: k8s.Provider;
  /** Namespace of the object store and the databases (the copy Job runs beside them). */
  namespace: pulumi.Input<string>;
  /** Where the copy goes (config `offsiteBackup*`). */
  target: OffsiteBackupSpec;
  /** The in-cluster object store the backups are written to. */
  source: {
    endpoint: pulumi.Input<string>;
    region: string;
    bucket: pulumi.Input<string>;
    /** Path under the bucket that barman-cloud writes (`cnpg`). */
    prefix: string;
    /** A key pair allowed to read the bucket (secret outputs). */
    credentials: { accessKeyId: pulumi.Input<string>; secretAccessKey: pulumi.Input<string> };
    /** cert-manager Secret (same namespace) whose `ca.crt` signs the store's certificate. */
    caSecret: string;
  };
  /** Full rclone image reference. */
  image: string;
  /** Node placement (the database tier, beside the data it copies). */
  placement: Placement;
  /** Created after these (the tenant and its buckets). */
  dependsOn: pulumi.Resource[];
}

/**
 * A CronJob that copies every new base backup and WAL segment from the in-cluster MinIO to an
 * S3-compatible bucket outside the cluster with rclone (render/backup/offsite-copy.ts): nothing
 * is ever deleted off-site, overwritten objects are kept under `replaced/`. One run at a time;
 * a failed run fails its Job, which kube-state-metrics exports for alerting.
 */
export class OffsiteBackupCopy extends pulumi.ComponentResource {
  readonly cronJob: k8s.batch.v1.CronJob;
  /** Pod labels of the copy Jobs (for network policies). */
  readonly podLabels: Record<string, string>;

  constructor(name: string, args: OffsiteBackupCopyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("matrix-platform:data:OffsiteBackupCopy", name, {}, opts);
    const { provider, namespace } = args;
    const childOpts = (dependsOn: pulumi.Input<pulumi.Resource>[] = []): pulumi.CustomResourceOptions => ({ parent: this, provider, dependsOn });
    const labels = standardLabels("offsite-backup-copy", "backup", "data");
    this.podLabels = selectorLabels("offsite-backup-copy", "data");

    const plan = pulumi.all([args.source.endpoint, args.source.bucket]).apply(([endpoint, bucket]): OffsiteCopyPlan => ({
      source: { endpoint, region: args.source.region, provider: "Minio", bucket, prefix: args.source.prefix },
      target: { endpoint: args.target.endpoint, region: args.target.region, provider: "Other", bucket: args.target.bucket },
    }));

    const config = new k8s.core.v1.ConfigMap(`${name}-config`, {
      metadata: { namespace, labels },
      data: {
        "rclone.conf": plan.apply((p) => rcloneConfig(p)),
        "copy.sh": plan.apply((p) => rcloneCopyScript(p, CONFIG_PATH)),
      },
    }, childOpts());
    const credentials = new k8s.core.v1.Secret(`${name}-credentials`, {
      metadata: { namespace, labels },
      type: "Opaque",
      stringData: pulumi.secret(pulumi.all([args.source.credentials.accessKeyId, args.source.credentials.secretAccessKey]).apply(([id, key]) =>
        rcloneKeyEnvironment({ accessKeyId: id, secretAccessKey: key }, { accessKeyId: args.target.accessKeyId, secretAccessKey: args.target.secretAccessKey }))),
    }, childOpts());

    const podLabels = { ...labels, ...this.podLabels };
    this.cronJob = new k8s.batch.v1.CronJob(`${name}-copy`, {
      metadata: { namespace, labels },
      spec: {
        schedule: OFFSITE_COPY_SCHEDULE,
        // A run that outlasts the interval (a first copy of a large base backup) is not joined by
        // a second one copying the same objects; the next run after it picks up the rest.
        concurrencyPolicy: "Forbid",
        startingDeadlineSeconds: 600,
        successfulJobsHistoryLimit: 1,
        failedJobsHistoryLimit: 3,
        jobTemplate: {
          spec: {
            backoffLimit: 2,
            activeDeadlineSeconds: OFFSITE_COPY_DEADLINE_SECONDS,
            ttlSecondsAfterFinished: 86400,
            template: {
              metadata: { labels: podLabels },
              spec: {
                restartPolicy: "Never",
                automountServiceAccountToken: false,
                securityContext: restrictedPodSecurityContext(RCLONE_UID),
                nodeSelector: args.placement.nodeSelector,
                tolerations: args.placement.tolerations,
                containers: [{
                  name: "rclone",
                  image: args.image,
                  command: ["sh", "/config/copy.sh"],
                  // rclone keeps its cache and lock files under HOME; the root filesystem is read-only.
                  // SSL_CERT_DIR adds the internal CA to Go's system roots, so rclone verifies MinIO
                  // and still verifies a public off-site endpoint (rclone's --ca-cert would replace the roots).
                  env: [{ name: "HOME", value: "/tmp" }, { name: "RCLONE_CACHE_DIR", value: "/tmp/rclone" }, { name: "SSL_CERT_DIR", value: "/ca" }],
                  // Both remotes' keys, as rclone's per-remote variables (not in the ConfigMap).
                  envFrom: [{ secretRef: { name: credentials.metadata.name } }],
                  securityContext: restrictedContainerSecurityContext(RCLONE_UID, true),
                  volumeMounts: [
                    { name: "config", mountPath: "/config", readOnly: true },
                    { name: "tmp", mountPath: "/tmp" },
                    { name: "ca", mountPath: "/ca", readOnly: true },
                  ],
                  resources: {
                    requests: { cpu: "100m", memory: "128Mi", "ephemeral-storage": "64Mi" },
                    limits: { cpu: "1", memory: "512Mi", "ephemeral-storage": "1Gi" },
                  },
                }],
                volumes: [
                  { name: "config", configMap: { name: config.metadata.name } },
                  { name: "tmp", emptyDir: { sizeLimit: "1Gi" } },
                  caVolume("ca", args.source.caSecret),
                ],
              },
            },
          },
        },
      },
    }, childOpts([...args.dependsOn, config, credentials]));
    this.registerOutputs({});
  }
}
