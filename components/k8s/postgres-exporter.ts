/**
 * postgres_exporter's container (pure), shared by every exporter the stack runs on a PostgreSQL
 * server: the LI sync's on its archive database (components/li/sync.ts) and the monitoring
 * system's on the clouds' managed servers (components/monitoring/managed-data-exporters.ts).
 * The exporter reads its server from DATA_SOURCE_URI and its login from DATA_SOURCE_USER /
 * DATA_SOURCE_PASS (postgres_exporter cmd/postgres_exporter/datasource.go), so the password
 * reaches it only from a Secret.
 */
import * as pulumi from "@pulumi/pulumi";
import type * as k8s from "@pulumi/kubernetes";
import { restrictedContainer } from "./pod-spec";

/** postgres_exporter's default listen port (its `--web.listen-address`). */
export const POSTGRES_EXPORTER_PORT = 9187;

/** A Secret holding a database login, by name and keys. */
export interface LoginSecret {
  name: pulumi.Input<string>;
  userKey: string;
  passwordKey: string;
}

/** A login whose user is a fixed role name (no credential: it stays out of the Secret), the password in a Secret. */
export interface FixedUserLogin {
  name: pulumi.Input<string>;
  user: string;
  passwordKey: string;
}

export interface PostgresExporterContainerArgs {
  image: pulumi.Input<string>;
  /** UID it runs as (no file of its own is written). */
  uid: number;
  host: pulumi.Input<string>;
  port: pulumi.Input<number>;
  /** Database it connects to (its statistics views cover the whole server). */
  database: string;
  sslMode: "disable" | "require" | "verify-ca" | "verify-full";
  /** The server's CA file in the pod (lib/pq's sslrootcert), required under verify-ca and verify-full. */
  caFile?: string;
  /** The exporter's login. */
  credentials: LoginSecret | FixedUserLogin;
  /** Arguments before the listen address (custom query file, collectors switched off). */
  args?: string[];
  volumeMounts?: k8s.types.input.core.v1.VolumeMount[];
}

/**
 * DATA_SOURCE_URI (pure): host:port/database?sslmode=...[&sslrootcert=...] (the exporter prefixes
 * postgresql:// and the login; lib/pq, its driver, reads both parameters).
 */
export function postgresExporterDataSource(host: string, port: number, database: string, sslMode: string, caFile?: string): string {
  const verifies = sslMode === "verify-ca" || sslMode === "verify-full";
  if (verifies && !caFile) throw new Error(`postgres_exporter on ${host}: ${sslMode} needs the server's CA file`);
  if (caFile !== undefined && !/^[\w./-]+$/.test(caFile)) throw new Error(`postgres_exporter: CA file ${caFile} would need escaping in the URI`);
  return `${host}:${port}/${database}?sslmode=${sslMode}${verifies ? `&sslrootcert=${caFile}` : ""}`;
}

/** The exporter's arguments (pure): `extra` (query file, collectors off), then the listen address. */
export function postgresExporterArgs(extra: readonly string[] = []): string[] {
  return [...extra, `--web.listen-address=:${POSTGRES_EXPORTER_PORT}`];
}

/** The environment: the server as a value, user and password from the login's Secret. */
export function postgresExporterEnv(a: Pick<PostgresExporterContainerArgs, "host" | "port" | "database" | "sslMode" | "caFile" | "credentials">): k8s.types.input.core.v1.EnvVar[] {
  const c = a.credentials;
  return [
    { name: "DATA_SOURCE_URI", value: pulumi.all([a.host, a.port]).apply(([host, port]) => postgresExporterDataSource(host, port, a.database, a.sslMode, a.caFile)) },
    "user" in c ? { name: "DATA_SOURCE_USER", value: c.user } : { name: "DATA_SOURCE_USER", valueFrom: { secretKeyRef: { name: c.name, key: c.userKey } } },
    { name: "DATA_SOURCE_PASS", valueFrom: { secretKeyRef: { name: c.name, key: c.passwordKey } } },
  ];
}

/** The exporter's container: restricted, small, probed on its metrics port. */
export function postgresExporterContainer(a: PostgresExporterContainerArgs): k8s.types.input.core.v1.Container {
  return restrictedContainer({
    name: "postgres-exporter",
    image: a.image,
    args: postgresExporterArgs(a.args),
    env: postgresExporterEnv(a),
    ports: [{ name: "metrics", containerPort: POSTGRES_EXPORTER_PORT }],
    resources: { requests: { cpu: "20m", memory: "32Mi", "ephemeral-storage": "16Mi" }, limits: { cpu: "200m", memory: "64Mi", "ephemeral-storage": "64Mi" } },
    readinessProbe: { httpGet: { path: "/metrics", port: "metrics" }, periodSeconds: 30, timeoutSeconds: 10 },
    livenessProbe: { tcpSocket: { port: "metrics" }, periodSeconds: 30 },
    ...(a.volumeMounts ? { volumeMounts: a.volumeMounts } : {}),
  }, a.uid);
}
