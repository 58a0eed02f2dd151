/**
 * Network flows -> NetworkPolicies.
 *
 * Every namespace of the stack starts closed (StackNamespace: default-deny ingress and egress,
 * DNS allowed). Components then declare the flows they need, once, next to the code that
 * creates the workloads, on the stack's registry:
 *
 *   flows.allow({ from: haproxyPods, to: synapseMainPods, ports: [8008], description: "client API" });
 *   flows.allow({ from: synapsePods, to: platform.databases.synapse.network });   // port from the peer
 *   flows.scrape(synapsePods, [9000]);
 *
 * and the generator turns the whole list into policies: an egress policy on the sending workload
 * and an ingress policy on the receiving one, one of each per workload selector, so adding a
 * workload or a profile never means listing policies by hand. Anything not declared stays denied.
 *
 * One job per module: peers (the ends of a flow and the well-known ones), cidr (IPv4 maths),
 * flows (declared -> normalised flow), policies (flows -> manifests), evaluate (NetworkPolicy
 * semantics, for tests), registry (the Pulumi shell), platform-flows (the add-ons' and data
 * services' flows). All but the registry are pure.
 */
export * from "./peers";
export { cidrContains } from "./cidr";
export type { LabelSelector, NetworkPolicyManifest, PolicyPeer, PolicyRule } from "./manifest";
export { normalizeFlow, prometheusEgressFlows, type Flow, type FlowSpec } from "./flows";
export { defaultDenyPolicy, dnsEgressPolicy, networkPoliciesFor, peerOf, plainIpBlocks, type GenerateOptions, type IpBlockRenderer } from "./policies";
export { isFlowAllowed, type Endpoint } from "./evaluate";
export { FlowPolicies, NetworkFlows, type DeclareOptions, type FlowPoliciesArgs } from "./registry";
export * from "./platform-flows";
