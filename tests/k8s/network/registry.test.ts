/**
 * The stack's flow registry (NetworkFlows) under the mock engine: flows declared anywhere become
 * NetworkPolicies only when the program materializes the registry, only in the namespaces the
 * stack creates, each waiting for its namespace and bound to the cluster's provider.
 */
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { CLUSTER_DNS, NetworkFlows, PROMETHEUS_PODS, prometheusEgressFlows, type FlowPolicies, type Workload } from "../../../components/k8s/network";
import { StackNamespace } from "../../../components/k8s/namespace";
import { runWithMocks, type RecordedResource } from "../../../stacks/mock-engine";

const synapse: Workload = { namespace: "matrix", podLabels: { "app.kubernetes.io/name": "synapse" }, name: "synapse" };
const haproxy: Workload = { namespace: "matrix", podLabels: { "app.kubernetes.io/name": "haproxy" }, name: "haproxy" };
const postgres = { kind: "pods" as const, namespace: "matrix-data", podLabels: { "cnpg.io/cluster": "pg" }, port: 5432 };

interface Registered {
  name: string;
  namespace: string;
  dependsOn: pulumi.Resource[];
}

interface Outcome {
  registered: Registered[];
  groups: FlowPolicies[];
  provider: k8s.Provider;
  namespaces: Record<string, StackNamespace>;
  flows: NetworkFlows;
  owner: pulumi.ComponentResource;
  resources: RecordedResource[];
}

/** A small program: two namespaces, flows from two components, one materialize at the end. */
async function run(): Promise<Outcome> {
  let outcome: Omit<Outcome, "registered" | "resources"> | undefined;
  const registered: Registered[] = [];
  const result = await runWithMocks({
    project: "matrix-platform",
    stack: "test",
    config: {},
    program: () => {
      pulumi.runtime.registerStackTransformation((a) => {
        if (a.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy" && (a.opts.parent as { __pulumiType?: string } | undefined)?.__pulumiType === "matrix-platform:k8s:FlowPolicies") {
          const metadata = (a.props as { metadata: { name: string; namespace: string } }).metadata;
          registered.push({ name: metadata.name, namespace: metadata.namespace, dependsOn: ([] as pulumi.Resource[]).concat((a.opts.dependsOn as pulumi.Resource[]) ?? []) });
        }
        return undefined;
      });
      const provider = new k8s.Provider("cluster", {});
      const flows = new NetworkFlows();
      const namespaces = {
        matrix: new StackNamespace("matrix", { name: "matrix", flows }, { provider }),
        "matrix-data": new StackNamespace("matrix-data", { name: "matrix-data", flows }, { provider }),
      };
      // The component declaring "matrix": two flows meeting at Synapse's ingress, a scrape among
      // them, and the database's side in the other namespace.
      const owner = new pulumi.ComponentResource("test:index:Owner", "owner");
      flows.allow({ from: haproxy, to: synapse, ports: [8008] }, { namePrefix: "matrix", parent: owner, resourceName: "owner-flows" });
      flows.allow({ from: synapse, to: postgres }, { namePrefix: "matrix", parent: owner });
      flows.scrape(synapse, [9000], { namePrefix: "matrix" });
      assert.throws(() => flows.allow({ from: haproxy, to: synapse, ports: [8448] }, { namePrefix: "matrix", parent: provider }), /two different parents/);
      // Ends outside the stack's namespaces: Prometheus's own egress (no monitoring namespace
      // here) and a policy that would select cluster DNS in kube-system.
      flows.allowAll(prometheusEgressFlows(["matrix"]), { namePrefix: "monitoring" });
      flows.allow({ from: synapse, to: CLUSTER_DNS, ports: [53] }, { namePrefix: "matrix" });
      const groups = flows.materialize({ providers: [provider] });
      outcome = { groups, provider, namespaces, flows, owner };
    },
  });
  return { ...outcome!, registered, resources: result.resources };
}

describe("k8s/network: the stack's flow registry", () => {
  let o: Outcome;
  before(async () => {
    o = await run();
  });

  it("writes one policy per workload and side, flows of one prefix meeting at a workload sharing it", () => {
    assert.deepEqual(o.registered.map((r) => `${r.namespace}/${r.name}`).sort(), [
      "matrix-data/matrix-pg-ingress",
      "matrix/matrix-haproxy-egress",
      "matrix/matrix-synapse-egress",
      "matrix/matrix-synapse-ingress",
    ]);
    const ingress = o.flows.policies().find((p) => p.metadata.name === "matrix-synapse-ingress")!;
    assert.deepEqual(ingress.spec.ingress!.map((r) => r.ports), [[{ protocol: "TCP", port: 9000 }], [{ protocol: "TCP", port: 8008 }]]);
  });

  it("writes nothing into namespaces the stack does not create (monitoring, kube-system), and says what it left out", () => {
    assert.ok(o.registered.every((r) => r.namespace === "matrix" || r.namespace === "matrix-data"));
    assert.deepEqual(o.flows.foreignPolicies().map((p) => `${p.metadata.namespace}/${p.metadata.name}`).sort(), [
      "kube-system/matrix-cluster-dns-ingress",
      "monitoring/monitoring-prometheus-egress",
    ]);
    // The scrape still writes the scraped side: Synapse admits Prometheus.
    const ingress = o.flows.policies().find((p) => p.metadata.name === "matrix-synapse-ingress")!;
    assert.ok(ingress.spec.ingress!.some((r) => r.from?.some((f) => f.podSelector?.matchLabels?.["app.kubernetes.io/name"] === PROMETHEUS_PODS.podLabels!["app.kubernetes.io/name"])));
  });

  it("makes each policy wait for its own namespace and use the cluster's provider", () => {
    for (const r of o.registered) assert.deepEqual(r.dependsOn, [o.namespaces[r.namespace as keyof Outcome["namespaces"]]], `${r.namespace}/${r.name}`);
    const policies = o.groups.flatMap((g) => g.policies);
    assert.equal(policies.length, o.registered.length);
    for (const p of policies) assert.equal(p.getProvider("kubernetes:networking.k8s.io/v1:NetworkPolicy"), o.provider);
  });

  it("registers one FlowPolicies component per name prefix that has policies in the stack's namespaces, under the declaring component", () => {
    // "monitoring" had only foreign policies, so only "matrix" gets a component.
    assert.deepEqual(o.groups.map((g) => g.policies.length), [4]);
    const components = o.resources.filter((r) => r.type === "matrix-platform:k8s:FlowPolicies");
    assert.deepEqual(components.map((r) => [r.name, r.parent]), [["owner-flows", "test:index:Owner::owner"]]);
  });

  it("refuses a flow declared after the policies were written, and a second materialize", () => {
    assert.throws(() => o.flows.allow({ from: haproxy, to: synapse, ports: [8448] }), /after the registry's policies were materialized/);
    assert.throws(() => o.flows.materialize(), /already materialized/);
  });
});
