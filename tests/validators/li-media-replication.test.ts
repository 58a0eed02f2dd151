/**
 * LI's media copy on the existing platform, run by the real MinIO server and mc
 * (scripts/provision.d/56-minio.sh) with what the program renders for a production
 * existing-cluster stack with LI: the tenant's config.env and the bucket Job's configure.sh. An
 * object uploaded to main's media bucket reaches LI's bucket; deleting it on main (a delete
 * marker) and then purging every version of it leave LI's copy readable; a re-run of the Job
 * keeps one rule.
 */
import { strict as assert } from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { MINIO_BUCKETS } from "../../components/data/minio";
import { PortAllocator } from "../../e2e/ports";
import { Supervisor, waitHttpOk } from "../../e2e/procs";
import { TOOL_CACHE } from "../../scripts/tool-cache";
import { unwrapSecrets } from "../../stacks/mock-engine";
import { ofType, runStack } from "../helpers/run-stack";

const run = promisify(execFile);
const PROVISION = path.resolve(__dirname, "../../scripts/provision.d/56-minio.sh");
const MINIO_VERSION = /^MINIO_MODULE_VERSION="([^"]+)"$/m.exec(fs.readFileSync(PROVISION, "utf8"))![1];
const BIN = path.join(TOOL_CACHE, `minio-${MINIO_VERSION}`);
const MAIN = MINIO_BUCKETS.media;
const LI = MINIO_BUCKETS.liMedia;

