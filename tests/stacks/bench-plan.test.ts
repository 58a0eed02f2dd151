import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { median, parseBenchArgs, reapedChildrenCpuSeconds } from "../../stacks/bench-plan";
import { sdkFiles, sdkPackages } from "../../stacks/sdk-recorder";

describe("bench:plan", () => {
  it("reads reaped children's user + system ticks from /proc stat, whatever the command name holds", () => {
    // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime ...
    const stat = "4242 (node (x) y) S 1 4242 4242 0 -1 4194304 100 200 0 0 35 7 512 96 20 0 11 0 123";
    assert.equal(reapedChildrenCpuSeconds(stat), 6.08);
  });

  it("rejects a stat line it cannot read instead of reporting zero", () => {
    assert.throws(() => reapedChildrenCpuSeconds("4242 (node) S 1"), /unreadable/);
  });

  it("takes the median of odd and even numbers of runs", () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
  });

  it("benches dev and prod-aws-20k unless stacks are given", () => {
    assert.deepEqual(parseBenchArgs([]), { runs: 3, stacks: ["dev", "prod-aws-20k"] });
    assert.deepEqual(parseBenchArgs(["--runs", "1", "--stack", "prod"]), { runs: 1, stacks: ["prod"] });
    assert.throws(() => parseBenchArgs(["--runs", "0"]), /at least 1/);
    assert.throws(() => parseBenchArgs(["--fast"]), /unknown argument --fast/);
  });

  it("the floor's SDKs are the Pulumi package files the plan loaded, named by the package they belong to", () => {
    const loaded = [
      "/p/node_modules/@pulumi/pulumi/index.js",
      "/p/bin/program.js",
      "/p/node_modules/yaml/dist/index.js",
      "/p/node_modules/@pulumi/kubernetes/apps/v1/deployment.js",
      "/p/node_modules/@pulumi/pulumi/node_modules/semver/index.js",
      "/p/node_modules/@pulumi/tls/node_modules/@pulumi/pulumi/index.js",
      "/p/node_modules/@pulumi/kubernetes/core/v1/service.js",
    ];
    const files = sdkFiles(loaded);
    assert.deepEqual(files, [loaded[0], loaded[3], loaded[4], loaded[5], loaded[6]]);
    assert.deepEqual(sdkPackages(files), ["@pulumi/pulumi", "@pulumi/kubernetes"]);
  });

  it("the recorder, preloaded into a process, writes the SDK files it loaded in load order, and nothing for a process that loaded none", function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sdk-recorder-"));
    try {
      const recorder = path.resolve(__dirname, "../../stacks/sdk-recorder.ts");
      const env = { ...process.env, SDK_RECORD_DIR: dir, TS_NODE_TRANSPILE_ONLY: "true" };
      const run = (code: string) => spawnSync(process.execPath, ["--require", "ts-node/register", "--require", recorder, "-e", code], { env, encoding: "utf8" });
      assert.equal(run("require('yaml')").status, 0);
      assert.deepEqual(fs.readdirSync(dir), [], "no SDK loaded, no file");
      const r = run("require('@pulumi/random'); require('@pulumi/tls')");
      assert.equal(r.status, 0, r.stderr);
      const [written] = fs.readdirSync(dir);
      const files = JSON.parse(fs.readFileSync(path.join(dir, written), "utf8")) as string[];
      assert.ok(files.includes(require.resolve("@pulumi/random")) && files.includes(require.resolve("@pulumi/tls")), "both packages' entry files");
      assert.ok(files.indexOf(require.resolve("@pulumi/random")) < files.indexOf(require.resolve("@pulumi/tls")), "in load order");
      assert.deepEqual(sdkPackages(files).filter((p) => p !== "@pulumi/pulumi"), ["@pulumi/random", "@pulumi/tls"]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
