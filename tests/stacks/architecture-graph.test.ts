/**
 * The architecture graph builder (stacks/architecture/graph.ts): what a stack deploys is drawn,
 * what it does not is not, and every edge joins two drawn nodes.
 */
import { strict as assert } from "assert";
import { deployedSystems, systemEntry, SYSTEMS, type SystemName } from "../../catalog/components";
import { NAMESPACES } from "../../catalog/namespaces";
import type { FlowSpec } from "../../components/k8s/network/flows";
import { EDGE_PODS, INTERNET, PROMETHEUS_PODS } from "../../components/k8s/network/peers";
import { architectureDot } from "../../stacks/architecture/dot";
import { architectureGraph, type ArchitectureGraph, type GraphInput } from "../../stacks/architecture/graph";
import { runStack } from "../helpers/run-stack";

function systemNamespaces(system: SystemName): string[] {
  const e = systemEntry(system);
  return [e.namespace, ...Object.values(e.workloads).flatMap((w) => (w?.namespace ? [w.namespace] : []))];
}

function checkClosed(g: ArchitectureGraph): void {
  const ids = new Set(g.nodes.map((n) => n.id));
  assert.equal(ids.size, g.nodes.length, "node ids are unique");
  for (const e of g.edges) {
    assert.ok(ids.has(e.from), `edge from ${e.from}: not a node`);
    assert.ok(ids.has(e.to), `edge to ${e.to}: not a node`);
  }
  const clusters = new Set(g.clusters.map((c) => c.namespace));
  for (const n of g.nodes) if (n.namespace) assert.ok(clusters.has(n.namespace), `${n.id}: its namespace is not a cluster`);
}

describe("architecture graph (pure builder)", () => {
  const synapse = { namespace: NAMESPACES.matrix, podLabels: { "app.kubernetes.io/name": "synapse" }, name: "synapse" };
  const haproxy = { namespace: NAMESPACES.matrix, podLabels: { "app.kubernetes.io/name": "haproxy" }, name: "haproxy" };
  const base: GraphInput = {
    title: "t",
    switches: { platform: "aws", features: { rtc: false, push: false, bridges: false, li: false, antivirus: false, monitoring: false } },
    namespaces: [NAMESPACES.matrix, NAMESPACES.edge],
    flows: [],
  };

  it("draws each flow once per pair, with the ports of all its declarations", () => {
    const flows: FlowSpec[] = [
      { from: EDGE_PODS, to: haproxy, ports: [8008] },
      { from: EDGE_PODS, to: haproxy, ports: [8448, 8008] },
      { from: haproxy, to: synapse, ports: [8008] },
      { from: synapse, to: INTERNET, ports: [443] },
      { from: synapse, to: { kind: "cidr", cidrs: ["10.0.0.0/16"], port: 5432 }, description: "Synapse -> PostgreSQL" },
    ];
    const g = architectureGraph({ ...base, flows });
    checkClosed(g);
    assert.deepEqual(g.edges.map((e) => `${e.from} -> ${e.to} ${e.ports}`), [
      "edge/edge -> matrix/haproxy 8008,8448",
      "matrix/haproxy -> matrix/synapse 8008",
      "matrix/synapse -> ext:internet 443",
      "matrix/synapse -> ext:port:5432 5432",
    ]);
    // The managed database is a data service, named as its declarer called it.
    assert.deepEqual(g.nodes.find((n) => n.id === "ext:port:5432"), { id: "ext:port:5432", label: "PostgreSQL", kind: "data" });
  });

  it("draws no node or edge in a namespace the stack does not create (an undeployed system, cluster DNS)", () => {
    const livekit = { namespace: NAMESPACES.turn, podLabels: { "app.kubernetes.io/name": "livekit" }, name: "livekit" };
    const dns = { namespace: "kube-system", podLabels: { "k8s-app": "kube-dns" }, name: "cluster-dns" };
    const g = architectureGraph({ ...base, flows: [{ from: EDGE_PODS, to: livekit, ports: [7880] }, { from: synapse, to: dns, ports: [53] }, { from: EDGE_PODS, to: haproxy, ports: [8008] }] });
    checkClosed(g);
    assert.deepEqual(g.nodes.map((n) => n.id), ["edge/edge", "matrix/haproxy"]);
    assert.ok(!g.clusters.some((c) => c.namespace === NAMESPACES.turn || c.namespace === "kube-system"));
  });

  it("draws scrapes apart and leaves out Prometheus's namespace-wide egress (the scrapes' sending half)", () => {
    const g = architectureGraph({
      ...base,
      namespaces: [...base.namespaces, NAMESPACES.monitoring],
      flows: [
        { from: PROMETHEUS_PODS, to: synapse, ports: [9000] },
        { from: PROMETHEUS_PODS, to: { namespace: NAMESPACES.matrix, name: "matrix-pods" }, ports: [9000], sides: "sender" },
      ],
    });
    assert.deepEqual(g.edges.map((e) => `${e.from} -> ${e.to} ${e.kind}`), ["monitoring/prometheus -> matrix/synapse scrape"]);
  });

  it("writes DOT with one cluster per namespace and one line per node and edge", () => {
    const g = architectureGraph({ ...base, flows: [{ from: EDGE_PODS, to: haproxy, ports: [8008] }] });
    const dot = architectureDot(g);
    assert.match(dot, /subgraph "cluster_matrix" \{/);
    assert.match(dot, /"edge\/edge" -> "matrix\/haproxy" \[label="8008"\]/);
    assert.equal(architectureDot(g), dot, "deterministic");
  });

  // What each preset deploys, under the mock engine: the registry's systems and the run's flows.
  for (const [stack, overrides] of [
    ["dev", {}],
    ["dev", { rtc: "true", monitoring: "false" }],
    ["prod", { monitoring: "true" }],
    ["prod-gcp-1k", {}],
    ["prod-existing-5k", { monitoring: "true" }],
  ] as [string, Record<string, string>][]) {
    it(`${stack} ${JSON.stringify(overrides)}: every deployed system appears, nothing undeployed does, every edge joins drawn nodes`, async function () {
      const run = await runStack(stack, overrides);
      const g = architectureGraph({ title: stack, switches: run.spec, namespaces: run.flows.namespaces, flows: run.flows.flows });
      checkClosed(g);
      const deployed = deployedSystems(run.spec);
      const drawn = new Map(g.clusters.map((c) => [c.namespace, c.systems.map((s) => s.name)]));
      for (const system of deployed) {
        const where = systemNamespaces(system).filter((ns) => drawn.get(ns)?.includes(system));
        assert.ok(where.length > 0, `${system} is deployed but in no cluster`);
      }
      for (const system of SYSTEMS.filter((s) => !deployed.includes(s))) {
        for (const [ns, systems] of drawn) assert.ok(!systems.includes(system), `${system} is not deployed but drawn in ${ns}`);
        // Its namespaces that the stack does not create (for a deployed system or the platform) hold nothing.
        for (const ns of systemNamespaces(system).filter((n) => !run.flows.namespaces.includes(n))) {
          assert.ok(!g.nodes.some((n) => n.namespace === ns), `${ns} (of ${system}, not deployed) has nodes`);
        }
      }
      // The request path is drawn: the Gateway reaches HAProxy, HAProxy reaches Synapse.
      assert.ok(g.edges.some((e) => e.from === "edge/edge" && e.to === "matrix/haproxy"));
      assert.ok(g.edges.some((e) => e.from === "matrix/haproxy" && e.to === "matrix/synapse"));
    });
  }
});
