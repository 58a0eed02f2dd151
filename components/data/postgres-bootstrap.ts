import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as random from "@pulumi/random";
import { standardLabels } from "../k8s/labels";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../k8s/security-context";
import { checksum } from "../k8s/pod-spec";
import { caConfigMapTrust, caTrustAnnotations } from "../k8s/ca-trust";
import { DATABASE_LOCALE, DATABASE_SPECS } from "../contracts";
import type { DatabaseName } from "../contracts";

/** psql runs as a UID above the node's users (kube-score, checkov CKV_K8S_40); it writes nothing. */
const BOOTSTRAP_UID = 10026;

export interface PostgresBootstrapArgs {
  /** Kubernetes provider of the cluster the Job runs in. */
  provider: k8s.Provider;
  /** Namespace for the Job and its Secret. */
  namespace: pulumi.Input<string>;
  /** Short name of the server ("main", "li"); names the Job and Secret. */
  server: string;
  /** Server address reachable from pods. */
  host: pulumi.Input<string>;
  /** Server port (PGPORT of the Job). */
  port: pulumi.Input<number>;
  /** Administrative login the managed service created. */
  adminUser: pulumi.Input<string>;
  /** Secret output. */
  adminPassword: pulumi.Input<string>;
  /** Databases (and owners) to create on this server. */
  databases: DatabaseName[];
  /** Image with psql >= 15 (the catalogue's PostgreSQL image). */
  image: string;
  /** Placement of the Job's pod. */
  nodeSelector: Record<string, string>;
  /** Tolerations of the Job's pod, for the tainted tier `nodeSelector` picks. */
  tolerations: pulumi.Input<k8s.types.input.core.v1.Toleration>[];
  /** The database server and anything else that must exist first. */
  dependsOn: pulumi.Input<pulumi.Resource>[];
  /**
   * SQL run after the databases (roles that own none, rights of owners: the LI sync's), with the
   * passwords it reads by `\getenv` (environment name -> secret output). Default: none.
   */
  extra?: { sql: string; passwords: Record<string, pulumi.Output<string>> };
  /**
   * PEM of the CA(s) that sign the server's certificate, which names `host`: the Job then
   * connects with sslmode verify-full against them. Default: sslmode require (encrypted, the
   * server unverified), for a server whose CA the platform does not know.
   */
  serverCaPem?: pulumi.Input<string>;
}

/** Where the Job finds the server's CA. */
export const BOOTSTRAP_CA_FILE = "/etc/postgres-server-ca/ca.crt";

/**
 * A login role that owns no database, with a grant of a predefined role (RDS: rds_replication
 * lets it open replication connections); idempotent. Its password is read from PW_<ROLE>.
 */
export function grantedRoleSql(role: string, grants: readonly string[]): string {
  return [
    `\\set role ${role}`,
    `\\getenv pw PW_${role.toUpperCase()}`,
    "SELECT format('CREATE ROLE %I LOGIN', :'role') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \\gexec",
    "ALTER ROLE :\"role\" WITH LOGIN PASSWORD :'pw';",
    ...grants.map((g) => `GRANT ${g} TO :"role";`),
    "",
  ].join("\n");
}

/** Rights of a database's owner beyond its database (LI: the sync's databases and subscription); idempotent. */
export function ownerRightsSql(db: DatabaseName, rights: { createdb?: boolean; inRoles?: readonly string[] }): string {
  const { owner } = DATABASE_SPECS[db];
  return [
    ...(rights.createdb ? [`ALTER ROLE ${owner} CREATEDB;`] : []),
    ...(rights.inRoles ?? []).map((r) => `GRANT ${r} TO ${owner};`),
    "",
  ].join("\n");
}

/** The SQL that makes one owner role and database exist; idempotent so re-runs are harmless. */
export function bootstrapSql(db: DatabaseName): string {
  const { database, owner } = DATABASE_SPECS[db];
  const env = `PW_${owner.toUpperCase()}`;
  return [
    `\\set owner ${owner}`,
    `\\set db ${database}`,
    `\\getenv pw ${env}`,
    "SELECT format('CREATE ROLE %I LOGIN', :'owner') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'owner') \\gexec",
    "ALTER ROLE :\"owner\" WITH LOGIN PASSWORD :'pw';",
    // PostgreSQL 16+: the admin must be able to SET ROLE to a database's owner to create it.
    "GRANT :\"owner\" TO CURRENT_USER;",
    `SELECT format('CREATE DATABASE %I OWNER %I TEMPLATE template0 ENCODING %L LC_COLLATE %L LC_CTYPE %L', :'db', :'owner', '${DATABASE_LOCALE.encoding}', '${DATABASE_LOCALE.collate}', '${DATABASE_LOCALE.ctype}') WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \\gexec`,
    // Only the owner may connect: one consumer cannot open another's database.
    "REVOKE ALL ON DATABASE :\"db\" FROM PUBLIC;",
    "",
  ].join("\n");
}

