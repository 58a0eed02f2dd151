/**
 * The off-site backup copy, run by the real rclone (the image's version, built by
 * scripts/provision.d/55-rclone.sh) with exactly the files the CronJob mounts
 * (render/backup/offsite-copy.ts): a ConfigMap's rclone.conf and copy.sh, a Secret's keys as the
 * container's environment.
 * Source and target are two S3 servers on loopback (moto, as in the e2e), standing in for the
 * cluster's MinIO and the second site's store.
 */
import { strict as assert } from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { IMAGES } from "../../catalog/images";
import { PortAllocator } from "../../e2e/ports";
import { Supervisor } from "../../e2e/procs";
import { s3Objects, startS3 } from "../../e2e/services";
import { rcloneConfig, rcloneCopyScript, rcloneKeyEnvironment, REPLACED_DIR, type OffsiteCopyPlan } from "../../render/backup/offsite-copy";
import { TOOL_CACHE } from "../../scripts/tool-cache";

const run = promisify(execFile);
const RCLONE_DIR = path.join(TOOL_CACHE, `rclone-v${IMAGES.rclone.tag}`);


describe("off-site backup copy run by the real rclone", function () {
  let sup: Supervisor;
  let plan: OffsiteCopyPlan;
  let dir: string;
  let source: string;
  let target: string;
  const ports = new PortAllocator();

  const keyEnvironment = rcloneKeyEnvironment({ accessKeyId: "clusterkey", secretAccessKey: "cluster-secret" }, { accessKeyId: "offsitekey", secretAccessKey: "offsite-secret" });
  /** One CronJob run: copy.sh as the container runs it (`sh /config/copy.sh`), rclone on PATH, the Secret as environment. */
  const copyOnce = () => run("sh", [path.join(dir, "config", "copy.sh")], {
    env: { PATH: `${RCLONE_DIR}:/usr/bin:/bin`, HOME: path.join(dir, "home"), RCLONE_CACHE_DIR: path.join(dir, "home", "rclone"), ...keyEnvironment },
    timeout: 120_000,
  });
  const keys = async (endpoint: string, bucket: string) => (await s3Objects(endpoint, bucket)).map((o) => o.key).sort();
  /** Reads and deletes go through rclone with the same remotes (moto refuses them unsigned). */
  const rclone = async (...args: string[]) => (await run(path.join(RCLONE_DIR, "rclone"), ["--config", path.join(dir, "config", "rclone.conf"), ...args], {
    env: { HOME: path.join(dir, "home"), ...keyEnvironment },
    timeout: 60_000,
  })).stdout;
  const body = (remote: "cluster" | "offsite", bucket: string, key: string) => rclone("cat", `${remote}:${bucket}/${key}`);
  /** What barman-cloud does in the cluster: write an object into the backup bucket. */
  const put = async (key: string, content: string) => {
    const file = path.join(dir, "home", "upload");
    fs.writeFileSync(file, content);
    await rclone("copyto", file, `cluster:matrix-backups/${key}`);
  };

  before(async () => {
    if (!fs.existsSync(path.join(RCLONE_DIR, "rclone"))) throw new Error(`${RCLONE_DIR}/rclone is missing: run bash scripts/provision.sh (55-rclone.sh builds it)`);
    sup = new Supervisor(Supervisor.freshRunDir());
    source = await startS3(sup, await ports.take(), ["matrix-backups"]);
    target = await startS3(sup, await ports.take(), ["matrix-offsite"]);
    plan = {
      source: { endpoint: source, region: "us-east-1", provider: "Minio", bucket: "matrix-backups", prefix: "cnpg" },
      target: { endpoint: target, region: "eu-central-1", provider: "Other", bucket: "matrix-offsite" },
    };
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "offsite-copy-"));
    for (const d of ["config", "home"]) fs.mkdirSync(path.join(dir, d));
    const configPath = path.join(dir, "config", "rclone.conf");
    fs.writeFileSync(configPath, rcloneConfig(plan));
    fs.writeFileSync(path.join(dir, "config", "copy.sh"), rcloneCopyScript(plan, configPath));
  });
  after(async () => {
    await sup?.stopAll();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("copies base backups and WAL segments under the same layout, and nothing outside the prefix", async () => {
    await put("cnpg/matrix-pg/base/20261202T000000/backup.info", "status=DONE size=100");
    await put("cnpg/matrix-pg/base/20261202T000000/data.tar", "x".repeat(4096));
    await put("cnpg/matrix-pg/wals/0000000100000000/000000010000000000000001", "wal-1");
    await put("other/unrelated.txt", "not a database backup");
    await copyOnce();
    assert.deepEqual(await keys(target, "matrix-offsite"), [
      "cnpg/matrix-pg/base/20261202T000000/backup.info",
      "cnpg/matrix-pg/base/20261202T000000/data.tar",
      "cnpg/matrix-pg/wals/0000000100000000/000000010000000000000001",
    ]);
    assert.equal(await body("offsite", "matrix-offsite", "cnpg/matrix-pg/base/20261202T000000/data.tar"), "x".repeat(4096));
  });

  it("keeps what retention (or an intruder) deletes in the cluster, moves a rewritten object aside, adds new WAL", async () => {
    await rclone("deletefile", "cluster:matrix-backups/cnpg/matrix-pg/wals/0000000100000000/000000010000000000000001");
    assert.ok(!(await keys(source, "matrix-backups")).some((k) => k.endsWith("000000010000000000000001")), "deleted in the cluster");
    await put("cnpg/matrix-pg/base/20261202T000000/backup.info", "status=DONE size=100 end_wal=000000010000000000000002");
    await put("cnpg/matrix-pg/wals/0000000100000000/000000010000000000000002", "wal-2");
    await copyOnce();
    const after = await keys(target, "matrix-offsite");
    assert.ok(after.includes("cnpg/matrix-pg/wals/0000000100000000/000000010000000000000001"), "a segment deleted in the cluster stays off-site");
    assert.ok(after.includes("cnpg/matrix-pg/wals/0000000100000000/000000010000000000000002"), "the new segment is copied");
    assert.match(await body("offsite", "matrix-offsite", "cnpg/matrix-pg/base/20261202T000000/backup.info"), /end_wal=/, "the rewritten metadata replaces the old");
    const moved = after.filter((k) => k.startsWith(`${REPLACED_DIR}/`));
    assert.equal(moved.length, 1, `one object moved aside, got ${JSON.stringify(moved)}`);
    // The stamp goes before the extension, so the moved file still reads as what it was.
    assert.match(moved[0], /^replaced\/matrix-pg\/base\/20261202T000000\/backup\.\d{8}T\d{6}Z\.info$/);
    assert.equal(await body("offsite", "matrix-offsite", moved[0]), "status=DONE size=100");
  });

  it("fails the run (and so the Job) when the off-site store refuses the copy", async () => {
    // A target bucket that does not exist (a misconfigured target): no_check_bucket, so rclone
    // does not create it, and every upload fails. rclone retries the whole copy (--retries 3).
    const misconfigured = { ...plan, target: { ...plan.target, bucket: "no-such-bucket" } };
    const configPath = path.join(dir, "config", "rclone.conf");
    fs.writeFileSync(configPath, rcloneConfig(misconfigured));
    fs.writeFileSync(path.join(dir, "config", "copy.sh"), rcloneCopyScript(misconfigured, configPath));
    try {
      await assert.rejects(copyOnce(), (e: { code?: number }) => typeof e.code === "number" && e.code !== 0);
    } finally {
      fs.writeFileSync(configPath, rcloneConfig(plan));
      fs.writeFileSync(path.join(dir, "config", "copy.sh"), rcloneCopyScript(plan, configPath));
    }
  });
});
