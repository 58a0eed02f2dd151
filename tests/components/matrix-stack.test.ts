/**
 * The whole program under the mock engine (real sizing, real platform): the Synapse workloads'
 * replica counts follow the architecture document's CCU profile tables.
 */
import { strict as assert } from "assert";
import { WORKER_TYPES, hasStableNames } from "../../catalog/workers";
import { PROFILE_NAMES } from "../../config/keys";
import { isSecretValue } from "../../stacks/mock-engine";
import { CCU_PROFILES } from "../../catalog/profiles";
import { ofType, runStack, type StackRun } from "../helpers/run-stack";

type Obj = Record<string, any>;

function replicasOf(run: StackRun, type: string, name: string): number | undefined {
  const r = ofType(run, type).find((x) => (x.inputs.metadata as Obj)?.name === name && (x.inputs.metadata as Obj)?.namespace !== undefined);
  return r ? (r.inputs.spec as Obj).replicas : undefined;
}

/** Instances a worker type runs: the StatefulSet's count, or a pool's HPA floor (the HPA owns pool Deployments' replicas). */
function workerReplicas(run: StackRun, name: string): number | undefined {
  const t = WORKER_TYPES.find((w) => w.name === name)!;
  if (hasStableNames(t)) return replicasOf(run, "kubernetes:apps/v1:StatefulSet", name);
  const hpa = ofType(run, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler").find((x) => (x.inputs.metadata as Obj)?.name === name);
  return hpa ? (hpa.inputs.spec as Obj).minReplicas : undefined;
}

describe("Matrix workloads in the whole program follow the CCU profile tables", function () {
  this.timeout(600_000);

  for (const profile of PROFILE_NAMES) {
    it(`dev-existing-${profile}: every column of the ${profile} table`, async () => {
      const run = await runStack(`dev-existing-${profile}`);
      const table = CCU_PROFILES.find((p) => p.name === profile)!;
      for (const t of WORKER_TYPES) {
        const got = workerReplicas(run, t.name);
        if (t.scaling === "singleton") {
          assert.equal(got, 1, `${t.name} is a singleton`);
          continue;
        }
        const listed = t.profileColumn && table.synapse.workers[t.profileColumn];
        if (listed) assert.equal(got, listed, `${profile}: ${t.name} (${t.profileColumn})`);
        else if (table.synapse.others) {
          assert.ok(got! >= table.synapse.others.min && got! <= table.synapse.others.max, `${profile}: ${t.name} within "others" ${JSON.stringify(table.synapse.others)}, got ${got}`);
        } else assert.ok(got! >= 1, `${profile}: ${t.name}`);
      }
      assert.equal(replicasOf(run, "kubernetes:apps/v1:Deployment", "synapse-main"), 1);
      assert.equal(isSecretValue(run.outputs.signingKeyId), false, "the key ID is public");
      assert.match(String(run.outputs.signingKeyId), /^ed25519:a_[A-Za-z]{4}$/);
    });
  }

  it("attaches every HTTPRoute to an HTTPS listener the platform's Gateway has, for the same host", async () => {
    const run = await runStack("dev-existing-100");
    const gateway = ofType(run, "kubernetes:gateway.networking.k8s.io/v1:Gateway")[0];
    assert.ok(gateway, "the platform creates the Gateway");
    const listeners = new Map(((gateway.inputs.spec as Obj).listeners as Obj[]).map((l) => [l.name, l]));
    const routes = ofType(run, "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute").filter((r) => (r.inputs.metadata as Obj).namespace === "matrix");
    // matrix, element, admin, and the bare server name serving only /.well-known/matrix
    assert.equal(routes.length, 4);
    for (const r of routes) {
      const spec = r.inputs.spec as Obj;
      for (const ref of spec.parentRefs as Obj[]) {
        const l = listeners.get(ref.sectionName);
        assert.ok(l, `${(r.inputs.metadata as Obj).name}: no listener ${ref.sectionName}`);
        assert.equal(l.protocol, "HTTPS");
        assert.deepEqual(spec.hostnames, [l.hostname]);
        assert.equal(ref.name, (gateway.inputs.metadata as Obj).name);
      }
    }
  });

  it("prod-aws-5k: HA floors (>=2 replicas of every pool and of HAProxy), the table where it is higher", async () => {
    const run = await runStack("prod-aws-5k");
    const table = CCU_PROFILES.find((p) => p.name === "5k")!;
    for (const t of WORKER_TYPES.filter((w) => w.scaling === "pool")) {
      const got = workerReplicas(run, t.name)!;
      const listed = t.profileColumn && table.synapse.workers[t.profileColumn];
      assert.ok(got >= 2, `${t.name}: ${got}`);
      if (listed) assert.equal(got, Math.max(2, listed), t.name);
    }
    assert.ok(replicasOf(run, "kubernetes:apps/v1:Deployment", "haproxy")! >= 2);
    for (const name of ["element-web", "ketesa", "well-known"]) assert.ok(replicasOf(run, "kubernetes:apps/v1:Deployment", name)! >= 2, name);
  });
});
