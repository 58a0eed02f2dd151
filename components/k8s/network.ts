/**
 * Network flows -> NetworkPolicies.
 *
 * Every namespace of the stack starts closed (StackNamespace: default-deny ingress and egress,
 * DNS allowed). Components then declare the flows they need, once, next to the code that
 * creates the workloads:
 *
 *   flows.allow({ from: haproxyPods, to: synapseMainPods, ports: [8008], description: "client API" });
 *   flows.allow({ from: synapsePods, to: platform.databases.synapse.network });   // port from the peer
 *   flows.scrape(synapsePods, 9000);
 *
 * and the generator below turns the whole list into policies: an egress policy on the sending
 * workload and an ingress policy on the receiving one, one of each per workload selector, so
 * adding a workload or a profile never means listing policies by hand. Anything not declared
 * stays denied.
 *
 * The core (`networkPoliciesFor`, `isFlowAllowed`) is pure and tested without Pulumi; the
 * `NetworkFlows` class is the thin Pulumi shell that registers the policies.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import type { NetworkPeer } from "../contracts";
import { NAMESPACES } from "./namespaces";

export type Protocol = "TCP" | "UDP";

export interface PortSpec {
  port: number;
  /** Last port of a range (`port`..`endPort`), e.g. a media server's UDP range. */
  endPort?: number;
  protocol?: Protocol;
}

/**
 * Pods of one workload: a namespace and a pod label selector. Without `podLabels` the workload is
 * every pod of the namespace (for namespaces whose pods a chart labels, such as the Gateway
 * controller's).
 */
export interface Workload {
  kind?: "pods";
  namespace: string;
  podLabels?: Record<string, string>;
  /** Short name used in policy names; defaults to the app.kubernetes.io/name label. */
  name?: string;
}

/** Addresses outside the cluster (managed databases, the internet, the Kubernetes API). */
export interface External {
  kind: "cidr";
  /** Short name used in descriptions. */
  name?: string;
  /** Plain list in pure code; a Pulumi input (VPC CIDRs, service ranges) in the shell. */
  cidrs: pulumi.Input<string[]>;
  /** Ranges carved out of every CIDR (e.g. private ranges out of 0.0.0.0/0). */
  except?: string[];
}

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

/** The NetworkPolicy manifest the generator emits (the subset of the API it uses). */
export interface NetworkPolicyManifest {
  apiVersion: "networking.k8s.io/v1";
  kind: "NetworkPolicy";
  metadata: { name: string; namespace: string; labels: Record<string, string>; annotations?: Record<string, string> };
  spec: {
    podSelector: LabelSelector;
    policyTypes: ("Ingress" | "Egress")[];
    ingress?: PolicyRule[];
    egress?: PolicyRule[];
  };
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: "In" | "NotIn" | "Exists" | "DoesNotExist"; values?: string[] }[];
}

export interface PolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: string; except?: string[] };
}

export interface PolicyRule {
  from?: PolicyPeer[];
  to?: PolicyPeer[];
  ports?: { port?: number | string; endPort?: number; protocol?: Protocol }[];
}

/** Label every namespace carries since Kubernetes 1.22 (set by the API server, not by us). */
export const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

/** Cluster DNS: CoreDNS/kube-dns pods in kube-system keep this label on EKS, GKE and kubeadm. */
export const CLUSTER_DNS: Workload = { namespace: "kube-system", podLabels: { "k8s-app": "kube-dns" }, name: "cluster-dns" };

/**
 * Prometheus pods as prometheus-operator labels them (the monitoring component must keep this
 * label on its Prometheus). Only Prometheus scrapes; Grafana, Loki and Alertmanager do not get
 * into workload namespaces.
 */
export const PROMETHEUS_PODS: Workload = {
  namespace: NAMESPACES.monitoring,
  podLabels: { "app.kubernetes.io/name": "prometheus" },
  name: "prometheus",
};

/**
 * Metrics ports the stack's workloads expose (Synapse 9000, HAProxy stats 8405, Envoy 19001,
 * cert-manager 9402, operators 8080, PostgreSQL exporter 9187, MinIO 9000, Redis exporter 9121).
 * The receiving side of each scrape flow names its own port; this list bounds Prometheus's egress.
 */
