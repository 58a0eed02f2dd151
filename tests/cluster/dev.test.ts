import { strict as assert } from "assert";
import { PROJECT, parseSpec } from "../../config";
import { size } from "../../sizing";
import { grownPools, statefulReplacements, urnType, type PreviewStep } from "./cluster-state";
import { tail } from "./pulumi-cli";
import { assertPodsPlaced, driver, realEngineSuite, up } from "./real-engine-suite";
import { simulatedNodes } from "./simulated-nodes";

/**
 * The embedded default stack through the real engine, and what only a live cluster shows: bad
 * input refused by the real CLI before anything exists, a node drained while a workload is
 * unhealthy, and a profile change applied in place.
 */
realEngineSuite("dev", {
  beforeUp: (stack) => {
    it("a credential set in plain is refused by key, without its value, a stack trace or any resource", async () => {
      const s = stack();
      const key = `${PROJECT}:offsiteBackupSecretAccessKey`;
      const value = "plain-text-credential-for-the-test";
      await s.cli.ok(["config", "set", "--plaintext", key, value]);
      const r = await s.cli.run(["preview", "--suppress-progress"]);
      await s.cli.ok(["config", "rm", key]);
      const output = r.stdout + r.stderr;
      assert.notEqual(r.code, 0, "the preview should fail");
      assert.match(output, /matrix-platform:offsiteBackupSecretAccessKey/);
      assert.doesNotMatch(output, new RegExp(value));
      assert.doesNotMatch(output, /^\s+at .+\.(ts|js):\d+/m, `a stack trace:\n${tail(output, 30)}`);
      const state = JSON.parse((await s.cli.ok(["stack", "export"])).stdout) as { deployment: { resources?: unknown[] } };
      assert.deepEqual(state.deployment.resources ?? [], []);
    });
  },
  destroyWithDriver: true,
  afterUp: (stack) => {
    it("the Automation API driver (npm run stack) previews and updates the deployed stack: no changes", async () => {
      const s = stack();
      for (const operation of ["preview", "up"] as const) {
        const r = await driver(s, operation);
        s.figures.push(`driver ${operation}: ${r.seconds.toFixed(0)} s`);
        assert.equal(r.code, 0, `npm run stack -- ${operation} failed:\n${tail(r.stdout + r.stderr, 60)}`);
        assert.match(r.stdout, /^dev\s+no changes\s/m, `npm run stack -- ${operation}:\n${tail(r.stdout, 20)}`);
      }
    });

    it("a node drains while a workload on it is unhealthy: no disruption budget blocks evicting its not-ready pods", async () => {
      const s = stack();
      interface P { metadata: { name: string; namespace: string; ownerReferences?: { kind: string; name: string }[] }; spec: { nodeName?: string }; status?: { phase?: string } }
      const pods = (JSON.parse(await s.cluster.kubectl(["get", "pods", "-A", "-o", "json"])) as { items: P[] }).items.filter((p) => p.status?.phase === "Running");
      const owner = (p: P) => p.metadata.ownerReferences?.find((o) => o.kind === "ReplicaSet" || o.kind === "StatefulSet");
      // A workload of two or more replicas, all of them broken (a bad rollout): its budget has no
      // healthy pod left, which under the default eviction policy blocks evicting any of them.
      const groups = new Map<string, P[]>();
      for (const p of pods) {
        const o = owner(p);
        if (o) groups.set(`${p.metadata.namespace}/${o.name}`, [...(groups.get(`${p.metadata.namespace}/${o.name}`) ?? []), p]);
      }
      const [, broken] = [...groups].find(([, ps]) => ps.length >= 2) ?? assert.fail("no workload with two running replicas");
      for (const p of broken) {
        await s.cluster.kubectl(["patch", "pod", p.metadata.name, "-n", p.metadata.namespace, "--subresource=status", "--type=strategic", "-p", JSON.stringify({ status: { conditions: [{ type: "Ready", status: "False" }, { type: "ContainersReady", status: "False" }] } })]);
      }
      const node = broken[0].spec.nodeName!;
      await s.cluster.kubectl(["drain", node, "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=180s"]);
      await s.cluster.kubectl(["uncordon", node]);
      // The workload is fixed: its replicas elsewhere, which the drain did not touch, recover.
      for (const p of broken.filter((b) => b.spec.nodeName !== node)) {
        await s.cluster.kubectl(["patch", "pod", p.metadata.name, "-n", p.metadata.namespace, "--subresource=status", "--type=strategic", "-p", JSON.stringify({ status: { conditions: [{ type: "Ready", status: "True" }, { type: "ContainersReady", status: "True" }] } })]);
      }
      // The evicted pods come back (kwok makes the replacements ready) and the stack is whole again.
      await assertPodsPlaced(s, 300);
    });

    it("every Job has finished, and the Jobs a CronJob starts expire", async () => {
      const s = stack();
      interface J { metadata: { name: string; namespace: string }; status?: { succeeded?: number; conditions?: { type: string; status: string }[] } }
      interface C { metadata: { name: string; namespace: string }; spec: { successfulJobsHistoryLimit?: number; failedJobsHistoryLimit?: number; jobTemplate: { spec: { ttlSecondsAfterFinished?: number } } } }
      const jobs = (JSON.parse(await s.cluster.kubectl(["get", "jobs", "-A", "-o", "json"])) as { items: J[] }).items;
      // The stack's own Jobs (bootstrap, bucket settings, migrations) stay as Pulumi resources: a
      // TTL would delete them behind the engine's back and every refresh would run them again.
      const unfinished = jobs.filter((j) => !j.status?.conditions?.some((c) => c.type === "Complete" && c.status === "True")).map((j) => `${j.metadata.namespace}/${j.metadata.name}`);
      assert.deepEqual(unfinished, []);
      const cronJobs = (JSON.parse(await s.cluster.kubectl(["get", "cronjobs", "-A", "-o", "json"])) as { items: C[] }).items;
      const keeping = cronJobs.filter((c) => c.spec.jobTemplate.spec.ttlSecondsAfterFinished === undefined && (c.spec.successfulJobsHistoryLimit ?? 3) > 3).map((c) => `${c.metadata.namespace}/${c.metadata.name}`);
      assert.deepEqual(keeping, []);
    });

    it("a CCU change (100 -> 1k) updates in place: the preview replaces no StatefulSet, claim, Secret or generated key", async () => {
      const s = stack();
      const key = `${PROJECT}:profile`;
      const next = size(parseSpec({ ...s.config, [key]: "1k" }, s.name));
      // The site grows the cluster first (as the cluster autoscaler or its operators would).
      const grown = simulatedNodes(grownPools(s.sizing.nodePools, next.nodePools), "grown-");
      if (grown.length > 0) await s.cluster.kubectl(["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "List", items: grown }));
      for (const n of grown as { metadata: { name: string } }[]) s.baseline.add(`nodes//${n.metadata.name}`);
      await s.cli.ok(["config", "set", key, "1k"]);
      const preview = await s.cli.ok(["preview", "--json"]);
      const steps = (JSON.parse(preview.stdout) as { steps?: PreviewStep[] }).steps ?? [];
      assert.ok(steps.some((st) => st.op === "update"), "the profile change should update something");
      assert.deepEqual(statefulReplacements(steps), []);
      // The configuration it rewrites is updated in place (a replaced ConfigMap of a fixed name
      // would be deleted first, and everything reading it replaced with it).
      const configMaps = steps.filter((st) => urnType(st.urn) === "kubernetes:core/v1:ConfigMap" && st.op !== "same");
      assert.ok(configMaps.length > 0, "the profile change should rewrite configuration");
      assert.deepEqual(configMaps.filter((st) => st.op !== "update").map((st) => `${st.op} ${st.urn.split("::").pop()}`), []);
      const uids = async () => Object.fromEntries((JSON.parse(await s.cluster.kubectl(["get", "statefulsets,persistentvolumeclaims", "-A", "-o", "json"])) as { items: { kind: string; metadata: { namespace: string; name: string; uid: string } }[] }).items.map((o) => [`${o.kind} ${o.metadata.namespace}/${o.metadata.name}`, o.metadata.uid]));
      const before = await uids();
      await up(s, "CCU 100 -> 1k up");
      await assertPodsPlaced(s);
      // The same objects, not new ones of the same name.
      const after = await uids();
      assert.deepEqual(Object.keys(before).filter((k) => after[k] !== before[k]), []);
      const changes = await s.cli.ok(["preview", "--expect-no-changes", "--suppress-progress"]);
      assert.equal(changes.code, 0);
    });
  },
});
