/**
 * Flows -> NetworkPolicy manifests (pure): per receiving workload selector one ingress policy
 * with a rule per flow, per sending selector one egress policy; plus the two policies every
 * namespace starts with (default-deny, DNS egress).
 */
import type * as pulumi from "@pulumi/pulumi";
import { cidrContains } from "./cidr";
import { normalizeFlow, selectorKey, sortedLabels, type Flow, type FlowSpec } from "./flows";
import type { LabelSelector, NetworkPolicyManifest, PolicyPeer, PolicyRule } from "./manifest";
import { CLUSTER_DNS, NAMESPACE_NAME_LABEL, NODE_LOCAL_DNS, type External, type Workload } from "./peers";

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

/** How a policy in `policyNamespace` names a peer. */
export function peerOf(policyNamespace: string, end: Workload | External, ipBlocks: IpBlockRenderer): PolicyPeer[] | unknown {
  if (end.kind === "cidr") return ipBlocks(end.cidrs, end.except);
  const sel = podSelector(end);
  if (end.namespace === policyNamespace) return [{ podSelector: sel }];
  return [{ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: end.namespace } }, ...(sel.matchLabels ? { podSelector: sel } : {}) }];
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
