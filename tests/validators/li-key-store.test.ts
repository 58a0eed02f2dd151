/**
 * The LI key-store Synapse module (images/synapse/modules/li-key-store) in the real Synapse of
 * the tests' venv: homeserver.yaml rendered with the key vault on loads it through Synapse's own
 * config check (`python -m synapse.config`, which imports the module and runs its
 * parse_config), on main and on a worker; a bad module config is refused with what is wrong.
 */
import { strict as assert } from "assert";
import { generateKeyPairSync } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { LI_KEY_STORE_MODULE, keyVaultUrl } from "../../render/key-vault";
import { SYNAPSE_PYTHON, requireSynapseVenv, run, synapseConfigCli, writeSynapseTree, type WrittenTree } from "./synapse-fixture";

/**
 * Loads a config the way `synapse.app.homeserver` does at start and prints the error as Synapse
 * prints it (format_config_error walks the causes; the config CLI prints only the outer one).
 */
const LOAD_AS_AT_START = [
  "import sys",
  "from synapse.config._base import ConfigError, format_config_error",
  "from synapse.config.homeserver import HomeServerConfig",
  "try:",
  "    HomeServerConfig.load_config('synapse', ['-c', sys.argv[1]])",
  "except ConfigError as e:",
  "    print(''.join(format_config_error(e)))",
  "    sys.exit(1)",
].join("\n");

const STACK = "prod-existing-100";
const rsaPublicPem = (bits: number) => generateKeyPairSync("rsa", { modulusLength: bits }).publicKey.export({ format: "pem", type: "spki" }).toString();

describe("the LI key-store module loads in the real Synapse (python -m synapse.config)", function () {
  let tmp: string;
  let tree: WrittenTree;
  const publicKeyPem = rsaPublicPem(4096);

  const ok = (r: { code: number; stdout: string; stderr: string }, what: string) => {
    assert.equal(r.code, 0, `${what}: ${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /Config parses OK/, what);
  };
  /** A copy of homeserver.yaml with the module's config changed, checked by Synapse. */
  const withModuleConfig = async (name: string, change: (config: Record<string, unknown>) => void) => {
    const hs = parse(fs.readFileSync(tree.homeserver, "utf8"));
    change(hs.modules[0].config);
    const file = path.join(tree.dir, `${name}.yaml`);
    fs.writeFileSync(file, stringify(hs));
    return run(SYNAPSE_PYTHON, ["-c", LOAD_AS_AT_START, file], tree.dir);
  };

  before(() => {
    requireSynapseVenv();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "li-key-store-"));
    tree = writeSynapseTree(tmp, STACK, { mutate: (input) => ({ ...input, antivirus: undefined, liKeyStore: { keyVaultUrl: keyVaultUrl("matrix"), publicKeyPem } }) });
    fs.writeFileSync(tree.paths.keyVaultToken, "k".repeat(64), { mode: 0o600 });
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it("renders the module with key_vault's in-cluster URL, the token as a file path and the public key", () => {
    const hs = parse(fs.readFileSync(tree.homeserver, "utf8"));
    assert.deepEqual(hs.modules, [{
      module: LI_KEY_STORE_MODULE,
      config: { key_vault_url: "http://key-vault.matrix.svc.cluster.local:8000", service_token_path: tree.paths.keyVaultToken, public_key_pem: publicKeyPem },
    }]);
  });

  it("main and a worker load it", async () => {
    ok(await synapseConfigCli([tree.homeserver], tree.dir), "main");
    const worker = tree.workers.find((w) => w.type === "client-reader") ?? tree.workers[0];
    ok(await synapseConfigCli([tree.homeserver, worker.file], tree.dir), worker.name);
  });

  it("is not a vacuous check: Synapse refuses the module with a missing token file, a short token, a bad URL, a weak key or an unknown key", async () => {
    const cases: [string, (c: Record<string, unknown>) => void, RegExp][] = [
      ["no-token", (c) => { c.service_token_path = path.join(tree.dir, "absent"); }, /cannot read service_token_path/],
      ["bad-url", (c) => { c.key_vault_url = "key-vault:8000/v1"; }, /key_vault_url must be an http\(s\) base URL/],
      ["weak-key", (c) => { c.public_key_pem = rsaPublicPem(1024); }, /public_key_pem must be a PEM RSA public key of at least 2048 bits/],
      ["not-a-key", (c) => { c.public_key_pem = "hello"; }, /public_key_pem must be a PEM RSA public key/],
      ["unknown", (c) => { c.token = "x"; }, /unknown config key\(s\) token/],
    ];
    for (const [name, change, message] of cases) {
      const r = await withModuleConfig(name, change);
      assert.notEqual(r.code, 0, name);
      assert.match(r.stdout + r.stderr, message, name);
    }
    const short = path.join(tree.dir, "short-token");
    fs.writeFileSync(short, "short");
    const r = await withModuleConfig("short", (c) => { c.service_token_path = short; });
    assert.notEqual(r.code, 0);
    assert.match(r.stdout + r.stderr, /shorter than 32 characters/);
  });
});
