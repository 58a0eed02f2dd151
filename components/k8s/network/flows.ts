/**
 * A flow as components declare it (`FlowSpec`) and as the generator reads it (`Flow`): both ends
 * typed, ports explicit and checked, the side(s) whose policy it writes decided.
 */
import type { NetworkPeer } from "../../contracts";
import { METRICS_PORTS, PROMETHEUS_PODS, type External, type PortSpec, type Protocol, type Workload } from "./peers";

export interface FlowSpec {
  from: Workload | External;
  /** A workload, an external range, or a Platform NetworkPeer (which carries its own port). */
  to: Workload | External | NetworkPeer;
  /** Destination ports; defaults to the NetworkPeer's port. */
  ports?: (number | PortSpec)[];
  /** Why the flow exists; lands in the policies' annotation. */
  description?: string;
  /**
   * Which side's policy this flow writes: both (default), only the receiver's ingress, or only
   * the sender's egress. Scrape flows from PROMETHEUS_PODS default to "receiver": Prometheus's
   * egress is one policy of the monitoring component (prometheusEgressFlows), because the
   * monitoring namespace exists only when monitoring is deployed.
   */
  sides?: "both" | "receiver" | "sender";
}

/** A flow after normalisation: both ends typed, ports explicit. */
export interface Flow {
  from: Workload | External;
  to: Workload | External;
  ports: (Required<Omit<PortSpec, "endPort">> & Pick<PortSpec, "endPort">)[];
  description: string;
  sides: "both" | "receiver" | "sender";
}

/** Normalises a declared flow: NetworkPeers become workloads or external ranges, ports become explicit. */
export function normalizeFlow(spec: FlowSpec): Flow {
  const to = spec.to;
  let target: Workload | External;
  let peerPort: number | undefined;
  if (to.kind === "cidr") {
    target = { kind: "cidr", cidrs: to.cidrs, ...("except" in to && to.except ? { except: to.except } : {}), ...("name" in to && to.name ? { name: to.name } : {}) };
    peerPort = "port" in to ? to.port : undefined;
  } else {
    target = { namespace: to.namespace, ...(to.podLabels ? { podLabels: to.podLabels } : {}), ...("name" in to && to.name ? { name: to.name } : {}) };
    peerPort = "port" in to ? to.port : undefined;
  }
  const raw = spec.ports ?? (peerPort !== undefined ? [peerPort] : []);
  if (raw.length === 0) throw new Error(`flow ${describeEnd(spec.from)} -> ${describeEnd(target)} names no port: every allowed flow is port-scoped`);
  const ports = raw.map((p) =>
    typeof p === "number"
      ? { port: p, protocol: "TCP" as Protocol }
      : { port: p.port, protocol: p.protocol ?? ("TCP" as Protocol), ...(p.endPort !== undefined ? { endPort: p.endPort } : {}) },
  );
  for (const p of ports) {
    for (const n of [p.port, p.endPort ?? p.port]) {
      if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`flow ${describeEnd(spec.from)} -> ${describeEnd(target)}: port ${n} is not a TCP/UDP port`);
    }
    if ((p.endPort ?? p.port) < p.port) throw new Error(`flow ${describeEnd(spec.from)} -> ${describeEnd(target)}: port range ${p.port}-${p.endPort} is empty`);
  }
  if (spec.from.kind === "cidr" && target.kind === "cidr") throw new Error("a flow between two external ranges is not the cluster's to allow");
  const fromPrometheus = spec.from.kind !== "cidr" && selectorKey(spec.from) === selectorKey(PROMETHEUS_PODS);
  const sides = spec.sides ?? (fromPrometheus ? "receiver" : "both");
  return { from: spec.from, to: target, ports, description: spec.description ?? `${describeEnd(spec.from)} -> ${describeEnd(target)}`, sides };
}

/** `namespace/name` of a workload, or the name of an external range, for descriptions and errors. */
export function describeEnd(e: Workload | External | NetworkPeer): string {
  if (e.kind === "cidr") return ("name" in e && e.name) || "cidr";
  const name = ("name" in e && e.name) || e.podLabels?.["app.kubernetes.io/name"];
  return name ? `${e.namespace}/${name}` : `${e.namespace}/*`;
}

export function sortedLabels(labels: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(labels ?? {}).sort(([a], [b]) => a.localeCompare(b)));
}

/** Identity of a workload selector: two workloads with the same key select the same pods. */
export function selectorKey(w: Workload): string {
  return `${w.namespace}|${JSON.stringify(sortedLabels(w.podLabels))}`;
}

/**
 * Prometheus's egress: to every namespace of the stack on the metrics ports (sender side only;
 * each target admits Prometheus on its own port through its scrape flow). For the monitoring
 * component, which owns the monitoring namespace.
 */
export function prometheusEgressFlows(namespaces: string[], ports: number[] = METRICS_PORTS): FlowSpec[] {
  return namespaces.map((namespace) => ({
    from: PROMETHEUS_PODS, to: { namespace, name: `${namespace}-pods` }, ports, sides: "sender" as const, description: `Prometheus -> ${namespace} metrics`,
  }));
}