export const METRICS_PORTS = [8080, 8405, 9000, 9090, 9121, 9187, 9402, 19001];

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

/** Every pod of the Gateway controller namespace (Envoy/Traefik data plane lives there). */
export const EDGE_PODS: Workload = { namespace: NAMESPACES.edge, name: "edge" };

/** RFC 1918 + CGNAT + link-local: carved out of "the internet" so egress to it never reaches the cluster, the VPC or metadata endpoints. */
export const PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16"];

/** The public internet (federation, push providers, bridges' networks, virus definitions). */
export const INTERNET: External = { kind: "cidr", name: "internet", cidrs: ["0.0.0.0/0"], except: PRIVATE_RANGES };

/**
 * The Kubernetes API server, for operators, Prometheus service discovery and controllers. Its
 * address is the platform's (EKS/GKE endpoint ENIs, an on-prem VIP) and not known when policies
 * are written, so the flow is scoped by port (443 on managed clusters, 6443 on kubeadm) rather
 * than by address.
 */
export const KUBE_API: External = { kind: "cidr", name: "kube-api", cidrs: ["0.0.0.0/0"] };
export const KUBE_API_PORTS = [443, 6443];

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
  if (raw.length === 0) throw new Error(`flow ${describe(spec.from)} -> ${describe(target)} names no port: every allowed flow is port-scoped`);
  const ports = raw.map((p) =>
    typeof p === "number"
      ? { port: p, protocol: "TCP" as Protocol }
      : { port: p.port, protocol: p.protocol ?? ("TCP" as Protocol), ...(p.endPort !== undefined ? { endPort: p.endPort } : {}) },
  );
  for (const p of ports) {
    for (const n of [p.port, p.endPort ?? p.port]) {
      if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`flow ${describe(spec.from)} -> ${describe(target)}: port ${n} is not a TCP/UDP port`);
    }
    if ((p.endPort ?? p.port) < p.port) throw new Error(`flow ${describe(spec.from)} -> ${describe(target)}: port range ${p.port}-${p.endPort} is empty`);
  }
  if (spec.from.kind === "cidr" && target.kind === "cidr") throw new Error("a flow between two external ranges is not the cluster's to allow");
  const fromPrometheus = spec.from.kind !== "cidr" && selectorKey(spec.from) === selectorKey(PROMETHEUS_PODS);
  const sides = spec.sides ?? (fromPrometheus ? "receiver" : "both");
  return { from: spec.from, to: target, ports, description: spec.description ?? `${describe(spec.from)} -> ${describe(target)}`, sides };
}

function describe(e: Workload | External | NetworkPeer): string {
  if (e.kind === "cidr") return ("name" in e && e.name) || "cidr";
  const name = ("name" in e && e.name) || e.podLabels?.["app.kubernetes.io/name"];
  return name ? `${e.namespace}/${name}` : `${e.namespace}/*`;
}

function sortedLabels(labels: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(labels ?? {}).sort(([a], [b]) => a.localeCompare(b)));
}

function selectorKey(w: Workload): string {
  return `${w.namespace}|${JSON.stringify(sortedLabels(w.podLabels))}`;
}

/** DNS-1123 label of at most `max` characters. */
function dnsLabel(s: string, max = 63): string {
  const clean = s.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/-+/g, "-").replace(/^-|-$/g, "");
  return clean.slice(0, max).replace(/-$/, "") || "x";
}

function shortHash(s: string): string {
  let h = 2166136261;
  for (const c of s) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
  return h.toString(36).slice(0, 5);
}

function workloadBaseName(w: Workload): string {
  if (w.name) return w.name;
  const labels = w.podLabels ?? {};
  if (Object.keys(labels).length === 0) return "all-pods";
  const app = labels["app.kubernetes.io/name"];
  const comp = labels["app.kubernetes.io/component"];
  const inst = labels["app.kubernetes.io/instance"];
  if (app) return [app, comp && comp !== app ? comp : undefined, inst && inst !== "main" ? inst : undefined].filter(Boolean).join("-");
  return Object.values(sortedLabels(labels)).join("-");
}

