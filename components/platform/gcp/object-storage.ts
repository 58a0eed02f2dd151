import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { deployedBuckets, deployedObjectStoreClients, OBJECT_STORE_CLIENTS } from "../../contracts";
import { stackTag } from "./naming";

export type BucketKind = "media" | "backups" | "liMedia" | "logs";

/** Bucket access of each object-store client's Google service account. */
export const CLIENT_BUCKETS: Record<keyof typeof OBJECT_STORE_CLIENTS, { readWrite: BucketKind[]; readOnly: BucketKind[] }> = {
  "synapse-media": { readWrite: ["media"], readOnly: [] },
  "synapse-li": { readWrite: ["liMedia"], readOnly: [] },
  "li-sync": { readWrite: ["liMedia"], readOnly: ["media"] },
  // Loki writes and deletes (its compactor's retention) chunks and index in the logs bucket only.
  loki: { readWrite: ["logs"], readOnly: [] },
};

/**
 * Object lifecycle per bucket: 30 days of undo for media and backups, a year for LI media; a day
 * for logs, whose retention is Loki's compactor's.
 */
export const GCS_LIFECYCLE: Record<BucketKind, gcp.types.input.storage.BucketLifecycleRule[]> = {
  media: [
    { action: { type: "Delete" }, condition: { daysSinceNoncurrentTime: 30, withState: "ARCHIVED" } },
    { action: { type: "AbortIncompleteMultipartUpload" }, condition: { age: 7 } },
  ],
  backups: [
    { action: { type: "SetStorageClass", storageClass: "NEARLINE" }, condition: { age: 30, withState: "LIVE" } },
    { action: { type: "Delete" }, condition: { daysSinceNoncurrentTime: 30, withState: "ARCHIVED" } },
    { action: { type: "AbortIncompleteMultipartUpload" }, condition: { age: 7 } },
  ],
  liMedia: [
    { action: { type: "Delete" }, condition: { daysSinceNoncurrentTime: 365, withState: "ARCHIVED" } },
    { action: { type: "AbortIncompleteMultipartUpload" }, condition: { age: 7 } },
  ],
  logs: [
    { action: { type: "Delete" }, condition: { daysSinceNoncurrentTime: 1, withState: "ARCHIVED" } },
    { action: { type: "AbortIncompleteMultipartUpload" }, condition: { age: 7 } },
  ],
};

export interface GcsStorageArgs {
  /** Resource name prefix (the platform's name). */
  name: string;
  /** Stack name: bucket names, service account ids and display names. */
  stack: string;
  project: string;
  /** Bucket location; with `dataLocations`, a dual-region bucket inside that multi-region. */
  placement: { location: string; dataLocations?: [string, string] };
  /** CMEK key (its grants must exist first). */
  kmsKey: { key: gcp.kms.CryptoKey; grants: pulumi.Resource[] };
  /** Buckets may not be destroyed with objects in them (environment preset `deletionProtection`). */
  deletionProtection: boolean;
  /** The cluster: Workload Identity bindings need its identity pool. */
  cluster: pulumi.Resource;
  /** Labels of the buckets. */
  labels: Record<string, string>;
  /** LI is deployed: its media bucket and its clients' service accounts exist only then. */
  li: boolean;
  /** Monitoring is deployed: Loki's logs bucket and its service account exist only then. Default: false. */
  logs?: boolean;
}

export interface GcsStorage {
  /** `liMedia` only while LI is deployed, `logs` only while monitoring is. */
  buckets: Record<Exclude<BucketKind, "liMedia" | "logs">, gcp.storage.Bucket> & Partial<Record<"liMedia" | "logs", gcp.storage.Bucket>>;
  /** Workload Identity annotation of each client's ServiceAccount. */
  serviceAccountAnnotations: Record<string, pulumi.Output<Record<string, string>>>;
  /** HMAC key pair for the S3 interop API (secret outputs). */
  hmac: { accessId: pulumi.Output<string>; secret: pulumi.Output<string> };
}

/**
 * Media, LI media and backups buckets (uniform access, no public access, versioned, CMEK,
 * dual-region with turbo replication where asked), Workload Identity per client scoped to its
 * buckets, and the HMAC key Synapse's S3 storage provider needs.
 */
