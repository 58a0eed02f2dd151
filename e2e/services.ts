/**
 * The data services the rendered Synapse config points at, as real servers on loopback:
 * PostgreSQL and Redis from Debian's packages, and moto's S3-compatible server (the off-site
 * backup check's stand-in for cloud buckets; the e2e's object store is MinIO, e2e/object-store.ts).
 * Each runs in the foreground under the Supervisor.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { TOOL_CACHE } from "../scripts/tool-cache";
import { Supervisor, sleep, waitHttpOk } from "./procs";

export const PROJECT_ROOT = path.resolve(__dirname, "..");

function pgBinDir(): string {
  const base = "/usr/lib/postgresql";
  const versions = fs.existsSync(base) ? fs.readdirSync(base).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) {
    const bin = path.join(base, v, "bin");
    if (fs.existsSync(path.join(bin, "initdb"))) return bin;
  }
  throw new Error("PostgreSQL server binaries not found under /usr/lib/postgresql (run scripts/provision.sh)");
}

/**
 * initdb and postgres refuse to run as root. As root we drop to the packaged `postgres` user
 * with setpriv, which execs in place (no extra parent process to outlive a kill).
 */
function asDbUser(dataOwnerDir: string): { wrap: (cmd: string, args: string[]) => [string, string[]] } {
  if (process.getuid?.() !== 0) return { wrap: (cmd, args) => [cmd, args] };
  const uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim());
  const gid = Number(execFileSync("id", ["-g", "postgres"]).toString().trim());
  fs.chownSync(dataOwnerDir, uid, gid);
  return {
    wrap: (cmd, args) => ["setpriv", ["--reuid", String(uid), "--regid", String(gid), "--init-groups", "--", cmd, ...args]],
  };
}

export interface PgInstance {
  host: string;
  port: number;
  /** Runs SQL as the superuser (via psql on the Unix socket). */
  sql(statement: string, db?: string): string;
}

export interface DatabaseWanted {
  dbname: string;
  user: string;
  password: string;
}

/**
 * `opts.name`: process and directory name, for a second server in one run (LI's); `opts.settings`:
 * more `-c` parameters. Every server runs with wal_level=logical, as the stack's do (the LI sync
 * publishes from main and subscribes on LI's).
 */
export async function startPostgres(sup: Supervisor, port: number, dbs: DatabaseWanted[], maxConnections: number, opts: { name?: string; settings?: string[] } = {}): Promise<PgInstance> {
  const bin = pgBinDir();
  const name = opts.name ?? "postgres";
  const root = path.join(sup.runDir, name);
  fs.mkdirSync(root, { recursive: true });
  const { wrap } = asDbUser(root);
  const data = path.join(root, "data");
  const sock = root;
  const run = (cmd: string, args: string[]) => {
    const [c, a] = wrap(cmd, args);
    return execFileSync(c, a, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, LC_ALL: "C" } }).toString();
  };
  // Synapse insists on a C-collated UTF8 database (docs/postgres.md); make the cluster so too.
  // TCP logins need the password (so the rendered libpq passfile is really used); the
  // superuser's psql over the private Unix socket is trusted.
  run(path.join(bin, "initdb"), ["-D", data, "--auth-local=trust", "--auth-host=scram-sha-256", "--username=postgres", "--encoding=UTF8", "--locale=C", "--no-sync"]);
  const [cmd, args] = wrap(path.join(bin, "postgres"), [
    "-D", data,
    "-h", "127.0.0.1",
    "-p", String(port),
    "-k", sock,
    "-c", `max_connections=${maxConnections}`,
    // A throw-away test cluster: durability buys nothing and costs the 2 cores time.
    "-c", "fsync=off",
    "-c", "synchronous_commit=off",
    "-c", "full_page_writes=off",
    "-c", "shared_buffers=128MB",
    "-c", "wal_level=logical",
    ...(opts.settings ?? []).flatMap((s) => ["-c", s]),
  ]);
  const proc = sup.start({ name, command: cmd, args, stopSignal: "SIGINT" });
  const sql = (statement: string, db = "postgres") =>
    run(path.join(bin, "psql"), ["-h", sock, "-p", String(port), "-U", "postgres", "-d", db, "-v", "ON_ERROR_STOP=1", "-Atc", statement]);
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (proc.exitInfo) throw new Error(`postgres exited: ${sup.tail(proc)}`);
    try {
      sql("SELECT 1");
      break;
    } catch (e) {
      if (Date.now() > deadline) throw new Error(`postgres did not come up: ${(e as Error).message}\n${sup.tail(proc)}`);
      await sleep(200);
    }
  }
  for (const db of dbs) {
    const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
    const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;
    sql(`CREATE ROLE ${ident(db.user)} LOGIN PASSWORD ${lit(db.password)}`);
    // As docs/postgres.md asks: UTF8, C collation, from template0.
    sql(`CREATE DATABASE ${ident(db.dbname)} OWNER ${ident(db.user)} ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0`);
  }
  return { host: "127.0.0.1", port, sql };
}

