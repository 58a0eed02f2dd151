import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { PROJECT } from "../../config";
import { tail } from "./pulumi-cli";
import { realEngineSuite } from "./real-engine-suite";

/** The policy pack's config for a stack: production, and the images it may run (pack.ts). */
function policyConfig(config: Record<string, string>, registry?: string): object {
  const prebuiltImages = Object.entries(config).filter(([k]) => /^matrix-platform:prebuilt\w+Image$/.test(k)).map(([, v]) => v);
  return { "production-protection": { production: config[`${PROJECT}:environment`] === "prod" }, "pinned-images": { ...(registry ? { registry } : {}), prebuiltImages } };
}

// The real Pulumi engine on a loopback control plane with simulated node pools (see
// real-engine-suite.ts), and the policy pack run by the real CLI on what it deployed.
realEngineSuite("prod-existing-1k", {
  interruptFirstUpAfterSeconds: 90,
  afterUp: (stack) => {
    it("the policy pack passes the deployed stack through `pulumi preview --policy-pack`, and fails it on a violation", async () => {
      const s = stack();
      const write = (name: string, cfg: object) => {
        const file = path.join(s.dir, name);
        fs.writeFileSync(file, JSON.stringify(cfg));
        return file;
      };
      const pass = await s.cli.run(["preview", "--policy-pack", "policy", "--policy-pack-config", write("policy.json", policyConfig(s.config)), "--suppress-progress"]);
      s.figures.push(`policy preview: ${pass.seconds.toFixed(0)} s`);
      assert.equal(pass.code, 0, `policy preview failed:\n${tail(pass.stdout + pass.stderr, 60)}`);
      // The pack ran, and ran every policy (an unknown value used to make them advisory).
      assert.match(pass.stdout + pass.stderr, /Policies:\s+\S*\s*matrix-platform@v/);
      assert.doesNotMatch(pass.stdout + pass.stderr, /can't run policy/);
      // The same stack against a mirror it does not use: every public image is a violation.
      const fail = await s.cli.run(["preview", "--policy-pack", "policy", "--policy-pack-config", write("policy-mirror.json", policyConfig(s.config, "registry.internal:5000/mirror")), "--suppress-progress"]);
      assert.notEqual(fail.code, 0, "a stack off its registry should fail the pack");
      assert.match(fail.stdout + fail.stderr, /pinned-images/);
    });
  },
});
