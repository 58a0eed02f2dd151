/**
 * The existing platform's object store on loopback: the real MinIO server and mc
 * (scripts/provision.d/56-minio.sh) set up the way the stack sets up its tenant
 * (components/data/minio.ts):
 * - `config.env` from `minioConfigEnv` (root credentials, the EC parity of the tenant's drive
 *   count, the static KMS key), with as many drives as the tenant's pool;
 * - the Matrix stack's user, added as the MinIO operator adds a Tenant's `users` (AddUser, then
 *   the `consoleAdmin` policy), with the key pair Synapse's shared-credentials file holds;
 * - the bucket-settings Job's `configure.sh` (`minioBucketSettings`), run with its mounts under the
 *   run dir: every bucket versioned, its lifecycle, SSE-S3, and with LI the replication of main's
 *   media into LI's bucket that never carries deletes.
 * Loopback differences: plain HTTP on 127.0.0.1 (no internal CA), drives are directories.
 */
import { execFile } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { promisify } from "util";
import { erasureParity, MINIO_BUCKETS, MINIO_KMS_KEY_BYTES, minioBucketSettings, minioConfigEnv } from "../components/data/minio";
import { TOOL_CACHE } from "../scripts/tool-cache";
import { waitHttpOk, type Supervisor } from "./procs";

const run = promisify(execFile);

/** The tenant a loopback run stands up: the stack's drive count, buckets and LI switch. */
export interface LoopbackTenant {
  drives: number;
  bucketKinds: (keyof typeof MINIO_BUCKETS)[];
  li: boolean;
}

export interface ObjectStorePlan {
  port: number;
  consolePort: number;
  endpoint: string;
  /** The Matrix stack's key pair (the tenant's `matrix` user). */
  accessKey: string;
  secretKey: string;
  tenant: LoopbackTenant;
}

/** Where 56-minio.sh builds minio and mc (its cache directory is named after the pinned version). */
export function minioBinDir(): string {
  const script = fs.readFileSync(path.resolve(__dirname, "../scripts/provision.d/56-minio.sh"), "utf8");
  const version = /^MINIO_MODULE_VERSION="([^"]+)"$/m.exec(script)?.[1];
  if (!version) throw new Error("scripts/provision.d/56-minio.sh names no MINIO_MODULE_VERSION");
  const dir = path.join(TOOL_CACHE, `minio-${version}`);
  if (!fs.existsSync(path.join(dir, "minio")) || !fs.existsSync(path.join(dir, "mc"))) throw new Error(`${dir}/minio or mc is missing: run bash scripts/provision.sh (56-minio.sh builds them)`);
  return dir;
}

export interface ObjectVersion {
  key: string;
  versionId: string;
  isDeleteMarker: boolean;
}

export interface LoopbackObjectStore {
  endpoint: string;
  /** Current objects of a bucket (size, and ETag: the MD5 of a single-part SSE-S3 object). */
  objects(bucket: string): Promise<{ key: string; etag: string; size: number }[]>;
  /** An object's bytes; rejects when the bucket has no current version of it. */
  read(bucket: string, key: string): Promise<Buffer>;
  /** Every version of a key, delete markers included. */
  versions(bucket: string, key: string): Promise<ObjectVersion[]>;
  /** Removes every version of a key for good (what a purge of the bucket does). */
  purge(bucket: string, key: string): Promise<void>;
}