/** The selector as a policy's podSelector: `{}` selects every pod of the namespace. */
function podSelector(w: Workload): LabelSelector {
  const labels = sortedLabels(w.podLabels);
  return Object.keys(labels).length ? { matchLabels: labels } : {};
}

/** How a policy in `policyNamespace` names a peer. */
export function peerOf(policyNamespace: string, end: Workload | External, ipBlocks: IpBlockRenderer): PolicyPeer[] | unknown {
  if (end.kind === "cidr") return ipBlocks(end.cidrs, end.except);
  const sel = podSelector(end);
  if (end.namespace === policyNamespace) return [{ podSelector: sel }];
  return [{ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: end.namespace } }, ...(sel.matchLabels ? { podSelector: sel } : {}) }];
}

/**
 * Turns the (possibly deferred) CIDR list of an external end into ipBlock peers. Pure code gets
 * plain arrays; the Pulumi shell passes a renderer that maps inside an Output.
 */
export type IpBlockRenderer = (cidrs: pulumi.Input<string[]>, except?: string[]) => PolicyPeer[] | unknown;

export const plainIpBlocks: IpBlockRenderer = (cidrs, except) => {
  if (!Array.isArray(cidrs)) throw new Error("plainIpBlocks needs a plain CIDR list; use the NetworkFlows shell for Pulumi inputs");
  return (cidrs as string[]).map((cidr) => ({ ipBlock: { cidr, ...exceptWithin(cidr, except) } }));
};

/** `except` entries must lie inside the block's CIDR; only keep those (IPv4). */
function exceptWithin(cidr: string, except?: string[]): { except?: string[] } {
  const inside = (except ?? []).filter((e) => cidrContains(cidr, e));
  return inside.length ? { except: inside } : {};
}

function ipv4ToInt(ip: string): number | undefined {
  const parts = ip.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return undefined;
  return ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
}

function parseCidr(cidr: string): { base: number; bits: number } | undefined {
  const [ip, bitsRaw] = cidr.split("/");
  const base = ipv4ToInt(ip);
  const bits = bitsRaw === undefined ? 32 : Number(bitsRaw);
  if (base === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32) return undefined;
  return { base, bits };
}

function mask(bits: number): number {
  return bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
}

/** True when `inner` (a CIDR or an address) lies inside `outer`. IPv4 only. */
export function cidrContains(outer: string, inner: string): boolean {
  const o = parseCidr(outer);
  const i = parseCidr(inner);
  if (!o || !i || i.bits < o.bits) return false;
  return ((i.base & mask(o.bits)) >>> 0) === ((o.base & mask(o.bits)) >>> 0);
}

export interface GenerateOptions {
  ipBlocks?: IpBlockRenderer;
  /** Labels every policy carries (app.kubernetes.io/part-of, managed-by...). */
  labels?: Record<string, string>;
  /**
   * Prefix of every policy name (`<prefix>-<workload>-ingress`), so components that each emit
   * their own flows never collide on a policy name. Default "allow".
   */
  namePrefix?: string;
}

/**
 * The policies for a set of flows: per receiving workload selector one ingress policy with a rule
 * per flow, per sending workload selector one egress policy with a rule per flow. Deterministic:
 * the same flows in any order give the same policies (sorted by namespace and name).
 */
