/**
 * The key-store module serving for real: a single-process Synapse (the tests' venv, a minimal
 * homeserver.yaml written here with SQLite, no workers) loads the module pointed at a real
 * key_vault on loopback (its real PostgreSQL database). A registered user stores a payload
 * twice (one row), cannot store for another user, and an unauthenticated call is refused; the
 * public key is served to logged-in users only. Routing through HAProxy is the e2e's.
 */
import { strict as assert } from "assert";
import { createHmac, generateKeyPairSync } from "crypto";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { stringify } from "yaml";
import { Supervisor, waitHttpOk } from "../../e2e/procs";
import { PortAllocator } from "../../e2e/ports";
import { startPostgres, type PgInstance } from "../../e2e/services";
import { keyVaultEnv, keyVaultManage, startKeyVault } from "../../e2e/key-vault";
import { PUBLIC_KEY_PATH, STORE_KEY_PATH, renderLiKeyStoreModule } from "../../render/key-vault";
import { SYNAPSE_PYTHON, requireSynapseVenv } from "./synapse-fixture";
import { standaloneSynapseConfig } from "../helpers/standalone-synapse";

const TOKEN = "live-service-token-".padEnd(64, "s");
const SHARED = "live-registration-shared-secret";
const PAYLOAD = Buffer.from("an RSA-OAEP ciphertext of alice's recovery key").toString("base64");

describe("the key-store module in a running Synapse, against a running key_vault", function () {
  this.timeout(300_000);
  const sup = new Supervisor(Supervisor.freshRunDir());
  const ports = new PortAllocator();
  let pg: PgInstance;
  let hs: string;
  const publicKeyPem = generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey.export({ format: "pem", type: "spki" }).toString();

  const call = async (method: string, p: string, body?: unknown, token?: string) => {
    const res = await fetch(`${hs}${p}`, { method, headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, json: (await res.json()) as Record<string, any> };
  };
  const register = async (user: string): Promise<string> => {
    const { json: { nonce } } = await call("GET", "/_synapse/admin/v1/register");
    const mac = createHmac("sha1", SHARED).update(`${nonce}\0${user}\0pw-${user}-123\0notadmin`).digest("hex");
    const r = await call("POST", "/_synapse/admin/v1/register", { nonce, username: user, password: `pw-${user}-123`, admin: false, mac });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return r.json.access_token;
  };
  const rows = (user: string) => Number(pg.sql(`SELECT count(*) FROM recovery_key WHERE user_id = '${user}'`, "key_vault").trim());

  before(async () => {
    requireSynapseVenv();
    const db = { dbname: "key_vault", user: "key_vault", password: "kv-live-password" };
    pg = await startPostgres(sup, await ports.take(), [db], 20);
    const env = keyVaultEnv({ ...db, host: pg.host, port: pg.port }, TOKEN, path.join(sup.runDir, "key-vault-secrets"));
    await keyVaultManage(env, ["migrate", "--noinput"]);
    const vaultPort = await ports.take();
    await startKeyVault(sup, vaultPort, env);

    const dir = path.join(sup.runDir, "synapse");
    fs.mkdirSync(dir, { recursive: true });
    const tokenFile = path.join(dir, "key_vault_token");
    fs.writeFileSync(tokenFile, TOKEN, { mode: 0o600 });
    const port = await ports.take();
    hs = `http://127.0.0.1:${port}`;
    const config = {
      ...standaloneSynapseConfig({ dir, port, serverName: "example.test", registrationSecret: SHARED }),
      modules: [renderLiKeyStoreModule({ keyVaultUrl: `http://127.0.0.1:${vaultPort}`, serviceTokenPath: tokenFile, publicKeyPem })],
    };
    const file = path.join(dir, "homeserver.yaml");
    fs.writeFileSync(file, stringify(config));
    execFileSync(SYNAPSE_PYTHON, ["-m", "synapse.app.homeserver", "-c", file, "--generate-keys"], { cwd: dir, stdio: "pipe" });
    const proc = sup.start({ name: "synapse-live", command: SYNAPSE_PYTHON, args: ["-m", "synapse.app.homeserver", "-c", file], cwd: dir, env: { PYTHONDONTWRITEBYTECODE: "1" } });
    await waitHttpOk(`${hs}/health`, { timeoutMs: 120_000, proc, sup });
  });
  after(() => sup.stopAll());

  it("stores a user's payload once after two identical calls, for the requester only", async () => {
    const alice = await register("alice");
    const first = await call("POST", STORE_KEY_PATH, { encrypted_key: PAYLOAD }, alice);
    assert.equal(first.status, 200, JSON.stringify(first.json));
    assert.equal(first.json.created, true);
    const second = await call("POST", STORE_KEY_PATH, { user_id: "@alice:example.test", encrypted_key: PAYLOAD }, alice);
    assert.deepEqual([second.status, second.json.created, second.json.sha256], [200, false, first.json.sha256]);
    assert.equal(rows("@alice:example.test"), 1);
    const forBob = await call("POST", STORE_KEY_PATH, { user_id: "@bob:example.test", encrypted_key: PAYLOAD }, alice);
    assert.deepEqual([forBob.status, forBob.json.errcode], [403, "M_FORBIDDEN"]);
    assert.equal(rows("@bob:example.test"), 0);
  });

  it("refuses calls without an access token, and passes key_vault's refusal of a bad payload on", async () => {
    const anonymous = await call("POST", STORE_KEY_PATH, { encrypted_key: PAYLOAD });
    assert.deepEqual([anonymous.status, anonymous.json.errcode], [401, "M_MISSING_TOKEN"]);
    const carol = await register("carol");
    const bad = await call("POST", STORE_KEY_PATH, { encrypted_key: "*** not base64 ***" }, carol);
    assert.deepEqual([bad.status, bad.json.errcode], [400, "M_INVALID_PARAM"]);
    assert.match(bad.json.error, /not base64/);
    assert.equal(rows("@carol:example.test"), 0);
  });

  it("serves the public key to logged-in users only", async () => {
    assert.equal((await call("GET", PUBLIC_KEY_PATH)).status, 401);
    const dave = await register("dave");
    const r = await call("GET", PUBLIC_KEY_PATH, undefined, dave);
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, { public_key_pem: publicKeyPem, encryption: "RSA-OAEP-SHA256", store_key_path: STORE_KEY_PATH });
  });
});
