import { strict as assert } from "assert";
import {
  EDGE_PODS,
  INTERNET,
  PROMETHEUS_PODS,
  cidrContains,
  prometheusEgressFlows,
  defaultDenyPolicy,
  dnsEgressPolicy,
  isFlowAllowed,
  networkPoliciesFor,
  normalizeFlow,
  type FlowSpec,
  type Workload,
} from "../../components/k8s/network";
import { podSecurityLabels, stackNamespaceManifests } from "../../components/k8s/namespace";
import { NAMESPACES } from "../../components/k8s/namespaces";

const haproxy: Workload = { namespace: "matrix", podLabels: { "app.kubernetes.io/name": "haproxy", "app.kubernetes.io/instance": "main" } };
const synapseMain: Workload = { namespace: "matrix", podLabels: { "app.kubernetes.io/name": "synapse", "app.kubernetes.io/component": "main" } };
const synapseAll: Workload = { namespace: "matrix", podLabels: { "app.kubernetes.io/name": "synapse" }, name: "synapse" };
const cnpg = { kind: "pods" as const, namespace: "matrix-data", podLabels: { "cnpg.io/cluster": "synapse-pg" }, port: 5432 };
const rds = { kind: "cidr" as const, cidrs: ["10.0.16.0/20", "10.0.32.0/20"], port: 5432 };

const pod = (w: Workload, extra: Record<string, string> = {}) => ({ namespace: w.namespace, labels: { ...(w.podLabels ?? {}), ...extra } });

const flows: FlowSpec[] = [
  { from: EDGE_PODS, to: haproxy, ports: [8080], description: "gateway -> haproxy" },
  { from: haproxy, to: synapseMain, ports: [8008] },
  { from: synapseAll, to: synapseAll, ports: [9093], description: "replication" },
  { from: synapseAll, to: cnpg },
  { from: synapseAll, to: rds },
  { from: PROMETHEUS_PODS, to: synapseAll, ports: [9000] },
];

function world(): ReturnType<typeof networkPoliciesFor> {
  const base = ["matrix", "matrix-data", "edge", "monitoring"].flatMap((ns) => [defaultDenyPolicy(ns), dnsEgressPolicy(ns)]);
  return [...base, ...networkPoliciesFor([...flows, ...prometheusEgressFlows(["matrix"])])];
}

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

describe("k8s/network: evaluating the generated policies", () => {
  const policies = world();

  it("allows every declared flow", () => {
    assert.ok(isFlowAllowed(policies, pod(EDGE_PODS, { app: "envoy" }), pod(haproxy), 8080));
    assert.ok(isFlowAllowed(policies, pod(haproxy), pod(synapseMain), 8008));
    assert.ok(isFlowAllowed(policies, pod(synapseMain), pod(synapseAll, { "app.kubernetes.io/component": "synchrotron" }), 9093));
    assert.ok(isFlowAllowed(policies, pod(synapseMain), pod({ namespace: "matrix-data", podLabels: cnpg.podLabels }), 5432));
    assert.ok(isFlowAllowed(policies, pod(synapseMain), { ip: "10.0.17.4" }, 5432));
    assert.ok(isFlowAllowed(policies, pod(PROMETHEUS_PODS), pod(synapseMain), 9000));
    assert.ok(isFlowAllowed(policies, pod(haproxy), pod({ namespace: "kube-system", podLabels: { "k8s-app": "kube-dns" } }), 53, "UDP"));
    assert.ok(isFlowAllowed(policies, pod(haproxy), { ip: "169.254.20.10" }, 53, "UDP"), "NodeLocal DNSCache");
  });

  it("denies what was not declared", () => {
    // Edge straight to Synapse, skipping HAProxy.
    assert.equal(isFlowAllowed(policies, pod(EDGE_PODS), pod(synapseMain), 8008), false);
    // A declared pair on an undeclared port.
    assert.equal(isFlowAllowed(policies, pod(haproxy), pod(synapseMain), 9093), false);
    // HAProxy to the database.
    assert.equal(isFlowAllowed(policies, pod(haproxy), pod({ namespace: "matrix-data", podLabels: cnpg.podLabels }), 5432), false);
    // Synapse to an address outside the RDS subnets.
    assert.equal(isFlowAllowed(policies, pod(synapseMain), { ip: "10.0.64.4" }, 5432), false);
    // Anything from outside the cluster into the matrix namespace.
    assert.equal(isFlowAllowed(policies, { ip: "203.0.113.9" }, pod(haproxy), 8080), false);
    // Grafana is in the monitoring namespace but is not Prometheus.
    assert.equal(isFlowAllowed(policies, { namespace: "monitoring", labels: { "app.kubernetes.io/name": "grafana" } }, pod(synapseMain), 9000), false);
    // DNS goes to cluster DNS (or a node-local cache) only, and only on port 53.
    assert.equal(isFlowAllowed(policies, pod(haproxy), { ip: "8.8.8.8" }, 53, "UDP"), false);
    assert.equal(isFlowAllowed(policies, pod(haproxy), { ip: "169.254.169.254" }, 53, "UDP"), false);
    assert.equal(isFlowAllowed(policies, pod(haproxy), { ip: "169.254.20.10" }, 80), false);
  });

  it("treats a namespace without policies as open (so the gate must prove every namespace has default-deny)", () => {
    assert.ok(isFlowAllowed([], { namespace: "a", labels: {} }, { namespace: "b", labels: {} }, 1));
  });

  it("does IPv4 CIDR containment", () => {
    assert.ok(cidrContains("10.0.0.0/8", "10.255.1.1"));
    assert.ok(cidrContains("0.0.0.0/0", "192.168.0.0/16"));
    assert.ok(!cidrContains("10.0.16.0/20", "10.0.32.1"));
    assert.ok(!cidrContains("10.0.0.0/16", "10.0.0.0/8"));
  });
});

describe("k8s/namespace: StackNamespace manifests", () => {
  it("enforces, audits and warns at restricted by default, pinned to the Kubernetes version", () => {
    const m = stackNamespaceManifests({ name: NAMESPACES.matrix });
    const l = m.namespace.metadata.labels;
    for (const mode of ["enforce", "audit", "warn"]) {
      assert.equal(l[`pod-security.kubernetes.io/${mode}`], "restricted");
      assert.match(l[`pod-security.kubernetes.io/${mode}-version`], /^v1\.\d+$/);
    }
    assert.equal(l["app.kubernetes.io/part-of"], "matrix-platform");
    assert.deepEqual(m.policies.map((p) => p.metadata.name), ["default-deny-all", "allow-dns-egress"]);
    assert.deepEqual(m.policies[0].spec, { podSelector: {}, policyTypes: ["Ingress", "Egress"], ingress: [], egress: [] });
  });

  it("needs a reason for a weaker level and keeps auditing at restricted", () => {
    assert.throws(() => stackNamespaceManifests({ name: "matrix-turn", podSecurity: "privileged" }), /needs a podSecurityReason/);
    const m = stackNamespaceManifests({ name: "matrix-turn", podSecurity: "privileged", podSecurityReason: "coturn uses hostNetwork" });
    assert.equal(m.namespace.metadata.labels["pod-security.kubernetes.io/enforce"], "privileged");
    assert.equal(m.namespace.metadata.labels["pod-security.kubernetes.io/audit"], "restricted");
    assert.equal(m.namespace.metadata.annotations?.["matrix-platform/pod-security-reason"], "coturn uses hostNetwork");
    assert.equal(podSecurityLabels("baseline")["pod-security.kubernetes.io/warn"], "restricted");
  });
});
