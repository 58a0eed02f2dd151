/**
 * What a refresh of the LI copy costs (components/li/README.md, "The LI sync"): on two loopback
 * PostgreSQL servers, a generated database shaped like Synapse's largest tables (events,
 * event_json, state_groups_state) is cloned the way the refresh does it (pg_dump -Fc | pg_restore
 * into a fresh database, indexes rebuilt), the archive copied into the clone, and the merge's
 * anti-join run; the figures and their extrapolation to each CCU profile's database size are
 * printed. No assertion: a measurement.
 *
 *   TS_NODE_TRANSPILE_ONLY=true npx ts-node scripts/li-sync-measure.ts [rows, default 2000000]
 */
import { execSync } from "child_process";
import { PortAllocator } from "../e2e/ports";
import { Supervisor } from "../e2e/procs";
import { startPostgres } from "../e2e/services";
import { CCU_PROFILES } from "../catalog/profiles";
import { size } from "../sizing";
import { devSpecAndSizing } from "../e2e/render";

async function main(): Promise<void> {
  const rows = Number(process.argv[2] ?? 2_000_000);
  const sup = new Supervisor(Supervisor.freshRunDir());
  const ports = new PortAllocator();
  try {
    const mainPort = await ports.take();
    const liPort = await ports.take();
    const pw = "measure";
    const main = await startPostgres(sup, mainPort, [{ dbname: "synapse", user: "synapse", password: pw }], 50, { name: "pg-main", settings: ["maintenance_work_mem=256MB"] });
    const li = await startPostgres(sup, liPort, [{ dbname: "synapse_li_archive", user: "synapse_li", password: pw }], 50, { name: "pg-li", settings: ["maintenance_work_mem=256MB"] });
    li.sql("ALTER ROLE synapse_li CREATEDB");
    const gen = `
      CREATE TABLE events (stream_ordering bigint, topological_ordering bigint, event_id text NOT NULL, type text, room_id text, sender text, origin_server_ts bigint, received_ts bigint);
      CREATE TABLE event_json (event_id text NOT NULL, room_id text, internal_metadata text, json text, format_version int);
      CREATE TABLE state_groups_state (state_group bigint, room_id text, type text, state_key text, event_id text);
      INSERT INTO events SELECT i, i, '$ev' || md5(i::text), 'm.room.message', '!room' || (i % 5000) || ':example.org', '@user' || (i % 20000) || ':example.org', 1700000000000 + i, 1700000000000 + i FROM generate_series(1, ${rows}) i;
      INSERT INTO event_json SELECT '$ev' || md5(i::text), '!room' || (i % 5000) || ':example.org', '{}', '{"content":{"body":"' || repeat(md5(i::text), 6) || '","msgtype":"m.text"},"type":"m.room.message"}', 3 FROM generate_series(1, ${rows}) i;
      INSERT INTO state_groups_state SELECT i / 4, '!room' || (i % 5000) || ':example.org', 'm.room.member', '@user' || (i % 20000) || ':example.org', '$ev' || md5(i::text) FROM generate_series(1, ${rows}) i;`;
    main.sql(`SET ROLE synapse; ${gen}`, "synapse");
    main.sql("SET ROLE synapse; CREATE UNIQUE INDEX ON events (event_id); CREATE UNIQUE INDEX ON events (stream_ordering); CREATE UNIQUE INDEX ON event_json (event_id); CREATE INDEX ON state_groups_state (state_group); CREATE INDEX ON events (room_id, topological_ordering, stream_ordering)", "synapse");
    // The archive holds the same rows, without keys (as the subscription fills it).
    li.sql(`SET ROLE synapse_li; ${gen}`, "synapse_li_archive");
    const bytes = Number(main.sql("SELECT pg_database_size('synapse')", "synapse"));
    const archiveBytes = Number(li.sql("SELECT pg_database_size('synapse_li_archive')", "synapse_li_archive"));
    const env = { ...process.env, PGPASSWORD: pw };
    const time = (what: string, cmd: string) => {
      const t0 = Date.now();
      execSync(cmd, { env, stdio: ["ignore", "ignore", "inherit"], shell: "/bin/bash" });
      const s = (Date.now() - t0) / 1000;
      console.log(`${what}: ${s.toFixed(1)} s`);
      return s;
    };
    const liConn = (db: string) => `"host=127.0.0.1 port=${liPort} dbname=${db} user=synapse_li"`;
    li.sql("CREATE DATABASE synapse_li_next OWNER synapse_li TEMPLATE template0");
    const clone = time("clone (pg_dump -Fc | pg_restore, indexes included)", `set -o pipefail; pg_dump -d "host=127.0.0.1 port=${mainPort} dbname=synapse user=synapse" -Fc --compress=0 --no-owner | pg_restore --no-owner --exit-on-error -d ${liConn("synapse_li_next")}`);
    li.sql("SET ROLE synapse_li; CREATE SCHEMA li_archive", "synapse_li_next");
    li.sql("SET ROLE synapse_li; CREATE TABLE li_archive.events AS SELECT * FROM public.events WITH NO DATA; CREATE TABLE li_archive.event_json AS SELECT * FROM public.event_json WITH NO DATA; CREATE TABLE li_archive.state_groups_state AS SELECT * FROM public.state_groups_state WITH NO DATA", "synapse_li_next");
    const copy = time("archive copy (COPY pipe, three tables)", ["events", "event_json", "state_groups_state"].map((t) =>
      `psql -X -q -d ${liConn("synapse_li_archive")} -c "\\copy public.${t} TO STDOUT" | psql -X -q -d ${liConn("synapse_li_next")} -c "\\copy li_archive.${t} FROM STDIN"`).join(" && "));
    const merge = time("merge (anti-join on the keys, nothing missing)", `psql -X -q -d ${liConn("synapse_li_next")} -c "INSERT INTO public.events SELECT * FROM li_archive.events a WHERE NOT EXISTS (SELECT 1 FROM public.events t WHERE t.event_id = a.event_id); INSERT INTO public.event_json SELECT * FROM li_archive.event_json a WHERE NOT EXISTS (SELECT 1 FROM public.event_json t WHERE t.event_id = a.event_id); INSERT INTO public.state_groups_state SELECT * FROM li_archive.state_groups_state a WHERE NOT EXISTS (SELECT 1 FROM public.state_groups_state t WHERE t.state_group = a.state_group)"`);
    const gib = bytes / 2 ** 30;
    const total = clone + copy + merge;
    const perGib = total / gib;
    console.log(`\nmain database ${gib.toFixed(2)} GiB (${rows} rows per table), archive ${(archiveBytes / 2 ** 30).toFixed(2)} GiB`);
    console.log(`refresh ${total.toFixed(1)} s = ${(perGib / 60).toFixed(1)} min per GiB of main's database on this machine (2 shared cores, loopback, fsync off)`);
    const { spec } = devSpecAndSizing();
    console.log("\nprofile  database GiB (sizing)  refresh at this machine's rate");
    for (const p of CCU_PROFILES) {
      const db = size({ ...spec, ccu: p.ccu }).database.storageGi;
      const h = (db * perGib) / 3600;
      console.log(`${p.name.padEnd(7)}  ${String(db).padStart(8)}               ${h.toFixed(1)} h`);
    }
  } finally {
    await sup.stopAll();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