export function networkPoliciesFor(specs: FlowSpec[], options: GenerateOptions = {}): NetworkPolicyManifest[] {
  const ipBlocks = options.ipBlocks ?? plainIpBlocks;
  const flows = specs.map(normalizeFlow);
  type Side = { workload: Workload; rules: Map<string, PolicyRule>; descriptions: Set<string> };
  const sides = { Ingress: new Map<string, Side>(), Egress: new Map<string, Side>() };

  const add = (dir: "Ingress" | "Egress", w: Workload, other: Workload | External, flow: Flow) => {
    const key = selectorKey(w);
    let side = sides[dir].get(key);
    if (!side) sides[dir].set(key, (side = { workload: w, rules: new Map(), descriptions: new Set() }));
    const peers = peerOf(w.namespace, other, ipBlocks);
    const ports = flow.ports.map((p) => ({ protocol: p.protocol, port: p.port, ...(p.endPort !== undefined ? { endPort: p.endPort } : {}) }));
    const rule: PolicyRule = dir === "Ingress" ? { from: peers as PolicyPeer[], ports } : { to: peers as PolicyPeer[], ports };
    // Plain rules are deduplicated by content; deferred (Output) peers are kept one per flow.
    const ruleKey = Array.isArray(peers) ? JSON.stringify(rule) : `deferred:${side.rules.size}`;
    side.rules.set(ruleKey, rule);
    side.descriptions.add(flow.description);
  };

  for (const flow of flows) {
    if (flow.from.kind !== "cidr" && flow.sides !== "receiver") add("Egress", flow.from, flow.to, flow);
    if (flow.to.kind !== "cidr" && flow.sides !== "sender") add("Ingress", flow.to, flow.from, flow);
  }

  const policies: NetworkPolicyManifest[] = [];
  for (const dir of ["Ingress", "Egress"] as const) {
    // Name per namespace: base name, or base name + hash when two selectors share it.
    const byName = new Map<string, string[]>();
    for (const [key, side] of sides[dir]) {
      const n = `${side.workload.namespace}|${workloadBaseName(side.workload)}`;
      byName.set(n, [...(byName.get(n) ?? []), key]);
    }
    for (const [key, side] of sides[dir]) {
      const base = workloadBaseName(side.workload);
      const clash = (byName.get(`${side.workload.namespace}|${base}`) ?? []).length > 1;
      const suffix = dir === "Ingress" ? "ingress" : "egress";
      const stem = clash ? `${dnsLabel(base, 40)}-${shortHash(key)}` : dnsLabel(base, 46);
      const name = `${dnsLabel(options.namePrefix ?? "allow", 20)}-${stem}-${suffix}`;
      const rules = [...side.rules.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, r]) => r);
      policies.push({
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: {
          name,
          namespace: side.workload.namespace,
          labels: { ...(options.labels ?? {}), "app.kubernetes.io/name": dnsLabel(name), "app.kubernetes.io/component": "network-policy" },
          annotations: { "matrix-platform/flows": [...side.descriptions].sort().join("; ") },
        },
        spec: {
          podSelector: podSelector(side.workload),
          policyTypes: [dir],
          ...(dir === "Ingress" ? { ingress: rules } : { egress: rules }),
        },
      });
    }
  }
  return policies.sort((a, b) => (a.metadata.namespace + "/" + a.metadata.name).localeCompare(b.metadata.namespace + "/" + b.metadata.name));
}

/** The policy every namespace starts with: its pods isolated for ingress and egress. */
export function defaultDenyPolicy(namespace: string, labels: Record<string, string> = {}): NetworkPolicyManifest {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: "default-deny-all", namespace, labels: { ...labels, "app.kubernetes.io/name": "default-deny-all", "app.kubernetes.io/component": "network-policy" } },
    spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"], ingress: [], egress: [] },
  };
}

/**
 * NodeLocal DNSCache listen addresses (169.254.20.10: the upstream add-on and GKE; 169.254.25.10:
 * kubespray's default). Clusters that run it hand pods this address as their resolver, and the
 * cache pods use host networking, so no pod selector matches them.
 */
export const NODE_LOCAL_DNS = ["169.254.20.10/32", "169.254.25.10/32"];

/** Name resolution for every pod of a namespace: cluster DNS on 53/UDP and 53/TCP, nothing else. */
export function dnsEgressPolicy(namespace: string, labels: Record<string, string> = {}, dns: Workload = CLUSTER_DNS): NetworkPolicyManifest {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: "allow-dns-egress", namespace, labels: { ...labels, "app.kubernetes.io/name": "allow-dns-egress", "app.kubernetes.io/component": "network-policy" } },
    spec: {
      podSelector: {},
      policyTypes: ["Egress"],
      egress: [{
        to: [...(peerOf(namespace, dns, plainIpBlocks) as PolicyPeer[]), ...NODE_LOCAL_DNS.map((cidr) => ({ ipBlock: { cidr } }))],
        ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }],
      }],
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Evaluation: NetworkPolicy semantics, for tests that ask "would this connection be allowed?"
// ---------------------------------------------------------------------------------------------

