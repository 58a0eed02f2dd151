/**
 * ManagedDataExporters: on the clouds, where PostgreSQL (RDS, Cloud SQL) and Redis (ElastiCache,
 * Memorystore) are managed services with no exporter of their own in the cluster, a
 * postgres_exporter per server endpoint (each primary and read replica of main's server, and of
 * LI's while LI is deployed) and a redis_exporter on the platform's Redis, in the monitoring
 * namespace. Their scrape targets are the registry's (catalog/components.ts
 * `managedDataMetrics`: jobs `postgresql` and `redis`, the jobs the dashboards and alerts already
 * read on an existing cluster). Deployed with monitoring, on AWS and GCP only.
 *
 * Logins: the platform's MONITORING_ROLE (pg_monitor) from a Secret; Redis's AUTH token from a
 * Secret. Flows: each exporter reaches its data service only; Prometheus reaches their metrics
 * ports (the registry's scrape flows).
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { NAMESPACES } from "../../catalog/namespaces";
import type { CrdProviders, DatabaseMetricsAccess, NetworkPeer, Placement, RedisEndpoint } from "../contracts";
import { selectorLabels, standardLabels } from "../k8s/labels";
import type { FlowSpec, NetworkFlows, Workload } from "../k8s/network";
import { checksum, restrictedContainer, restrictedPod } from "../k8s/pod-spec";
import { postgresExporterContainer } from "../k8s/postgres-exporter";
import { privateCaTrust } from "../k8s/ca-trust";

export const POSTGRES_EXPORTER_NAME = "postgres-exporter";
export const REDIS_EXPORTER_NAME = "redis-exporter";
/** redis_exporter's default listen port. */
export const REDIS_EXPORTER_PORT = 9121;
/** A UID of no host user (kube-score, checkov CKV_K8S_40): the exporters write nothing. */
export const EXPORTER_UID = 10031;
/** The database postgres_exporter connects to: its statistics views cover the whole server, and every managed server has it. */
export const EXPORTER_DATABASE = "postgres";
/** Where the Redis server's private CA is mounted (Memorystore). */
export const REDIS_CA_DIR = "/etc/redis-ca";
/** Where a PostgreSQL endpoint's CA is mounted (Cloud SQL's instance CA, the region's RDS roots). */
export const POSTGRES_CA_DIR = "/etc/postgres-ca";

/** Names of the exporters' Secrets. */
export const EXPORTER_SECRETS = { postgres: "postgres-exporter-login", redis: "redis-exporter-auth" } as const;

const ns = NAMESPACES.monitoring;

/** The pod instance label of one PostgreSQL endpoint's exporter: "main-primary", "li-replica-0". */
export function postgresExporterInstance(e: Pick<DatabaseMetricsAccess["endpoints"][number], "server" | "instance">): string {
  return `${e.server}-${e.instance}`;
}

/** The exporters' pods as flow ends (every PostgreSQL exporter selected together). */
export function exporterWorkloads(): Record<"postgres" | "redis", Workload> {
  return {
    postgres: { namespace: ns, podLabels: { "app.kubernetes.io/name": POSTGRES_EXPORTER_NAME }, name: POSTGRES_EXPORTER_NAME },
    redis: { namespace: ns, podLabels: selectorLabels(REDIS_EXPORTER_NAME), name: REDIS_EXPORTER_NAME },
  };
}

/** The exporters' egress (pure): each to its data service, nothing else. */
export function managedDataExporterFlows(a: { postgres?: NetworkPeer; redis: NetworkPeer }): FlowSpec[] {
  const w = exporterWorkloads();
  return [
    ...(a.postgres ? [{ from: w.postgres, to: a.postgres, description: "postgres_exporter -> the managed PostgreSQL servers (statistics)" }] : []),
    { from: w.redis, to: a.redis, description: "redis_exporter -> the managed Redis (INFO)" },
  ];
}

