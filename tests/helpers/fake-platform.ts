/**
 * A Platform object for component tests under the mock engine: a Kubernetes provider plus fixed
 * endpoints and secret credentials. Call it inside the mocked program (it registers the provider).
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import type { Platform, Placement } from "../../components/contracts";
import type { NodeTier } from "../../sizing/types";

export const FAKE_SECRETS = {
  dbPassword: "fake-db-password-7f3a",
  redisPassword: "fake-redis-password-91c2",
  s3Secret: "fake-s3-secret-key-55e1",
};

/** The reference the fake platform gives the project's Synapse image (as a registry would: tag pinned by digest). */
/** Every add-on API group with no provider resource: a harness has no releases to wait for. */
export const FAKE_CRD_PROVIDERS: Platform["crdProviders"] = Object.fromEntries(
  ["cert-manager.io", "gateway.networking.k8s.io", "gateway.envoyproxy.io", "postgresql.cnpg.io", "barmancloud.cnpg.io", "minio.min.io", "monitoring.coreos.com"].map((g) => [g, []]),
);

export const FAKE_SYNAPSE_IMAGE = `registry.test/matrix-platform/synapse:v1.163.2-0123456789abcdef@sha256:${"a".repeat(64)}`;

export function fakePlatform(opts: { staticS3?: boolean; pathStyle?: boolean; redisCa?: boolean; internalCa?: boolean; databaseCa?: boolean } = {}): Platform {
  const provider = new k8s.Provider("fake-k8s", { kubeconfig: "fake" });
  const db = (database: string) => ({
    host: pulumi.output(`${database}-db.internal`),
    port: pulumi.output(5432),
    database,
    user: pulumi.output(database),
    password: pulumi.secret(FAKE_SECRETS.dbPassword),
    ...(opts.databaseCa ? { sslMode: "verify-full" as const, caIssuer: "fake-internal-ca" } : { sslMode: "require" as const }),
    maxConnections: 2000,
    network: { kind: "cidr" as const, cidrs: ["10.10.0.0/16"], port: 5432 },
  });
  return {
    kind: "existing",
    provider,
    // No add-on releases in the harness: every group resolves to none, so resources register as before.
    crdProviders: FAKE_CRD_PROVIDERS,
    storageClass: pulumi.output("fast"),
    kubernetesVersion: "1.34",
    placement: (tier: NodeTier): Placement => ({
      nodeSelector: { "matrix-platform.io/tier": tier },
      tolerations: [{ key: "matrix-platform.io/dedicated", operator: "Equal", value: tier, effect: "NoSchedule" }],
    }),
    databases: { synapse: db("synapse"), telegram: db("telegram"), whatsapp: db("whatsapp"), keyVault: db("key_vault"), synapseLi: db("synapse_li") },
    objectStore: {
      endpoint: pulumi.output("http://minio.matrix-data.svc.cluster.local"),
      region: "us-east-1",
      buckets: { media: pulumi.output("media"), backups: pulumi.output("backups"), liMedia: pulumi.output("li-media") },
      credentials: opts.staticS3 === false ? undefined : { accessKeyId: pulumi.secret("fake-access-key"), secretAccessKey: pulumi.secret(FAKE_SECRETS.s3Secret) },
      serviceAccountAnnotations: { "synapse-media": pulumi.output<Record<string, string>>({ "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/synapse-media" }) },
      forcePathStyle: opts.pathStyle ?? true,
      nativeApi: "s3",
      network: { kind: "pods", namespace: "matrix-data", podLabels: { "v1.min.io/tenant": "main" }, port: 80 },
    },
    redis: {
      host: pulumi.output("redis-master.matrix-data.svc.cluster.local"),
      port: pulumi.output(6379),
      tls: opts.redisCa ?? false,
      certificateNamesHost: true,
      password: pulumi.secret(FAKE_SECRETS.redisPassword),
      ...(opts.redisCa ? { caCertificate: pulumi.output("-----BEGIN CERTIFICATE-----\nfake\n-----END CERTIFICATE-----\n") } : {}),
      network: { kind: "pods", namespace: "matrix-data", podLabels: { "app.kubernetes.io/name": "redis" }, port: 6379 },
    },
    gateway: { className: "envoy", namespace: "edge", name: "edge" },
    clusterIssuer: "selfsigned-ca",
    ...(opts.internalCa === false ? {} : { internalCaIssuer: "fake-internal-ca" }),
    ready: [],
    kubeApi: { cidrs: ["10.0.0.1/32"], ports: [443] },
    projectImages: { synapse: pulumi.output(FAKE_SYNAPSE_IMAGE) },
  };
}
