/**
 * Flows of the trace collector (pure): every Synapse process reports its spans to Jaeger (thrift
 * compact over UDP, or thrift over HTTP), Grafana queries it. Prometheus's scrape of its metrics
 * port comes from the registry entry's target (catalog/components.ts `traces`), like every other.
 */
import { NAMESPACES } from "../../catalog/namespaces";
import { JAEGER_NAME, JAEGER_PORTS } from "../../render/traces";
import type { FlowSpec, Workload } from "../k8s/network";
import { selectorLabels } from "../k8s/labels";
import { MONITORING_PODS } from "./flows";

export const JAEGER_PODS: Workload = { namespace: NAMESPACES.monitoring, podLabels: selectorLabels(JAEGER_NAME), name: JAEGER_NAME };

/** @param synapse Synapse's pods (main and every worker), the senders of the spans */
export function tracesFlows(synapse: Workload): FlowSpec[] {
  return [
    {
      from: synapse,
      to: JAEGER_PODS,
      ports: [{ port: JAEGER_PORTS.thriftCompact, protocol: "UDP" }, { port: JAEGER_PORTS.thriftHttp, protocol: "TCP" }],
      description: "Synapse -> Jaeger (spans, jaeger thrift)",
    },
    { from: MONITORING_PODS.grafana, to: JAEGER_PODS, ports: [JAEGER_PORTS.query], description: "Grafana -> Jaeger (trace queries)" },
  ];
}
