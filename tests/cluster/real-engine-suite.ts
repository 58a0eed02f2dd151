import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT, parseSpec, type PlatformSpec } from "../../config";
import { isSecretKey } from "../../config/parse";
import { PROJECT_IMAGE_KEYS, deployedProjectImageKeys } from "../../config/image-keys";
import { size } from "../../sizing";
import type { Sizing } from "../../sizing/types";
import { loadStackConfig } from "../../stacks/stack-config";
import { runStack } from "../helpers/run-stack";
import { startControlPlane, waitFor, type ControlPlane } from "./control-plane";
import { engineBin } from "./engine-paths";
import { PulumiCli, copyCommit, copyProject, tail, type CliResult } from "./pulumi-cli";
import { simulatedNodes } from "./simulated-nodes";
import { addonChartsValue, writeStandInCharts } from "./stand-in-charts";
import { SIMULATED_STORAGE_CLASS, simulatedStorageClass, startVolumeProvisioner } from "./volume-provisioner";
import { clusterObjects, podProblems, resourcesCreated, type Pod } from "./cluster-state";
import { runProcess } from "./run-process";

const ROOT = path.resolve(__dirname, "..", "..");

/** What one stack's tests share: its control plane, project copy, CLI and config. */
export interface RealEngineStack {
  name: string;
  dir: string;
  cluster: ControlPlane;
  cli: PulumiCli;
  spec: PlatformSpec;
  sizing: Sizing;
  /** The stack's config as given to the CLI, by full key. */
  config: Record<string, string>;
  /** Objects in the cluster before the first `up`: what destroy must return to. */
  baseline: Set<string>;
  figures: string[];
}

/**
 * The config a stack runs with here, besides its own: volumes on the simulated class, the
 * add-ons from stand-in charts, and the project's images prebuilt (a digest that names no real
 * image: kwok runs no container, and nothing may be built or pushed from a test).
 */
export function realEngineConfig(stack: string, chartsDir: string, overrides: Record<string, string> = {}): Record<string, string> {
  const given = { ...loadStackConfig(stack), ...Object.fromEntries(Object.entries(overrides).map(([k, v]) => [`${PROJECT}:${k}`, v])) };
  const spec = parseSpec(given, stack);
  const extra: Record<string, string> = {
    [given[`${PROJECT}:encryptedStorageClass`] !== undefined ? "encryptedStorageClass" : "storageClass"]: SIMULATED_STORAGE_CLASS,
    addonCharts: addonChartsValue(writeStandInCharts(chartsDir, spec.platform, spec.features.monitoring)),
  };
  deployedProjectImageKeys(spec.features).forEach((image, i) => {
    const digest = (i + 1).toString(16).padStart(64, "0");
    extra[PROJECT_IMAGE_KEYS[image].key] = `registry.example.com/prebuilt/${image.toLowerCase()}@sha256:${digest}`;
  });
  return { ...given, ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [`${PROJECT}:${k}`, v])) };
}

