/**
 * The LI instance on loopback, as the stack runs it: LI's own PostgreSQL server, the LI sync's
 * files exactly as its ConfigMaps hold them (components/li/sync.ts liSyncFiles, the publication
 * SQL the publisher Job runs), run with the environment its pods get, and synapse-li from its
 * rendered homeserver.yaml (render/li renderLiHomeserverConfig) on the refreshed database.
 *
 * Differences from the cluster, each forced by loopback: main has no standby, so the refresh
 * reads main's server itself; Debian's PostgreSQL 15 has no pg_create_subscription role, so the
 * owner of synapse-li's database is a superuser there; no Kubernetes API, so the refresh does not
 * scale synapse-li (LI_WORKLOAD unset): synapse-li is started after it. Media is read as in the
 * cluster: from LI's bucket on the run's MinIO (e2e/object-store.ts, where the tenant's rendered
 * bucket script replicates main's media into it), with the AWS config and shared-credentials file
 * the component mounts; plain HTTP on loopback, so no CA bundle.
 */
import { execFile } from "child_process";
import { generateKeyPairSync, randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { promisify } from "util";
import type { LoopbackPlan } from "./adapter";
import { waitHttpOk, type Proc, type Supervisor } from "./procs";
import { startPostgres, type PgInstance } from "./services";
import { synapsePython } from "./topology";
import { LI_SYNC_ROLE, DATABASE_SPECS } from "../components/contracts";
import { liSyncFiles } from "../components/li/sync";
import { publicationSql } from "../render/li/sync-sql";
import { LI_SYNC_NAMES } from "../render/li/sync-tables";
import { DEFAULT_LI_SYNAPSE_PATHS, renderLiHomeserverConfig, type LiSynapsePaths } from "../render/li";
import { renderAwsConfig, renderLogConfig, synapseSigningKey, toYaml } from "../render/synapse";
import { MINIO_BUCKETS } from "../components/data/minio";

export interface LiInstancePlan {
  /** LI's PostgreSQL server. */
  pgPort: number;
  /** synapse-li's client (and admin) listener and its metrics listener. */
  httpPort: number;
  metricsPort: number;
}

export interface LiInstance {
  pg: PgInstance;
  /** Runs `li-sync ensure|refresh` as the Jobs do; resolves with its log. */
  sync(command: "ensure" | "refresh"): Promise<string>;
  /** SQL on the archive database. */
  archive(sql: string): string;
  /** Starts synapse-li on the refreshed database; resolves with its base URL once healthy. */
  startSynapseLi(): Promise<string>;
  /** The registration shared secret of synapse-li (the LI officers make investigators with it). */
  registrationSecret: string;
  /** LI's media bucket, which synapse-li reads media from. */
  mediaBucket: string;
  /** synapse-li's local media directory (its read-through cache of the bucket). */
  mediaStore: string;
}

/** Sets LI up beside a running loopback topology: main's sync role and publication, LI's server, the archive. */
export async function startLiInstance(sup: Supervisor, plan: LoopbackPlan, mainPg: PgInstance, ports: LiInstancePlan): Promise<LiInstance> {
  const dir = path.join(plan.runDir, "li");
  fs.mkdirSync(dir, { recursive: true });
  const main = plan.postgres.databases[0];
  const liDb = { dbname: DATABASE_SPECS.synapseLi.database, user: DATABASE_SPECS.synapseLi.owner, password: randomBytes(18).toString("hex") };
  const syncPassword = randomBytes(18).toString("hex");

  // Main's side, as the platform provisions it: the sync's login may replicate, nothing else yet.
  mainPg.sql(`CREATE ROLE ${LI_SYNC_ROLE} LOGIN REPLICATION PASSWORD '${syncPassword}'`);
  const pg = await startPostgres(sup, ports.pgPort, [liDb], 50, { name: "postgres-li" });
  pg.sql(`ALTER ROLE ${liDb.user} CREATEDB SUPERUSER`);

  // The ConfigMaps' files, and the publisher Job's SQL run as the owner of Synapse's tables.
  const sqlDir = path.join(dir, "sync");
  fs.mkdirSync(sqlDir, { recursive: true });
  for (const [name, text] of Object.entries(liSyncFiles())) fs.writeFileSync(path.join(sqlDir, name), text, { mode: name === "li-sync" ? 0o755 : 0o644 });
  fs.writeFileSync(path.join(sqlDir, "publication.sql"), publicationSql(LI_SYNC_ROLE));
  await promisify(execFile)("psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", `host=127.0.0.1 port=${plan.postgres.port} dbname=${main.dbname} user=${main.user}`, "-f", path.join(sqlDir, "publication.sql")], { env: { ...process.env, PGPASSWORD: main.password } });

  // The pods' environment (components/li/sync.ts liSyncEnv), with loopback endpoints.
  const env = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    MAIN_READ_HOST: "127.0.0.1", MAIN_PRIMARY_HOST: "127.0.0.1", MAIN_PORT: String(plan.postgres.port), MAIN_DATABASE: main.dbname,
    MAIN_USER: LI_SYNC_ROLE, MAIN_PASSWORD: syncPassword, MAIN_SSLMODE: "disable", MAIN_SUBSCRIPTION_SSLMODE: "disable",
    LI_HOST: "127.0.0.1", LI_PORT: String(ports.pgPort), LI_DATABASE: liDb.dbname, LI_USER: liDb.user, LI_PASSWORD: liDb.password, LI_SSLMODE: "disable",
    SQL_DIR: sqlDir, HOME: dir,
  };
  const sync = async (command: "ensure" | "refresh") => {
    try {
      const { stdout, stderr } = await promisify(execFile)(path.join(sqlDir, "li-sync"), [command], { env, timeout: 300_000 });
      return stdout + stderr;
    } catch (e) {
      const err = e as { stderr?: string; stdout?: string; message: string };
      throw new Error(`li-sync ${command} failed: ${err.message}\n${err.stderr ?? ""}${err.stdout ?? ""}`);
    }
  };

  const registrationSecret = randomBytes(18).toString("hex");
  // LI's bucket on the run's object store, addressed as main's media bucket is (the component
  // gives synapse-li the platform's object store and the LI bucket's name).
  const s3 = plan.s3;
  const mainStore = plan.input.objectStore;
  if (!s3 || !mainStore || !s3.tenant.li) throw new Error("LI on loopback needs the object store with LI's bucket (the plan's tenant has li off)");
  const mediaBucket = MINIO_BUCKETS.liMedia;
  const mediaStore = path.join(dir, "synapse", DEFAULT_LI_SYNAPSE_PATHS.mediaStore);
  let proc: Proc | undefined;
  const startSynapseLi = async () => {
    const paths = Object.fromEntries(Object.entries(DEFAULT_LI_SYNAPSE_PATHS).map(([k, v]) => [k, path.join(dir, "synapse", v)])) as unknown as LiSynapsePaths;
    const config = renderLiHomeserverConfig({
      serverName: plan.serverName,
      publicBaseUrl: `http://127.0.0.1:${ports.httpPort}/`,
      paths,
      database: { host: "127.0.0.1", port: ports.pgPort, database: liDb.dbname, user: liDb.user, sslMode: "disable", maxConnections: 50 },
      objectStore: { bucket: mediaBucket, endpoint: s3.endpoint, region: mainStore.region, forcePathStyle: mainStore.forcePathStyle },
      maxUploadBytes: plan.input.maxUploadBytes,
      listen: { bindAddresses: ["127.0.0.1"], httpPort: ports.httpPort, metricsPort: ports.metricsPort },
    });
    const write = (f: string, text: string, mode = 0o600) => {
      fs.mkdirSync(path.dirname(f), { recursive: true });
      fs.writeFileSync(f, text, { mode });
    };
    const file = path.join(dir, "synapse", "homeserver.yaml");
    write(file, toYaml({ ...config, pid_file: path.join(dir, "synapse", "synapse.pid") }), 0o644);
    write(paths.logConfig, toYaml(renderLogConfig()), 0o644);
    write(paths.signingKey, synapseSigningKey(generateKeyPairSync("ed25519").privateKey.export({ format: "pem", type: "pkcs8" }).toString()));
    write(paths.registrationSharedSecret, registrationSecret);
    for (const k of ["macaroonSecretKey", "formSecret"] as const) write(paths[k], randomBytes(24).toString("hex"));
    write(paths.pgpass, `127.0.0.1:${ports.pgPort}:${liDb.dbname}:${liDb.user}:${liDb.password}\n`);
    fs.mkdirSync(paths.mediaStore, { recursive: true });
    // The component's AWS_CONFIG_FILE (path-style addressing) and shared-credentials Secret.
    const awsConfig = path.join(dir, "synapse", "aws-config");
    const awsCredentials = path.join(dir, "synapse", "aws-credentials");
    write(awsConfig, renderAwsConfig(), 0o644);
    write(awsCredentials, `[default]\naws_access_key_id = ${s3.accessKey}\naws_secret_access_key = ${s3.secretKey}\n`);
    proc = sup.start({
      name: "synapse-li",
      command: synapsePython(),
      args: ["-m", "synapse.app.homeserver", "-c", file],
      env: { PYTHONDONTWRITEBYTECODE: "1", AWS_CONFIG_FILE: awsConfig, AWS_SHARED_CREDENTIALS_FILE: awsCredentials },
    });
    await waitHttpOk(`http://127.0.0.1:${ports.httpPort}/health`, { timeoutMs: 180_000, proc, sup });
    return `http://127.0.0.1:${ports.httpPort}`;
  };

  return { pg, sync, archive: (q) => pg.sql(q, LI_SYNC_NAMES.archiveDatabase).trim(), startSynapseLi, registrationSecret, mediaBucket, mediaStore };
}
