/**
 * The in-cluster object store's encryption, run by the real MinIO server and mc
 * (scripts/provision.d/56-minio.sh) with exactly what the program renders for a production
 * existing-cluster stack: the tenant's config.env (as the operator hands it to the servers, through
 * MINIO_CONFIG_ENV_FILE) and the bucket Job's configure.sh with its lifecycle files. An object PUT
 * without any encryption header is stored encrypted (SSE-S3 on HEAD, no plaintext on the drives,
 * unlike a bucket the Job did not configure), keeps an MD5 ETag (what the off-site copy's rclone
 * checks), survives a restart with the same key, and is unreadable under another key — the limit
 * the README's rotation procedure is written around.
 */
import { strict as assert } from "assert";
import { createHash } from "crypto";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { MINIO_BUCKETS, MINIO_KMS_KEY_NAME } from "../../components/data/minio";
import { PortAllocator } from "../../e2e/ports";
import { Supervisor, waitHttpOk, type Proc } from "../../e2e/procs";
import { TOOL_CACHE } from "../../scripts/tool-cache";
import { unwrapSecrets } from "../../stacks/mock-engine";
import { ofType, runStack } from "../helpers/run-stack";

const run = promisify(execFile);
const PROVISION = path.resolve(__dirname, "../../scripts/provision.d/56-minio.sh");
const MINIO_VERSION = /^MINIO_MODULE_VERSION="([^"]+)"$/m.exec(fs.readFileSync(PROVISION, "utf8"))![1];
const BIN = path.join(TOOL_CACHE, `minio-${MINIO_VERSION}`);

/** Every file under a directory, recursively. */
function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

