/**
 * Both sizing models' cost of a stack (stacks/cost.ts stackCost), as `npm run plan` and
 * `npm run cost` print it: a model the program refuses to deploy is named with the reason, not
 * priced and not run; an existing cluster's cost is priced from sizing without running the program.
 */
import * as assert from "assert";
import { PROJECT, parseSpec } from "../../config";
import { size } from "../../sizing";
import { maxAccountsPerProcess } from "../../sizing/bridges";
import { costText, markdownTable, modelCost, stackCost } from "../../stacks/cost";
import { runWithMocks } from "../../stacks/mock-engine";
import { loadStackConfig } from "../../stacks/stack-config";

describe("stack cost of every sizing model", function () {
  this.timeout(300_000);

  it("a prod preset whose bridges outgrow one node under seed-analysis prices profile and names why seed-analysis is refused", async () => {
    const c = await stackCost("prod-existing-5k");
    // measured keeps the profile model's bridges (the capacity benchmark runs none), so it is priced.
    assert.deepEqual(c.models.map((m) => m.model), ["profile", "measured"]);
    assert.equal(c.refused?.length, 1);
    const [refused] = c.refused!;
    assert.equal(refused.model, "seed-analysis");
    // 5,000 accounts on each network; the most seed-analysis fits in one process is below that.
    const tgMax = maxAccountsPerProcess("telegram", "seed-analysis");
    const waMax = maxAccountsPerProcess("whatsapp", "seed-analysis");
    assert.ok(tgMax < 5000 && waMax < 5000, `seed-analysis fits ${tgMax} / ${waMax}: the preset is no longer refused`);
    assert.match(refused.reason, new RegExp(`matrix-platform:telegramAccounts = 5000: at most ${tgMax} with sizingModel seed-analysis`));
    assert.match(refused.reason, new RegExp(`matrix-platform:whatsappAccounts = 5000: at most ${waMax} with sizingModel seed-analysis`));
    const text = costText(c);
    assert.match(text, /^Cost, profile model \(used\): \$[\d,]+\/month/m);
    assert.match(text, /^Cost, seed-analysis model: not priced, the stack cannot be deployed with it \(matrix-platform:telegramAccounts = 5000/m);
    assert.match(markdownTable([c]), /\| prod-existing-5k \| 5,000 \| profile \| \$[\d,]+ \| \$[\d.]+ \| not deployable \| — \| \$[\d,]+ \| \$[\d.]+ \|/);
  });

  it("a preset deployable under every model prices each and refuses none", async () => {
    const c = await stackCost("prod-existing-1k");
    assert.deepEqual(c.models.map((m) => m.model), ["profile", "seed-analysis", "measured"]);
    assert.equal(c.refused, undefined);
    assert.doesNotMatch(costText(c), /not priced/);
  });

  it("an existing cluster's cost, priced without running the program, equals the cost of the resources a full run registers", async () => {
    const stack = "dev";
    const config = loadStackConfig(stack);
    const spec = parseSpec(config, stack);
    const c = await stackCost(stack);
    const { program } = await import("../../program");
    for (const priced of c.models) {
      const s = { ...spec, sizingModel: priced.model };
      const run = await runWithMocks({ project: PROJECT, stack, config, program: () => program(s, size(s)) });
      assert.ok(run.resources.length > 100, "the full run registers the stack");
      assert.deepEqual(priced, modelCost(spec, priced.model, run.resources), `${priced.model} model`);
    }
  });
});
