/**
 * Cost from the registered resources: every gate stack's priced resource types have a price (or
 * a declared, reasoned absence), and what is not created is not priced.
 */
import * as assert from "assert";
import { UNPRICED_RATES } from "../../catalog/prices";
import { allGateStacks } from "../../scripts/validate";
import { diffTable, markdownTable, modelCost, type StackCost } from "../../stacks/cost";
import { FREE_TYPES, costOfResources, onPremOption, pricedTypes, type PricedResource } from "../../stacks/resource-cost";
import { runStack, type StackRun } from "../helpers/run-stack";

const runs = new Map<string, StackRun>();
const costOf = (run: StackRun, resources: PricedResource[] = run.resources) => modelCost(run.spec, run.spec.sizingModel, resources as never);

describe("cost from the registered resources", function () {
  this.timeout(900_000);
  before(async () => {
    for (const stack of allGateStacks()) runs.set(stack, await runStack(stack));
  });

  it("every cloud resource type a gate stack registers is priced or known to be free", () => {
    const unknown = new Set<string>();
    for (const run of runs.values()) {
      if (run.spec.platform === "existing") continue;
      const priced = pricedTypes(run.spec.platform);
      for (const r of run.resources) {
        if (/^(aws|gcp):/.test(r.type) && !priced.includes(r.type) && !FREE_TYPES.has(r.type)) unknown.add(r.type);
      }
    }
    assert.deepEqual([...unknown], [], "resource types with neither a price function nor a place in FREE_TYPES");
  });

  it("every line of every gate stack has a price or a declared reason, never a missing table entry", () => {
    const missing: string[] = [];
    for (const [stack, run] of runs) {
      const cost = costOf(run);
      assert.ok(cost.monthlyUsd > 0, `${stack} costs nothing`);
      for (const l of cost.lines) {
        if (l.monthlyUsd === null && l.resource !== "hardware analysis" && !(l.unpriced && l.unpriced in UNPRICED_RATES)) missing.push(`${stack}: ${l.item} (${l.quantity}): ${l.note}`);
      }
    }
    assert.deepEqual(missing, []);
  });

  it("an instance type or region the table lacks makes the line unpriced as missing, not guessed", () => {
    const run = runs.get("prod")!;
    const odd = structuredClone(run.resources) as PricedResource[];
    odd.find((r) => r.type === "aws:eks/nodeGroup:NodeGroup")!.inputs.instanceTypes = ["x9z.24xlarge"];
    const line = costOf(run, odd).lines.find((l) => l.quantity.includes("x9z.24xlarge"))!;
    assert.equal(line.monthlyUsd, null);
    assert.equal(line.unpriced, "missing");
    const elsewhere = structuredClone(run.resources) as PricedResource[];
    elsewhere.find((r) => r.type === "pulumi:providers:aws")!.inputs.region = "eu-central-1";
    const c = costOf(run, elsewhere);
    assert.equal(c.monthlyUsd, 0);
    assert.ok(c.lines.every((l) => l.monthlyUsd === null && /eu-central-1/.test(l.note ?? "")));
  });

  it("prices only what is registered: without the NAT gateways their lines and cost are gone", () => {
    const run = runs.get("prod")!;
    const full = costOf(run);
    const nat = full.lines.filter((l) => l.item === "NAT gateway");
    assert.equal(nat.length, run.resources.filter((r) => r.type === "aws:ec2/natGateway:NatGateway").length);
    const without = costOf(run, run.resources.filter((r) => r.type !== "aws:ec2/natGateway:NatGateway"));
    assert.equal(without.lines.filter((l) => l.item === "NAT gateway").length, 0);
    assert.ok(Math.abs(full.monthlyUsd - without.monthlyUsd - nat.reduce((t, l) => t + l.monthlyUsd!, 0)) < 1e-6);
  });

  it("prices Multi-AZ RDS at twice the single-AZ figure and the read replica's storage from its source", () => {
    const run = runs.get("prod")!;
    const lines = costOf(run).lines;
    const main = lines.find((l) => /^PostgreSQL .*-main compute$/.test(l.item))!;
    const replica = lines.find((l) => /^read replica .* compute$/.test(l.item))!;
    assert.ok(Math.abs(main.monthlyUsd! - 2 * replica.monthlyUsd!) < 1e-6, "same class: Multi-AZ primary is two replicas' worth");
    assert.match(lines.find((l) => /^read replica .* storage$/.test(l.item))!.quantity, /^\d+ GB gp3$/);
  });

  it("an existing cluster is priced from the hardware analysis: servers amortised over 36 months plus colocation, bandwidth, maintenance", () => {
    const small = costOfResources([], "existing", { objectStoreGi: 0, nodeVcpu: 24, nodeMemoryGi: 96 });
    assert.equal(small.monthlyUsd, 20_000 / 36 + 3_000 + 5_000 + 2_500);
    const large = costOfResources([], "existing", { objectStoreGi: 0, nodeVcpu: 400, nodeMemoryGi: 1600 });
    assert.equal(large.monthlyUsd, 175_000 / 36 + 3_000 + 5_000 + 2_500);
    assert.equal(onPremOption({ objectStoreGi: 0, nodeVcpu: 100, nodeMemoryGi: 1000 }), 1);
    const dev = costOf(runs.get("prod-existing-20k")!);
    assert.ok(dev.monthlyUsd > costOf(runs.get("prod-existing-100")!).monthlyUsd, "a bigger profile needs a bigger server option");
  });

  it("a pull-request table and a diff against a base run", () => {
    const mk = (stack: string, usd: number): StackCost => ({ stack, ccu: 1000, models: [{ model: "profile", monthlyUsd: usd, perCcuUsd: usd / 1000, platform: "aws", currency: "USD", lines: [], unpriced: [] }, { model: "seed-analysis", monthlyUsd: 2 * usd, perCcuUsd: 0, platform: "aws", currency: "USD", lines: [], unpriced: [] }] });
    const table = markdownTable([mk("prod-aws-1k", 1234)]);
    assert.match(table, /^\| stack \| CCU \| model \| profile monthly \| profile per CCU \| seed-analysis monthly \| seed-analysis per CCU \| measured monthly \| measured per CCU \| unpriced items \|$/m);
    // A model the run did not price shows as a dash rather than disappearing.
    assert.match(table, /\| prod-aws-1k \| 1,000 \| profile \| \$1,234 \| \$1\.23 \| \$2,468 \| \$0\.00 \| — \| — \| 0 \|/);
    const d = diffTable([mk("a", 1000), mk("gone", 5)], [mk("a", 1100), mk("b", 7)]);
    assert.match(d, /\| a \| \$1,000 \| \$1,100 \| \+\$100 \(10\.0%\) \|/);
    assert.match(d, /\| b \| — \| \$7 \| new \|/);
    assert.match(d, /\| gone \| \$5 \| — \| removed \|/);
  });
});