export function createGcsStorage(a: GcsStorageArgs, opts: { parent: pulumi.Resource; provider: gcp.Provider }): GcsStorage {
  const { name, stack, project } = a;
  const buckets = {} as Record<BucketKind, gcp.storage.Bucket>;
  const kinds = deployedBuckets(a.li);
  for (const kind of [...kinds, ...(a.logs ? ["logs" as const] : [])]) {
    const slug = kind === "liMedia" ? "li-media" : kind;
    buckets[kind] = new gcp.storage.Bucket(`${name}-${slug}`, {
      name: `${project}-${stack}-${slug}`.toLowerCase().slice(0, 63),
      location: a.placement.location,
      // Dual-region with turbo replication (15-minute RPO for new objects).
      ...(a.placement.dataLocations ? { customPlacementConfig: { dataLocations: a.placement.dataLocations }, rpo: "ASYNC_TURBO" } : {}),
      storageClass: "STANDARD",
      uniformBucketLevelAccess: true,
      publicAccessPrevention: "enforced",
      versioning: { enabled: true },
      encryption: { defaultKmsKeyName: a.kmsKey.key.id },
      lifecycleRules: GCS_LIFECYCLE[kind],
      softDeletePolicy: { retentionDurationSeconds: 7 * 24 * 3600 },
      forceDestroy: !a.deletionProtection,
      labels: a.labels,
    }, { ...opts, dependsOn: a.kmsKey.grants });
  }
  const bucketRole = (bname: string, kind: BucketKind, role: string, member: pulumi.Input<string>) =>
    new gcp.storage.BucketIAMMember(bname, { bucket: buckets[kind].name, role, member }, opts);

  // Workload Identity: one Google service account per object-store client, bound to exactly
  // one Kubernetes ServiceAccount and scoped to its buckets.
  const serviceAccountAnnotations: Record<string, pulumi.Output<Record<string, string>>> = {};
  for (const sa of deployedObjectStoreClients(a.li, a.logs === true)) {
    const namespace = OBJECT_STORE_CLIENTS[sa];
    const account = new gcp.serviceaccount.Account(`${name}-wi-${sa}`, { accountId: `mx-${sa}-${stackTag(stack)}`.slice(0, 30), displayName: `Matrix ${sa} (${stack})` }, opts);
    const member = pulumi.interpolate`serviceAccount:${account.email}`;
    CLIENT_BUCKETS[sa].readWrite.forEach((k) => bucketRole(`${name}-wi-${sa}-${k}-rw`, k, "roles/storage.objectAdmin", member));
    CLIENT_BUCKETS[sa].readOnly.forEach((k) => bucketRole(`${name}-wi-${sa}-${k}-ro`, k, "roles/storage.objectViewer", member));
    new gcp.serviceaccount.IAMMember(`${name}-wi-${sa}`, {
      serviceAccountId: account.name,
      role: "roles/iam.workloadIdentityUser",
      member: `serviceAccount:${project}.svc.id.goog[${namespace}/${sa}]`,
    }, { ...opts, dependsOn: [a.cluster] });
    serviceAccountAnnotations[sa] = account.email.apply((email): Record<string, string> => ({ "iam.gke.io/gcp-service-account": email }));
  }

  // Synapse's S3 storage provider (boto3) cannot use Workload Identity, so GCS's S3 interop
  // gets an HMAC key of a dedicated service account with object access to the stack's buckets.
  const s3Account = new gcp.serviceaccount.Account(`${name}-s3`, { accountId: `mx-s3-interop-${stackTag(stack)}`, displayName: `Matrix S3 interop (${stack})` }, opts);
  const s3Member = pulumi.interpolate`serviceAccount:${s3Account.email}`;
  kinds.forEach((k) => bucketRole(`${name}-s3-${k}`, k, "roles/storage.objectAdmin", s3Member));
  if (a.li && buckets.liMedia) createLiMediaTransfer(name, project, buckets.media, buckets.liMedia, opts);
  const hmac = new gcp.storage.HmacKey(`${name}-s3`, { serviceAccountEmail: s3Account.email }, { ...opts, additionalSecretOutputs: ["secret"] });
  return { buckets, serviceAccountAnnotations, hmac: { accessId: pulumi.secret(hmac.accessId), secret: pulumi.secret(hmac.secret) } };
}

/** How often the Storage Transfer job copies main's new media into LI's bucket (its lag). */
export const LI_MEDIA_TRANSFER_INTERVAL = "3600s";

/**
 * LI's copy of main's media: an hourly Storage Transfer job between the two buckets that never
 * deletes in LI's bucket (objects main deleted stay), never deletes from main's, and never
 * overwrites a copy LI already holds. Storage Transfer's service agent reads main's bucket and
 * writes LI's; the buckets' CMEK encrypts the copies as it encrypts every write.
 */
export function liMediaTransferSpec(source: pulumi.Input<string>, sink: pulumi.Input<string>): gcp.types.input.storage.TransferJobTransferSpec {
  return {
    gcsDataSource: { bucketName: source },
    gcsDataSink: { bucketName: sink },
    transferOptions: { deleteObjectsUniqueInSink: false, deleteObjectsFromSourceAfterTransfer: false, overwriteWhen: "NEVER" },
  };
}

function createLiMediaTransfer(name: string, project: string, media: gcp.storage.Bucket, li: gcp.storage.Bucket, opts: { parent: pulumi.Resource; provider: gcp.Provider }): void {
  const number = gcp.organizations.getProjectOutput({ projectId: project }, opts).number;
  const agent = pulumi.interpolate`serviceAccount:project-${number}@storage-transfer-service.iam.gserviceaccount.com`;
  const grants = [
    new gcp.storage.BucketIAMMember(`${name}-sts-media-read`, { bucket: media.name, role: "roles/storage.objectViewer", member: agent }, opts),
    new gcp.storage.BucketIAMMember(`${name}-sts-media-bucket`, { bucket: media.name, role: "roles/storage.legacyBucketReader", member: agent }, opts),
    new gcp.storage.BucketIAMMember(`${name}-sts-li-write`, { bucket: li.name, role: "roles/storage.objectCreator", member: agent }, opts),
    new gcp.storage.BucketIAMMember(`${name}-sts-li-bucket`, { bucket: li.name, role: "roles/storage.legacyBucketReader", member: agent }, opts),
  ];
  new gcp.storage.TransferJob(`${name}-li-media`, {
    project,
    description: "main media -> LI media (never deletes)",
    transferSpec: liMediaTransferSpec(media.name, li.name),
    // A fixed start date keeps the job's definition stable; it runs every interval from then on.
    schedule: { scheduleStartDate: { year: 2026, month: 1, day: 1 }, repeatInterval: LI_MEDIA_TRANSFER_INTERVAL },
    status: "ENABLED",
  }, { ...opts, dependsOn: grants });
}
