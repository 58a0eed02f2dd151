import { strict as assert } from "assert";
import { parseSpec, PROFILE_CCU } from "../../config";
import { allPresetNames, parsePresetName, presetConfig } from "../../stacks/presets";
import { loadStackConfig } from "../../stacks/stack-config";

describe("stacks: presets <env>-<cloud>-<profile>", () => {
  it("there are 45 presets and every one is a valid config of its own name", () => {
    const names = allPresetNames();
    assert.equal(names.length, 3 * 3 * 5);
    for (const name of names) {
      const preset = parsePresetName(name)!;
      const spec = parseSpec(presetConfig(preset), name);
      assert.equal(spec.platform, preset.platform, name);
      assert.equal(spec.environment, preset.environment, name);
      assert.equal(spec.ccu, PROFILE_CCU[preset.profile], name);
      assert.equal(spec.highAvailability, preset.environment === "prod", name);
    }
  });

  it("rejects names that are not presets", () => {
    for (const bad of ["prod-azure-5k", "prod-aws-2k", "prod-aws", "aws-prod-5k", "PROD-aws-5k"]) {
      assert.equal(parsePresetName(bad), undefined, bad);
      assert.throws(() => loadStackConfig(bad), /unknown stack/);
    }
  });

  it("a stack file wins over a preset of the same shape", () => {
    assert.equal(loadStackConfig("dev")["matrix-platform:domain"], "dev.example.com");
  });
});