/** redis_exporter's address: rediss:// where the server speaks TLS (the exporter then verifies it). */
export function redisExporterAddress(host: string, port: number, tls: boolean): string {
  return `${tls ? "rediss" : "redis"}://${host}:${port}`;
}

/**
 * redis_exporter's arguments (pure): the server, and the private CA that signs its certificate
 * where the platform's Redis contract has one (Memorystore); ElastiCache's chains to public roots.
 */
export function redisExporterArgs(a: { host: string; port: number; tls: boolean; caFile?: string }): string[] {
  return [
    `--redis.addr=${redisExporterAddress(a.host, a.port, a.tls)}`,
    ...(a.tls && a.caFile ? [`--tls-ca-cert-file=${a.caFile}`] : []),
    `--web.listen-address=:${REDIS_EXPORTER_PORT}`,
  ];
}

export interface ManagedDataExportersArgs {
  /** The platform's PostgreSQL endpoints and the exporters' login; absent: no PostgreSQL exporter. */
  databases?: DatabaseMetricsAccess;
  /** The platform's Redis (host, port, TLS and its CA, AUTH token). */
  redis: Pick<RedisEndpoint, "host" | "port" | "tls" | "password" | "caCertificate" | "network">;
  images: { postgres: pulumi.Input<string>; redis: pulumi.Input<string> };
  placement: Placement;
  flows: NetworkFlows;
  provider: k8s.Provider;
  /** CRD providers (privateCaTrust's signature; the managed servers' CAs are ConfigMaps). */
  crds: CrdProviders;
  /** The monitoring namespace. */
  dependsOn: pulumi.Resource[];
}

