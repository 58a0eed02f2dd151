/**
 * The rendered Synapse configs, accepted by the real Synapse (the version the image runs, from
 * the project venv that scripts/provision.d/20-synapse.sh creates). The trees are what the
 * deployment builder renders for preset stacks (see synapse-fixture.ts): the 100-CCU profile as
 * prod-existing-100 and the 20,000-CCU profile as prod-aws-20k, both production so the HA
 * minimums (several instances, HPA pools) are in the configs checked.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { spawn } from "child_process";
import { IMAGES } from "../../catalog/images";
import { WORKER_TYPES } from "../../catalog/workers";
import { DB_HEADROOM_FIXED, DB_HEADROOM_FRACTION } from "../../sizing/connection-budget";
import { synapseCommand } from "../../components/matrix/synapse";
import { ed25519PublicKey, signingKeyVersion, unpaddedBase64 } from "../../render/synapse";
import {
  limited,
  requireSynapseVenv,
  run,
  SYNAPSE_PYTHON,
  synapseConfigBatch,
  synapseConfigCli,
  writeSynapseTree,
  type WrittenTree,
} from "./synapse-fixture";

/** Stacks standing for the 100- and 20,000-CCU profiles (production: HA minimums apply). */
const STACK_100 = "prod-existing-100";
const STACK_20K = "prod-aws-20k";

/**
 * Connection-pool fit computed from the sizing, not from the render input: main plus, per worker
 * type, the most replicas it can run (HPA maximum for pools), each holding up to its own cp_max,
 * against the max_connections the platform sets, less the headroom.
 */
function poolFit(tree: WrittenTree): { processes: number; worst: number; total: number; budget: number; maxConnections: number } {
  const hs = parse(fs.readFileSync(tree.homeserver, "utf8"));
  const cpMaxOf = (file?: string): number => {
    const own = file ? parse(fs.readFileSync(file, "utf8"))?.database?.args?.cp_max : undefined;
    return own ?? hs.database.args.cp_max;
  };
  let processes = 1;
  let total = cpMaxOf();
  let worst = cpMaxOf();
  for (const t of WORKER_TYPES) {
    const w = tree.sizing.synapse.workers[t.name];
    if (!w || w.replicas === 0) continue;
    const n = t.scaling === "pool" ? Math.max(w.replicas, w.maxReplicas) : w.replicas;
    const file = tree.workers.find((x) => x.type === t.name)?.file;
    assert.ok(file, `${t.name} has ${w.replicas} replicas but no rendered worker file`);
    const cp = cpMaxOf(file);
    processes += n;
    total += n * cp;
    worst = Math.max(worst, cp);
  }
  const maxConnections = tree.sizing.database.maxConnections;
  const budget = Math.floor(maxConnections * (1 - DB_HEADROOM_FRACTION)) - DB_HEADROOM_FIXED;
  return { processes, worst, total, budget, maxConnections };
}