describe("object store encryption run by the real MinIO and mc", function () {
  let sup: Supervisor;
  let server: Proc | undefined;
  let dir: string;
  let endpoint: string;
  let port: number;
  let consolePort: number;
  /** The tenant's drive count (servers x volumes per server), so the rendered parity applies. */
  let buckets: string[] = [];
  let driveCount: number;
  const ports = new PortAllocator();
  const MARKER = "matrix-media-plaintext-marker-7f3a9c";

  const mc = async (...args: string[]) => (await run(path.join(BIN, "mc"), ["--json", ...args], {
    env: { PATH: `${BIN}:/usr/bin:/bin`, HOME: path.join(dir, "home"), MC_CONFIG_DIR: path.join(dir, "mc") },
    timeout: 60_000,
  })).stdout;
  const mcJson = async (...args: string[]) => JSON.parse((await mc(...args)).trim().split("\n").pop()!);
  const drives = () => path.join(dir, "drives");

  /** One MinIO server over four drives, configured by the rendered config.env alone. */
  const startServer = async () => {
    server = sup.start({
      name: "minio",
      command: path.join(BIN, "minio"),
      // As many drives as the tenant's pool, on one server: the rendered EC parity needs them.
      args: ["server", "--address", `127.0.0.1:${port}`, "--console-address", `127.0.0.1:${consolePort}`, `${drives()}/d{1...${driveCount}}`],
      env: {
        MINIO_CONFIG_ENV_FILE: path.join(dir, "env", "config.env"),
        // The test's drives are directories on the root file system, which MinIO refuses outside CI mode.
        MINIO_CI_CD: "1",
        HOME: path.join(dir, "home"),
      },
    });
    await waitHttpOk(`${endpoint}/minio/health/ready`, { timeoutMs: 60_000, proc: server, sup });
  };
  const stopServer = async () => {
    if (server) await sup.stop(server);
    server = undefined;
  };

  before(async () => {
    if (!fs.existsSync(path.join(BIN, "minio")) || !fs.existsSync(path.join(BIN, "mc"))) throw new Error(`${BIN}/minio or mc is missing: run bash scripts/provision.sh (56-minio.sh builds them)`);
    const stack = await runStack("prod-existing-1k");
    const secret = ofType(stack, "kubernetes:core/v1:Secret").find((s) => (s.inputs.metadata as { name?: string }).name === "object-store-env-configuration")!;
    const settings = ofType(stack, "kubernetes:core/v1:ConfigMap").find((c) => (c.inputs.metadata as { name?: string }).name === "object-store-bucket-settings")!;
    const tenantSpec = ofType(stack, "kubernetes:minio.min.io/v2:Tenant")[0].inputs.spec as { pools: { servers: number; volumesPerServer: number }[]; buckets: { name: string }[] };
    // The buckets this stack has (LI's only with LI, Loki's only with monitoring).
    buckets = tenantSpec.buckets.map((b) => b.name);
    const pool = tenantSpec.pools[0];
    driveCount = pool.servers * pool.volumesPerServer;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "minio-sse-"));
    for (const d of ["env", "settings", "home", "mc", ...Array.from({ length: driveCount }, (_, i) => `drives/d${i + 1}`)]) fs.mkdirSync(path.join(dir, d), { recursive: true });
    fs.writeFileSync(path.join(dir, "env", "config.env"), (unwrapSecrets(secret.inputs) as { stringData: Record<string, string> }).stringData["config.env"]);
    for (const [file, text] of Object.entries(settings.inputs.data as Record<string, string>)) fs.writeFileSync(path.join(dir, "settings", file), text);
    sup = new Supervisor(Supervisor.freshRunDir());
    port = await ports.take();
    consolePort = await ports.take();
    endpoint = `http://127.0.0.1:${port}`;
    await startServer();
    // The Job's script as the container runs it, with its mounts (/env, /settings, /tmp) under the test directory.
    const script = fs.readFileSync(path.join(dir, "settings", "configure.sh"), "utf8")
      .replaceAll("/env/", `${dir}/env/`).replaceAll("/settings/", `${dir}/settings/`).replaceAll("/tmp/mc", `${dir}/mc`);
    fs.writeFileSync(path.join(dir, "configure.sh"), script);
    await run("sh", [path.join(dir, "configure.sh")], { env: { PATH: `${BIN}:/usr/bin:/bin`, HOME: path.join(dir, "home"), ENDPOINT: endpoint }, timeout: 120_000 });
  });
  after(async () => {
    await sup?.stopAll();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("starts with the rendered static KMS key as its KMS, and the Job makes SSE-S3 every bucket's default", async () => {
    const status = await mcJson("admin", "kms", "key", "status", "local");
    assert.equal(status.keyId, MINIO_KMS_KEY_NAME);
    for (const bucket of buckets) {
      const info = await mcJson("encrypt", "info", `local/${bucket}`);
      assert.deepEqual(info.encryption, { algorithm: "AES256" }, `${bucket}: ${JSON.stringify(info)}`);
    }
  });

  it("stores an object PUT without encryption headers encrypted: SSE-S3 on HEAD, no plaintext on the drives, an MD5 ETag", async () => {
    // Long enough that every erasure shard holds the marker whole, not a piece of it.
    const content = `${MARKER}\n`.repeat(2000);
    const file = path.join(dir, "home", "upload.txt");
    fs.writeFileSync(file, content);
    // A bucket the Job did not configure is the control: there the drives do hold the plaintext.
    await mc("mb", "local/control-unencrypted");
    for (const bucket of [...buckets, "control-unencrypted"]) await mc("cp", file, `local/${bucket}/media/object.txt`);
    const onDisk = (bucket: string) => filesUnder(drives()).filter((f) => f.includes(`${path.sep}${bucket}${path.sep}`) && fs.readFileSync(f).includes(MARKER));
    assert.ok(onDisk("control-unencrypted").length > 0, "the control object's plaintext is on the drives (the check can see plaintext)");
    for (const bucket of buckets) {
      const stat = await mcJson("stat", `local/${bucket}/media/object.txt`);
      assert.equal(stat.metadata["X-Amz-Server-Side-Encryption"], "AES256", `${bucket}: ${JSON.stringify(stat)}`);
      assert.equal(stat.etag, createHash("md5").update(content).digest("hex"), "SSE-S3 keeps the MD5 ETag rclone verifies");
      assert.deepEqual(onDisk(bucket), [], `${bucket}: plaintext on the drives`);
      assert.equal(await mc("cat", `local/${bucket}/media/object.txt`).then((s) => s), content);
    }
    const control = await mcJson("stat", "local/control-unencrypted/media/object.txt");
    assert.equal(control.metadata["X-Amz-Server-Side-Encryption"], undefined);
  });

  it("reads the objects back after a restart with the same key, and cannot read them under another key", async () => {
    const bucket = MINIO_BUCKETS.media;
    await stopServer();
    await startServer();
    assert.match(await mc("cat", `local/${bucket}/media/object.txt`), new RegExp(MARKER));
    // What replacing the key in the Secret would do: every object (and MinIO's IAM and config data) becomes unreadable.
    const envFile = path.join(dir, "env", "config.env");
    const original = fs.readFileSync(envFile, "utf8");
    fs.writeFileSync(envFile, original.replace(/MINIO_KMS_SECRET_KEY="([^:]+):[^"]+"/, `MINIO_KMS_SECRET_KEY="$1:${Buffer.alloc(32, 1).toString("base64")}"`));
    await stopServer();
    await startServer();
    await assert.rejects(mc("cat", `local/${MINIO_BUCKETS.backups}/media/object.txt`), (e: Error & { stdout?: string }) => /decrypt/i.test(`${e.message} ${e.stdout ?? ""}`));
    // With LI, main's media bucket carries a replication target whose credentials MinIO keeps
    // encrypted under the same key: that metadata fails to load first, and MinIO answers 500.
    await assert.rejects(mc("cat", `local/${bucket}/media/object.txt`), (e: Error & { stdout?: string }) => /decrypt|500 Internal Server Error/i.test(`${e.message} ${e.stdout ?? ""}`));
    fs.writeFileSync(envFile, original);
    await stopServer();
    await startServer();
    assert.match(await mc("cat", `local/${bucket}/media/object.txt`), new RegExp(MARKER));
  });
});
