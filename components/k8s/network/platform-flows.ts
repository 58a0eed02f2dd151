/**
 * Flows of the cluster add-ons (cert-manager, Envoy Gateway, the data operators) and the
 * in-cluster data services, in one place, so the platform components only say which of them
 * they install. Pods of Helm charts are selected by namespace (their labels are the charts'),
 * which keeps the rules valid across chart upgrades; the ports are the charts' documented ones.
 *
 * What the data services' *clients* may reach is not here: consumers declare it from the
 * Platform's NetworkPeers (e.g. `{from: synapsePods, to: platform.databases.synapse.network}`).
 */
import { NAMESPACES } from "../../../catalog/namespaces";
import type { FlowSpec } from "./flows";
import type { KubeApiEndpoint } from "../../contracts";
import { EDGE_PODS, INTERNET, kubeApiPeer, PROMETHEUS_PODS, type External, type Workload } from "./peers";

/**
 * Any address. Used only as a *source* where the real source cannot be named: clients of the
 * public edge (on-prem users come from private ranges too) and the API server calling webhooks.
 */
export const ANYWHERE: External = { kind: "cidr", name: "anywhere", cidrs: ["0.0.0.0/0"] };

const ns = (namespace: string, name: string, podLabels?: Record<string, string>): Workload => ({ namespace, name, ...(podLabels ? { podLabels } : {}) });

export const CERT_MANAGER_PODS = ns(NAMESPACES.certManager, "cert-manager");
export const OPERATOR_PODS = ns(NAMESPACES.operators, "operators");

/** Envoy Gateway's container ports for the Gateway's 80/443 listeners (it runs non-root, so ports +10000). */
export const ENVOY_LISTENER_PORTS = [10080, 10443];

export interface AddonFlowOptions {
  /** cert-manager is the stack's (its namespace and flows); false where the cluster runs its own. Default: true. */
  certManager?: boolean;
  /** CloudNativePG operator and its barman-cloud plugin are installed (operators namespace). */
  cloudnativePg: boolean;
  /** MinIO operator is installed (operators namespace). */
  minioOperator: boolean;
  /**
   * The monitoring stack is deployed: only then are scrape flows declared (their egress side
   * lives in the monitoring namespace, which exists only with it).
   */
  monitoring: boolean;
  /** Where the API server's endpoints are (the platform's `kubeApi`): controllers reach only that. */
  kubeApi: KubeApiEndpoint;
}

/** cert-manager, Envoy Gateway and the operators. */
export function clusterAddonFlows(o: AddonFlowOptions): FlowSpec[] {
  const api = kubeApiPeer(o.kubeApi);
  const certManager = o.certManager ?? true;
  const flows: FlowSpec[] = [
    // cert-manager: controllers watch the API; the API server calls the webhook (10250);
    // ACME orders and http01 self-checks go to the public internet. An existing cert-manager's
    // namespace is not the stack's: its policies are the site's.
    ...(certManager
      ? [
        { from: CERT_MANAGER_PODS, ...api, description: "cert-manager -> Kubernetes API" },
        { from: ANYWHERE, to: { ...CERT_MANAGER_PODS, podLabels: { "app.kubernetes.io/name": "webhook" }, name: "cert-manager-webhook" }, ports: [10250], description: "API server -> cert-manager webhook" },
        { from: CERT_MANAGER_PODS, to: INTERNET, ports: [80, 443], description: "cert-manager -> ACME directory and http01 self-check" },
      ]
      : []),
    // Envoy Gateway: controller watches the API; proxies fetch config over xDS (18000) and the
    // rate-limit/wasm services (18001/18002); http01 solver pods (cert-manager, same namespace)
    // answer on 8089; clients reach the proxies' listeners from anywhere.
    { from: EDGE_PODS, ...api, description: "Envoy Gateway -> Kubernetes API" },
    { from: EDGE_PODS, to: EDGE_PODS, ports: [18000, 18001, 18002, 8089], description: "Envoy proxies -> controller xDS, ACME solver" },
    { from: ANYWHERE, to: EDGE_PODS, ports: ENVOY_LISTENER_PORTS, description: "clients -> Gateway listeners" },
  ];
  if (o.monitoring) {
    flows.push(
      ...(certManager ? [{ from: PROMETHEUS_PODS, to: CERT_MANAGER_PODS, ports: [9402], description: "metrics scrape of cert-manager" }] : []),
      { from: PROMETHEUS_PODS, to: EDGE_PODS, ports: [19001], description: "metrics scrape of Envoy" },
    );
  }
  if (o.cloudnativePg || o.minioOperator) {
    flows.push(
      { from: OPERATOR_PODS, ...api, description: "operators -> Kubernetes API" },
      ...(o.monitoring ? [{ from: PROMETHEUS_PODS, to: OPERATOR_PODS, ports: [8080], description: "metrics scrape of operators" }] : []),
    );
  }
  if (o.cloudnativePg) {
    flows.push(
      { from: ANYWHERE, to: OPERATOR_PODS, ports: [9443], description: "API server -> CloudNativePG webhook" },
      // The operator talks to the barman-cloud plugin over gRPC (mTLS from cert-manager). Its
      // traffic to the instances is in dataServiceFlows, which knows their labels.
      { from: OPERATOR_PODS, to: OPERATOR_PODS, ports: [9090], description: "CloudNativePG operator -> barman-cloud plugin" },
    );
  }
  return flows;
}

