/**
 * The LI sync against real programs: Debian's PostgreSQL 15 (main's server and LI's, both with
 * wal_level=logical) and real Synapse from the venv. Main is the dev stack's rendered monolith
 * (e2e topology); the rendered publication, subscription, script and merge SQL run as the Jobs
 * would. A message sent, redacted and purged on main (and another redacted and pruned) is in the
 * archive, and a synapse-li started on the refreshed database returns both originals through the
 * fetch_event admin API.
 *
 * synapse-li's config here is main's rendered homeserver.yaml with its database moved to LI's
 * server, federation, registration, Redis and workers off, redactions kept and MSC2815 on.
 */
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { withTopology, makePlan } from "../../e2e/run";
import { stackInputs } from "../../e2e/render";
import { startPostgres } from "../../e2e/services";
import { synapsePython } from "../../e2e/topology";
import { eventually, waitHttpOk } from "../../e2e/procs";
import { PortAllocator } from "../../e2e/ports";
import { MatrixHttp, registerWithSharedSecret } from "../../e2e/client";
import { toYaml } from "../../render/synapse";
import { accountsSql, exporterQueriesYaml, mergeSql, publicationSql, runsTableSql, subscriptionSql } from "../../render/li/sync-sql";
import { LI_SYNC_SQL_FILES, renderSyncScript } from "../../render/li/sync-script";
import { LI_SYNC_NAMES } from "../../render/li/sync-tables";
import { exposedNames } from "../../e2e/metrics";
import { deadQueriesOf, usedMetricNames } from "../../components/monitoring/metric-sources";

const READER = "li_sync";
const READER_PASSWORD = "reader-" + Math.random().toString(36).slice(2);
const LI_PASSWORD = "li-" + Math.random().toString(36).slice(2);