export class ManagedDataExporters extends pulumi.ComponentResource {
  constructor(name: string, args: ManagedDataExportersArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("matrix-platform:monitoring:ManagedDataExporters", name, {}, opts);
    const child = (dependsOn: pulumi.Resource[] = []): pulumi.CustomResourceOptions => ({ parent: this, provider: args.provider, dependsOn: [...args.dependsOn, ...dependsOn] });
    const deployment = (resourceName: string, deploymentName: string, labels: Record<string, string>, selector: Record<string, string>, container: k8s.types.input.core.v1.Container, volumes: k8s.types.input.core.v1.Volume[], dependsOn: pulumi.Resource[], annotations: Record<string, pulumi.Input<string>> = {}) =>
      new k8s.apps.v1.Deployment(resourceName, {
        metadata: { name: deploymentName, namespace: ns, labels },
        spec: {
          replicas: 1,
          selector: { matchLabels: selector },
          template: {
            metadata: { labels, annotations },
            spec: restrictedPod({ uid: EXPORTER_UID, placement: args.placement, selector, volumes, containers: [container] }),
          },
        },
      }, child(dependsOn));

    const db = args.databases;
    if (db) {
      const login = new k8s.core.v1.Secret(`${name}-postgres-login`, {
        metadata: { name: EXPORTER_SECRETS.postgres, namespace: ns, labels: standardLabels(POSTGRES_EXPORTER_NAME, "metrics-exporter") },
        type: "Opaque",
        // The password only: the role name is no credential (the bootstrap SQL names it too).
        stringData: pulumi.secret({ password: db.login.password }),
      }, child());
      for (const e of db.endpoints) {
        const instance = postgresExporterInstance(e);
        const labels = standardLabels(POSTGRES_EXPORTER_NAME, "metrics-exporter", instance);
        // The endpoint's own CA (a Cloud SQL replica has its own), where the exporter verifies it.
        const ca = e.caCertificate && db.sslMode !== "require"
          ? privateCaTrust(`${name}-postgres-${instance}-ca`, { caCertificate: e.caCertificate }, { namespace: ns, objectName: `${POSTGRES_EXPORTER_NAME}-${instance}-ca`, file: "ca.crt", component: "metrics-exporter" }, child(), args.crds)
          : undefined;
        deployment(`${name}-postgres-${instance}`, `${POSTGRES_EXPORTER_NAME}-${instance}`, labels, selectorLabels(POSTGRES_EXPORTER_NAME, instance), postgresExporterContainer({
          image: args.images.postgres,
          uid: EXPORTER_UID,
          host: e.host,
          port: e.port,
          database: EXPORTER_DATABASE,
          sslMode: db.sslMode,
          ...(ca ? { caFile: `${POSTGRES_CA_DIR}/ca.crt`, volumeMounts: [{ name: "postgres-ca", mountPath: POSTGRES_CA_DIR, readOnly: true }] } : {}),
          credentials: { name: login.metadata.name, user: db.login.user, passwordKey: "password" },
        }), ca ? [{ name: "postgres-ca", projected: { defaultMode: 0o444, sources: [ca.source] } }] : [], [login, ...db.ready, ...(ca ? [ca.resource] : [])],
        ca && e.caCertificate ? { "matrix-platform.io/config-checksum": e.caCertificate.apply((c) => checksum(c)) } : {});
      }
    }

    const redis = args.redis;
    const auth = new k8s.core.v1.Secret(`${name}-redis-auth`, {
      metadata: { name: EXPORTER_SECRETS.redis, namespace: ns, labels: standardLabels(REDIS_EXPORTER_NAME, "metrics-exporter") },
      type: "Opaque",
      stringData: pulumi.secret({ password: redis.password }),
    }, child());
    // The server's CA is public material: a ConfigMap, as Synapse's (components/matrix/synapse.ts).
    const ca = redis.tls && redis.caCertificate
      ? new k8s.core.v1.ConfigMap(`${name}-redis-ca`, { metadata: { name: `${REDIS_EXPORTER_NAME}-ca`, namespace: ns, labels: standardLabels(REDIS_EXPORTER_NAME, "metrics-exporter") }, data: { "ca.crt": redis.caCertificate } }, child())
      : undefined;
    const redisLabels = standardLabels(REDIS_EXPORTER_NAME, "metrics-exporter");
    deployment(`${name}-redis`, REDIS_EXPORTER_NAME, redisLabels, selectorLabels(REDIS_EXPORTER_NAME), restrictedContainer({
      name: REDIS_EXPORTER_NAME,
      image: args.images.redis,
      args: pulumi.all([redis.host, redis.port]).apply(([host, port]) => redisExporterArgs({ host, port, tls: redis.tls, ...(ca ? { caFile: `${REDIS_CA_DIR}/ca.crt` } : {}) })),
      env: [{ name: "REDIS_PASSWORD", valueFrom: { secretKeyRef: { name: auth.metadata.name, key: "password" } } }],
      ports: [{ name: "metrics", containerPort: REDIS_EXPORTER_PORT }],
      resources: { requests: { cpu: "20m", memory: "32Mi", "ephemeral-storage": "16Mi" }, limits: { cpu: "200m", memory: "64Mi", "ephemeral-storage": "64Mi" } },
      readinessProbe: { httpGet: { path: "/metrics", port: "metrics" }, periodSeconds: 30, timeoutSeconds: 10 },
      livenessProbe: { tcpSocket: { port: "metrics" }, periodSeconds: 30 },
      ...(ca ? { volumeMounts: [{ name: "redis-ca", mountPath: REDIS_CA_DIR, readOnly: true }] } : {}),
    }, EXPORTER_UID), ca ? [{ name: "redis-ca", configMap: { name: ca.metadata.name } }] : [], [auth, ...(ca ? [ca] : [])],
    ca && redis.caCertificate ? { "matrix-platform.io/config-checksum": redis.caCertificate.apply((c) => checksum(c)) } : {});

    args.flows.allowAll(managedDataExporterFlows({ postgres: db?.network, redis: redis.network }), { namePrefix: "data-exporters", parent: this });
    this.registerOutputs({});
  }
}