/** CloudNativePG instance pods (the operator labels every instance pod so). */
export const POSTGRES_INSTANCES: Workload = ns(NAMESPACES.data, "postgres", { "cnpg.io/podRole": "instance" });

export interface DataServiceFlowOptions {
  monitoring: boolean;
  /** Where the API server's endpoints are: CloudNativePG's instance managers reach only that. */
  kubeApi: KubeApiEndpoint;
  /** Pod labels of the MinIO servers (MinioTenant.podLabels). */
  minioPods: Record<string, string>;
  /** Pod labels of the Redis nodes (redis + sentinel containers). */
  redisPods: Record<string, string>;
  /** Pod labels of the Redis master-endpoint proxy (SentinelRedis.podLabels). */
  redisProxyPods: Record<string, string>;
  /** Pod labels of Jobs that configure MinIO (bucket versioning, lifecycle). */
  minioClientPods?: Record<string, string>;
  /** The off-site backup copy: its Jobs' pod labels and where they send (OffsiteBackupCopy). */
  offsiteCopy?: { pods: Record<string, string>; target: External; port: number };
}

/**
 * Flows inside the on-prem data namespace, workload by workload: PostgreSQL streaming
 * replication and backups to the MinIO tenant, MinIO servers' erasure-coding traffic, Redis
 * replication and Sentinel behind the master-endpoint proxy, the operators reaching their
 * operands, CloudNativePG instance managers watching the API, and scraping.
 */
export function dataServiceFlows(o: DataServiceFlowOptions): FlowSpec[] {
  const minio = ns(NAMESPACES.data, "minio", o.minioPods);
  const redis = ns(NAMESPACES.data, "redis", o.redisPods);
  const proxy = ns(NAMESPACES.data, "redis-proxy", o.redisProxyPods);
  const flows: FlowSpec[] = [
    { from: POSTGRES_INSTANCES, to: POSTGRES_INSTANCES, ports: [5432, 8000], description: "PostgreSQL replication and instance status" },
    { from: POSTGRES_INSTANCES, to: minio, ports: [9000], description: "PostgreSQL WAL archive and base backups -> MinIO" },
    { from: POSTGRES_INSTANCES, ...kubeApiPeer(o.kubeApi), description: "CloudNativePG instance manager -> Kubernetes API" },
    { from: POSTGRES_INSTANCES, to: OPERATOR_PODS, ports: [9090], description: "PostgreSQL instances -> barman-cloud plugin" },
    { from: OPERATOR_PODS, to: POSTGRES_INSTANCES, ports: [8000], description: "CloudNativePG operator -> instance status" },
    { from: minio, to: minio, ports: [9000], description: "MinIO node-to-node" },
    { from: OPERATOR_PODS, to: minio, ports: [9000], description: "MinIO operator -> tenant admin API" },
    { from: redis, to: redis, ports: [6379, 26379], description: "Redis replication and Sentinel" },
    { from: proxy, to: redis, ports: [6379, 26379], description: "Redis master proxy -> nodes and Sentinels" },
  ];
  if (o.offsiteCopy) {
    const copy = ns(NAMESPACES.data, "offsite-backup-copy", o.offsiteCopy.pods);
    flows.push(
      { from: copy, to: minio, ports: [9000], description: "off-site backup copy <- MinIO (reads the backups bucket)" },
      { from: copy, to: o.offsiteCopy.target, ports: [o.offsiteCopy.port], description: "off-site backup copy -> the off-site S3 endpoint" },
    );
  }
  if (o.minioClientPods) flows.push({ from: ns(NAMESPACES.data, "minio-client", o.minioClientPods), to: minio, ports: [9000], description: "bucket settings Job -> MinIO" });
  if (o.monitoring) {
    flows.push(
      { from: PROMETHEUS_PODS, to: POSTGRES_INSTANCES, ports: [9187], description: "metrics scrape of PostgreSQL" },
      { from: PROMETHEUS_PODS, to: minio, ports: [9000], description: "metrics scrape of MinIO" },
    );
  }
  return flows;
}
