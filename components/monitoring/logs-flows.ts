/**
 * Flows of the logs pipeline (pure): Alloy (logs namespace) pushes to Loki and asks the API server
 * for its node's pods; Grafana queries Loki; Loki's replicas talk to each other (ring over
 * memberlist, gRPC between roles) and write to the platform's object store when it has a bucket.
 */
import { NAMESPACES } from "../../catalog/namespaces";
import type { KubeApiEndpoint, NetworkPeer } from "../contracts";
import { kubeApiPeer, PROMETHEUS_PODS, type FlowSpec, type Workload } from "../k8s/network";
import { MONITORING_PODS } from "./flows";
import { ALLOY_HTTP_PORT, LOGS_POD_LABELS, LOKI_PORTS } from "./logs";

export const LOGS_PODS: { loki: Workload; alloy: Workload } = {
  loki: { namespace: NAMESPACES.monitoring, podLabels: { ...LOGS_POD_LABELS.loki }, name: "loki" },
  alloy: { namespace: NAMESPACES.logs, podLabels: { ...LOGS_POD_LABELS.alloy }, name: "alloy" },
};

/**
 * @param objectStore the platform's object store, when Loki writes to its bucket
 * @param kubeApi the API server (Alloy's pod discovery)
 */
export function logsFlows(objectStore: NetworkPeer | undefined, kubeApi: KubeApiEndpoint): FlowSpec[] {
  const { loki, alloy } = LOGS_PODS;
  const api = kubeApiPeer(kubeApi);
  return [
    { from: alloy, to: loki, ports: [LOKI_PORTS.http], description: "Alloy -> Loki (log push)" },
    { from: MONITORING_PODS.grafana, to: loki, ports: [LOKI_PORTS.http], description: "Grafana -> Loki (datasource)" },
    { from: loki, to: loki, ports: [LOKI_PORTS.http, LOKI_PORTS.grpc, LOKI_PORTS.memberlist], description: "Loki replicas (ring, queries, memberlist)" },
    { from: alloy, to: api.to, ports: api.ports, sides: "both", description: "alloy -> Kubernetes API (pod discovery)" },
    // Receiver side of the scrapes (Prometheus's egress is the monitoring namespace's, per scraped namespace).
    { from: PROMETHEUS_PODS, to: loki, ports: [LOKI_PORTS.http], description: "metrics scrape of loki" },
    { from: PROMETHEUS_PODS, to: alloy, ports: [ALLOY_HTTP_PORT], description: "metrics scrape of alloy" },
    ...(objectStore ? [{ from: loki, to: objectStore, description: "Loki -> object store (chunks and index)" }] : []),
  ];
}
