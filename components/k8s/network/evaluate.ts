/**
 * NetworkPolicy semantics, for tests that ask "would this connection be allowed?" of the
 * policies a stack renders. A pod is isolated in a direction once any policy selects it for that
 * direction; then some rule of a selecting policy must admit the peer and the port.
 */
import { cidrContains } from "./cidr";
import type { LabelSelector, NetworkPolicyManifest, PolicyPeer, PolicyRule } from "./manifest";
import { NAMESPACE_NAME_LABEL, type Protocol } from "./peers";

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