export async function startObjectStore(sup: Supervisor, plan: ObjectStorePlan): Promise<LoopbackObjectStore> {
  const bin = minioBinDir();
  const dir = path.join(sup.runDir, "minio");
  const { drives, bucketKinds, li } = plan.tenant;
  for (const d of ["env", "settings", "home", "mc", ...Array.from({ length: drives }, (_, i) => `drives/d${i + 1}`)]) fs.mkdirSync(path.join(dir, d), { recursive: true });
  const rootUser = randomBytes(10).toString("hex").toUpperCase();
  const rootPassword = randomBytes(24).toString("hex");
  const configEnv = path.join(dir, "env", "config.env");
  fs.writeFileSync(configEnv, minioConfigEnv({ rootUser, rootPassword, parity: erasureParity(drives), kmsKeyBase64: randomBytes(MINIO_KMS_KEY_BYTES).toString("base64") }), { mode: 0o600 });
  for (const [file, text] of Object.entries(minioBucketSettings(bucketKinds, li))) fs.writeFileSync(path.join(dir, "settings", file), text);

  const home = path.join(dir, "home");
  const proc = sup.start({
    name: "s3",
    command: path.join(bin, "minio"),
    args: ["server", "--address", `127.0.0.1:${plan.port}`, "--console-address", `127.0.0.1:${plan.consolePort}`, drives > 1 ? `${dir}/drives/d{1...${drives}}` : `${dir}/drives/d1`],
    env: { MINIO_CONFIG_ENV_FILE: configEnv, MINIO_CI_CD: "1", HOME: home },
  });
  await waitHttpOk(`${plan.endpoint}/minio/health/ready`, { timeoutMs: 60_000, proc, sup });

  const env = { PATH: `${bin}:/usr/bin:/bin`, HOME: home, MC_CONFIG_DIR: path.join(dir, "mc"), ENDPOINT: plan.endpoint };
  const mc = async (args: string[], encoding: "utf8" | "buffer" = "utf8") => {
    try {
      return (await run(path.join(bin, "mc"), args, { env, timeout: 60_000, encoding, maxBuffer: 64 * 1024 * 1024 })).stdout as string | Buffer;
    } catch (e) {
      const err = e as { stderr?: string | Buffer; stdout?: string | Buffer; message: string };
      throw new Error(`mc ${args.join(" ")}: ${err.message}\n${String(err.stderr ?? "")}${String(err.stdout ?? "").slice(0, 400)}`);
    }
  };
  const json = async (args: string[]) => String(await mc(["--json", ...args])).trim().split("\n").filter(Boolean).map((l) => JSON.parse(l));
  // /minio/health/ready can answer before the server takes credentials ("Server not initialized
  // yet"), more often on a loaded machine: retry the alias for up to 30 s.
  for (let attempt = 1; ; attempt++) {
    try {
      await mc(["alias", "set", "local", plan.endpoint, rootUser, rootPassword]);
      break;
    } catch (e) {
      if (attempt >= 30 || !/not initialized yet/i.test((e as Error).message)) throw e;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  // The operator's user set-up for the Tenant's `users` (AddUser, then SetPolicy consoleAdmin).
  await mc(["admin", "user", "add", "local", plan.accessKey, plan.secretKey]);
  await mc(["admin", "policy", "attach", "local", "consoleAdmin", "--user", plan.accessKey]);
  // The bucket-settings Job: its script as the container runs it, the mounts under the run dir.
  const script = fs.readFileSync(path.join(dir, "settings", "configure.sh"), "utf8")
    .replaceAll("/env/", `${dir}/env/`).replaceAll("/settings/", `${dir}/settings/`).replaceAll("/tmp/mc", env.MC_CONFIG_DIR);
  fs.writeFileSync(path.join(dir, "configure.sh"), script);
  try {
    await run("sh", [path.join(dir, "configure.sh")], { env, timeout: 120_000 });
  } catch (e) {
    const err = e as { stderr?: string; stdout?: string; message: string };
    throw new Error(`the bucket-settings script failed: ${err.message}\n${err.stderr ?? ""}${err.stdout ?? ""}`);
  }

  return {
    endpoint: plan.endpoint,
    objects: async (bucket) => (await json(["ls", "--recursive", `local/${bucket}`]))
      .filter((l) => l.type === "file")
      .map((l) => ({ key: String(l.key), etag: String(l.etag), size: Number(l.size) })),
    read: async (bucket, key) => (await mc(["cat", `local/${bucket}/${key}`], "buffer")) as Buffer,
    versions: async (bucket, key) => (await json(["ls", "--versions", `local/${bucket}/${key}`]))
      // mc names a version by the key's last segment; its URL is the whole object's.
      .filter((l) => typeof l.url === "string" && l.url.endsWith(`/${bucket}/${key}`))
      .map((l) => ({ key, versionId: String(l.versionId), isDeleteMarker: l.isDeleteMarker === true })),
    purge: async (bucket, key) => {
      await mc(["rm", "--versions", "--force", `local/${bucket}/${key}`]);
    },
  };
}
