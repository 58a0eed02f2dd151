/**
 * Under `pulumi preview`, index.ts records every registration and prices it: run here under the
 * mock engine the way index.ts wires it, and compared with the plan's pricing of the same run.
 */
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { PROJECT, parseSpec } from "../../config";
import { size } from "../../sizing";
import { runWithMocks } from "../../stacks/mock-engine";
import { modelCost } from "../../stacks/cost";
import { recordCost, type CostEstimateOutput } from "../../stacks/preview-cost";
import { loadStackConfig } from "../../stacks/stack-config";

describe("cost estimate as a stack output (index.ts)", function () {
  this.timeout(300_000);

  it("prices what the program registered, like the plan does, and logs one line", async () => {
    const stack = "prod-aws-1k";
    const config = loadStackConfig(stack);
    const spec = parseSpec(config, stack);
    const sizing = size(spec);
    const { program } = await import("../../program");
    const logged: string[] = [];
    const info = pulumi.log.info;
    (pulumi.log as { info: typeof pulumi.log.info }).info = async (msg: string) => void logged.push(msg);
    try {
      const run = await runWithMocks({
        project: PROJECT,
        stack,
        config,
        program: () => {
          const estimate = recordCost(spec, sizing);
          return { ...program(spec, sizing), costEstimate: estimate() };
        },
      });
      const output = (await new Promise((resolve) => pulumi.output(run.outputs.costEstimate as pulumi.Output<CostEstimateOutput>).apply(resolve))) as CostEstimateOutput;
      const plan = modelCost(spec, spec.sizingModel, run.resources);
      assert.ok(output.monthlyUsd > 0);
      assert.equal(output.monthlyUsd, Math.round(plan.monthlyUsd));
      assert.deepEqual([...output.unpriced].sort(), [...new Set(plan.unpriced.map((u) => u.item))].sort());
      assert.equal(logged.filter((l) => l.startsWith("cost estimate:")).length, 1);
      assert.match(logged.find((l) => l.startsWith("cost estimate:"))!, /\$[\d,]+\/month, \$[\d.]+ per CCU \(1000 CCU/);
    } finally {
      (pulumi.log as { info: typeof pulumi.log.info }).info = info;
    }
  });
});