describe("LI sync on real PostgreSQL and Synapse", function () {
  this.timeout(600_000);

  it("keeps a redacted, purged message and a pruned one, and synapse-li serves both originals after a refresh", async () => {
    const inputs = stackInputs("none");
    const ports = new PortAllocator();
    await withTopology(makePlan(inputs), async (topo) => {
      const { plan, sup } = topo;
      const pg = { sql: (q: string, db?: string) => topo.pg.sql(q, db).trim() };
      const mainPort = plan.postgres.port;
      const mainDb = plan.postgres.databases[0];
      // Main's side, as the platform provisions it: a role that may replicate and read, nothing else.
      pg.sql(`CREATE ROLE ${READER} LOGIN REPLICATION PASSWORD '${READER_PASSWORD}'`);
      const liPort = await ports.take();
      const liRaw = await startPostgres(sup, liPort, [{ dbname: "synapse_li", user: "synapse_li", password: LI_PASSWORD }], 50, { name: "postgres-li" });
      // PostgreSQL 15 has no pg_create_subscription role (16 does, and the stack runs 17): here
      // the subscription's owner has to be a superuser.
      const li = { sql: (q: string, db?: string) => liRaw.sql(q, db).trim() };
      li.sql("ALTER ROLE synapse_li CREATEDB SUPERUSER");

      // The publication, as the publisher Job runs it: as the owner of Synapse's tables, on main.
      const sqlDir = path.join(sup.runDir, "li-sync");
      fs.mkdirSync(sqlDir, { recursive: true });
      fs.writeFileSync(path.join(sqlDir, "publication.sql"), publicationSql(READER));
      fs.writeFileSync(path.join(sqlDir, LI_SYNC_SQL_FILES.merge), mergeSql());
      fs.writeFileSync(path.join(sqlDir, LI_SYNC_SQL_FILES.accounts), accountsSql());
      fs.writeFileSync(path.join(sqlDir, LI_SYNC_SQL_FILES.subscription), subscriptionSql());
      fs.writeFileSync(path.join(sqlDir, LI_SYNC_SQL_FILES.runs), runsTableSql());
      const script = path.join(sqlDir, "li-sync");
      fs.writeFileSync(script, renderSyncScript(), { mode: 0o755 });
      execFileSync("psql", ["-X", "-q", "-d", `host=127.0.0.1 port=${mainPort} dbname=${mainDb.dbname} user=${mainDb.user}`, "-f", path.join(sqlDir, "publication.sql")], { env: { ...process.env, PGPASSWORD: mainDb.password } });
      assert.equal(pg.sql("SELECT pubinsert::text || pubupdate::text || pubdelete::text FROM pg_publication WHERE pubname = 'li_evidence'", mainDb.dbname), "truefalsefalse");

      const env = {
        ...process.env,
        // No standby on loopback: the read host is main's server itself.
        MAIN_READ_HOST: "127.0.0.1", MAIN_PRIMARY_HOST: "127.0.0.1", MAIN_PORT: String(mainPort), MAIN_DATABASE: mainDb.dbname,
        MAIN_USER: READER, MAIN_PASSWORD: READER_PASSWORD, MAIN_SSLMODE: "disable", MAIN_SUBSCRIPTION_SSLMODE: "disable",
        LI_HOST: "127.0.0.1", LI_PORT: String(liPort), LI_DATABASE: "synapse_li", LI_USER: "synapse_li", LI_PASSWORD, LI_SSLMODE: "disable",
        SQL_DIR: sqlDir,
      };
      const run = (cmd: string) => {
        try {
          return execFileSync(script, [cmd], { env, stdio: ["ignore", "pipe", "pipe"] }).toString();
        } catch (e) {
          const err = e as { stderr?: Buffer; stdout?: Buffer };
          throw new Error(`li-sync ${cmd} failed: ${err.stderr?.toString()}${err.stdout?.toString()}`);
        }
      };
      run("ensure");
      const archive = (q: string) => li.sql(q, LI_SYNC_NAMES.archiveDatabase);
      await eventually("the subscription's apply worker", async () => (archive("SELECT count(*) FROM pg_stat_subscription WHERE pid IS NOT NULL") === "1" ? true : undefined), 60_000);

      // Main: an admin sends two messages and redacts both; one room's history is then purged.
      const mainUrl = new URL(plan.processes[0].healthUrl).origin;
      const http = new MatrixHttp(mainUrl);
      const admin = await registerWithSharedSecret(http, plan.registrationSecret, "officer", "officer-pass-1", true);
      const auth = { token: admin.accessToken };
      const room = (await http.call("POST", "/_matrix/client/v3/createRoom", { ...auth, label: "room", body: { name: "evidence" } })).json.room_id as string;
      const send = async (r: string, body: string) => (await http.call("PUT", `/_matrix/client/v3/rooms/${encodeURIComponent(r)}/send/m.room.message/${Math.random()}`, { ...auth, label: "send", body: { msgtype: "m.text", body } })).json.event_id as string;
      const redact = (r: string, ev: string) => http.call("PUT", `/_matrix/client/v3/rooms/${encodeURIComponent(r)}/redact/${encodeURIComponent(ev)}/${Math.random()}`, { ...auth, label: "redact", body: { reason: "gone" } });
      const purged = await send(room, "the purged original");
      await redact(room, purged);
      await send(room, "a later message the purge keeps");
      const room2 = (await http.call("POST", "/_matrix/client/v3/createRoom", { ...auth, label: "room2", body: { name: "pruned" } })).json.room_id as string;
      const pruned = await send(room2, "the pruned original");
      await redact(room2, pruned);

      const { json: p } = await http.call("POST", `/_synapse/admin/v1/purge_history/${encodeURIComponent(room)}`, { ...auth, label: "purge", body: { delete_local_events: true, purge_up_to_ts: Date.now() } });
      await eventually("the purge", async () => {
        const { json } = await http.call("GET", `/_synapse/admin/v1/purge_history_status/${p.purge_id}`, { ...auth, label: "purge status" });
        return json.status === "complete" ? true : undefined;
      }, 60_000);
      const q = (s: string) => pg.sql(s, mainDb.dbname);
      assert.equal(q(`SELECT count(*) FROM events WHERE event_id = '${purged}'`), "0", "main purged the event");
      assert.equal(q(`SELECT count(*) FROM event_json WHERE event_id = '${purged}'`), "0");
      // Redaction pruning runs after redaction_retention_period (7 days on main without LI): it is
      // done here as Synapse's _censor_redactions does it, an UPDATE of event_json.
      q(`UPDATE event_json SET json = (json::jsonb - 'content' || '{"content": {}}'::jsonb)::text WHERE event_id = '${pruned}'`);
      q(`UPDATE redactions SET have_censored = true WHERE redacts = '${pruned}'`);
      assert.doesNotMatch(q(`SELECT json FROM event_json WHERE event_id = '${pruned}'`), /pruned original/);

      // The archive has both originals: inserts reached it, the DELETEs and the UPDATE did not.
      await eventually("the archive to have the originals", async () =>
        /purged original/.test(archive(`SELECT string_agg(json, '') FROM event_json WHERE event_id IN ('${purged}', '${pruned}')`)) &&
        /pruned original/.test(archive(`SELECT string_agg(json, '') FROM event_json WHERE event_id IN ('${purged}', '${pruned}')`)) ? true : undefined, 60_000);
      assert.equal(archive(`SELECT count(*) FROM events WHERE event_id = '${purged}'`), "1");

      // The refresh: clone, merge, swap.
      const out = run("refresh");
      assert.match(out + archive("SELECT status FROM li_sync_runs ORDER BY id DESC LIMIT 1"), /ok$/);
      const restored = archive("SELECT restored_rows || ' ' || restored_json FROM li_sync_runs ORDER BY id DESC LIMIT 1").split(" ").map(Number);
      assert.ok(restored[0] > 0, `rows put back: ${restored[0]}`);
      assert.ok(restored[1] >= 1, `unredacted events put back: ${restored[1]}`);
      const liq = (s: string) => li.sql(s, "synapse_li");
      assert.equal(liq(`SELECT count(*) FROM events WHERE event_id = '${purged}'`), "1");
      assert.equal(liq("SELECT count(*) FROM access_tokens"), "0", "main's tokens are not valid on LI");

      // synapse-li on the refreshed database.
      const hs = parse(fs.readFileSync(plan.processes[0].configFiles[0], "utf8")) as Record<string, any>;
      const liHttp = await ports.take();
      const liDir = path.join(sup.runDir, "synapse-li");
      fs.mkdirSync(path.join(liDir, "media"), { recursive: true });
      const liConfig = {
        ...hs,
        listeners: [{ port: liHttp, bind_addresses: ["127.0.0.1"], type: "http", tls: false, x_forwarded: false, resources: [{ names: ["client"], compress: false }] }],
        database: { name: "psycopg2", args: { host: "127.0.0.1", port: liPort, dbname: "synapse_li", user: "synapse_li", password: LI_PASSWORD, cp_min: 1, cp_max: 5 } },
        redis: { enabled: false },
        federation_domain_whitelist: [],
        enable_registration: false,
        redaction_retention_period: null,
        experimental_features: { ...(hs.experimental_features ?? {}), msc2815_enabled: true },
        media_store_path: path.join(liDir, "media"),
        pid_file: path.join(liDir, "synapse.pid"),
      };
      for (const k of ["instance_map", "stream_writers", "media_storage_providers", "federation_sender_instances", "pusher_instances", "run_background_tasks_on", "outbound_federation_restricted_to", "update_user_directory_from_worker", "notify_appservices_from_worker", "media_instance_running_background_jobs", "enable_media_repo", "start_pushers", "send_federation", "worker_replication_secret_path"]) delete (liConfig as Record<string, unknown>)[k];
      const liFile = path.join(liDir, "homeserver.yaml");
      fs.writeFileSync(liFile, toYaml(liConfig));
      const liProc = sup.start({ name: "synapse-li", command: synapsePython(), args: ["-m", "synapse.app.homeserver", "-c", liFile], env: { PYTHONDONTWRITEBYTECODE: "1" } });
      await waitHttpOk(`http://127.0.0.1:${liHttp}/health`, { timeoutMs: 180_000, proc: liProc, sup });

      // An investigator (LI's own admin) reads both originals.
      const lhttp = new MatrixHttp(`http://127.0.0.1:${liHttp}`);
      await assert.rejects(lhttp.call("POST", "/_matrix/client/v3/login", { label: "main's password", body: { type: "m.login.password", identifier: { type: "m.id.user", user: "officer" }, password: "officer-pass-1" } }), /HTTP 403/);
      const inv = await registerWithSharedSecret(lhttp, plan.registrationSecret, "investigator", "inv-pass-1", true);
      for (const [ev, text] of [[purged, "the purged original"], [pruned, "the pruned original"]]) {
        const { json } = await lhttp.call("GET", `/_synapse/admin/v1/fetch_event/${encodeURIComponent(ev)}`, { token: inv.accessToken, label: "fetch_event" });
        assert.equal(json.event.content.body, text, JSON.stringify(json));
      }
      // The metrics: the real postgres_exporter with the rendered queries on the archive database.
      const queries = path.join(sqlDir, "queries.yaml");
      fs.writeFileSync(queries, exporterQueriesYaml());
      const exPort = await ports.take();
      sup.start({
        name: "li-sync-exporter",
        command: "prometheus-postgres-exporter",
        args: [`--extend.query-path=${queries}`, "--disable-settings-metrics", `--web.listen-address=127.0.0.1:${exPort}`],
        env: { DATA_SOURCE_NAME: `postgresql://synapse_li:${LI_PASSWORD}@127.0.0.1:${liPort}/${LI_SYNC_NAMES.archiveDatabase}?sslmode=disable` },
      });
      const metrics = await eventually("the exporter's li_sync series", async () => {
        const text = await fetch(`http://127.0.0.1:${exPort}/metrics`).then((r) => r.text()).catch(() => "");
        return /^li_sync_refresh_last_success_timestamp_seconds[{ ]/m.test(text) && /^li_sync_subscription_apply_running[{ ]/m.test(text) ? text : undefined;
      }, 60_000);
      const value = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, "m").exec(metrics)?.[1]);
      assert.ok(value("li_sync_refresh_last_success_timestamp_seconds") > Date.now() / 1000 - 600, metrics);
      assert.equal(value("li_sync_subscription_apply_running"), 1);
      assert.equal(value("li_sync_refresh_failures"), 0);
      assert.ok(value("li_sync_refresh_last_restored_rows") > 0);
      // Every name the li-sync alerts read is one this exporter really serves.
      assert.deepEqual(deadQueriesOf("li-sync", [...exposedNames(metrics)]), []);
      assert.ok(usedMetricNames().some((u) => u.job === "li-sync"), "the monitoring reads li-sync series");

      // A second refresh keeps the investigator's account.
      await sup.stop(liProc);
      run("refresh");
      assert.equal(li.sql("SELECT admin FROM users WHERE name LIKE '@investigator:%'", "synapse_li"), "1");
    }, { deadlineMs: 560_000 });
  });
});
