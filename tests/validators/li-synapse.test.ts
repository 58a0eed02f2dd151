/**
 * synapse-li's rendered homeserver.yaml, accepted by the real Synapse (the project venv's, the
 * version the image pins) and read back through Synapse's own config classes: federation off
 * both ways, registration off, redactions kept, no retention, MSC2815 on, media only read from
 * LI's bucket. The input is the one the Kubernetes component builds (liSynapseDeploymentInput)
 * for each platform's endpoints; only the file paths move under a temporary directory.
 */
import { strict as assert } from "assert";
import { generateKeyPairSync } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DEFAULT_LI_SYNAPSE_PATHS, liSynapseDeploymentInput, renderLiHomeserverConfig, type LiSynapsePaths } from "../../render/li";
import { renderLogConfig, synapseSigningKey, toYaml } from "../../render/synapse";
import { parseSpec } from "../../config/parse";
import { size } from "../../sizing";
import { parsePresetName, presetConfig } from "../../stacks/presets";
import { platformEndpoints, requireSynapseVenv, run, SYNAPSE_PYTHON, synapseConfigCli } from "./synapse-fixture";

/** Reads the parsed config back from Synapse's HomeServerConfig (what the running server would use). */
const READ_BACK = [
  "import json, sys",
  "from synapse.config.homeserver import HomeServerConfig",
  "c = HomeServerConfig.load_config('', [a for f in sys.argv[1:] for a in ('-c', f)])",
  "print(json.dumps({",
  "  'federation_whitelist': sorted(c.federation.federation_domain_whitelist or {}) if c.federation.federation_domain_whitelist is not None else None,",
  "  'send_federation': c.worker.send_federation,",
  "  'registration': c.registration.enable_registration,",
  "  'guests': c.registration.allow_guest_access,",
  "  'redaction_retention': c.server.redaction_retention_period,",
  "  'retention': c.retention.retention_enabled,",
  "  'msc2815': c.experimental.msc2815_enabled,",
  "  'listeners': [sorted(n for r in l.http_options.resources for n in r.names) if l.http_options else l.type for l in c.server.listeners],",
  "  'workers': c.worker.worker_app, 'instance_map': sorted(c.worker.instance_map),",
  "  'redis': c.redis.redis_enabled,",
  "  'providers': [[p[2].store_local, p[2].store_remote] for p in c.media.media_storage_providers],",
  "  'key_servers': len(c.key.key_servers), 'db': c.database.databases[0].config['args']['dbname'],",
  "}))",
].join("\n");

function writeLiTree(dir: string, stack: string): { file: string; dbFile: string } {
  const preset = parsePresetName(stack)!;
  const spec = parseSpec({ ...presetConfig(preset), "matrix-platform:li": "true", "matrix-platform:liInvestigatorCidrs": "203.0.113.0/24" }, stack);
  const endpoints = platformEndpoints(spec, size(spec));
  const paths = Object.fromEntries(Object.entries(DEFAULT_LI_SYNAPSE_PATHS).map(([k, v]) => [k, `${dir}${v}`])) as unknown as LiSynapsePaths;
  const input = {
    ...liSynapseDeploymentInput({
      serverName: spec.serverName,
      publicHost: spec.hosts.liMatrix,
      maxUploadBytes: spec.synapse.maxUploadBytes,
      database: { ...endpoints.database, database: "synapse_li", user: "synapse_li", maxConnections: 100 },
      objectStore: { ...endpoints.objectStore!, bucket: "synapse-li-media" },
    }),
    paths,
  };
  const file = path.join(dir, "etc/synapse/conf/homeserver.yaml");
  const write = (f: string, text: string, mode = 0o600) => { fs.mkdirSync(path.dirname(f), { recursive: true }); fs.writeFileSync(f, text, { mode }); };
  // As the pod has it: the database section in its own file (from the Secret), the rest in the ConfigMap's.
  const { database, ...rest } = renderLiHomeserverConfig(input);
  const dbFile = path.join(dir, "etc/synapse/db/database.yaml");
  write(file, toYaml(rest), 0o644);
  write(dbFile, toYaml({ database }));
  write(paths.logConfig, toYaml(renderLogConfig()), 0o644);
  write(paths.signingKey, synapseSigningKey(generateKeyPairSync("ed25519").privateKey.export({ format: "pem", type: "pkcs8" }).toString()));
  for (const k of ["macaroonSecretKey", "registrationSharedSecret", "formSecret"] as const) write(paths[k], `test-${k}`);
  write(paths.pgpass, "*:*:*:synapse_li:test\n");
  fs.mkdirSync(paths.mediaStore, { recursive: true });
  return { file, dbFile };
}

describe("synapse-li's config, accepted and read back by the real Synapse", function () {
  this.timeout(300_000);
  let tmp: string;
  before(() => {
    requireSynapseVenv();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mp-synapse-li-"));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  for (const stack of ["prod-existing-100", "prod-aws-20k", "prod-gcp-1k"]) {
    it(`${stack}: python -m synapse.config accepts it, and Synapse reads it as one process that keeps everything and federates with nobody`, async () => {
      const { file, dbFile } = writeLiTree(path.join(tmp, stack), stack);
      const r = await synapseConfigCli([file, dbFile], path.dirname(file));
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /Config parses OK!/);
      const back = await run(SYNAPSE_PYTHON, ["-c", READ_BACK, file, dbFile], path.dirname(file));
      assert.equal(back.code, 0, back.stderr);
      const c = JSON.parse(back.stdout.trim().split("\n").pop()!);
      assert.deepEqual(c.federation_whitelist, [], "an empty whitelist: no server may federate in");
      assert.equal(c.send_federation, false, "nothing is sent over federation");
      assert.equal(c.registration, false);
      assert.equal(c.guests, false);
      assert.equal(c.redaction_retention, null, "redacted content is never pruned");
      assert.equal(c.retention, false);
      assert.equal(c.msc2815, true);
      assert.deepEqual(c.listeners, [["client"], "metrics", ["health"]], "no federation resource on any listener");
      assert.equal(c.workers, null, "the main process, no worker app");
      assert.deepEqual(c.instance_map, [], "no worker in the instance map");
      assert.equal(c.redis, false, "one process: no Redis");
      assert.deepEqual(c.providers, [[false, false]], "media is read from LI's bucket, never written to it");
      assert.equal(c.key_servers, 0);
      assert.equal(c.db, "synapse_li", "the database section is read from its own file");
    });
  }

  it("is not a vacuous check: Synapse refuses the config with a bad retention period", async () => {
    const { file, dbFile } = writeLiTree(path.join(tmp, "broken"), "prod-existing-100");
    fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace("redaction_retention_period: null", "redaction_retention_period: forever-ish"));
    const r = await synapseConfigCli([file, dbFile], path.dirname(file));
    assert.notEqual(r.code, 0);
  });
});