/** A connection end: a pod (namespace + labels, optionally its IP) or an address outside the cluster. */
export type Endpoint = { namespace: string; labels: Record<string, string>; ip?: string } | { ip: string };

function selectorMatches(sel: LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!sel) return true;
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = e.key in labels;
    if (e.operator === "Exists" && !has) return false;
    if (e.operator === "DoesNotExist" && has) return false;
    if (e.operator === "In" && !(has && (e.values ?? []).includes(labels[e.key]))) return false;
    if (e.operator === "NotIn" && has && (e.values ?? []).includes(labels[e.key])) return false;
  }
  return true;
}

function peerMatches(peer: PolicyPeer, policyNamespace: string, other: Endpoint, namespaceLabels: (ns: string) => Record<string, string>): boolean {
  if (peer.ipBlock) {
    if (!other.ip) return false;
    if (!cidrContains(peer.ipBlock.cidr, other.ip)) return false;
    return !(peer.ipBlock.except ?? []).some((e) => cidrContains(e, other.ip!));
  }
  if (!("namespace" in other)) return false; // pod/namespace selectors never match outside addresses
  const nsOk = peer.namespaceSelector ? selectorMatches(peer.namespaceSelector, namespaceLabels(other.namespace)) : other.namespace === policyNamespace;
  return nsOk && selectorMatches(peer.podSelector, other.labels);
}

function portMatches(rule: PolicyRule, port: number, protocol: Protocol): boolean {
  if (!rule.ports || rule.ports.length === 0) return true;
  return rule.ports.some((p) => {
    if ((p.protocol ?? "TCP") !== protocol) return false;
    if (p.port === undefined) return true;
    if (typeof p.port === "string") return false; // named ports are not used by the generator
    return p.endPort ? port >= p.port && port <= p.endPort : port === p.port;
  });
}

function directionAllows(
  policies: NetworkPolicyManifest[],
  dir: "Ingress" | "Egress",
  self: { namespace: string; labels: Record<string, string> },
  other: Endpoint,
  port: number,
  protocol: Protocol,
  namespaceLabels: (ns: string) => Record<string, string>,
): boolean {
  const selecting = policies.filter(
    (p) =>
      p.metadata.namespace === self.namespace &&
      selectorMatches(p.spec.podSelector, self.labels) &&
      (p.spec.policyTypes ?? ["Ingress"]).includes(dir),
  );
  if (selecting.length === 0) return true; // not isolated in this direction
  return selecting.some((p) =>
    ((dir === "Ingress" ? p.spec.ingress : p.spec.egress) ?? []).some((rule) => {
      const peers = dir === "Ingress" ? rule.from : rule.to;
      const peerOk = !peers || peers.length === 0 || peers.some((peer) => peerMatches(peer, p.metadata.namespace, other, namespaceLabels));
      return peerOk && portMatches(rule, port, protocol);
    }),
  );
}

/**
 * Would the policies let `src` open a connection to `dst` on `port`? Both the sender's egress and
 * the receiver's ingress must allow it (an end outside the cluster has no policies of its own).
 * `namespaces` gives namespace labels; every namespace also has its metadata.name label.
 */
export function isFlowAllowed(
  policies: NetworkPolicyManifest[],
  src: Endpoint,
  dst: Endpoint,
  port: number,
  protocol: Protocol = "TCP",
  namespaces: Record<string, Record<string, string>> = {},
): boolean {
  const nsLabels = (ns: string) => ({ ...(namespaces[ns] ?? {}), [NAMESPACE_NAME_LABEL]: ns });
  const egressOk = !("namespace" in src) || directionAllows(policies, "Egress", src, dst, port, protocol, nsLabels);
  const ingressOk = !("namespace" in dst) || directionAllows(policies, "Ingress", dst, src, port, protocol, nsLabels);
  return egressOk && ingressOk;
}