/**
 * Creates one owner role + database per consumer on a managed PostgreSQL server (RDS has no API
 * for roles or databases). A Job inside the cluster — the only place that can reach the private
 * server — runs idempotent SQL; every password comes from @pulumi/random, reaches the Job only
 * through a Secret, and is exported as a secret output.
 */
export class PostgresBootstrap extends pulumi.ComponentResource {
  readonly credentials: Partial<Record<DatabaseName, { database: string; user: string; password: pulumi.Output<string> }>> = {};
  readonly job: k8s.batch.v1.Job;

  constructor(name: string, args: PostgresBootstrapArgs, opts?: pulumi.ComponentResourceOptions) {
    super("matrix-platform:data:PostgresBootstrap", name, {}, opts);
    const childOpts = (dependsOn: pulumi.Input<pulumi.Resource>[] = []): pulumi.CustomResourceOptions => ({ parent: this, provider: args.provider, dependsOn });
    const labels = standardLabels("postgres-bootstrap", "database-bootstrap", args.server);

    const passwords: Record<string, pulumi.Output<string>> = {};
    for (const db of args.databases) {
      const { database, owner } = DATABASE_SPECS[db];
      const pw = new random.RandomPassword(`${name}-${db}-password`, { length: 40, special: false }, { parent: this });
      passwords[`PW_${owner.toUpperCase()}`] = pw.result;
      this.credentials[db] = { database, user: owner, password: pulumi.secret(pw.result) };
    }

    const secret = new k8s.core.v1.Secret(`${name}-credentials`, {
      metadata: { name: `postgres-bootstrap-${args.server}`, namespace: args.namespace, labels },
      type: "Opaque",
      stringData: { PGPASSWORD: args.adminPassword, ...passwords, ...(args.extra?.passwords ?? {}) },
    }, childOpts());
    const sql = [...args.databases.map(bootstrapSql), ...(args.extra ? [args.extra.sql] : [])].join("\n");
    const script = new k8s.core.v1.ConfigMap(`${name}-script`, {
      metadata: { name: `postgres-bootstrap-${args.server}`, namespace: args.namespace, labels },
      data: { "bootstrap.sql": sql },
    }, childOpts());

    const ca = args.serverCaPem === undefined
      ? undefined
      : caConfigMapTrust(`${name}-server-ca`, args.serverCaPem, { namespace: args.namespace, objectName: `postgres-bootstrap-${args.server}-ca`, file: path.posix.basename(BOOTSTRAP_CA_FILE), component: "database-bootstrap" }, childOpts());
    const tlsEnv = ca
      ? [{ name: "PGSSLMODE", value: "verify-full" }, { name: "PGSSLROOTCERT", value: BOOTSTRAP_CA_FILE }]
      : [{ name: "PGSSLMODE", value: "require" }];

    this.job = new k8s.batch.v1.Job(`${name}-job`, {
      metadata: { namespace: args.namespace, labels },
      spec: {
        backoffLimit: 10,
        activeDeadlineSeconds: 1800,
        template: {
          // The ConfigMaps are updated in place: a new script or CA changes the template, which
          // replaces the Job, so the new SQL runs.
          metadata: { labels, annotations: { "matrix-platform.io/config-checksum": checksum(sql), ...caTrustAnnotations(ca) } },
          spec: {
            restartPolicy: "OnFailure",
            automountServiceAccountToken: false,
            securityContext: restrictedPodSecurityContext(BOOTSTRAP_UID),
            nodeSelector: args.nodeSelector,
            tolerations: args.tolerations,
            containers: [{
              name: "psql",
              image: args.image,
              command: ["psql", "-v", "ON_ERROR_STOP=1", "-f", "/sql/bootstrap.sql"],
              env: [
                { name: "PGHOST", value: args.host },
                { name: "PGPORT", value: pulumi.output(args.port).apply(String) },
                { name: "PGUSER", value: args.adminUser },
                { name: "PGDATABASE", value: "postgres" },
                ...tlsEnv,
                { name: "PGCONNECT_TIMEOUT", value: "10" },
              ],
              envFrom: [{ secretRef: { name: secret.metadata.name } }],
              securityContext: restrictedContainerSecurityContext(BOOTSTRAP_UID),
              volumeMounts: [{ name: "sql", mountPath: "/sql", readOnly: true }, ...(ca ? [{ name: "server-ca", mountPath: path.posix.dirname(BOOTSTRAP_CA_FILE), readOnly: true }] : [])],
              resources: { requests: { cpu: "50m", memory: "64Mi", "ephemeral-storage": "16Mi" }, limits: { cpu: "500m", memory: "128Mi", "ephemeral-storage": "64Mi" } },
            }],
            volumes: [{ name: "sql", configMap: { name: script.metadata.name } }, ...(ca ? [{ name: "server-ca", projected: { sources: [ca.source] } }] : [])],
          },
        },
      },
    }, childOpts([...args.dependsOn, secret, script, ...(ca ? [ca.resource] : [])]));
    this.registerOutputs({});
  }
}
