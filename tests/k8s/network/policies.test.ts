/** Flows -> NetworkPolicy manifests (components/k8s/network/flows.ts, policies.ts). */
import { strict as assert } from "assert";
import { INTERNET, defaultDenyPolicy, isFlowAllowed, networkPoliciesFor, normalizeFlow, prometheusEgressFlows, type FlowSpec, type Workload } from "../../../components/k8s/network";
import { flows, haproxy, pod, rds, synapseAll, synapseMain } from "./fixtures";

describe("k8s/network: flow model -> NetworkPolicies", () => {
  it("emits one egress policy per sender and one ingress policy per receiver", () => {
    const policies = networkPoliciesFor(flows);
    const names = policies.map((p) => `${p.metadata.namespace}/${p.metadata.name}`);
    assert.deepEqual(names.filter((n) => n.endsWith("-ingress")), [
      "matrix-data/allow-synapse-pg-ingress",
      "matrix/allow-haproxy-ingress",
      "matrix/allow-synapse-ingress",
      "matrix/allow-synapse-main-ingress",
    ]);
    // Senders: edge (all pods), haproxy, synapse; scrape flows write only the target's ingress.
    assert.deepEqual(policies.filter((p) => p.spec.policyTypes[0] === "Egress").map((p) => p.metadata.namespace).sort(), ["edge", "matrix", "matrix"]);
    // No policy for an external range (RDS): only the sender side exists.
    for (const p of policies) assert.equal(p.spec.policyTypes.length, 1);
  });

  it("scopes cross-namespace peers by namespace name and pod labels", () => {
    const ingress = networkPoliciesFor(flows).find((p) => p.metadata.namespace === "matrix-data")!;
    assert.deepEqual(ingress.spec.podSelector, { matchLabels: { "cnpg.io/cluster": "synapse-pg" } });
    assert.deepEqual(ingress.spec.ingress, [
      {
        from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "matrix" } }, podSelector: { matchLabels: { "app.kubernetes.io/name": "synapse" } } }],
        ports: [{ protocol: "TCP", port: 5432 }],
      },
    ]);
  });

  it("takes the port from a Platform NetworkPeer and renders CIDR peers as ipBlocks", () => {
    const egress = networkPoliciesFor(flows).find((p) => p.metadata.name === "allow-synapse-egress")!;
    const rdsRule = egress.spec.egress!.find((r) => r.to?.some((t) => t.ipBlock))!;
    assert.deepEqual(rdsRule, { to: [{ ipBlock: { cidr: "10.0.16.0/20" } }, { ipBlock: { cidr: "10.0.32.0/20" } }], ports: [{ protocol: "TCP", port: 5432 }] });
  });

  it("writes one side only when asked, and Prometheus's egress as the monitoring component's own policy", () => {
    const only = (sides: "receiver" | "sender") => networkPoliciesFor([{ from: haproxy, to: synapseMain, ports: [8008], sides }]).map((p) => p.spec.policyTypes[0]);
    assert.deepEqual(only("receiver"), ["Ingress"]);
    assert.deepEqual(only("sender"), ["Egress"]);
    const egress = networkPoliciesFor(prometheusEgressFlows(["matrix", "matrix-data"], [9000]));
    assert.deepEqual(egress.map((p) => `${p.metadata.namespace}/${p.spec.policyTypes[0]}`), ["monitoring/Egress"]);
    assert.equal(egress[0].spec.egress!.length, 2);
  });

  it("allows port ranges (media servers' UDP ranges) and checks them", () => {
    const sfu: Workload = { namespace: "matrix", podLabels: { "app.kubernetes.io/name": "livekit" } };
    const flow: FlowSpec = { from: { kind: "cidr", cidrs: ["0.0.0.0/0"] }, to: sfu, ports: [{ port: 50000, endPort: 60000, protocol: "UDP" }] };
    const policies = [defaultDenyPolicy("matrix"), ...networkPoliciesFor([flow])];
    assert.deepEqual(policies[1].spec.ingress![0].ports, [{ protocol: "UDP", port: 50000, endPort: 60000 }]);
    assert.ok(isFlowAllowed(policies, { ip: "198.51.100.4" }, pod(sfu), 55555, "UDP"));
    assert.equal(isFlowAllowed(policies, { ip: "198.51.100.4" }, pod(sfu), 60001, "UDP"), false);
    assert.equal(isFlowAllowed(policies, { ip: "198.51.100.4" }, pod(sfu), 55555, "TCP"), false);
    assert.throws(() => normalizeFlow({ ...flow, ports: [{ port: 600, endPort: 500 }] }), /empty/);
  });

  it("is deterministic in the order flows are declared", () => {
    assert.deepEqual(networkPoliciesFor([...flows].reverse()), networkPoliciesFor(flows));
  });

  it("gives distinct names to distinct selectors that share a base name", () => {
    const a: Workload = { namespace: "x", podLabels: { "app.kubernetes.io/name": "w", tier: "a" } };
    const b: Workload = { namespace: "x", podLabels: { "app.kubernetes.io/name": "w", tier: "b" } };
    const names = networkPoliciesFor([{ from: a, to: b, ports: [1] }, { from: b, to: a, ports: [2] }]).map((p) => p.metadata.name);
    assert.equal(new Set(names).size, names.length);
    for (const n of names) assert.match(n, /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
  });

  it("refuses flows without a port and flows between two external ranges", () => {
    assert.throws(() => normalizeFlow({ from: haproxy, to: synapseMain }), /names no port/);
    assert.throws(() => normalizeFlow({ from: INTERNET, to: rds }), /two external ranges/);
    assert.throws(() => normalizeFlow({ from: haproxy, to: synapseMain, ports: [70000] }), /not a TCP\/UDP port/);
  });

  it("carves private ranges out of the internet peer", () => {
    const p = networkPoliciesFor([{ from: synapseAll, to: INTERNET, ports: [443, 8448] }])[0];
    assert.deepEqual(p.spec.egress![0].to, [{ ipBlock: { cidr: "0.0.0.0/0", except: INTERNET.except } }]);
    const policies = [defaultDenyPolicy("matrix"), ...networkPoliciesFor([{ from: synapseAll, to: INTERNET, ports: [443, 8448] }])];
    assert.equal(isFlowAllowed(policies, pod(synapseAll), { ip: "93.184.216.34" }, 8448), true);
    assert.equal(isFlowAllowed(policies, pod(synapseAll), { ip: "10.1.2.3" }, 8448), false, "VPC addresses are not the internet");
    assert.equal(isFlowAllowed(policies, pod(synapseAll), { ip: "169.254.169.254" }, 443), false, "metadata endpoint stays closed");
  });
});
