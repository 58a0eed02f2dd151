/**
 * The antivirus configs and programs, real: Debian's clamconf checks the rendered clamd.conf and
 * freshclam.conf clean; Debian's clamd starts offline on the rendered clamd.conf with a
 * signature database the test generates and answers PING and INSTREAM; freshclam on the rendered
 * freshclam.conf asks the configured private mirror (a loopback HTTP server) for the databases;
 * the scan worker, from its pinned venv, scans through that clamd; the Python suites of the scan
 * worker and the Synapse module pass.
 */
import { strict as assert } from "assert";
import { execFile, execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { renderClamdConf, renderFreshclamConf } from "../../render/antivirus";
import { eventually, Supervisor } from "../../e2e/procs";
import { clamdCommand, clamdInstreamOverLimit, counter, EICAR, planClamd, planScanWorker, SCAN_WORKER_DIR, scanWorkerPython, startClamd, startScanWorker, TEST_SIGNATURE } from "../../e2e/antivirus";
import { freePort } from "../helpers/free-port";
import { exposedNames } from "../../e2e/metrics";
import { deadQueriesOf, usedMetricNames } from "../../components/monitoring/metric-sources";
import { PROJECT_ROOT, SYNAPSE_PYTHON, requireSynapseVenv } from "./synapse-fixture";

const run = promisify(execFile);
const MAX = 50 * 1024 * 1024;

function clamconf(dir: string): string {
  const r = spawnSync("clamconf", ["-n", "-c", dir], { encoding: "utf8" });
  return `${r.stdout}${r.stderr}`;
}

describe("antivirus: the real ClamAV and scan worker", function () {
  let dir: string;
  let sup: Supervisor;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "mp-av-"));
    fs.chmodSync(dir, 0o755); // traversable by Debian's clamav user, which freshclam drops to when run as root
    sup = new Supervisor(Supervisor.freshRunDir());
  });
  after(async () => {
    await sup.stopAll();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("clamconf reads the rendered clamd.conf and freshclam.conf without an error, with the values we set", () => {
    const conf = path.join(dir, "conf");
    fs.mkdirSync(conf);
    fs.writeFileSync(path.join(conf, "clamd.conf"), renderClamdConf({ tcpAddr: "0.0.0.0", tcpPort: 3310, databaseDirectory: "/var/lib/clamav", temporaryDirectory: "/tmp", streamMaxBytes: MAX, maxThreads: 10, selfCheckSeconds: 3600 }));
    for (const mirror of ["https://database.clamav.net", "https://clamav-mirror.corp.example:8443/clamav/"]) {
      fs.writeFileSync(path.join(conf, "freshclam.conf"), renderFreshclamConf({ databaseDirectory: "/var/lib/clamav", mirror, checksPerDay: 12, notifyClamdConf: "/etc/clamav/clamd.conf" }));
      const out = clamconf(conf);
      assert.doesNotMatch(out, /ERROR|WARNING/, out);
      assert.match(out, /Config file: clamd\.conf[\s\S]*StreamMaxLength = "52428800"/);
      assert.match(out, /TCPSocket = "3310"/);
      assert.match(out, /Foreground = "yes"/);
      if (mirror.includes("database.clamav.net")) assert.match(out, /DatabaseMirror = "database\.clamav\.net"/);
      else assert.match(out, /PrivateMirror = "https:\/\/clamav-mirror\.corp\.example:8443\/clamav"/);
    }
  });

  it("clamconf is a real check: an unknown option is reported", () => {
    const conf = path.join(dir, "bad");
    fs.mkdirSync(conf);
    fs.writeFileSync(path.join(conf, "clamd.conf"), `${renderClamdConf({ tcpAddr: "0.0.0.0", tcpPort: 3310, databaseDirectory: "/var/lib/clamav", temporaryDirectory: "/tmp", streamMaxBytes: MAX, maxThreads: 10, selfCheckSeconds: 3600 })}StreamMaxLenght 10M\n`);
    assert.match(clamconf(conf), /ERROR: Parse error at .*Unknown option StreamMaxLenght/);
  });

  let clamdPort: number;
  it("clamd starts offline on the rendered config and the generated database, and finds EICAR over INSTREAM", async () => {
    clamdPort = await freePort();
    const plan = planClamd(path.join(dir, "clamd"), clamdPort, 1024 * 1024);
    const eicarFile = path.join(dir, "eicar.com");
    fs.writeFileSync(eicarFile, EICAR);
    assert.equal(execFileSync("sigtool", ["--md5", eicarFile]).toString().split(":")[0], fs.readFileSync(path.join(plan.databaseDirectory, "test.hdb"), "utf8").split(":")[0], "the database's hash is sigtool's");
    await startClamd(sup, plan);
    assert.equal(await clamdCommand(clamdPort, "INSTREAM", Buffer.from(EICAR)), `stream: ${TEST_SIGNATURE}.UNOFFICIAL FOUND`);
    assert.equal(await clamdCommand(clamdPort, "INSTREAM", Buffer.from("a perfectly ordinary file\n")), "stream: OK");
    // Larger than StreamMaxLength (1 MiB here; Synapse's max_upload_size in a deployment): refused, not passed.
    assert.match(await clamdInstreamOverLimit(clamdPort, 1024 * 1024), /size limit exceeded.*ERROR/);
    // ...and a stream just inside it is scanned.
    assert.equal(await clamdCommand(clamdPort, "INSTREAM", Buffer.alloc(1024 * 1024, 0x61)), "stream: OK");
    const clamdscan = spawnSync("clamdscan", [`--config-file=${plan.confFile}`, "--ping", "1"], { encoding: "utf8" });
    assert.equal(clamdscan.status, 0, `clamdscan --ping (the readiness probe's command): ${clamdscan.stdout}${clamdscan.stderr}`);
  });

  it("freshclam on the rendered config asks the private mirror for the databases", async () => {
    const asked: string[] = [];
    const mirror = http.createServer((req, res) => {
      asked.push(req.url ?? "");
      res.statusCode = 404;
      res.end();
    });
    await new Promise<void>((r) => mirror.listen(0, "127.0.0.1", () => r()));
    const port = (mirror.address() as { port: number }).port;
    const db = path.join(dir, "freshclam-db");
    fs.mkdirSync(db, { mode: 0o777 });
    fs.chmodSync(db, 0o777); // freshclam run as root drops to Debian's clamav user
    const conf = path.join(dir, "freshclam.conf");
    fs.writeFileSync(conf, renderFreshclamConf({ databaseDirectory: db, mirror: `http://127.0.0.1:${port}/clamav/`, checksPerDay: 12 }));
    const r = await run("freshclam", [`--config-file=${conf}`, "--no-warnings"], { timeout: 60_000 }).catch((e) => e);
    mirror.close();
    assert.doesNotMatch(`${r.stdout}${r.stderr}`, /Parse error|Unknown option/);
    assert.ok(asked.some((u) => /^\/clamav\/(main|daily|bytecode)\.c[vl]d/.test(u)), `freshclam asked the mirror for: ${JSON.stringify(asked)}\n${r.stdout}${r.stderr}`);
  });

  it("the scan worker streams uploads to that clamd: EICAR infected, a clean file clean, counted", async () => {
    const [httpPort, metrics] = [await freePort(), await freePort()];
    const plan = planScanWorker(path.join(dir, "sw"), { http: httpPort, metrics, clamd: clamdPort }, 1024 * 1024);
    await startScanWorker(sup, plan);
    const post = (body: string | Buffer, token = plan.token) => fetch(plan.scanUrl, { method: "POST", body, headers: { Authorization: `Bearer ${token}` } });
    assert.deepEqual(await (await post(EICAR)).json(), { result: "infected", signature: `${TEST_SIGNATURE}.UNOFFICIAL` });
    assert.deepEqual(await (await post("hello\n")).json(), { result: "clean" });
    assert.equal((await post("hello", "wrong")).status, 401);
    assert.equal((await post(Buffer.alloc(1024 * 1024 + 1))).status, 413);
    assert.equal((await fetch(`http://127.0.0.1:${httpPort}/readyz`)).status, 200);
    const text = await (await fetch(`http://127.0.0.1:${metrics}/metrics`)).text();
    assert.equal(counter(text, "scan_worker_scanned_total"), 2);
    assert.equal(counter(text, "scan_worker_infected_total"), 1);
    assert.equal(counter(text, "scan_worker_errors_total", 'reason="unauthorized"'), 1);
    assert.equal(counter(text, "scan_worker_errors_total", 'reason="too_large"'), 1);
    assert.equal(counter(text, "scan_worker_scan_duration_seconds_count"), 2);
    // Every scan-worker name the alerts and dashboards read is on this endpoint.
    assert.ok(usedMetricNames().some((u) => u.job === "scan-worker"));
    assert.deepEqual(deadQueriesOf("scan-worker", [...exposedNames(text)]), []);
  });

  it("the clamd exporter (the pods' sidecar) reports that clamd up with its pool, and every clamd name the alerts read", async () => {
    const port = await freePort();
    const proc = sup.start({
      name: "clamd-exporter", command: scanWorkerPython(), args: ["-m", "scan_worker.clamd_exporter"], cwd: SCAN_WORKER_DIR,
      env: { CLAMD_HOST: "127.0.0.1", CLAMD_PORT: String(clamdPort), EXPORTER_HOST: "127.0.0.1", EXPORTER_PORT: String(port), PYTHONDONTWRITEBYTECODE: "1" },
    });
    const text = await eventually("the exporter's metrics", async () => {
      if (proc.exitInfo) throw new Error(`clamd-exporter exited ${JSON.stringify(proc.exitInfo)}:\n${sup.tail(proc)}`);
      const r = await fetch(`http://127.0.0.1:${port}/metrics`).catch(() => undefined);
      return r?.ok ? r.text() : undefined;
    }, 30_000, 250);
    const value = (name: string) => Number(text.split("\n").find((l) => l.startsWith(`${name} `))?.split(" ")[1]);
    assert.equal(value("clamd_up"), 1, text);
    assert.equal(value("clamd_threads_max"), 4, "clamd.conf's MaxThreads, as STATS reports it");
    assert.ok(text.includes(`clamd_build_info{engine="`), text);
    assert.ok(usedMetricNames().some((u) => u.job === "clamd"));
    assert.deepEqual(deadQueriesOf("clamd", [...exposedNames(text)]), []);
  });

  it("the scan worker's own unit tests pass (its pinned venv)", () => {
    const r = spawnSync(scanWorkerPython(), ["-m", "unittest", "discover", "-s", "tests", "-t", "."], { cwd: SCAN_WORKER_DIR, encoding: "utf8", env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1" } });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /Ran \d+ tests[\s\S]*OK/);
  });

  it("the Synapse module's trial tests pass in the Synapse venv", () => {
    requireSynapseVenv();
    const cwd = path.join(PROJECT_ROOT, "images", "synapse", "modules", "antivirus");
    const temp = fs.mkdtempSync(path.join(os.tmpdir(), "mp-trial-"));
    const r = spawnSync(SYNAPSE_PYTHON, ["-m", "twisted.trial", `--temp-directory=${path.join(temp, "_trial_temp")}`, "tests"], { cwd, encoding: "utf8", env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1" } });
    fs.rmSync(temp, { recursive: true, force: true });
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /PASSED/);
  });
});
