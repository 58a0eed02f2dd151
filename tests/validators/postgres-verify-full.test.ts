/**
 * Synapse's database connection with verify-full against the internal CA, for real: a PostgreSQL
 * (Debian's) serving a certificate made here for the CloudNativePG Service names the program
 * requests (components/data/postgres.ts cnpgServiceDnsNames), and psycopg2 from the Synapse venv
 * connecting with the `database.args` the renderer writes into homeserver.yaml. The right CA and
 * host pass; another CA, or a host the certificate does not name, is refused before any login.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { cnpgServiceDnsNames } from "../../components/data/postgres";
import { EXISTING_DATA } from "../../components/platform/existing";
import { NAMESPACES } from "../../catalog/namespaces";
import { Supervisor } from "../../e2e/procs";
import { startPostgres, type PgInstance } from "../../e2e/services";
import { pki } from "../../e2e/internal-pki";
import { synapsePython } from "../../e2e/topology";
import { renderHomeserverConfig } from "../../render/synapse";
import { fixtureRenderInput } from "../render/fixtures";
import { PortAllocator } from "../../e2e/ports";
import { postgresTlsSettings } from "../helpers/tls-postgres";

const HOST = `${EXISTING_DATA.mainCluster}-rw.${NAMESPACES.data}.svc.cluster.local`;
const DB = { dbname: "synapse", user: "synapse", password: "pg-verify-full-password" };

/** psycopg2.connect(**args) in the Synapse venv, with the socket aimed at loopback (hostaddr): "ok" or libpq's error. */
function connect(args: Record<string, unknown>): string {
  const script = [
    "import json, sys, psycopg2",
    "args = json.loads(sys.argv[1])",
    "try:",
    "    c = psycopg2.connect(**args)",
    "    cur = c.cursor(); cur.execute('select ssl, version from pg_stat_ssl where pid = pg_backend_pid()')",
    "    print('ok', *cur.fetchone())",
    "except psycopg2.OperationalError as e:",
    "    print('refused', str(e).strip().replace(chr(10), ' '))",
  ].join("\n");
  const r = spawnSync(synapsePython(), ["-c", script, JSON.stringify(args)], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout.trim();
}

describe("PostgreSQL verify-full: psycopg2 with the rendered connection args", function () {
  const sup = new Supervisor(Supervisor.freshRunDir());
  const ports = new PortAllocator();
  let pg: PgInstance;
  let rendered: Record<string, unknown>;
  const certs = pki(path.join(sup.runDir, "pki"));

  before(async () => {
    certs.ca("internal");
    certs.ca("foreign");
    certs.leaf("server", "internal", HOST, { dns: cnpgServiceDnsNames(EXISTING_DATA.mainCluster, NAMESPACES.data), usage: "serverAuth" });
    pg = await startPostgres(sup, await ports.take(), [DB], 20, {
      settings: postgresTlsSettings(sup.runDir, certs.file("server.crt"), certs.file("server.crt.key")),
    });
    const base = fixtureRenderInput("100");
    const input = {
      ...base,
      database: { ...base.database, host: HOST, port: pg.port, database: DB.dbname, user: DB.user, sslMode: "verify-full" as const, privateCa: true },
      paths: { ...base.paths, databaseCa: certs.file("internal.crt"), pgpass: path.join(sup.runDir, "pgpass") },
    };
    fs.writeFileSync(input.paths.pgpass, `${HOST}:${pg.port}:${DB.dbname}:${DB.user}:${DB.password}\n`, { mode: 0o600 });
    const db = renderHomeserverConfig(input).database as { args: Record<string, unknown> };
    // Only what psycopg2/libpq take; Synapse's own pool keys (cp_min, cp_max) are not libpq's.
    rendered = Object.fromEntries(Object.entries(db.args).filter(([k]) => !k.startsWith("cp_")));
  });
  after(() => sup.stopAll());

  it("renders verify-full with the CA file as sslrootcert", () => {
    assert.equal(rendered.sslmode, "verify-full");
    assert.equal(rendered.sslrootcert, certs.file("internal.crt"));
    assert.equal(rendered.host, HOST);
  });

  it("connects, encrypted, when the server's certificate chains to the CA and names the host", () => {
    const r = connect({ ...rendered, hostaddr: "127.0.0.1" });
    assert.match(r, /^ok True TLSv1\.[23]$/, r);
  });

  it("refuses a server whose certificate another CA signed", () => {
    const r = connect({ ...rendered, hostaddr: "127.0.0.1", sslrootcert: certs.file("foreign.crt") });
    assert.match(r, /^refused .*certificate verify failed/, r);
  });

  it("refuses a host name the certificate does not carry", () => {
    fs.appendFileSync(path.join(sup.runDir, "pgpass"), `synapse-pg-rw.elsewhere.svc.cluster.local:${pg.port}:${DB.dbname}:${DB.user}:${DB.password}\n`);
    const r = connect({ ...rendered, host: "synapse-pg-rw.elsewhere.svc.cluster.local", hostaddr: "127.0.0.1" });
    assert.match(r, /^refused .*does not match host name/, r);
  });

  it("verify-ca as rendered for Cloud SQL (the CA file as sslrootcert, no name check): the server's private address connects under its CA, not under another", () => {
    const base = fixtureRenderInput("100");
    // Cloud SQL: the client dials the instance's private IP, which its certificate does not name.
    const db = renderHomeserverConfig({
      ...base,
      database: { ...base.database, host: "127.0.0.1", port: pg.port, database: DB.dbname, user: DB.user, sslMode: "verify-ca", privateCa: true },
      paths: { ...base.paths, databaseCa: certs.file("internal.crt"), pgpass: path.join(sup.runDir, "pgpass") },
    }).database as { args: Record<string, unknown> };
    const args = Object.fromEntries(Object.entries(db.args).filter(([k]) => !k.startsWith("cp_")));
    assert.deepEqual([args.sslmode, args.sslrootcert], ["verify-ca", certs.file("internal.crt")]);
    fs.appendFileSync(path.join(sup.runDir, "pgpass"), `127.0.0.1:${pg.port}:${DB.dbname}:${DB.user}:${DB.password}\n`);
    assert.match(connect(args), /^ok True TLSv1\.[23]$/);
    assert.match(connect({ ...args, sslrootcert: certs.file("foreign.crt") }), /^refused .*certificate verify failed/);
    // The same address under verify-full is refused: the name is what verify-ca leaves out.
    assert.match(connect({ ...args, sslmode: "verify-full" }), /^refused .*(does not match|server certificate for)/);
  });

  it("is not vacuous: with require (and no CA file, as before) the wrong host connects: only verify-full checks it", () => {
    // libpq treats require with a CA file as verify-ca, so the CA file goes too.
    const r = connect({ ...rendered, host: "synapse-pg-rw.elsewhere.svc.cluster.local", hostaddr: "127.0.0.1", sslmode: "require", sslrootcert: undefined });
    assert.match(r, /^ok True/, r);
  });
});
