/**
 * The off-site backup copy as rclone runs it: the config file (two S3 remotes, no secrets), the
 * environment that carries the keys (from a Secret, the only place they are) and the copy
 * command. Pure, so the component mounts exactly what tests/validators/offsite-backup.test.ts
 * runs with the real rclone.
 *
 * Why copy and not sync: the off-site copy must outlive what happens in the cluster. `copy` never
 * deletes at the destination, so a backup pruned by retention, or deleted by an attacker who holds
 * the cluster, stays off-site; an object that changes in place (barman rewrites a backup's
 * metadata) replaces the off-site one only after the previous version is moved aside under
 * `replaced/`, stamped with the run's time.
 */

/** One S3-compatible endpoint as rclone's s3 backend reads it. */
export interface S3Remote {
  /** http(s) URL, no path. */
  endpoint: string;
  /** Region requests are signed for. */
  region: string;
  /** rclone's `provider` quirks table: MinIO in the cluster, anything else off-site. */
  provider: "Minio" | "Other";
}

export interface OffsiteCopyPlan {
  source: S3Remote & { bucket: string; prefix: string };
  target: S3Remote & { bucket: string };
}

/** Remote names inside rclone.conf. */
export const REMOTES = { source: "cluster", target: "offsite" } as const;
/** Where the copy keeps destination objects it would otherwise overwrite. */
export const REPLACED_DIR = "replaced";

/**
 * rclone.conf: no keys, so it can live in a ConfigMap; each remote's keys come from rclone's
 * per-remote environment variables (rcloneKeyEnvironment). Not `env_auth` with a shared
 * credentials file: rclone hands that file to the AWS SDK as a *config* file, whose profile
 * sections are spelt differently, and the real rclone refused the profile (the validator test
 * caught it). `no_check_bucket`: the buckets exist; the copy never creates one.
 */
export function rcloneConfig(plan: OffsiteCopyPlan): string {
  const remote = (name: string, r: S3Remote) => [
    `[${name}]`,
    "type = s3",
    `provider = ${r.provider}`,
    "env_auth = false",
    `endpoint = ${r.endpoint}`,
    `region = ${r.region}`,
    "force_path_style = true",
    "no_check_bucket = true",
    "",
  ];
  return ["# Rendered by matrix-platform (render/backup/offsite-copy.ts).", ...remote(REMOTES.source, plan.source), ...remote(REMOTES.target, plan.target)].join("\n");
}

export interface KeyPair {
  accessKeyId: string;
  secretAccessKey: string;
}

/**
 * The keys as rclone reads them from the environment, `RCLONE_CONFIG_<REMOTE>_<OPTION>`, which
 * overrides the config file per remote (goes into a Secret the container takes with `envFrom`).
 */
export function rcloneKeyEnvironment(source: KeyPair, target: KeyPair): Record<string, string> {
  const forRemote = (remote: string, k: KeyPair) => ({
    [`RCLONE_CONFIG_${remote.toUpperCase()}_ACCESS_KEY_ID`]: k.accessKeyId,
    [`RCLONE_CONFIG_${remote.toUpperCase()}_SECRET_ACCESS_KEY`]: k.secretAccessKey,
  });
  return { ...forRemote(REMOTES.source, source), ...forRemote(REMOTES.target, target) };
}

/** `remote:bucket/prefix` without a trailing slash. */
function remotePath(remote: string, bucket: string, prefix = ""): string {
  const p = prefix.replace(/^\/+|\/+$/g, "");
  return `${remote}:${bucket}${p ? `/${p}` : ""}`;
}

/**
 * The copy as one shell line (the run's UTC time stamps objects moved aside, which needs the
 * shell's `date`). Same layout off-site as in the cluster, so a CloudNativePG recovery points its
 * ObjectStore at the off-site bucket and reads it as it is. Exit status is rclone's: a failed
 * copy fails the Job, which the Job's status (and an alert on it) shows.
 */
export function rcloneCopyScript(plan: OffsiteCopyPlan, configPath: string): string {
  const src = remotePath(REMOTES.source, plan.source.bucket, plan.source.prefix);
  const dst = remotePath(REMOTES.target, plan.target.bucket, plan.source.prefix);
  const replaced = remotePath(REMOTES.target, plan.target.bucket, REPLACED_DIR);
  const args = [
    "rclone", "copy", src, dst,
    "--config", configPath,
    "--backup-dir", replaced,
    '--suffix ".$(date -u +%Y%m%dT%H%M%SZ)"',
    "--suffix-keep-extension",
    "--transfers", "4",
    "--checkers", "8",
    "--retries", "3",
    "--low-level-retries", "10",
    "--stats", "1m",
    "--stats-one-line",
    "-v",
  ];
  return `set -eu\nexec ${args.join(" ")}\n`;
}