describe("LI media replication run by the real MinIO and mc: main's deletes never reach LI", function () {
  this.timeout(300_000);
  let sup: Supervisor;
  let dir: string;
  let endpoint: string;
  let configure: () => Promise<unknown>;
  const ports = new PortAllocator();

  const mc = async (...args: string[]) => (await run(path.join(BIN, "mc"), ["--json", ...args], {
    env: { PATH: `${BIN}:/usr/bin:/bin`, HOME: path.join(dir, "home"), MC_CONFIG_DIR: path.join(dir, "mc") },
    timeout: 60_000,
  })).stdout;
  const lines = (out: string) => out.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l));
  /** Replication is asynchronous: wait (bounded) until LI's bucket has the object. */
  const replicated = async (key: string) => {
    for (let i = 0; i < 120; i++) {
      try {
        return await mc("cat", `local/${LI}/${key}`);
      } catch {
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    throw new Error(`${key} never reached ${LI}`);
  };

  before(async () => {
    if (!fs.existsSync(path.join(BIN, "minio")) || !fs.existsSync(path.join(BIN, "mc"))) throw new Error(`${BIN}/minio or mc is missing: run bash scripts/provision.sh (56-minio.sh builds them)`);
    const stack = await runStack("prod-existing-1k", { li: "true", liInvestigatorCidrs: "203.0.113.0/24" });
    const secret = ofType(stack, "kubernetes:core/v1:Secret").find((s) => (s.inputs.metadata as { name?: string }).name === "object-store-env-configuration")!;
    const settings = ofType(stack, "kubernetes:core/v1:ConfigMap").find((c) => (c.inputs.metadata as { name?: string }).name === "object-store-bucket-settings")!;
    const tenantSpec = ofType(stack, "kubernetes:minio.min.io/v2:Tenant")[0].inputs.spec as { pools: { servers: number; volumesPerServer: number }[] };
    const driveCount = tenantSpec.pools[0].servers * tenantSpec.pools[0].volumesPerServer;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "minio-li-"));
    for (const d of ["env", "settings", "home", "mc", ...Array.from({ length: driveCount }, (_, i) => `drives/d${i + 1}`)]) fs.mkdirSync(path.join(dir, d), { recursive: true });
    fs.writeFileSync(path.join(dir, "env", "config.env"), (unwrapSecrets(secret.inputs) as { stringData: Record<string, string> }).stringData["config.env"]);
    for (const [file, text] of Object.entries(settings.inputs.data as Record<string, string>)) fs.writeFileSync(path.join(dir, "settings", file), text);
    sup = new Supervisor(Supervisor.freshRunDir());
    const port = await ports.take();
    const consolePort = await ports.take();
    endpoint = `http://127.0.0.1:${port}`;
    const server = sup.start({
      name: "minio",
      command: path.join(BIN, "minio"),
      args: ["server", "--address", `127.0.0.1:${port}`, "--console-address", `127.0.0.1:${consolePort}`, `${dir}/drives/d{1...${driveCount}}`],
      env: { MINIO_CONFIG_ENV_FILE: path.join(dir, "env", "config.env"), MINIO_CI_CD: "1", HOME: path.join(dir, "home") },
    });
    await waitHttpOk(`${endpoint}/minio/health/ready`, { timeoutMs: 60_000, proc: server, sup });
    // The Job's script as the container runs it, its mounts under the test directory.
    const script = fs.readFileSync(path.join(dir, "settings", "configure.sh"), "utf8")
      .replaceAll("/env/", `${dir}/env/`).replaceAll("/settings/", `${dir}/settings/`).replaceAll("/tmp/mc", `${dir}/mc`);
    fs.writeFileSync(path.join(dir, "configure.sh"), script);
    configure = () => run("sh", [path.join(dir, "configure.sh")], { env: { PATH: `${BIN}:/usr/bin:/bin`, HOME: path.join(dir, "home"), ENDPOINT: endpoint }, timeout: 120_000 });
    await configure();
  });
  after(async () => {
    await sup?.stopAll();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("the Job leaves one rule on main's bucket: existing objects replicated, delete markers and deletes not", async () => {
    const rules = lines(await mc("replicate", "ls", `local/${MAIN}`)).map((l) => l.rule).filter(Boolean);
    assert.equal(rules.length, 1, JSON.stringify(rules));
    assert.equal(rules[0].Status, "Enabled");
    assert.equal(rules[0].DeleteMarkerReplication.Status, "Disabled");
    assert.equal(rules[0].DeleteReplication.Status, "Disabled");
    assert.equal(rules[0].ExistingObjectReplication.Status, "Enabled");
    assert.match(rules[0].Destination.Bucket, new RegExp(`:${LI}$`));
  });

  it("an upload to main reaches LI, and stays readable there after main deletes it and purges every version", async () => {
    const key = "local_content/ab/cd/efghijklmnopqrstuvwx";
    const file = path.join(dir, "home", "upload.bin");
    fs.writeFileSync(file, "evidence: a picture main will delete\n");
    await mc("cp", file, `local/${MAIN}/${key}`);
    assert.equal(await replicated(key), "evidence: a picture main will delete\n");
    // Deleted on main: a delete marker (what an S3 DELETE does on a versioned bucket).
    await mc("rm", `local/${MAIN}/${key}`);
    await assert.rejects(mc("cat", `local/${MAIN}/${key}`), "main no longer serves it");
    // Purged on main: every version removed for good.
    await mc("rm", "--versions", "--force", `local/${MAIN}/${key}`);
    assert.deepEqual(lines(await mc("ls", "--versions", `local/${MAIN}/${key}`)).filter((l) => l.key), [], "main has no version left");
    // Give replication time to carry anything it were going to, then read LI's copy.
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal(await mc("cat", `local/${LI}/${key}`), "evidence: a picture main will delete\n");
  });

  it("objects already in main's bucket before the rule are copied too, and a re-run of the Job keeps one rule", async () => {
    // Remove the rule, upload, re-run the Job: existing-object replication carries the upload.
    await mc("replicate", "rm", "--all", "--force", `local/${MAIN}`);
    const key = "local_content/zz/yy/before-the-rule";
    const file = path.join(dir, "home", "before.bin");
    fs.writeFileSync(file, "uploaded before LI was switched on\n");
    await mc("cp", file, `local/${MAIN}/${key}`);
    await configure();
    assert.equal(await replicated(key), "uploaded before LI was switched on\n");
    const ruleIds = async () => lines(await mc("replicate", "ls", `local/${MAIN}`)).filter((l) => l.rule).map((l) => l.rule.ID);
    const first = await ruleIds();
    await configure();
    assert.equal(first.length, 1);
    assert.deepEqual(await ruleIds(), first, "a re-run keeps the rule it finds");
  });
});
