/**
 * Flows of the monitoring namespace (pure): what its pods may send and receive under the
 * namespace's default-deny. Prometheus reaches the scraped pods only on their metrics ports (the
 * receiving side of each scrape is the target's own policy), the kubelets and the API server for
 * discovery; Grafana is reached by the Gateway only; Alertmanager talks to its peers and to the
 * receivers.
 */
import { NAMESPACES } from "../../catalog/namespaces";
import { EDGE_PODS, kubeApiPeer, PRIVATE_RANGES, PROMETHEUS_PODS, prometheusEgressFlows, type External, type FlowSpec, type Workload } from "../k8s/network";
import type { KubeApiEndpoint } from "../contracts";
import type { ResolvedTarget } from "./targets";
import { GRAFANA_CONTAINER_PORT } from "./values";

const ns = NAMESPACES.monitoring;
const pods = (name: string, podLabels: Record<string, string>): Workload => ({ namespace: ns, podLabels, name });

/** Pods of the chart as it labels them. */
export const MONITORING_PODS = {
  prometheus: PROMETHEUS_PODS,
  alertmanager: pods("alertmanager", { "app.kubernetes.io/name": "alertmanager" }),
  grafana: pods("grafana", { "app.kubernetes.io/name": "grafana" }),
  operator: pods("prometheus-operator", { "app.kubernetes.io/component": "prometheus-operator" }),
  kubeStateMetrics: pods("kube-state-metrics", { "app.kubernetes.io/name": "kube-state-metrics" }),
};

/** Kubelets (cAdvisor and volume metrics): node addresses, not known when policies are written, so port-scoped. */
const KUBELETS: External = { kind: "cidr", name: "kubelets", cidrs: ["0.0.0.0/0"] };
/** Nodes of host-network targets (LiveKit, coturn): their pod address is the node's, in private address space. */
const HOST_NETWORK_NODES: External = { kind: "cidr", name: "host-network-targets", cidrs: PRIVATE_RANGES };
/** Receivers outside the cluster: PagerDuty, webhooks, SMTP (an on-prem smarthost may be private, so not only the internet). */
const RECEIVERS: External = { kind: "cidr", name: "alert-receivers", cidrs: ["0.0.0.0/0"] };

/**
 * @param targets every scraped target (Prometheus's egress goes to their namespaces and ports)
 * @param kubeApi the platform's API server endpoint (discovery, the operator, kube-state-metrics, Grafana's sidecars)
 */
export function monitoringFlows(targets: readonly ResolvedTarget[], kubeApi: KubeApiEndpoint): FlowSpec[] {
  const p = MONITORING_PODS;
  const api = kubeApiPeer(kubeApi);
  const both = "both" as const;
  // Prometheus's egress to each namespace it scrapes, on that namespace's metrics ports only.
  const portsByNamespace = new Map<string, Set<number>>();
  const hostPorts = new Set<number>();
  for (const t of targets) if (t.hostNetwork) hostPorts.add(t.port);
  for (const t of targets.filter((x) => !x.hostNetwork)) portsByNamespace.set(t.namespace, new Set([...(portsByNamespace.get(t.namespace) ?? []), t.port]));
  const egress = [...portsByNamespace.entries()].sort(([a], [b]) => a.localeCompare(b))
    .flatMap(([namespace, ports]) => prometheusEgressFlows([namespace], [...ports].sort((a, b) => a - b)));
  // Host-network targets answer on the node's address: an egress to the node ranges on their ports only.
  const hostEgress: FlowSpec[] = hostPorts.size === 0 ? [] : [{
    from: p.prometheus, to: HOST_NETWORK_NODES, ports: [...hostPorts].sort((a, b) => a - b), sides: "sender",
    description: "Prometheus -> host-network metrics (LiveKit, coturn) on the nodes",
  }];
  return [
    ...egress,
    ...hostEgress,
    { from: EDGE_PODS, to: p.grafana, ports: [GRAFANA_CONTAINER_PORT], description: "Gateway -> Grafana" },
    { from: p.grafana, to: p.prometheus, ports: [9090], description: "Grafana -> Prometheus (datasource)" },
    { from: p.grafana, to: p.alertmanager, ports: [9093], description: "Grafana -> Alertmanager (datasource)" },
    { from: p.prometheus, to: p.alertmanager, ports: [9093, 8080], sides: both, description: "Prometheus -> Alertmanager (alerts, reloader metrics)" },
    { from: p.alertmanager, to: p.alertmanager, ports: [{ port: 9094, protocol: "TCP" }, { port: 9094, protocol: "UDP" }], description: "Alertmanager cluster gossip" },
    { from: p.prometheus, to: p.prometheus, ports: [9090, 8080], sides: both, description: "Prometheus self-scrape and config reloader" },
    { from: p.prometheus, to: p.grafana, ports: [GRAFANA_CONTAINER_PORT], sides: both, description: "metrics scrape of Grafana" },
    { from: p.prometheus, to: p.kubeStateMetrics, ports: [8080], sides: both, description: "metrics scrape of kube-state-metrics" },
    { from: p.prometheus, to: p.operator, ports: [10250], sides: both, description: "metrics scrape of the operator" },
    { from: p.prometheus, to: KUBELETS, ports: [10250], sides: both, description: "Prometheus -> kubelets (cAdvisor, volume stats)" },
    { from: { kind: "cidr", name: "kube-api", cidrs: ["0.0.0.0/0"] }, to: p.operator, ports: [10250], description: "API server -> operator admission webhook" },
    ...[p.prometheus, p.operator, p.kubeStateMetrics, p.grafana].map((from): FlowSpec => ({ from, to: api.to, ports: api.ports, sides: both, description: `${from.name} -> Kubernetes API` })),
    { from: p.alertmanager, to: RECEIVERS, ports: [443, 80, 587, 465, 25], description: "Alertmanager -> receivers (PagerDuty, webhooks, SMTP)" },
  ];
}