function ok(r: { code: number; stdout: string; stderr: string }, what: string): void {
  assert.equal(r.code, 0, `${what}: exit ${r.code}\n${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /Config parses OK!/, what);
}

describe("Synapse accepts the rendered configs (python -m synapse.config)", function () {
  this.timeout(600_000);
  let tmp: string;

  before(async () => {
    requireSynapseVenv();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mp-synapse-"));
    const v = await run(SYNAPSE_PYTHON, ["-c", "import s3_storage_provider; from importlib.metadata import version; print(version('matrix-synapse'))"]);
    assert.equal(v.code, 0, v.stderr);
    assert.equal(v.stdout.trim(), IMAGES.synapse.tag.replace(/^v/, ""), "the venv must run the Synapse version the image pins");
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  describe(`100-CCU profile (${STACK_100}): main and every worker through the CLI, one process each`, () => {
    let tree: WrittenTree;
    before(() => {
      tree = writeSynapseTree(path.join(tmp, "p100"), STACK_100);
    });

    it("renders main plus every one of the 22 worker types, as the deployment builder plans them", () => {
      assert.equal(new Set(tree.workers.map((w) => w.type)).size, 22);
      assert.equal(tree.input.database.maxConnections, tree.sizing.database.maxConnections);
      assert.ok(tree.input.objectStore?.forcePathStyle, "the existing platform's MinIO is addressed path-style");
    });

    it("sizes the connection pools so every process at its HPA ceiling fits max_connections with headroom", () => {
      const fit = poolFit(tree);
      assert.ok(fit.total <= fit.budget, `${fit.processes} processes x cp_max = ${fit.total} > ${fit.budget} (max_connections ${fit.maxConnections} less headroom)`);
      assert.ok(fit.worst >= 2, "every pool keeps at least 2 connections");
    });

    it("main: homeserver.yaml alone", async () => {
      ok(await synapseConfigCli([tree.homeserver], tree.dir), "main");
    });

    it("every worker: homeserver.yaml + its own file", async () => {
      const results = await limited(tree.workers, 2, async (w) => ({ w, r: await synapseConfigCli([tree.homeserver, w.file], tree.dir) }));
      for (const { w, r } of results) ok(r, w.name);
      console.log(`      synapse.config accepted main + ${results.length} worker configs (100 CCU)`);
    });
  });

  describe(`20,000-CCU profile (${STACK_20K}): main and every worker instance`, () => {
    let tree: WrittenTree;
    before(() => {
      tree = writeSynapseTree(path.join(tmp, "p20k"), STACK_20K);
    });

    it("main through the CLI", async () => {
      ok(await synapseConfigCli([tree.homeserver], tree.dir), "main");
    });

    it("every worker instance through Synapse's config check, batched in one interpreter", async () => {
      assert.ok(tree.workers.length > 100, `expected the 20k profile to render over 100 worker instances, got ${tree.workers.length}`);
      const results = await synapseConfigBatch(tree.workers.map((w) => ({ name: w.name, files: [tree.homeserver, w.file] })), tree.dir);
      assert.equal(results.length, tree.workers.length);
      const failed = results.filter((r) => r.exit !== 0);
      assert.deepEqual(failed, [], failed.map((f) => `${f.name}: ${f.output}`).join("\n"));
      console.log(`      synapse.config accepted main + ${results.length} worker configs (20k CCU)`);
    });

    it("sizes the connection pools so every process at its HPA ceiling fits max_connections with headroom", async () => {
      const fit = poolFit(tree);
      assert.ok(fit.processes > tree.workers.length, "the budget counts pools at their HPA ceiling");
      assert.ok(fit.total <= fit.budget, `${fit.processes} processes x cp_max = ${fit.total} > ${fit.budget} (max_connections ${fit.maxConnections} less headroom)`);
      // Synapse itself reads the pool settings back from the rendered file.
      const r = await run(SYNAPSE_PYTHON, ["-m", "synapse.config", "read", "database", "-c", tree.homeserver], tree.dir);
      assert.equal(r.code, 0, r.stderr);
    });
  });

  it("a pool pod's own name overrides worker_name, as the pod's start command writes it", async () => {
    const tree = writeSynapseTree(path.join(tmp, "pool"), STACK_100);
    const script = synapseCommand({ workerFile: "/etc/synapse/worker/worker.yaml", podNamed: false })[2];
    const printf = script.split("\n").find((l) => l.startsWith("printf"))!;
    assert.match(script, /-c \/run\/synapse\/instance\.yaml$/, "the override is the last config file");
    const instanceFile = path.join(tree.dir, "run", "synapse", "instance.yaml");
    fs.mkdirSync(path.dirname(instanceFile), { recursive: true });
    const sh = await new Promise<number>((resolve) => {
      const p = spawn("/bin/sh", ["-c", printf.replace("/run/synapse/instance.yaml", instanceFile)], { env: { POD_NAME: "synchrotron-7c9f8d-x2k4q" }, stdio: "ignore" });
      p.on("exit", (c) => resolve(c ?? 1));
    });
    assert.equal(sh, 0);
    const worker = tree.workers.find((w) => w.type === "synchrotron")!;
    const r = await run(SYNAPSE_PYTHON, ["-m", "synapse.config", "read", "worker.worker_name", "-c", tree.homeserver, "-c", worker.file, "-c", instanceFile], tree.dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /worker\.worker_name: synchrotron-7c9f8d-x2k4q/);
  });

  it("a monolith-style variant (no object store, redaction kept forever) parses too", async () => {
    // Derived from the deployment input: the switches a smaller deployment may turn off.
    const tree = writeSynapseTree(path.join(tmp, "variant"), STACK_100, {
      mutate: (input) => ({ ...input, objectStore: undefined, redactionRetentionPeriod: null, turnUris: [], livekitServiceUrl: undefined }),
    });
    const hs = parse(fs.readFileSync(tree.homeserver, "utf8"));
    assert.equal(hs.redaction_retention_period, null);
    assert.equal(hs.media_storage_providers, undefined);
    ok(await synapseConfigCli([tree.homeserver], tree.dir), "main");
    ok(await synapseConfigCli([tree.homeserver, tree.workers.find((w) => w.type === "media-repository")!.file], tree.dir), "media worker");
  });

  it("is not a vacuous check: a second typing writer is refused", async () => {
    const tree = writeSynapseTree(path.join(tmp, "broken"), STACK_100);
    const hs = parse(fs.readFileSync(tree.homeserver, "utf8"));
    hs.stream_writers.typing = ["typing-0", "event-persister-0"];
    fs.writeFileSync(tree.homeserver, JSON.stringify(hs));
    const r = await synapseConfigCli([tree.homeserver, tree.workers[0].file], tree.dir);
    assert.notEqual(r.code, 0);
    assert.match(r.stdout + r.stderr, /typing/i);
  });

  it("loads the appservice registrations with synapse.config.appservice.load_appservices", async () => {
    const tree = writeSynapseTree(path.join(tmp, "as"), STACK_100);
    const script = [
      "import json, sys",
      "from synapse.config.appservice import load_appservices",
      "services = load_appservices('example.com', sys.argv[1:])",
      "print(json.dumps([{'id': s.id, 'url': s.url, 'sender': s.sender.to_string(), 'user': s.is_interested_in_user('@telegram_123:example.com'),",
      "  'bot': s.is_interested_in_user('@' + s.id + 'bot:example.com'), 'other': s.is_interested_in_user('@alice:example.com'), 'exclusive': s.is_exclusive_user('@' + s.id + '_9:example.com')} for s in services]))",
    ].join("\n");
    const r = await run(SYNAPSE_PYTHON, ["-c", script, ...tree.appservices], tree.dir);
    assert.equal(r.code, 0, r.stderr);
    const services = JSON.parse(r.stdout.trim().split("\n").pop()!);
    assert.deepEqual(services.map((s: { id: string }) => s.id), ["telegram", "whatsapp", "doublepuppet"]);
    // Double puppeting: no URL (nothing pushed), every local user, none exclusively.
    assert.equal(services[2].url, null);
    assert.deepEqual([services[2].other, services[2].exclusive], [true, false]);
    assert.equal(services[0].url, "http://mautrix-telegram.matrix.svc.cluster.local:29317");
    assert.equal(services[0].sender, "@sendertelegramxyz:example.com");
    assert.deepEqual([services[0].user, services[0].bot, services[0].other, services[0].exclusive], [true, true, false, true]);
    assert.deepEqual([services[1].user, services[1].bot, services[1].exclusive], [false, true, true]);
  });

  it("reads the signing key: Synapse derives the same public key and key ID from the converted seed", async () => {
    const tree = writeSynapseTree(path.join(tmp, "key"), STACK_100);
    const script = [
      "import sys",
      "from signedjson.key import read_signing_keys, get_verify_key, encode_verify_key_base64",
      "k = read_signing_keys(open(sys.argv[1]))[0]",
      "print(k.alg, k.version, encode_verify_key_base64(get_verify_key(k)))",
    ].join("\n");
    const r = await run(SYNAPSE_PYTHON, ["-c", script, tree.paths.signingKey], tree.dir);
    assert.equal(r.code, 0, r.stderr);
    const [alg, version, verifyKey] = r.stdout.trim().split(" ");
    assert.equal(alg, "ed25519");
    assert.equal(version, signingKeyVersion(tree.signingKeyPem));
    assert.equal(verifyKey, unpaddedBase64(ed25519PublicKey(tree.signingKeyPem)));
  });
});