/** Sets up a control plane with the stack's node pools, a project copy and the stack itself. */
export async function prepareStack(name: string, overrides: Record<string, string> = {}, fromCommit?: string): Promise<RealEngineStack & { stopProvisioner: () => Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `mp-real-engine-${name}-`));
  const cluster = await startControlPlane(path.join(dir, "cluster"));
  try {
    const config = realEngineConfig(name, path.join(dir, "charts"), overrides);
    const spec = parseSpec(config, name);
    const sizing = size(spec);
    await cluster.kubectl(["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "List", items: [simulatedStorageClass(), ...simulatedNodes(sizing.nodePools)] }));
    await waitFor("simulated nodes Ready", 120, async () => {
      const nodes = JSON.parse(await cluster.kubectl(["get", "nodes", "-o", "json"])) as { items: { status?: { conditions?: { type: string; status: string }[] } }[] };
      return nodes.items.length > 0 && nodes.items.every((n) => n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"));
    });
    const stopProvisioner = startVolumeProvisioner(cluster);
    const project = fromCommit ? copyCommit(ROOT, fromCommit, path.join(dir, "base-project")) : copyProject(ROOT, path.join(dir, "project"));
    const cli = new PulumiCli(project, path.join(dir, "pulumi"), name, engineBin(), cluster.kubeconfig);
    await cli.ok(["stack", "init", "--secrets-provider", "passphrase"]);
    const args = Object.entries(config).flatMap(([k, v]) => [isSecretKey(k.slice(PROJECT.length + 1)) ? "--secret" : "--plaintext", `${k}=${v}`]);
    await cli.ok(["config", "set-all", ...args]);
    const baseline = await clusterObjects(cluster);
    return { name, dir, cluster, cli, spec, sizing, config, baseline, figures: [], stopProvisioner };
  } catch (e) {
    await cluster.stop();
    throw e;
  }
}

/**
 * Every pod of the stack: Running and Ready (or a finished Job's), on a node of the pool it
 * selects. Objects `up` does not wait for (Jobs marked skipAwait, the pods of a CronJob that just
 * fired) get `settleSeconds` to get there.
 */
export async function assertPodsPlaced(s: RealEngineStack, settleSeconds = 120): Promise<Pod[]> {
  let pods: Pod[] = [];
  let problems: string[] = [];
  await waitFor("every pod placed and ready", settleSeconds, async () => {
    pods = (JSON.parse(await s.cluster.kubectl(["get", "pods", "-A", "-o", "json"])) as { items: Pod[] }).items;
    const nodes = (JSON.parse(await s.cluster.kubectl(["get", "nodes", "-o", "json"])) as { items: { metadata: { name: string; labels: Record<string, string> } }[] }).items;
    problems = podProblems(pods, new Map(nodes.map((n) => [n.metadata.name, n.metadata.labels])));
    return problems.length === 0;
  }).catch(() => undefined);
  assert.deepEqual(problems, [], `pods not placed and ready:\n${problems.join("\n")}`);
  return pods;
}

/**
 * `npm run stack -- <operation> --stack <name>`: the Automation API driver, run in the stack's
 * project copy against the same backend, CLI and cluster as the CLI runs.
 */
export function driver(s: RealEngineStack, operation: "preview" | "up" | "destroy"): Promise<CliResult> {
  const args = ["ts-node", "stacks/automation.ts", operation, "--stack", s.name, "--backend", s.cli.env.PULUMI_BACKEND_URL!];
  return runProcess("npx", args, { cwd: s.cli.projectDir, env: s.cli.env, log: s.cli.log });
}

/** Prints a stack's figures, stops its provisioner and control plane, and removes its folder (unless KEEP_REAL_ENGINE_DIR). */
export async function finishStack(s: RealEngineStack & { stopProvisioner: () => Promise<void> }, label: string): Promise<void> {
  console.log(`  figures ${label}: ${s.figures.join("; ")}`);
  await s.stopProvisioner();
  await s.cluster.stop();
  if (process.env.KEEP_REAL_ENGINE_DIR) console.log(`  kept ${s.dir}`);
  else fs.rmSync(s.dir, { recursive: true, force: true });
}

/** `pulumi up` with readiness waits on, timed. */
export async function up(s: RealEngineStack, label: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<number> {
  const r = await s.cli.ok(["up", "--yes", "--skip-preview", "--suppress-progress", ...extra], undefined, { env });
  const created = resourcesCreated(r.stdout);
  s.figures.push(`${label}: ${r.seconds.toFixed(0)} s${created ? `, ${created} created (${(created / r.seconds).toFixed(1)}/s)` : ""}`);
  return created;
}

/**
 * The suite every real-engine stack runs: `up` with readiness waits (every object accepted,
 * every pod scheduled and ready on its pool's simulated nodes), a second preview with no change,
 * the identity and protected resources as sizing says, and a destroy that leaves the cluster as
 * it was. `hooks` add a stack's own tests before the first up, and before the destroy.
 */
export interface SuiteHooks {
  /** Declares tests that run before the first `up` (on a stack with nothing created). */
  beforeUp?: (stack: () => RealEngineStack) => void;
  /** Declares tests that run after the no-change preview and before the destroy. */
  afterUp?: (stack: () => RealEngineStack) => void;
  /** Destroy through the Automation API driver instead of the CLI. */
  destroyWithDriver?: boolean;
  /**
   * Kill the first `up` this many seconds in (objects created but not recorded are left), then
   * recover as the README says and `up` again: the rest of the suite runs on the converged stack.
   */
  interruptFirstUpAfterSeconds?: number;
}

export function realEngineSuite(name: string, hooks: SuiteHooks = {}): void {
  describe(`real engine: ${name}`, function () {
    this.timeout(60 * 60 * 1000);
    let s: RealEngineStack & { stopProvisioner: () => Promise<void> };
    const stack = () => s;

    before(async function () {
      s = await prepareStack(name);
    });

    after(async function () {
      if (!s) return;
      // Beside the real engine's rate, the mock engine's on the same stack and config.
      const started = Date.now();
      const mock = await runStack(name, Object.fromEntries(Object.entries(s.config).map(([k, v]) => [k.slice(PROJECT.length + 1), v])));
      const seconds = (Date.now() - started) / 1000;
      s.figures.push(`mock engine: ${mock.resources.length} resources in ${seconds.toFixed(1)} s (${(mock.resources.length / seconds).toFixed(0)}/s)`);
      await finishStack(s, name);
    });

    hooks.beforeUp?.(stack);

    if (hooks.interruptFirstUpAfterSeconds !== undefined) {
      const after = hooks.interruptFirstUpAfterSeconds;
      it(`an up killed ${after} s in leaves a stack the recovery steps and another up converge`, async function () {
        const killed = await s.cli.run(["up", "--yes", "--skip-preview", "--suppress-progress"], undefined, { killAfterSeconds: after });
        assert.notEqual(killed.code, 0, "the up finished before it was killed: nothing was interrupted");
        const state = JSON.parse((await s.cli.ok(["stack", "export"])).stdout) as { deployment: { resources?: unknown[]; pending_operations?: unknown[] } };
        s.figures.push(`interrupted up: killed at ${after} s with ${state.deployment.resources?.length ?? 0} resources recorded, ${state.deployment.pending_operations?.length ?? 0} pending`);
        // The README's recovery: release the dead update's lock, forget the creates that were in
        // flight (their objects exist but their IDs were never recorded), then an up that adopts
        // objects already in the cluster.
        await s.cli.ok(["cancel", "--yes"]);
        await s.cli.ok(["refresh", "--yes", "--clear-pending-creates", "--suppress-progress"]);
        await up(s, "up after the interruption", [], { PULUMI_K8S_UPSERT_EXISTING_OBJECTS: "true" });
        // The provider records the upsert setting from the environment: a plain up records it off again.
        await up(s, "up without upsert");
      });
    }

    const interrupted = hooks.interruptFirstUpAfterSeconds !== undefined;
    it(`${interrupted ? "after the recovered up" : "pulumi up creates every resource and"} every pod becomes ready on a node of its pool`, async function () {
      if (!interrupted) {
        const created = await up(s, "up");
        assert.ok(created > 100, `up created only ${created} resources`);
      }
      const pods = await assertPodsPlaced(s);
      assert.ok(pods.length > 10, `only ${pods.length} pods`);
    });

    it("a second preview reports no changes", async function () {
      const r = await s.cli.run(["preview", "--expect-no-changes", "--diff", "--suppress-progress"]);
      s.figures.push(`no-change preview: ${r.seconds.toFixed(0)} s`);
      assert.equal(r.code, 0, `preview found changes:\n${tail(r.stdout + r.stderr, 80)}`);
    });

    it("protects the homeserver's identity (and the object store's key where the preset says so)", async function () {
      const state = JSON.parse((await s.cli.ok(["stack", "export"])).stdout) as { deployment: { resources?: { urn: string; protect?: boolean }[] } };
      const protectedNames = (state.deployment.resources ?? []).filter((r) => r.protect).map((r) => r.urn.split("::").pop()!).sort();
      const expected = ["matrix-synapse-server-identity", "matrix-synapse-signing-key", ...(s.spec.platform === "existing" && s.sizing.preset.deletionProtection ? ["platform-minio-sse-key"] : [])].sort();
      assert.deepEqual(protectedNames, expected);
    });

    hooks.afterUp?.(stack);

    it("destroy (after unprotecting, as the README says) removes everything and leaves no object behind", async function () {
      await s.cli.ok(["state", "unprotect", "--all", "--yes"]);
      const r = hooks.destroyWithDriver ? await driver(s, "destroy") : await s.cli.ok(["destroy", "--yes", "--skip-preview", "--suppress-progress"]);
      assert.equal(r.code, 0, `destroy failed:\n${tail(r.stdout + r.stderr, 60)}`);
      s.figures.push(`destroy${hooks.destroyWithDriver ? " (driver)" : ""}: ${r.seconds.toFixed(0)} s`);
      // Garbage collection of dependents and the provisioner's Released volumes take seconds.
      let left: string[] = [];
      await waitFor("the cluster back to its objects before up", 120, async () => {
        left = [...(await clusterObjects(s.cluster))].filter((o) => !s.baseline.has(o));
        return left.length === 0;
      }).catch(() => undefined);
      assert.deepEqual(left, [], "objects left behind after destroy");
      const state = JSON.parse((await s.cli.ok(["stack", "export"])).stdout) as { deployment: { resources?: unknown[] } };
      assert.deepEqual(state.deployment.resources ?? [], []);
    });
  });
}
