import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { assertPassphrase, automationConfig, changeLine, defaultBackend, drive, parseDriverArgs, printableOutputs } from "../../stacks/automation";
import { MissingToolError, assertToolsPresent, explainToolFailure, pluginVersion, whichOnPath, type ToolLookup } from "../../stacks/automation-tools";
import { allPresetNames } from "../../stacks/presets";
import { PROJECT_ROOT } from "../../stacks/stack-config";

/** A machine with exactly these executables and plugins. */
const machine = (executables: string[], plugins: string[] = []): ToolLookup => ({
  which: (name) => (executables.includes(name) ? `/opt/bin/${name}` : undefined),
  installedPlugins: () => plugins,
});
const pluginsFor = (...names: string[]) => names.map((n) => `${n}@${pluginVersion(n, PROJECT_ROOT)}`);
const everyPlugin = pluginsFor("kubernetes", "random", "tls", "aws", "gcp");

/** One sentence, no stack trace, no raw child-process error. */
function assertOneSentence(text: string): void {
  const t = text.trim();
  assert.equal(t.split("\n").length, 1, `more than one line: ${t}`);
  assert.doesNotMatch(t, /\n\s+at |ENOENT|spawn /, t);
  assert.match(t, /\.$/, t);
}

describe("stacks: Automation API driver", () => {
  it("writes a preset's validated config, none of it secret", () => {
    const config = automationConfig("prod-gcp-10k")!;
    assert.equal(config["matrix-platform:platform"].value, "gcp");
    assert.equal(config["matrix-platform:profile"].value, "10k");
    assert.ok(Object.values(config).every((c) => c.secret === false));
  });

  it("leaves stacks with their own Pulumi.<stack>.yaml to that file", () => {
    assert.equal(automationConfig("prod", PROJECT_ROOT), undefined);
  });

  it("validates before touching any workspace", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "auto-"));
    fs.writeFileSync(path.join(dir, "Pulumi.bad.yaml"), "config:\n  matrix-platform:environment: qa\n");
    assert.throws(() => automationConfig("bad", dir), /matrix-platform:environment = "qa"/);
  });

  it("parses every operation with a local file backend and passphrase secrets by default, any backend by flag", () => {
    for (const op of ["preview", "up", "destroy", "refresh", "outputs"]) {
      assert.deepEqual(parseDriverArgs([op, "--stack", "dev"], "/p"), { operation: op, stacks: ["dev"], all: false, backend: "file:///p/.pulumi-state", secretsProvider: "passphrase" });
    }
    const custom = parseDriverArgs(["up", "--stack", "prod-aws-5k", "--backend", "s3://state-bucket", "--secrets-provider", "awskms://alias/pulumi"]);
    assert.equal(custom.backend, "s3://state-bucket");
    assert.equal(custom.secretsProvider, "awskms://alias/pulumi");
    assert.equal(defaultBackend("/p"), "file:///p/.pulumi-state");
  });

  it("--all previews every preset, and only previews", () => {
    assert.deepEqual(parseDriverArgs(["preview", "--all"]).stacks, allPresetNames());
    assert.throws(() => parseDriverArgs(["up", "--all"]), /--all previews every preset; it cannot be combined with up/);
    assert.throws(() => parseDriverArgs(["preview", "--all", "--stack", "dev"]), /either --stack <name> or --all/);
  });

  it("rejects anything else with the usage", () => {
    assert.throws(() => parseDriverArgs(["apply", "--stack", "dev"]), /preview\|up\|destroy\|refresh\|outputs/);
    assert.throws(() => parseDriverArgs(["up"]), /--stack <name> is required/);
    assert.throws(() => parseDriverArgs(["up", "--stack"]), /--stack needs a value/);
    assert.throws(() => parseDriverArgs(["up", "--stack", "dev", "--force"]), /unknown argument --force/);
  });

  it("summarises changes and hides secret outputs", () => {
    assert.equal(changeLine({ create: 12, same: 40, update: 1, delete: 0 }), "create 12, update 1");
    assert.equal(changeLine({ same: 3 }), "no changes");
    assert.deepEqual(printableOutputs({ url: { value: "https://x", secret: false }, key: { value: "k", secret: true } }), { url: "https://x", key: "[secret]" });
  });
});

