/**
 * The off-site backup copy from the offsiteBackup* keys (./offsite-backup-keys.ts): every rule
 * that spans keys. The copy is configured by its endpoint; bucket and both credentials are then
 * required. Production on an existing cluster needs it, or `offsiteBackupWaived: true` to say the
 * backups may share the cluster's failure domain. On AWS and GCP none of these keys apply: the
 * clouds' own cross-region copies do this job.
 */
import type { Environment, PlatformKind } from "./keys";
import type { OffsiteBackupSpec } from "./spec";

/** The offsite keys that parsed, by name. */
export interface OffsiteBackupValues {
  offsiteBackupEndpoint?: string;
  offsiteBackupBucket?: string;
  offsiteBackupRegion?: string;
  offsiteBackupCidrs?: string[];
  offsiteBackupAccessKeyId?: string;
  offsiteBackupSecretAccessKey?: string;
  offsiteBackupWaived?: boolean;
}

type Key = keyof OffsiteBackupValues;

/** One problem, as the parser reports it (key without the project prefix). */
export interface OffsiteBackupProblem {
  key: Key;
  allowed: string;
  /** The key was given (its value is shown, or described when secret). */
  given: boolean;
}

const REQUIRED: readonly Key[] = ["offsiteBackupBucket", "offsiteBackupAccessKeyId", "offsiteBackupSecretAccessKey"];
const OPTIONAL: readonly Key[] = ["offsiteBackupRegion", "offsiteBackupCidrs"];
const ALL: readonly Key[] = ["offsiteBackupEndpoint", ...REQUIRED, ...OPTIONAL, "offsiteBackupWaived"];

/** Region S3 clients sign for when the endpoint needs none in particular (MinIO's and AWS's default). */
export const DEFAULT_OFFSITE_REGION = "us-east-1";

/**
 * The off-site copy's spec (undefined: no copy), or the problems that stop it. `given(k)` says
 * whether key `k` was set at all (a set key that failed its own check is already reported).
 */
export function offsiteBackupSpec(
  platform: PlatformKind,
  environment: Environment,
  v: OffsiteBackupValues,
  given: (key: Key) => boolean,
): { spec?: OffsiteBackupSpec; problems: OffsiteBackupProblem[] } {
  const problems: OffsiteBackupProblem[] = [];
  if (platform !== "existing") {
    for (const k of ALL) if (given(k)) problems.push({ key: k, given: true, allowed: `only applies to the existing platform; on ${platform} the database's backups are already copied to the secondary region` });
    return { problems };
  }
  if (!given("offsiteBackupEndpoint")) {
    for (const k of [...REQUIRED, ...OPTIONAL]) {
      if (given(k)) problems.push({ key: k, given: true, allowed: "configures the off-site backup copy, which is configured only with offsiteBackupEndpoint set" });
    }
    if (environment === "prod" && v.offsiteBackupWaived !== true && !(given("offsiteBackupWaived") && v.offsiteBackupWaived === undefined)) {
      problems.push({
        key: "offsiteBackupEndpoint",
        given: false,
        allowed: "production on an existing cluster copies its database backups off-site: set offsiteBackupEndpoint, offsiteBackupBucket, offsiteBackupAccessKeyId and offsiteBackupSecretAccessKey, or set offsiteBackupWaived to true to accept backups in the cluster's own failure domain",
      });
    }
    return { problems };
  }
  if (v.offsiteBackupWaived === true) {
    problems.push({ key: "offsiteBackupWaived", given: true, allowed: "false or unset: offsiteBackupEndpoint is set, so there is an off-site copy and nothing to waive" });
  }
  for (const k of REQUIRED) {
    if (!given(k)) problems.push({ key: k, given: false, allowed: `the off-site backup copy to ${v.offsiteBackupEndpoint ?? "offsiteBackupEndpoint"} needs it` });
  }
  if (problems.length > 0 || v.offsiteBackupEndpoint === undefined || REQUIRED.some((k) => v[k] === undefined)) return { problems };
  return {
    problems,
    spec: {
      endpoint: v.offsiteBackupEndpoint,
      bucket: v.offsiteBackupBucket!,
      region: v.offsiteBackupRegion ?? DEFAULT_OFFSITE_REGION,
      cidrs: v.offsiteBackupCidrs,
      accessKeyId: v.offsiteBackupAccessKeyId!,
      secretAccessKey: v.offsiteBackupSecretAccessKey!,
    },
  };
}
