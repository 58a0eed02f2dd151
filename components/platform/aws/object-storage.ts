import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { deployedBuckets, deployedObjectStoreClients, OBJECT_STORE_CLIENTS } from "../../contracts";
import { serviceTrustPolicy } from "./iam";

export type BucketKind = "media" | "backups" | "liMedia" | "logs";
export const BUCKET_KINDS: readonly BucketKind[] = ["media", "backups", "liMedia", "logs"];

/** What the S3 policy of one object-store client may do. */
export const CLIENT_BUCKETS: Record<keyof typeof OBJECT_STORE_CLIENTS, { readWrite: BucketKind[]; readOnly: BucketKind[] }> = {
  // Synapse's media repository reads and writes main media only.
  "synapse-media": { readWrite: ["media"], readOnly: [] },
  // The LI Synapse serves LI media; it never touches main's bucket.
  "synapse-li": { readWrite: ["liMedia"], readOnly: [] },
  // The LI sync copies main media into LI media.
  "li-sync": { readWrite: ["liMedia"], readOnly: ["media"] },
  // Loki writes and deletes (its compactor's retention) chunks and index in the logs bucket only.
  loki: { readWrite: ["logs"], readOnly: [] },
};

/**
 * When to move or expire objects, per bucket. Media stays (users expect old media) with 30 days
 * of undo for replaced versions; backups' old versions go when the backup retention ends; LI
 * keeps its versions a year. Logs: Loki's compactor deletes what its retention expires; the
 * versions it leaves behind go a day later (the retention is Loki's, not a second copy's).
 */
export function s3Lifecycle(backupRetentionDays: number): Record<BucketKind, aws.types.input.s3.BucketLifecycleConfigurationRule[]> {
  const multipart = { id: "multipart", status: "Enabled", filter: {}, abortIncompleteMultipartUpload: { daysAfterInitiation: 7 } };
  return {
    media: [
      { id: "tiering", status: "Enabled", filter: {}, transitions: [{ days: 30, storageClass: "INTELLIGENT_TIERING" }] },
      { id: "noncurrent", status: "Enabled", filter: {}, noncurrentVersionExpiration: { noncurrentDays: 30 } },
      multipart,
    ],
    backups: [
      { id: "infrequent", status: "Enabled", filter: {}, transitions: [{ days: 30, storageClass: "STANDARD_IA" }] },
      { id: "noncurrent", status: "Enabled", filter: {}, noncurrentVersionExpiration: { noncurrentDays: backupRetentionDays } },
      multipart,
    ],
    liMedia: [
      { id: "noncurrent", status: "Enabled", filter: {}, noncurrentVersionExpiration: { noncurrentDays: 365 } },
      multipart,
    ],
    logs: [
      { id: "noncurrent", status: "Enabled", filter: {}, noncurrentVersionExpiration: { noncurrentDays: 1 } },
      multipart,
    ],
  };
}

/** IAM policy of one client: list its buckets, write its read-write ones, read its read-only ones. */
export function clientBucketPolicy(readWrite: string[], readOnly: string[], keyArn: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Action: ["s3:ListBucket", "s3:GetBucketLocation"], Resource: [...readWrite, ...readOnly] },
      ...(readWrite.length ? [{ Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"], Resource: readWrite.map((a) => `${a}/*`) }] : []),
      ...(readOnly.length ? [{ Effect: "Allow", Action: ["s3:GetObject"], Resource: readOnly.map((a) => `${a}/*`) }] : []),
      { Effect: "Allow", Action: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"], Resource: keyArn },
    ],
  });
}

export interface S3StorageArgs {
  /** Resource name prefix (the platform's name). */
  name: string;
  /** Bucket name prefix. */
  prefix: string;
  /** SSE-KMS key of the buckets. */
  kmsKey: aws.kms.Key;
  /** Buckets may not be destroyed with objects in them (environment preset `deletionProtection`). */
  deletionProtection: boolean;
  /** Days backups' old versions are kept (environment preset `backupRetentionDays`). */
  backupRetentionDays: number;
  /**
   * Secondary region to replicate every bucket to (environment preset `crossRegionReplication`
   * with a secondary region): its provider and the replicas' KMS key. Default: no replication.
   */
  secondary?: { provider: aws.Provider; kmsKey: aws.kms.Key };
  /** IRSA role factory of the cluster, for the object-store clients. */
  irsaRole: (role: string, namespace: string, serviceAccount: string) => aws.iam.Role;
  /** LI is deployed: its media bucket and its clients' roles exist only then. */
  li: boolean;
  /** Monitoring is deployed: Loki's logs bucket and its IRSA role exist only then. Default: false. */
  logs?: boolean;
}

