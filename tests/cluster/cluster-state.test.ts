import { strict as assert } from "assert";
import { grownPools, podProblems, resourcesCreated, statefulReplacements, urnType, type Pod } from "./cluster-state";

const pod = (name: string, over: Partial<Pod["spec"]> & { phase?: string; ready?: boolean; scheduledMessage?: string }): Pod => ({
  metadata: { name, namespace: "ns" },
  spec: { nodeName: over.nodeName, nodeSelector: over.nodeSelector },
  status: {
    phase: over.phase ?? "Running",
    conditions: [{ type: "Ready", status: over.ready === false ? "False" : "True" }, ...(over.scheduledMessage ? [{ type: "PodScheduled", status: "False", message: over.scheduledMessage }] : [])],
  },
});

describe("real-engine checks (pure parts)", () => {
  const nodes = new Map([["edge-0", { tier: "edge" }], ["system-0", { tier: "system" }]]);

  it("a pod that is running, ready and on a node of its pool is fine; a finished Job's pod too", () => {
    assert.deepEqual(podProblems([pod("a", { nodeName: "edge-0", nodeSelector: { tier: "edge" } }), pod("j", { phase: "Succeeded" })], nodes), []);
  });

  it("names each pod that is pending (with the scheduler's reason), misplaced, not ready or failed", () => {
    const problems = podProblems([
      pod("p", { phase: "Pending", scheduledMessage: "0/2 nodes are available: 2 Insufficient cpu." }),
      pod("m", { nodeName: "system-0", nodeSelector: { tier: "edge" } }),
      pod("u", { nodeName: "edge-0", ready: false }),
      pod("f", { nodeName: "edge-0", phase: "Failed" }),
      pod("x", { nodeName: "gone-0" }),
    ], nodes);
    assert.deepEqual(problems, [
      "ns/f: Failed",
      "ns/m: on system-0, which lacks tier=edge",
      "ns/p: not scheduled: 0/2 nodes are available: 2 Insufficient cpu.",
      "ns/u: running but not ready",
      "ns/x: on gone-0, which is not a node of the cluster",
    ]);
  });

  it("finds replacements of stateful kinds only, in preview steps", () => {
    const urn = (type: string, name: string) => `urn:pulumi:dev::matrix-platform::matrix-platform:matrix:Synapse$${type}::${name}`;
    const steps = [
      { op: "replace", urn: urn("kubernetes:apps/v1:StatefulSet", "redis") },
      { op: "replace", urn: urn("kubernetes:apps/v1:Deployment", "web") },
      { op: "update", urn: urn("kubernetes:core/v1:Secret", "s") },
      { op: "create-replacement", urn: urn("random:index/randomPassword:RandomPassword", "pw") },
    ];
    assert.equal(urnType(steps[0].urn), "kubernetes:apps/v1:StatefulSet");
    assert.deepEqual(statefulReplacements(steps), ["replace kubernetes:apps/v1:StatefulSet redis", "create-replacement random:index/randomPassword:RandomPassword pw"]);
  });

  it("grows only what the next sizing adds: more of a machine, or a new machine's pool whole", () => {
    const m4 = { aws: "m7a.xlarge" }, m8 = { aws: "m7a.2xlarge" };
    const grown = grownPools([{ tier: "edge", nodeCount: 1, machine: m4 }, { tier: "homeserver", nodeCount: 3, machine: m4 }], [{ tier: "edge", nodeCount: 3, machine: m4 }, { tier: "homeserver", nodeCount: 2, machine: m8 }]);
    assert.deepEqual(grown.map((p) => `${p.tier}:${p.nodeCount}`), ["edge:2", "homeserver:2"]);
  });

  it("reads the created count of an update's summary", () => {
    assert.equal(resourcesCreated("Resources:\n    + 325 created\n\nDuration: 4m57s\n"), 325);
    assert.equal(resourcesCreated("Resources:\n    325 unchanged\n"), 0);
  });
});
