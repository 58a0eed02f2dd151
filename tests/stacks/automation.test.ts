import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { automationConfig, parseDriverArgs } from "../../stacks/automation";
import { PROJECT_ROOT } from "../../stacks/stack-config";

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

  it("parses the operation and stack, rejecting anything else", () => {
    assert.deepEqual(parseDriverArgs(["preview", "--stack", "dev"]), { operation: "preview", stack: "dev" });
    assert.throws(() => parseDriverArgs(["apply", "--stack", "dev"]), /preview\|up\|destroy\|refresh/);
    assert.throws(() => parseDriverArgs(["up"]), /--stack <name> is required/);
  });
});