describe("stacks: the driver on a machine without Pulumi", () => {
  it("names the missing CLI first, with how to install it", () => {
    assert.throws(() => assertToolsPresent(["existing"], PROJECT_ROOT, machine([])), (e: Error) => {
      assert.ok(e instanceof MissingToolError);
      assert.match(e.message, /^The Pulumi CLI was not found: install it with `curl -fsSL https:\/\/get\.pulumi\.com \| sh`/);
      assertOneSentence(e.message);
      return true;
    });
  });

  it("names a missing language host", () => {
    assert.throws(() => assertToolsPresent(["existing"], PROJECT_ROOT, machine(["pulumi"], everyPlugin)), /language host \(pulumi-language-nodejs\) was not found/);
  });

  it("names exactly the provider plugins the stack's platform needs, at the SDK's version, with the install command", () => {
    const tools = machine(["pulumi", "pulumi-language-nodejs"], pluginsFor("kubernetes", "random", "tls"));
    assert.doesNotThrow(() => assertToolsPresent(["existing"], PROJECT_ROOT, tools));
    const aws = pluginVersion("aws", PROJECT_ROOT);
    assert.throws(() => assertToolsPresent(["aws"], PROJECT_ROOT, tools), (e: Error) => {
      assert.equal(e.message, `The Pulumi provider plugin aws v${aws} is not installed: run \`pulumi plugin install resource aws v${aws}\` (or let \`pulumi install\` fetch them).`);
      return true;
    });
    assert.throws(() => assertToolsPresent(["aws", "gcp"], PROJECT_ROOT, tools), /plugins aws v[\d.]+, gcp v[\d.]+ are not installed/);
  });

  it("takes a provider plugin on PATH (an ambient plugin, which the engine uses for any version) as installed", () => {
    const tools = machine(["pulumi", "pulumi-language-nodejs", "pulumi-resource-kubernetes", "pulumi-resource-random"], pluginsFor("tls"));
    assert.doesNotThrow(() => assertToolsPresent(["existing"], PROJECT_ROOT, tools));
    assert.throws(() => assertToolsPresent(["aws"], PROJECT_ROOT, tools), /plugin aws v[\d.]+ is not installed/);
  });

  it("turns the engine's own failures into the same sentences", () => {
    const enoent = Object.assign(new Error("spawn pulumi ENOENT"), { code: "ENOENT", syscall: "spawn pulumi", path: "pulumi" });
    assert.match(explainToolFailure(enoent)!, /^The Pulumi CLI was not found/);
    const plugin = { message: "code: 255", commandResult: { stderr: "error: no resource plugin 'pulumi-resource-aws' found in the workspace at version v7.48.0 or on your $PATH" } };
    assert.equal(explainToolFailure(plugin), "The Pulumi provider plugin aws v7.48.0 is not installed: run `pulumi plugin install resource aws v7.48.0`.");
    const host = { message: "code: 255", commandResult: { stderr: "error: could not find language plugin nodejs: exec: \"pulumi-language-nodejs\": executable file not found in $PATH" } };
    assert.match(explainToolFailure(host)!, /language host \(pulumi-language-nodejs\) is missing/);
    assert.equal(explainToolFailure(new Error("update failed: 1 resource failed")), undefined);
  });

  it("asks for a passphrase instead of letting the CLI prompt", () => {
    assert.throws(() => assertPassphrase("passphrase", {}), /PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE/);
    assert.doesNotThrow(() => assertPassphrase("passphrase", { PULUMI_CONFIG_PASSPHRASE: "" }));
    assert.doesNotThrow(() => assertPassphrase("awskms://alias/x", {}));
  });

  it("checks config and tools for every preset before the engine starts", async () => {
    await assert.rejects(drive(parseDriverArgs(["preview", "--all"]), PROJECT_ROOT, machine([])), (e: Error) => e instanceof MissingToolError && /^The Pulumi CLI was not found/.test(e.message));
  });

  it("`npm run stack` without a Pulumi CLI: one sentence on stderr, exit 1", function () {
    // PATH holds node and nothing of Pulumi's (none is installed here; the lookup proves it).
    const nodeDir = path.dirname(process.execPath);
    assert.equal(whichOnPath("pulumi", nodeDir), undefined);
    for (const args of [["preview", "--stack", "dev"], ["preview", "--all"], ["outputs", "--stack", "prod-aws-5k"]]) {
      const res = spawnSync(process.execPath, [require.resolve("ts-node/dist/bin.js"), "stacks/automation.ts", ...args], {
        cwd: PROJECT_ROOT,
        env: { PATH: nodeDir, TS_NODE_TRANSPILE_ONLY: "true", HOME: os.tmpdir() },
        encoding: "utf8",
      });
      assert.equal(res.status, 1, res.stderr);
      assertOneSentence(res.stderr);
      assert.match(res.stderr, /^The Pulumi CLI was not found/);
      assert.equal(res.stdout, "");
    }
  });

  it("`npm run stack` with a bad config names the key before looking for tools", function () {
    const res = spawnSync(process.execPath, [require.resolve("ts-node/dist/bin.js"), "stacks/automation.ts", "up", "--stack", "nope"], {
      cwd: PROJECT_ROOT,
      env: { PATH: path.dirname(process.execPath), TS_NODE_TRANSPILE_ONLY: "true" },
      encoding: "utf8",
    });
    assert.equal(res.status, 1);
    assert.match(res.stderr, /unknown stack "nope"/);
    assert.doesNotMatch(res.stderr, /\n\s+at /);
  });
});
