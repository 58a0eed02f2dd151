/**
 * Issue 10 items 8 and 9: the plan refuses stack names and options that would point it elsewhere,
 * writes only inside its output directory through a temporary directory renamed into place (two
 * concurrent plans of one stack both finish with a complete plan; a failed one leaves nothing),
 * and prints the database it really deploys.
 */
import { strict as assert } from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parsePresetName, presetConfig } from "../../stacks/presets";
import { databaseSummary, parseArgs } from "../../stacks/plan";
import { writeDirAtomically } from "../../stacks/atomic-dir";
import { parseSpec } from "../../config";
import { size } from "../../sizing";
import { cloudSqlTier } from "../../sizing/data-service-sizing";

const root = path.resolve(__dirname, "../..");

/** `npm run plan` as a child process (the compiled driver), resolving with its exit and output. */
function planProcess(args: string[], cwd = root): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--require", path.join(root, "scripts/ensure-compiled.js"), path.join(root, "bin/stacks/plan.js"), ...args], { cwd });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

describe("plan: arguments that are not what they seem are refused (item 8)", () => {
  for (const bad of ["../prod", "a/b", "..", ".", "/etc/passwd", "dev\\..\\x", "prod..x", " dev"]) {
    it(`--stack ${JSON.stringify(bad)} is not a stack name`, () => {
      assert.throws(() => parseArgs(["--stack", bad]), /is not a stack name: letters, digits, '_', '\.' and '-' only, no path separators or '\.\.'/);
    });
  }
  for (const argv of [["--stack"], ["--stack", "--out", "x"], ["--out"], ["--stack", "dev", "--out"], ["--out", "--stack", "dev"], ["--out="], ["-s", ""]]) {
    it(`${JSON.stringify(argv)}: an option without its value is refused`, () => {
      assert.throws(() => parseArgs(argv), /needs a (value|stack name)/);
    });
  }
  it("still takes the ordinary forms", () => {
    assert.deepEqual(parseArgs(["--stack", "prod-aws-5k", "--out", "/tmp/x"]), { stack: "prod-aws-5k", outDir: "/tmp/x" });
    assert.equal(parseArgs(["--out=/tmp/y"]).outDir, "/tmp/y");
  });
});

describe("plan: output replaced in one step (item 8)", () => {
  let tmp: string;
  beforeEach(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), "plan-atomic-"))));
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it("replaces the whole directory: no file of the previous plan survives", () => {
    const dir = path.join(tmp, "dev");
    writeDirAtomically(dir, (t) => fs.writeFileSync(path.join(t, "old.json"), "1"));
    writeDirAtomically(dir, (t) => fs.writeFileSync(path.join(t, "new.json"), "2"));
    assert.deepEqual(fs.readdirSync(dir), ["new.json"]);
    assert.deepEqual(fs.readdirSync(tmp), ["dev"], "no temporary or retired directory left behind");
  });

  it("a failure while writing leaves the previous output as it was and nothing half-written", () => {
    const dir = path.join(tmp, "dev");
    writeDirAtomically(dir, (t) => fs.writeFileSync(path.join(t, "resources.json"), "complete"));
    assert.throws(() => writeDirAtomically(dir, (t) => {
      fs.writeFileSync(path.join(t, "resources.json"), "half");
      throw new Error("disk full");
    }), /disk full/);
    assert.equal(fs.readFileSync(path.join(dir, "resources.json"), "utf8"), "complete");
    assert.deepEqual(fs.readdirSync(tmp), ["dev"]);
  });
});

describe("plan: concurrent and failed plans end to end (item 8)", function () {
  this.timeout(600_000);
  let out: string;
  before(() => (out = fs.mkdtempSync(path.join(os.tmpdir(), "plan-concurrent-"))));
  after(() => fs.rmSync(out, { recursive: true, force: true }));

  it("two plans of one stack at once both succeed and leave one complete plan", async () => {
    // One run first so the compiled copy exists; then two at once into the same directory.
    const first = await planProcess(["--stack", "dev", "--out", out]);
    assert.equal(first.status, 0, first.stderr);
    const before = fs.readFileSync(path.join(out, "dev", "resources.json"), "utf8");
    const [a, b] = await Promise.all([planProcess(["--stack", "dev", "--out", out]), planProcess(["--stack", "dev", "--out", out])]);
    assert.equal(a.status, 0, a.stderr);
    assert.equal(b.status, 0, b.stderr);
    assert.deepEqual(fs.readdirSync(out), ["dev"], "only the plan itself: no temporary directories left");
    // The same stack plans the same resources: whichever finished last, the files are whole.
    assert.equal(fs.readFileSync(path.join(out, "dev", "resources.json"), "utf8"), before);
    assert.ok(JSON.parse(fs.readFileSync(path.join(out, "dev", "sizing.json"), "utf8")).ccu === 100);
    assert.ok(fs.readdirSync(path.join(out, "dev", "manifests")).length > 0);
  });

  it("a plan that fails leaves nothing in the output directory", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-failed-"));
    fs.writeFileSync(path.join(dir, "Pulumi.broken.yaml"), "config:\n  matrix-platform:ccu: 5\n");
    const outDir = path.join(dir, "out");
    const res = await planProcess(["--stack", "broken", "--out", outDir], dir);
    assert.equal(res.status, 1);
    assert.ok(!fs.existsSync(outDir) || fs.readdirSync(outDir).length === 0, "nothing written");
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("a broken stack file is one line naming file and line, exit 1, no stack trace", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-yaml-"));
    fs.writeFileSync(path.join(dir, "Pulumi.tabs.yaml"), "config:\n\tmatrix-platform:ccu: 100\n");
    const res = await planProcess(["--stack", "tabs", "--out", path.join(dir, "out")], dir);
    assert.equal(res.status, 1);
    assert.equal(res.stderr.trim(), "Pulumi.tabs.yaml:2: invalid YAML: Tabs are not allowed as indentation");
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe("plan: the summary prints what is deployed (item 9)", () => {
  it("on GCP the database line shows the Cloud SQL tier's capped memory, not the class it was sized from", () => {
    const spec = parseSpec(presetConfig(parsePresetName("prod-gcp-20k")!), "prod-gcp-20k");
    const sizing = size(spec);
    const tier = cloudSqlTier(sizing.database.vcpu, sizing.database.memoryGi);
    assert.ok(tier.memoryGi < sizing.database.memoryGi, "the 20k class is memory-optimised, so Cloud SQL caps it");
    const line = databaseSummary(spec, sizing);
    assert.ok(line.includes(`${sizing.database.vcpu} vCPU / ${tier.memoryGi} GiB (${sizing.database.gcpTier})`), line);
    assert.ok(!line.includes(`/ ${sizing.database.memoryGi} GiB`), line);
    const aws = parseSpec(presetConfig(parsePresetName("prod-aws-20k")!), "prod-aws-20k");
    assert.ok(databaseSummary(aws, size(aws)).includes(`/ ${size(aws).database.memoryGi} GiB (${size(aws).database.awsInstanceClass})`));
  });
});
