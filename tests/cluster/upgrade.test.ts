import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { statefulReplacements, type PreviewStep } from "./cluster-state";
import { PulumiCli, copyProject, tail, upgradeBase } from "./pulumi-cli";
import { engineBin } from "./engine-paths";
import { assertPodsPlaced, finishStack, prepareStack, up, type RealEngineStack } from "./real-engine-suite";

const ROOT = path.resolve(__dirname, "..", "..");

/**
 * The upgrade a site makes: `dev` deployed by the previous release (the newest tag, or the
 * previous landing that changed the program), then `pulumi up` of the checkout on the same
 * stack and cluster. No StatefulSet, claim, Secret or generated key may be replaced.
 */
describe("real engine: upgrade of dev from the previous release", function () {
  this.timeout(60 * 60 * 1000);
  const base = upgradeBase(ROOT);
  let s: RealEngineStack & { stopProvisioner: () => Promise<void> };
  let current: PulumiCli;

  before(async function () {
    s = await prepareStack("dev", {}, base.commit);
  });

  after(async function () {
    if (!s) return;
    await finishStack(s, `upgrade (from ${base.why})`);
  });

  it(`deploys dev from ${base.commit.slice(0, 7)}`, async function () {
    await up(s, `up of ${base.commit.slice(0, 7)}`);
    await assertPodsPlaced(s);
  });

  it("upgrades to the checkout in place: no stateful resource replaced, every pod ready, then no changes", async function () {
    const project = copyProject(ROOT, path.join(s.dir, "project"));
    // The same stack file (its config and its secrets' salt) beside the new code.
    fs.copyFileSync(path.join(s.cli.projectDir, "Pulumi.dev.yaml"), path.join(project, "Pulumi.dev.yaml"));
    current = new PulumiCli(project, s.cli.dir, s.name, engineBin(), s.cluster.kubeconfig);
    const preview = await current.ok(["preview", "--json"]);
    const steps = (JSON.parse(preview.stdout) as { steps?: PreviewStep[] }).steps ?? [];
    assert.deepEqual(statefulReplacements(steps), []);
    const r = await current.ok(["up", "--yes", "--skip-preview", "--suppress-progress"]);
    s.figures.push(`upgrade up: ${r.seconds.toFixed(0)} s`);
    await assertPodsPlaced(s);
    const again = await current.run(["preview", "--expect-no-changes", "--diff", "--suppress-progress"]);
    assert.equal(again.code, 0, `changes after the upgrade:\n${tail(again.stdout + again.stderr, 60)}`);
  });

  it("destroys the upgraded stack", async function () {
    await current.ok(["state", "unprotect", "--all", "--yes"]);
    await current.ok(["destroy", "--yes", "--skip-preview", "--suppress-progress"]);
  });
});