// ---------------------------------------------------------------------------------------------
// Pulumi shell
// ---------------------------------------------------------------------------------------------

/** Renders ipBlocks inside an Output when the CIDRs are not known yet (VPC ranges, endpoints). */
const outputIpBlocks: IpBlockRenderer = (cidrs, except) =>
  Array.isArray(cidrs) && cidrs.every((c) => typeof c === "string")
    ? plainIpBlocks(cidrs, except)
    : pulumi.output(cidrs).apply((cs) => plainIpBlocks(cs, except) as PolicyPeer[]);

/**
 * The stack's flow registry. program.ts creates one, hands it to every component (they call
 * `allow`/`scrape` while they create their workloads), then calls `emit` once at the end.
 */
export class NetworkFlows {
  private readonly declared: FlowSpec[] = [];

  /** Allows one flow (egress on the sender, ingress on the receiver). Returns `this` for chaining. */
  allow(flow: FlowSpec): this {
    normalizeFlow(flow); // fail at the declaration site, not at emit time
    this.declared.push(flow);
    return this;
  }

  /** Lets Prometheus scrape `target` on its metrics port(s). */
  scrape(target: Workload, ...ports: number[]): this {
    return this.allow({ from: PROMETHEUS_PODS, to: target, ports, description: `metrics scrape of ${describe(target)}` });
  }

  /** Every flow declared so far. */
  get flows(): readonly FlowSpec[] {
    return this.declared;
  }

  /** The policies the declared flows produce (pure; for tests and the plan). */
  policies(options: GenerateOptions = {}): NetworkPolicyManifest[] {
    return networkPoliciesFor(this.declared, { ipBlocks: outputIpBlocks, ...options });
  }

  /**
   * Registers every policy, under one component. `opts` carries the Kubernetes provider and
   * should depend on the namespaces (StackNamespace resources) the policies live in.
   */
  emit(name: string, opts: pulumi.ComponentResourceOptions = {}): FlowPolicies {
    return new FlowPolicies(name, { flows: [...this.declared], namePrefix: "allow" }, opts);
  }
}

const POLICY_LABELS = {
  "app.kubernetes.io/instance": "main",
  "app.kubernetes.io/part-of": "matrix-platform",
  "app.kubernetes.io/managed-by": "pulumi",
};

export interface FlowPoliciesArgs {
  /** Flows to allow (the usual way), or ready policies from `NetworkFlows.policies()`. */
  flows?: FlowSpec[];
  /** Ready NetworkPolicy manifests, created as they are alongside those generated from `flows`. */
  policies?: NetworkPolicyManifest[];
  /** Policy name prefix; defaults to the component name. */
  namePrefix?: string;
}

/**
 * NetworkPolicies for a set of flows, as Pulumi resources. A component that creates workloads
 * declares its flows and creates one of these as its child:
 *
 *   new FlowPolicies("synapse-flows", { flows: [
 *     { from: EDGE_PODS, to: haproxyPods, ports: [8008] },
 *     { from: synapsePods, to: platform.databases.synapse.network },
 *   ] }, { parent: this });
 *
 * Policy names start with the component name, so two components never collide.
 */
export class FlowPolicies extends pulumi.ComponentResource {
  readonly policies: k8s.networking.v1.NetworkPolicy[];

  constructor(name: string, args: FlowPoliciesArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("matrix-platform:k8s:FlowPolicies", name, {}, opts);
    const generated = args.flows?.length
      ? networkPoliciesFor(args.flows, { ipBlocks: outputIpBlocks, labels: POLICY_LABELS, namePrefix: args.namePrefix ?? name })
      : [];
    this.policies = [...(args.policies ?? []), ...generated].map(
      (p) =>
        new k8s.networking.v1.NetworkPolicy(
          `${p.metadata.namespace}-${p.metadata.name}`,
          { metadata: p.metadata, spec: p.spec as unknown as k8s.types.input.networking.v1.NetworkPolicySpec },
          { parent: this },
        ),
    );
    this.registerOutputs({ count: this.policies.length });
  }
}
