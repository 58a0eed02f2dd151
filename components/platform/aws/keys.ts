import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";

/** Key rotation period the security specification asks for. */
export const KEY_ROTATION_DAYS = 90;

export interface KmsKeyArgs {
  /** Resource name prefix (the platform's name). */
  name: string;
  /** Name prefix shown in the key's description. */
  prefix: string;
  /** Short purpose, part of the resource name (e.g. "rds"). */
  purpose: string;
  /** What the key encrypts, for its description. */
  description: string;
  /** Region (provider) the key lives in. */
  provider: aws.Provider;
  /** Parent component. */
  parent: pulumi.Resource;
}

/** One KMS key for one data class, rotated every 90 days (security specification 1.3). */
export function createKmsKey(a: KmsKeyArgs): aws.kms.Key {
  return new aws.kms.Key(`${a.name}-${a.purpose}`, {
    description: `${a.prefix} ${a.description}`,
    enableKeyRotation: true,
    rotationPeriodInDays: KEY_ROTATION_DAYS,
    deletionWindowInDays: 30,
    keyUsage: "ENCRYPT_DECRYPT",
  }, { parent: a.parent, provider: a.provider });
}

/** The platform's keys in its primary region, one per data class. */
export interface PlatformKeys {
  eks: aws.kms.Key;
  ebs: aws.kms.Key;
  rds: aws.kms.Key;
  s3: aws.kms.Key;
  cache: aws.kms.Key;
}

/** One key per data class, so revoking one (e.g. S3) never locks the others. */
export function createPlatformKeys(a: Omit<KmsKeyArgs, "purpose" | "description">): PlatformKeys {
  const key = (purpose: string, description: string) => createKmsKey({ ...a, purpose, description });
  return {
    eks: key("eks-secrets", "EKS secrets envelope encryption"),
    ebs: key("ebs", "EBS volumes of persistent volume claims"),
    rds: key("rds", "RDS storage, snapshots and Performance Insights"),
    s3: key("s3", "S3 media, LI media and backups (SSE-KMS)"),
    cache: key("elasticache", "ElastiCache at-rest encryption"),
  };
}