export interface S3Storage {
  /** `liMedia` only while LI is deployed, `logs` only while monitoring is. */
  buckets: Record<Exclude<BucketKind, "liMedia" | "logs">, aws.s3.Bucket> & Partial<Record<"liMedia" | "logs", aws.s3.Bucket>>;
  /** IRSA annotation of each client's ServiceAccount. */
  serviceAccountAnnotations: Record<string, pulumi.Output<Record<string, string>>>;
}

/**
 * Media, LI media and backups buckets: private, owner-enforced, SSE-KMS, TLS-only, versioned,
 * with lifecycle rules; replicated to the secondary region when asked; one IRSA role per client
 * scoped to its buckets and the key.
 */
export function createS3Storage(a: S3StorageArgs, opts: { parent: pulumi.Resource; provider: aws.Provider }): S3Storage {
  const { name, prefix } = a;
  const o = (extra: pulumi.CustomResourceOptions = {}): pulumi.CustomResourceOptions => ({ ...opts, ...extra });
  const lifecycle = s3Lifecycle(a.backupRetentionDays);
  const replicationRole = a.secondary || a.li ? new aws.iam.Role(`${name}-s3-replication`, { assumeRolePolicy: serviceTrustPolicy("s3.amazonaws.com") }, o()) : undefined;

  const hardenBucket = (bname: string, bucket: aws.s3.Bucket, key: aws.kms.Key, p: aws.Provider) => {
    const bo: pulumi.CustomResourceOptions = { parent: opts.parent, provider: p };
    new aws.s3.BucketPublicAccessBlock(`${bname}`, { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true }, bo);
    new aws.s3.BucketOwnershipControls(`${bname}`, { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } }, bo);
    new aws.s3.BucketServerSideEncryptionConfiguration(`${bname}`, {
      bucket: bucket.id,
      rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: key.arn }, bucketKeyEnabled: true }],
    }, bo);
    new aws.s3.BucketPolicy(`${bname}`, {
      bucket: bucket.id,
      policy: bucket.arn.apply((arn) => JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [arn, `${arn}/*`], Condition: { Bool: { "aws:SecureTransport": "false" } } }],
      })),
    }, bo);
    return new aws.s3.BucketVersioning(`${bname}`, { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } }, bo);
  };

  const buckets = {} as Record<BucketKind, aws.s3.Bucket>;
  const versionings = {} as Record<BucketKind, aws.s3.BucketVersioning>;
  // A bucket has one replication configuration: its rules are gathered here and written last.
  const replication: Partial<Record<BucketKind, { slug: string; dependsOn: pulumi.Resource[]; rules: aws.types.input.s3.BucketReplicationConfigRule[] }>> = {};
  for (const kind of [...deployedBuckets(a.li), ...(a.logs ? ["logs" as const] : [])]) {
    const slug = kind === "liMedia" ? "li-media" : kind;
    const bucket = new aws.s3.Bucket(`${name}-${slug}`, { bucketPrefix: `${prefix}-${slug}-`, forceDestroy: !a.deletionProtection }, o());
    buckets[kind] = bucket;
    const versioning = hardenBucket(`${name}-${slug}`, bucket, a.kmsKey, opts.provider);
    versionings[kind] = versioning;
    new aws.s3.BucketLifecycleConfiguration(`${name}-${slug}`, { bucket: bucket.id, rules: lifecycle[kind] }, o({ dependsOn: [versioning] }));

    if (a.secondary && replicationRole) {
      const { provider: secondary, kmsKey: replicaKey } = a.secondary;
      // Cross-region copy (disaster recovery). Delete markers are not replicated, so a
      // deletion in the primary region never removes the copy.
      const replica = new aws.s3.Bucket(`${name}-${slug}-replica`, { bucketPrefix: `${prefix}-${slug}-dr-`, forceDestroy: false }, { parent: opts.parent, provider: secondary });
      const replicaVersioning = hardenBucket(`${name}-${slug}-replica`, replica, replicaKey, secondary);
      new aws.s3.BucketLifecycleConfiguration(`${name}-${slug}-replica`, { bucket: replica.id, rules: lifecycle[kind] }, { parent: opts.parent, provider: secondary, dependsOn: [replicaVersioning] });
      new aws.iam.RolePolicy(`${name}-${slug}-replication`, {
        role: replicationRole.id,
        policy: pulumi.all([bucket.arn, replica.arn, a.kmsKey.arn, replicaKey.arn]).apply(([src, dst, srcKey, dstKey]) => JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            { Effect: "Allow", Action: ["s3:GetReplicationConfiguration", "s3:ListBucket"], Resource: src },
            { Effect: "Allow", Action: ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"], Resource: `${src}/*` },
            { Effect: "Allow", Action: ["s3:ReplicateObject", "s3:ReplicateTags"], Resource: `${dst}/*` },
            { Effect: "Allow", Action: ["kms:Decrypt"], Resource: srcKey },
            { Effect: "Allow", Action: ["kms:Encrypt", "kms:GenerateDataKey"], Resource: dstKey },
          ],
        })),
      }, o());
      replication[kind] = {
        slug,
        dependsOn: [versioning, replicaVersioning],
        rules: [{
          id: "to-secondary-region",
          status: "Enabled",
          priority: 1,
          filter: {},
          deleteMarkerReplication: { status: "Disabled" },
          sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: "Enabled" } },
          destination: {
            bucket: replica.arn,
            storageClass: kind === "media" ? "STANDARD_IA" : "STANDARD",
            encryptionConfiguration: { replicaKmsKeyId: replicaKey.arn },
            // Replication Time Control: 99.99% of objects copied within 15 minutes, which is
            // the disaster-recovery RPO; the metrics let an alert fire when it slips.
            replicationTime: { status: "Enabled", time: { minutes: 15 } },
            metrics: { status: "Enabled", eventThreshold: { minutes: 15 } },
          },
        }],
      };
    }
  }

  if (a.li && replicationRole && buckets.liMedia) {
    // LI's copy of main's media, in the same region and key: new objects only (S3 replicates
    // nothing that was in the bucket before the rule), never delete markers, and S3 never
    // replicates version deletions, so what main deletes stays in LI's bucket.
    const li = buckets.liMedia;
    new aws.iam.RolePolicy(`${name}-li-media-replication`, {
      role: replicationRole.id,
      policy: pulumi.all([buckets.media.arn, li.arn, a.kmsKey.arn]).apply(([src, dst, key]) => liReplicationPolicy(src, dst, key)),
    }, o());
    const media = (replication.media ??= { slug: "media", dependsOn: [versionings.media], rules: [] });
    media.dependsOn.push(versionings.liMedia);
    media.rules.push(liReplicationRule(li.arn, a.kmsKey.arn));
  }
  for (const [kind, r] of Object.entries(replication) as [BucketKind, NonNullable<(typeof replication)[BucketKind]>][]) {
    new aws.s3.BucketReplicationConfig(`${name}-${r.slug}`, { bucket: buckets[kind].id, role: replicationRole!.arn, rules: r.rules }, o({ dependsOn: r.dependsOn }));
  }

  const serviceAccountAnnotations: Record<string, pulumi.Output<Record<string, string>>> = {};
  for (const sa of deployedObjectStoreClients(a.li, a.logs === true)) {
    const role = a.irsaRole(sa, OBJECT_STORE_CLIENTS[sa], sa);
    const access = CLIENT_BUCKETS[sa];
    new aws.iam.RolePolicy(`${name}-irsa-${sa}`, {
      role: role.id,
      policy: pulumi.all([
        pulumi.all(access.readWrite.map((k) => buckets[k].arn)),
        pulumi.all(access.readOnly.map((k) => buckets[k].arn)),
        a.kmsKey.arn,
      ]).apply(([rw, ro, key]) => clientBucketPolicy(rw, ro, key)),
    }, o());
    serviceAccountAnnotations[sa] = role.arn.apply((arn): Record<string, string> => ({ "eks.amazonaws.com/role-arn": arn }));
  }
  return { buckets, serviceAccountAnnotations };
}

/** The replication rule main's media bucket copies LI's bucket with (no delete markers, same key). */
export function liReplicationRule(liBucketArn: pulumi.Input<string>, kmsKeyArn: pulumi.Input<string>): aws.types.input.s3.BucketReplicationConfigRule {
  return {
    id: "to-li-media",
    status: "Enabled",
    priority: 2,
    filter: {},
    deleteMarkerReplication: { status: "Disabled" },
    sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: "Enabled" } },
    destination: { bucket: liBucketArn, storageClass: "STANDARD", encryptionConfiguration: { replicaKmsKeyId: kmsKeyArn } },
  };
}

/** The replication role's rights for the LI copy: read main's media versions, write replicas into LI's bucket. */
export function liReplicationPolicy(src: string, dst: string, key: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Action: ["s3:GetReplicationConfiguration", "s3:ListBucket"], Resource: src },
      { Effect: "Allow", Action: ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"], Resource: `${src}/*` },
      { Effect: "Allow", Action: ["s3:ReplicateObject", "s3:ReplicateTags"], Resource: `${dst}/*` },
      { Effect: "Allow", Action: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"], Resource: key },
    ],
  });
}