export function redisPing(port: number, password?: string): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: "127.0.0.1", port });
    let buf = "";
    sock.setTimeout(1000, () => {
      sock.destroy();
      resolve(false);
    });
    sock.on("error", () => resolve(false));
    sock.on("connect", () => {
      if (password) sock.write(`AUTH ${password}\r\n`);
      sock.write("PING\r\n");
    });
    sock.on("data", (d) => {
      buf += d.toString();
      if (buf.includes("+PONG")) {
        sock.end();
        resolve(true);
      } else if (buf.includes("-")) {
        sock.end();
        resolve(false);
      }
    });
  });
}

export async function startRedis(sup: Supervisor, port: number, password?: string, tls?: { port: number; cert: string; key: string; ca: string }): Promise<void> {
  const dir = path.join(sup.runDir, "redis");
  fs.mkdirSync(dir, { recursive: true });
  const args = ["--bind", "127.0.0.1", "--port", String(port), "--dir", dir, "--save", "", "--appendonly", "no", "--daemonize", "no"];
  if (password) args.push("--requirepass", password);
  // A TLS port beside the plain one: Synapse's verifying proxy dials it (clients log in with the password).
  if (tls) args.push("--tls-port", String(tls.port), "--tls-cert-file", tls.cert, "--tls-key-file", tls.key, "--tls-ca-cert-file", tls.ca, "--tls-auth-clients", "no");
  const proc = sup.start({ name: "redis", command: "redis-server", args });
  const deadline = Date.now() + 15_000;
  while (!(await redisPing(port, password))) {
    if (proc.exitInfo) throw new Error(`redis exited: ${sup.tail(proc)}`);
    if (Date.now() > deadline) throw new Error(`redis did not answer PING on ${port}\n${sup.tail(proc)}`);
    await sleep(200);
  }
}

export function e2eVenv(): string {
  return process.env.MP_E2E_VENV ?? path.join(TOOL_CACHE, "e2e-venv");
}

/** moto's S3 server, with the buckets the rendered config names created up front. */
export async function startS3(sup: Supervisor, port: number, buckets: string[]): Promise<string> {
  const server = path.join(e2eVenv(), "bin", "moto_server");
  if (!fs.existsSync(server)) throw new Error(`${server} missing: run scripts/provision.sh (40-e2e.sh installs moto[server])`);
  const proc = sup.start({ name: "s3", command: server, args: ["-H", "127.0.0.1", "-p", String(port)] });
  const endpoint = `http://127.0.0.1:${port}`;
  await waitHttpOk(`${endpoint}/moto-api/`, { timeoutMs: 30_000, proc, sup });
  for (const bucket of buckets) {
    // Unsigned CreateBucket: moto accepts any (or no) credentials.
    const res = await fetch(`${endpoint}/${bucket}`, { method: "PUT" });
    if (!res.ok) throw new Error(`creating bucket ${bucket} on moto: HTTP ${res.status} ${await res.text()}`);
  }
  return endpoint;
}

/** Objects in a bucket (ListObjectsV2; moto answers listings without a signature). */
export async function s3Objects(endpoint: string, bucket: string): Promise<{ key: string; etag: string; size: number }[]> {
  const res = await fetch(`${endpoint}/${bucket}?list-type=2`);
  const text = await res.text();
  if (!res.ok) throw new Error(`listing ${bucket}: HTTP ${res.status} ${text}`);
  return [...text.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)].map((m) => ({
    key: /<Key>([^<]+)<\/Key>/.exec(m[1])?.[1] ?? "",
    // A single-part upload's ETag is the MD5 of its bytes.
    etag: (/<ETag>([^<]+)<\/ETag>/.exec(m[1])?.[1] ?? "").replace(/&#34;|&quot;|"/g, ""),
    size: Number(/<Size>(\d+)<\/Size>/.exec(m[1])?.[1] ?? -1),
  }));
}
