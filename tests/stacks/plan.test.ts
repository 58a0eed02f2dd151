import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { formatTable, memory, resourceCounts, sizingRows } from "../../stacks/report";
import { size } from "../../sizing";
import { bridgeCarryLines, maxAccountsPerProcess } from "../../sizing/bridges";
import { parseSpec } from "../../config";
import { parseArgs } from "../../stacks/plan";

const root = path.resolve(__dirname, "../..");

function runPlan(args: string[], cwd = root) {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "plan-"));
  const res = spawnSync("npx", ["ts-node", "stacks/plan.ts", "--out", out, ...args], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "true" },
    timeout: 240_000,
  });
  return { ...res, out };
}

describe("plan: report formatting", () => {
  it("aligns columns and right-aligns numeric ones", () => {
    const text = formatTable(["name", "n"], [["a", 1], ["long-name", 100]]);
    const lines = text.split("\n");
    assert.equal(lines.length, 4);
    assert.ok(lines[2].endsWith("  1"), lines[2]);
    assert.equal(new Set(lines.map((l) => l.length)).size, 1);
  });

  it("prints memory in MiB below a GiB and in GiB above", () => {
    assert.equal(memory(128), "128Mi");
    assert.equal(memory(1024), "1Gi");
    assert.equal(memory(1536), "1.5Gi");
  });

  it("says what the one process of each bridge carries at the configured accounts, and the most that fit", () => {
    const spec = parseSpec({ "matrix-platform:telegramAccounts": "5000", "matrix-platform:whatsappAccounts": "5000", "matrix-platform:bridges": "true", "matrix-platform:telegramApiId": "123456", "matrix-platform:telegramApiHash": "0123456789abcdef0123456789abcdef" }, "t");
    const lines = bridgeCarryLines(spec);
    const tg = size(spec).components.telegram.resources;
    assert.equal(lines.length, 2);
    // 5,000 x 2 mcores + the process base: the hardware analysis's sustained per-account figure.
    assert.match(lines[0], new RegExp(`^mautrix-telegram: one process carries 5000 accounts with ${(tg.cpuRequestMillis / 1000).toFixed(1)} cores / `));
    assert.match(lines[0], new RegExp(`at most ${maxAccountsPerProcess("telegram", "profile")} accounts fit`));
    assert.match(lines[1], /^mautrix-whatsapp: one process carries 5000 accounts with 25\.1 cores \/ /);
    const row = sizingRows(size(spec)).find((r) => r[0] === "telegram")!;
    assert.ok(Math.abs(Number(row[5]) - tg.cpuRequestMillis / 1000) < 0.01, "one pod in the totals");
  });

  it("counts resources by type, most frequent first", () => {
    const r = (type: string) => ({ type, name: "x", custom: true, inputs: {} });
    assert.deepEqual(resourceCounts([r("b"), r("a"), r("b")]), [["b", 2], ["a", 1]]);
  });

  it("parses --stack and rejects unknown arguments", () => {
    assert.equal(parseArgs([]).stack, "dev");
    assert.equal(parseArgs(["--stack", "prod"]).stack, "prod");
    assert.equal(parseArgs(["--stack=prod-gcp-5k"]).stack, "prod-gcp-5k");
    assert.throws(() => parseArgs(["--stak", "x"]), /unknown argument "--stak"/);
  });
});

describe("plan: npm run plan end to end", function () {
  this.timeout(300_000);

  it("plans dev: prints the summary and writes resources, manifests and sizing", () => {
    const res = runPlan(["--stack", "dev"]);
    assert.equal(res.status, 0, res.stderr);
    for (const heading of ["platform     existing", "Sizing (requests)", "Node pools", "Sizing models side by side", "Resources ("]) {
      assert.ok(res.stdout.includes(heading), `missing "${heading}" in:\n${res.stdout}`);
    }
    const dir = path.join(res.out, "dev");
    const resources = JSON.parse(fs.readFileSync(path.join(dir, "resources.json"), "utf8"));
    assert.ok(resources.length > 0);
    for (const r of resources) assert.deepEqual(Object.keys(r).sort(), ["inputs", "name", "parent", "type"]);
    const sizing = JSON.parse(fs.readFileSync(path.join(dir, "sizing.json"), "utf8"));
    assert.equal(sizing.ccu, 100);
    assert.ok(sizing.nodePools.length > 0);
    // Every manifest is a Kubernetes object, and no Secret carries real data.
    const files = fs.readdirSync(path.join(dir, "manifests"), { recursive: true }).map(String).filter((f) => f.endsWith(".yaml"));
    for (const f of files) {
      const obj = parse(fs.readFileSync(path.join(dir, "manifests", f), "utf8"));
      assert.ok(obj.apiVersion && obj.kind && obj.metadata?.name, f);
      if (obj.kind === "Secret") {
        for (const v of Object.values<string>(obj.data ?? {})) assert.equal(Buffer.from(v, "base64").toString(), "redacted", f);
        assert.equal(obj.stringData, undefined, f);
      }
    }
    // The architecture diagram: the DOT and Graphviz's SVG of it (the dev stack's is docs/architecture-dev.*).
    const dot = fs.readFileSync(path.join(dir, "architecture.dot"), "utf8");
    assert.match(dot, /^digraph architecture \{/);
    assert.match(dot, /"matrix\/haproxy" -> "matrix\/synapse"/);
    assert.match(fs.readFileSync(path.join(dir, "architecture.svg"), "utf8"), /<svg[\s\S]*class="cluster"/);
    assert.match(res.stdout, /architecture\.dot, architecture\.svg/);
    // The resources file never holds a secret in the clear: the secret marker stands in.
    assert.ok(!fs.readFileSync(path.join(dir, "resources.json"), "utf8").includes("1b47061264138c4ac30d75fd1eb44270"));
  });

  it("plans prod on AWS and a preset stack", () => {
    const prod = runPlan(["--stack", "prod"]);
    assert.equal(prod.status, 0, prod.stderr);
    assert.match(prod.stdout, /platform {5}aws \(us-east-1/);
    assert.match(prod.stdout, /2,000 CCU/);
    const preset = runPlan(["--stack", "staging-gcp-1k"]);
    assert.equal(preset.status, 0, preset.stderr);
    assert.match(preset.stdout, /platform {5}gcp/);
  });

  it("bad config prints the validation error and exits 1 without a stack trace", () => {
    // The plan reads Pulumi.<stack>.yaml from the working directory, like the Pulumi CLI.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "badstack-"));
    fs.writeFileSync(path.join(dir, "Pulumi.broken.yaml"), "config:\n  matrix-platform:platform: azure\n  matrix-platform:ccu: 5\n");
    const res = spawnSync(path.join(root, "node_modules/.bin/ts-node"), [path.join(root, "stacks/plan.ts"), "--stack", "broken", "--out", dir], {
      cwd: dir, encoding: "utf8", env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "true" }, timeout: 120_000,
    });
    assert.equal(res.status, 1, res.stdout + res.stderr);
    assert.match(res.stderr, /matrix-platform:platform = "azure" is not allowed: one of aws, gcp, existing/);
    assert.match(res.stderr, /matrix-platform:ccu = "5"/);
    assert.doesNotMatch(res.stderr, /\n\s+at /, "stack trace printed");
  });

  it("an unknown stack name is a clear error", () => {
    const res = runPlan(["--stack", "qa-azure-3k"]);
    assert.equal(res.status, 1);
    assert.match(res.stderr, /unknown stack "qa-azure-3k"/);
  });
});
