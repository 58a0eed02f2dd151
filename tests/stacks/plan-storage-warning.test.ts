/**
 * `npm run plan` warns a production existing-cluster stack whose volumes are on no encrypting
 * StorageClass, naming the key, and still plans it (a warning, not a refusal); the preset, which
 * names one, plans without the warning.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const root = path.resolve(__dirname, "../..");

function plan(stack: string, cwd: string) {
  return spawnSync(path.join(root, "node_modules/.bin/ts-node"), [path.join(root, "stacks/plan.ts"), "--stack", stack, "--out", path.join(cwd, "out")], {
    cwd, encoding: "utf8", env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "true" }, timeout: 240_000,
  });
}

describe("plan: production on an existing cluster without an encrypting StorageClass", function () {
  this.timeout(600_000);

  it("prints a warning naming encryptedStorageClass and the class in use, and plans the stack", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-storage-"));
    fs.writeFileSync(path.join(dir, "Pulumi.onprem.yaml"), [
      "config:",
      "  matrix-platform:platform: existing",
      "  matrix-platform:environment: prod",
      "  matrix-platform:domain: example.org",
      "  matrix-platform:acmeEmail: ops@example.org",
      "  matrix-platform:storageClass: local-nvme",
      "  matrix-platform:offsiteBackupWaived: \"true\"",
      "  matrix-platform:projectImageRegistry: registry.example.org/matrix-platform",
      "",
    ].join("\n"));
    const res = plan("onprem", dir);
    assert.equal(res.status, 0, res.stderr);
    const warnings = res.stdout.split("\n").filter((l) => l.startsWith("warning "));
    assert.equal(warnings.length, 1, res.stdout.slice(0, 2000));
    assert.match(warnings[0], /^warning {6}matrix-platform:encryptedStorageClass is not set on a prod existing-cluster stack: .* use StorageClass local-nvme, which is not known to encrypt at rest/);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("the prod-existing preset names one and plans without the warning", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-storage-"));
    const res = plan("prod-existing-100", dir);
    assert.equal(res.status, 0, res.stderr);
    assert.doesNotMatch(res.stdout, /encryptedStorageClass/);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
