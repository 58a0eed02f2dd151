/** NetworkPolicy semantics as the tests use them (components/k8s/network/evaluate.ts). */
import { strict as assert } from "assert";
import { EDGE_PODS, PROMETHEUS_PODS, isFlowAllowed } from "../../../components/k8s/network";
import { cnpg, haproxy, pod, synapseAll, synapseMain, world } from "./fixtures";

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
});
