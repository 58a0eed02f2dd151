/**
 * The architecture diagram as data (pure): the namespaces the stack creates as clusters, each
 * labelled with the registry's systems that live there; the workloads and the outside ends
 * (internet, Kubernetes API, managed data services) that the declared flows name, as nodes; the
 * flows as edges with their ports. Built from the same component registry and flow declarations
 * that write the NetworkPolicies, so the picture cannot show a path the policies do not allow.
 */
import { deployedSystems, systemEntry, type DeploymentSwitches, type SystemName } from "../../catalog/components";
import { NAMESPACES } from "../../catalog/namespaces";
import { describeEnd, normalizeFlow, selectorKey, type Flow, type FlowSpec } from "../../components/k8s/network/flows";
import { PROMETHEUS_PODS, type External, type Workload } from "../../components/k8s/network/peers";

export type NodeKind = "workload" | "data" | "external";

export interface ArchNode {
  id: string;
  label: string;
  kind: NodeKind;
  /** The cluster (namespace) it is drawn in; absent for ends outside the cluster. */
  namespace?: string;
}

export interface ArchEdge {
  from: string;
  to: string;
  /** `8008`, `5432`, `10000-20000/udp`, comma-separated. */
  ports: string;
  /** Prometheus's scrapes are drawn apart (dashed) from the traffic they observe. */
  kind: "traffic" | "scrape";
}

export interface ArchCluster {
  namespace: string;
  /** Registry systems whose workloads run in it, in registry order. */
  systems: { name: SystemName; description: string }[];
}

export interface ArchitectureGraph {
  title: string;
  clusters: ArchCluster[];
  nodes: ArchNode[];
  edges: ArchEdge[];
}

export interface GraphInput {
  title: string;
  /** Which systems are deployed (the registry decides from these). */
  switches: DeploymentSwitches;
  /** The namespaces the stack creates (NetworkFlows.namespaces). */
  namespaces: readonly string[];
  /** Every declared flow (NetworkFlows.flows). */
  flows: readonly FlowSpec[];
}

const PROMETHEUS = selectorKey(PROMETHEUS_PODS);

/** Where a system's workloads run: its namespace and any workload's own. */
function systemNamespaces(system: SystemName): string[] {
  const entry = systemEntry(system);
  return [...new Set([entry.namespace, ...Object.values(entry.workloads).flatMap((w) => (w?.namespace ? [w.namespace] : []))])];
}

function externalNode(end: External, flow: Flow): ArchNode {
  if (end.name) return { id: `ext:${end.name}`, label: end.name, kind: "external" };
  // A Platform peer without a name (a managed database, cache or object store): one node per
  // port, labelled with what the declaring component called it.
  const ports = flow.ports.map((p) => p.port).join(",");
  const said = flow.description.split("->").pop()!.trim();
  return { id: `ext:port:${ports}`, label: said || `port ${ports}`, kind: "data" };
}

function workloadNode(end: Workload): ArchNode {
  const name = describeEnd(end).slice(end.namespace.length + 1);
  return {
    id: `${end.namespace}/${name}`,
    label: name === "*" ? "all pods" : name,
    kind: end.namespace === NAMESPACES.data ? "data" : "workload",
    namespace: end.namespace,
  };
}

function portText(flow: Flow): string {
  return flow.ports.map((p) => `${p.port}${p.endPort !== undefined ? `-${p.endPort}` : ""}${p.protocol === "UDP" ? "/udp" : ""}`).join(",");
}

/** Builds the graph; deterministic (sorted), so the committed diagram can be checked for staleness. */
export function architectureGraph(input: GraphInput): ArchitectureGraph {
  const created = new Set(input.namespaces);
  const nodes = new Map<string, ArchNode>();
  const edges = new Map<string, ArchEdge & { portSet: Set<string> }>();

  for (const spec of input.flows) {
    const flow = normalizeFlow(spec);
    const fromPrometheus = flow.from.kind !== "cidr" && selectorKey(flow.from) === PROMETHEUS;
    // Prometheus's namespace-wide egress is the sending half of the scrapes, which are drawn
    // from their receivers' side (one edge per scraped workload).
    if (fromPrometheus && flow.sides === "sender" && flow.to.kind !== "cidr" && !flow.to.podLabels) continue;
    const ends = [flow.from, flow.to].map((e) => (e.kind === "cidr" ? externalNode(e, flow) : workloadNode(e)));
    // An end inside the cluster but in a namespace the stack does not create (cluster DNS, or a
    // system that is not deployed) is not the stack's: it is not drawn, nor are edges to it.
    if (ends.some((n) => n.namespace !== undefined && !created.has(n.namespace))) continue;
    for (const n of ends) if (!nodes.has(n.id)) nodes.set(n.id, n);
    const kind = fromPrometheus ? "scrape" : "traffic";
    const key = `${ends[0].id}|${ends[1].id}|${kind}`;
    const edge = edges.get(key) ?? { from: ends[0].id, to: ends[1].id, ports: "", kind, portSet: new Set<string>() };
    for (const p of portText(flow).split(",")) edge.portSet.add(p);
    edges.set(key, edge);
  }

  const systemsByNs = new Map<string, ArchCluster["systems"]>();
  for (const system of deployedSystems(input.switches)) {
    for (const ns of systemNamespaces(system)) {
      if (!created.has(ns)) continue;
      systemsByNs.set(ns, [...(systemsByNs.get(ns) ?? []), { name: system, description: systemEntry(system).description }]);
    }
  }
  const clusterNames = new Set([...systemsByNs.keys(), ...[...nodes.values()].flatMap((n) => (n.namespace ? [n.namespace] : []))]);
  const byPort = (a: string, b: string) => (parseInt(a, 10) - parseInt(b, 10)) || a.localeCompare(b);
  return {
    title: input.title,
    clusters: [...clusterNames].sort().map((namespace) => ({ namespace, systems: systemsByNs.get(namespace) ?? [] })),
    nodes: [...nodes.values()].sort((a, b) => a.id.localeCompare(b.id)),
    edges: [...edges.values()]
      .map(({ portSet, ...e }) => ({ ...e, ports: [...portSet].sort(byPort).join(",") }))
      .sort((a, b) => `${a.from}|${a.to}|${a.kind}`.localeCompare(`${b.from}|${b.to}|${b.kind}`)),
  };
}
