/**
 * Every PodDisruptionBudget lets a drain evict unhealthy pods, and guards pods that exist: the
 * real-engine test drains a node with a not-ready pod, which the default policy would block.
 */
import { strict as assert } from "assert";
import { runStack } from "../helpers/run-stack";

const WORKLOAD_TYPES = new Set(["kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet", "kubernetes:apps/v1:DaemonSet"]);

interface Budget { metadata?: { namespace?: string }; spec?: { unhealthyPodEvictionPolicy?: string; selector?: { matchLabels?: Record<string, string> } } }
interface Workload { metadata?: { namespace?: string }; spec?: { template?: { metadata?: { labels?: Record<string, string> } } } }

for (const stack of ["dev", "prod-existing-20k", "prod-aws-5k", "prod-gcp-1k"]) {
  describe(`disruption budgets: ${stack}`, function () {

    it("every budget allows evicting unhealthy pods and selects pods of a workload in its namespace", async () => {
      const run = await runStack(stack);
      const budgets = run.resources.filter((r) => r.type === "kubernetes:policy/v1:PodDisruptionBudget");
      assert.ok(budgets.length >= 5, `only ${budgets.length} budgets`);
      const templates = run.resources.filter((r) => WORKLOAD_TYPES.has(r.type)).map((r) => r.inputs as Workload);
      for (const b of budgets) {
        const budget = b.inputs as Budget;
        assert.equal(budget.spec?.unhealthyPodEvictionPolicy, "AlwaysAllow", b.name);
        const selector = Object.entries(budget.spec?.selector?.matchLabels ?? {});
        assert.ok(selector.length > 0, `${b.name} has an empty selector`);
        const guarded = templates.filter((w) => w.metadata?.namespace === budget.metadata?.namespace && selector.every(([k, v]) => w.spec?.template?.metadata?.labels?.[k] === v));
        assert.ok(guarded.length > 0, `${b.name} selects no workload's pods`);
      }
    });
  });
}
