/**
 * The clouds' PostgreSQL and Redis exporters, for real, with what the stack renders for them:
 *
 * - PostgreSQL: Debian's PostgreSQL over TLS (the managed servers refuse anything else), the
 *   monitoring login made by the bootstrap Job's SQL (grantedRoleSql, as on RDS), and Debian's
 *   postgres_exporter with the rendered DATA_SOURCE_URI and arguments. It connects (pg_up 1, over
 *   TLS), serves every pg_* name the alerts and dashboards read of job postgresql (but the one its
 *   0.11 predates, documented in metric-sources.ts), and its login reads no consumer's table. With
 *   the rendered sslrootcert (verify-ca, verify-full) it connects under the server's CA and not
 *   under another: lib/pq, the bridges' driver too, really checks the chain.
 * - Redis: Debian's redis-server on TLS only, with AUTH and without CONFIG (as ElastiCache and
 *   Memorystore restrict it), and Debian's redis_exporter with the rendered arguments: rediss:// and
 *   the server's private CA (Memorystore's case). It connects and serves every redis_* name read;
 *   with another CA it refuses the server (redis_up 0): the certificate is really checked.
 */
import { strict as assert } from "assert";
import { execFileSync, spawn, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { Supervisor } from "../../e2e/procs";
import { startPostgres, type PgInstance } from "../../e2e/services";
import { pki } from "../../e2e/internal-pki";
import { PortAllocator } from "../../e2e/ports";
import { exposedNames } from "../../e2e/metrics";
import { grantedRoleSql } from "../../components/data/postgres-bootstrap";
import { MONITORING_ROLE } from "../../components/contracts";
import { postgresExporterArgs, postgresExporterDataSource } from "../../components/k8s/postgres-exporter";
import { EXPORTER_DATABASE, redisExporterArgs } from "../../components/monitoring/managed-data-exporters";
import { deadQueriesOf, usedMetricNames } from "../../components/monitoring/metric-sources";
import { postgresTlsSettings } from "../helpers/tls-postgres";

const MONITOR_PASSWORD = "monitor-" + Math.random().toString(36).slice(2);
const REDIS_PASSWORD = "redis-" + Math.random().toString(36).slice(2);
const OWNER = { dbname: "synapse", user: "synapse", password: "synapse-" + Math.random().toString(36).slice(2) };

/** The rendered listen address, moved to a free loopback port (the flag may be given once). */
const onPort = (args: string[], port: number) => args.map((a) => (a.startsWith("--web.listen-address=") ? `--web.listen-address=127.0.0.1:${port}` : a));

async function scrapeUntil(url: string, ready: (text: string) => boolean, what: string, proc: ChildProcess, log: () => string): Promise<string> {
  const deadline = Date.now() + 20_000;
  let last = "";
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`${what} exited (${proc.exitCode}): ${log()}`);
    try {
      const res = await fetch(url);
      last = await res.text();
      if (res.ok && ready(last)) return last;
    } catch (e) {
      last = (e as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`${what} never became ready at ${url}: ${last.slice(0, 500)}\n${log()}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** An exporter process in its own group, its output kept for failures. */
function startExporter(command: string, args: string[], env: Record<string, string>): { proc: ChildProcess; log: () => string } {
  let out = "";
  const proc = spawn(command, args, { env: { PATH: process.env.PATH ?? "", ...env }, stdio: ["ignore", "pipe", "pipe"], detached: true });
  proc.stdout!.on("data", (d) => (out += d.toString()));
  proc.stderr!.on("data", (d) => (out += d.toString()));
  return { proc, log: () => out.slice(-2000) };
}
const stop = (p: ChildProcess) => {
  try {
    process.kill(-p.pid!, "SIGKILL");
  } catch {
    // already gone
  }
};
const sample = (text: string, name: string) => text.split("\n").find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));

describe("managed PostgreSQL and Redis exporters with the rendered settings (real programs)", function () {
  const sup = new Supervisor(Supervisor.freshRunDir());
  const ports = new PortAllocator();
  const certs = pki(path.join(sup.runDir, "pki"));
  const exporters: ChildProcess[] = [];
  let pg: PgInstance;

  before(async () => {
    certs.ca("server-ca");
    certs.ca("foreign");
    certs.leaf("server", "server-ca", "localhost", { dns: ["localhost"], usage: "serverAuth" });
    pg = await startPostgres(sup, await ports.take(), [OWNER], 20, {
      settings: postgresTlsSettings(sup.runDir, certs.file("server.crt"), certs.file("server.crt.key")),
    });
    // A consumer's table, which the monitoring login must not read.
    execFileSync("psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", `host=127.0.0.1 port=${pg.port} dbname=${OWNER.dbname} user=${OWNER.user} sslmode=require`, "-c", "CREATE TABLE users (name text); INSERT INTO users VALUES ('alice')"], { env: { ...process.env, PGPASSWORD: OWNER.password } });
    // The bootstrap Job's SQL, run as the Job runs it: psql -v ON_ERROR_STOP=1 -f, the password from its environment.
    const admin = "admin-" + Math.random().toString(36).slice(2);
    pg.sql(`ALTER ROLE postgres PASSWORD '${admin}'`);
    const sqlFile = path.join(sup.runDir, "monitor.sql");
    fs.writeFileSync(sqlFile, grantedRoleSql(MONITORING_ROLE, ["pg_monitor"]));
    for (let run = 0; run < 2; run++) {
      // Twice: it is idempotent, as a re-run Job must be.
      execFileSync("psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", String(pg.port), "-U", "postgres", "-d", "postgres", "-f", sqlFile], {
        env: { ...process.env, [`PW_${MONITORING_ROLE.toUpperCase()}`]: MONITOR_PASSWORD, PGPASSWORD: admin, PGSSLMODE: "require" },
        stdio: ["ignore", "pipe", "pipe"],
      });
    }
  });
  after(() => {
    for (const p of exporters) stop(p);
    sup.stopAll();
  });

  it("postgres_exporter logs in as the monitoring role over TLS and serves every pg_* name read of job postgresql", async () => {
    const port = await ports.take();
    const { proc, log } = startExporter("prometheus-postgres-exporter", onPort(postgresExporterArgs(), port), {
      DATA_SOURCE_URI: postgresExporterDataSource("127.0.0.1", pg.port, EXPORTER_DATABASE, "require"),
      DATA_SOURCE_USER: MONITORING_ROLE,
      DATA_SOURCE_PASS: MONITOR_PASSWORD,
    });
    exporters.push(proc);
    const text = await scrapeUntil(`http://127.0.0.1:${port}/metrics`, (t) => /^pg_up 1$/m.test(t) && /^pg_stat_database_numbackends\{/m.test(t), "postgres_exporter", proc, log);
    assert.deepEqual(deadQueriesOf("postgresql", [...exposedNames(text)]), []);
    // The check above covers something: the pg_* names the rules read are among the used ones.
    assert.ok(usedMetricNames().some((u) => u.job === "postgresql" && u.name === "pg_settings_max_connections"));
    assert.match(sample(text, "pg_settings_max_connections")!, / 20$/);
    // Its sessions are encrypted.
    assert.equal(pg.sql(`SELECT bool_and(s.ssl)::text FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.usename = '${MONITORING_ROLE}'`).trim(), "true");
  });

  it("postgres_exporter (lib/pq) verifies the server with the rendered sslrootcert: its CA passes (verify-ca on the address, verify-full on the name), another CA is refused", async () => {
    const up = async (host: string, sslMode: "verify-ca" | "verify-full", ca: string) => {
      const port = await ports.take();
      const { proc, log } = startExporter("prometheus-postgres-exporter", onPort(postgresExporterArgs(), port), {
        DATA_SOURCE_URI: postgresExporterDataSource(host, pg.port, EXPORTER_DATABASE, sslMode, certs.file(ca)),
        DATA_SOURCE_USER: MONITORING_ROLE,
        DATA_SOURCE_PASS: MONITOR_PASSWORD,
      });
      exporters.push(proc);
      const text = await scrapeUntil(`http://127.0.0.1:${port}/metrics`, (t) => /^pg_up [01]$/m.test(t), "postgres_exporter", proc, log);
      stop(proc);
      return { value: sample(text, "pg_up"), log: log() };
    };
    // Cloud SQL's case: the address, which the certificate does not name, under the server's CA.
    assert.equal((await up("127.0.0.1", "verify-ca", "server-ca.crt")).value, "pg_up 1");
    // RDS's case: the name the certificate carries.
    assert.equal((await up("localhost", "verify-full", "server-ca.crt")).value, "pg_up 1");
    const foreign = await up("127.0.0.1", "verify-ca", "foreign.crt");
    assert.equal(foreign.value, "pg_up 0");
    assert.match(foreign.log, /certificate signed by unknown authority|x509/, foreign.log);
  });

  it("the monitoring role reads statistics, not a consumer's rows", () => {
    const asMonitor = (sql: string, db: string) => execFileSync("psql", ["-X", "-At", "-v", "ON_ERROR_STOP=1", "-d", `host=127.0.0.1 port=${pg.port} dbname=${db} user=${MONITORING_ROLE} sslmode=require`, "-c", sql], { env: { ...process.env, PGPASSWORD: MONITOR_PASSWORD }, stdio: ["ignore", "pipe", "pipe"] }).toString().trim();
    // pg_monitor's functions (a role without it gets "permission denied for function pg_ls_waldir").
    assert.equal(asMonitor("SELECT count(*) >= 0 FROM pg_ls_waldir()", "postgres"), "t");
    assert.throws(() => asMonitor("SELECT * FROM users", OWNER.dbname), /permission denied/);
  });

  describe("redis_exporter on a TLS-only Redis with a private CA", () => {
    let redisPort: number;
    before(async () => {
      redisPort = await ports.take();
      const dir = path.join(sup.runDir, "redis");
      fs.mkdirSync(dir, { recursive: true });
      const proc = sup.start({
        name: "redis-tls",
        command: "redis-server",
        args: [
          "--bind", "127.0.0.1", "-::1", "--port", "0", "--tls-port", String(redisPort),
          "--tls-cert-file", certs.file("server.crt"), "--tls-key-file", certs.file("server.crt.key"), "--tls-ca-cert-file", certs.file("server-ca.crt"),
          "--tls-auth-clients", "no", "--requirepass", REDIS_PASSWORD, "--rename-command", "CONFIG", "",
          "--dir", dir, "--save", "", "--appendonly", "no", "--daemonize", "no",
        ],
      });
      const deadline = Date.now() + 15_000;
      for (;;) {
        if (proc.exitInfo) throw new Error(`redis exited: ${sup.tail(proc)}`);
        try {
          const pong = execFileSync("redis-cli", ["--tls", "--cacert", certs.file("server-ca.crt"), "-h", "localhost", "-p", String(redisPort), "--no-auth-warning", "-a", REDIS_PASSWORD, "PING"], { stdio: ["ignore", "pipe", "pipe"] }).toString().trim();
          if (pong === "PONG") break;
        } catch {
          // not up yet
        }
        if (Date.now() > deadline) throw new Error(`redis did not come up: ${sup.tail(proc)}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    });

    const run = async (caFile: string) => {
      const port = await ports.take();
      const args = onPort(redisExporterArgs({ host: "localhost", port: redisPort, tls: true, caFile }), port);
      const { proc, log } = startExporter("prometheus-redis-exporter", args, { REDIS_PASSWORD });
      exporters.push(proc);
      return { args, text: await scrapeUntil(`http://127.0.0.1:${port}/metrics`, (t) => /^redis_up [01]$/m.test(t), "redis_exporter", proc, log) };
    };

    it("connects with rediss:// and the CA, and serves every redis_* name read of job redis", async () => {
      const { args, text } = await run(certs.file("server-ca.crt"));
      assert.ok(args.includes(`--redis.addr=rediss://localhost:${redisPort}`), args.join(" "));
      assert.match(sample(text, "redis_up")!, / 1$/);
      assert.deepEqual(deadQueriesOf("redis", [...exposedNames(text)]), []);
      assert.ok(usedMetricNames().some((u) => u.job === "redis" && u.name === "redis_connected_clients"));
    });

    it("refuses the server when the CA is not the one that signed its certificate", async () => {
      const { text } = await run(certs.file("foreign.crt"));
      assert.match(sample(text, "redis_up")!, / 0$/);
    });
  });
});
