/** StackNamespace's manifests (components/k8s/namespace.ts). */
import { strict as assert } from "assert";
import { podSecurityLabels, stackNamespaceManifests } from "../../components/k8s/namespace";
import { NAMESPACES } from "../../catalog/namespaces";

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
