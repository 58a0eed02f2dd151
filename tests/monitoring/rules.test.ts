/**
 * The alert rules accepted by the real Prometheus rule checker (`promtool check rules`) and each
 * alert fired and cleared by `promtool test rules` (cases in ./rule-cases.ts); plus which groups a
 * stack renders.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { metricNames, RULE_GROUPS, ruleFile, ruleGroupsFor } from "../../components/monitoring/rules";
import { RULE_CASES } from "./rule-cases";

const PROMTOOL = "promtool";

function promtool(args: string[], cwd: string): { status: number | null; out: string } {
  const r = spawnSync(PROMTOOL, args, { cwd, encoding: "utf8" });
  if (r.error) throw r.error;
  return { status: r.status, out: `${r.stdout}\n${r.stderr}` };
}

const allAlerts = RULE_GROUPS.flatMap((g) => g.rules.map((r) => r.alert));

describe("alert rules (promtool)", function () {
  let tmp: string;
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mp-rules-"));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it("passes promtool check rules, annotation templates included", () => {
    fs.writeFileSync(path.join(tmp, "rules.yml"), stringify(ruleFile(RULE_GROUPS)));
    const r = promtool(["check", "rules", "rules.yml"], tmp);
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, new RegExp(`SUCCESS: ${allAlerts.length} rules found`));
  });

  it("rejects a rule file with a broken expression (the check is real)", () => {
    const broken = ruleFile([{ name: "x", needs: "kubernetes", rules: [{ ...RULE_GROUPS[0].rules[0], expr: "up{ == 0" }] }]);
    fs.writeFileSync(path.join(tmp, "broken.yml"), stringify(broken));
    assert.notEqual(promtool(["check", "rules", "broken.yml"], tmp).status, 0);
  });

  it("has a unit test case per alert (one more per further source it reads), and every alert name is unique", () => {
    assert.equal(new Set(allAlerts).size, allAlerts.length);
    assert.deepEqual(RULE_CASES.filter((c) => c.variant === undefined).map((c) => c.alert).sort(), [...allAlerts].sort());
    for (const c of RULE_CASES.filter((x) => x.variant !== undefined)) assert.ok(allAlerts.includes(c.alert), `${c.alert} (${c.variant}) is no alert`);
  });

  it("fires each alert when its condition holds long enough and clears it after (promtool test rules)", () => {
    // The unit tests run the rules as rendered, without annotations: promtool compares expanded
    // annotations too, and their templates are checked above.
    const bare = ruleFile(RULE_GROUPS);
    for (const g of bare.groups) for (const r of g.rules as Record<string, unknown>[]) delete r.annotations;
    fs.writeFileSync(path.join(tmp, "bare.yml"), stringify(bare));
    // One rule file per alert, and each case against its own alert only: promtool evaluates every
    // rule it loads at every step, so loading all of them made this test 100 times the work (and
    // slow enough under a loaded CI to time out). No rule reads another (there are no recording
    // rules), so evaluating one alone gives the same result.
    const ruleOf = new Map<string, Record<string, unknown>>();
    for (const g of bare.groups) for (const r of g.rules as Record<string, unknown>[]) ruleOf.set(String(r.alert), r);
    const testFiles = RULE_CASES.map((c, i) => {
      const rule = ruleOf.get(c.alert);
      assert.ok(rule, `case for unknown alert ${c.alert}`);
      const rules = `alert-${i}.yml`;
      fs.writeFileSync(path.join(tmp, rules), stringify({ groups: [{ name: c.alert, rules: [rule] }] }));
      const test = {
        name: c.variant ? `${c.alert} (${c.variant})` : c.alert,
        interval: c.interval ?? "1m",
        input_series: c.series,
        alert_rule_test: [
          // `for` holds it back at first, it fires, then it is gone.
          { eval_time: "0m", alertname: c.alert, exp_alerts: [] },
          { eval_time: c.firesAt, alertname: c.alert, exp_alerts: [{ exp_labels: c.labels }] },
          { eval_time: c.clearsAt, alertname: c.alert, exp_alerts: [] },
        ],
      };
      const file = `case-${i}.yml`;
      fs.writeFileSync(path.join(tmp, file), stringify({ rule_files: [rules], evaluation_interval: "1m", tests: [test] }));
      return file;
    });
    const r = promtool(["test", "rules", ...testFiles], tmp);
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /SUCCESS/);
  });

  it("fails a unit test whose alert does not fire (the test is real)", () => {
    const c = RULE_CASES.find((x) => x.alert === "ScrapeTargetDown")!;
    const tests = [{ interval: "1m", input_series: [{ series: c.series[0].series, values: "1x20" }], alert_rule_test: [{ eval_time: c.firesAt, alertname: c.alert, exp_alerts: [{ exp_labels: c.labels }] }] }];
    fs.writeFileSync(path.join(tmp, "never.yml"), stringify({ rule_files: ["bare.yml"], evaluation_interval: "1m", tests }));
    assert.notEqual(promtool(["test", "rules", "never.yml"], tmp).status, 0);
  });
});

describe("alert rules by deployed component", () => {
  it("renders only the groups whose component is scraped, the Kubernetes ones always", () => {
    assert.deepEqual(ruleGroupsFor(new Set()).map((g) => g.name), ["targets", "kubernetes"]);
    const names = ruleGroupsFor(new Set(["synapse", "haproxy"])).map((g) => g.name);
    assert.deepEqual(names, ["targets", "kubernetes", "synapse", "haproxy"]);
  });

  it("reads the metric names out of an expression, not functions, labels or keywords", () => {
    assert.deepEqual(
      metricNames('sum by (job, le) (rate(a_total{x="y", le!~"b_c"}[5m])) / on(job) group_left(pod) max(b_bytes) > 0.8 and scalar(time()) - c_seconds offset 5m'),
      ["a_total", "b_bytes", "c_seconds"],
    );
  });
});
