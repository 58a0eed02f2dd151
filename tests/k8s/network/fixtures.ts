/** Workloads and flows shared by the generator's and the evaluator's tests. */
import {
  EDGE_PODS,
  PROMETHEUS_PODS,
  defaultDenyPolicy,
  dnsEgressPolicy,
  networkPoliciesFor,
  prometheusEgressFlows,
  type FlowSpec,
  type NetworkPolicyManifest,
  type Workload,
} from "../../../components/k8s/network";

export const haproxy: Workload = { namespace: "matrix", podLabels: { "app.kubernetes.io/name": "haproxy", "app.kubernetes.io/instance": "main" } };
export const synapseMain: Workload = { namespace: "matrix", podLabels: { "app.kubernetes.io/name": "synapse", "app.kubernetes.io/component": "main" } };
export const synapseAll: Workload = { namespace: "matrix", podLabels: { "app.kubernetes.io/name": "synapse" }, name: "synapse" };
export const cnpg = { kind: "pods" as const, namespace: "matrix-data", podLabels: { "cnpg.io/cluster": "synapse-pg" }, port: 5432 };
export const rds = { kind: "cidr" as const, cidrs: ["10.0.16.0/20", "10.0.32.0/20"], port: 5432 };

/** A pod of a workload, optionally with more labels than its selector. */
export const pod = (w: Workload, extra: Record<string, string> = {}) => ({ namespace: w.namespace, labels: { ...(w.podLabels ?? {}), ...extra } });

export const flows: FlowSpec[] = [
  { from: EDGE_PODS, to: haproxy, ports: [8080], description: "gateway -> haproxy" },
  { from: haproxy, to: synapseMain, ports: [8008] },
  { from: synapseAll, to: synapseAll, ports: [9093], description: "replication" },
  { from: synapseAll, to: cnpg },
  { from: synapseAll, to: rds },
  { from: PROMETHEUS_PODS, to: synapseAll, ports: [9000] },
];

/** Every namespace closed, then the flows above and Prometheus's egress opened. */
export function world(): NetworkPolicyManifest[] {
  const base = ["matrix", "matrix-data", "edge", "monitoring"].flatMap((ns) => [defaultDenyPolicy(ns), dnsEgressPolicy(ns)]);
  return [...base, ...networkPoliciesFor([...flows, ...prometheusEgressFlows(["matrix"])])];
}
