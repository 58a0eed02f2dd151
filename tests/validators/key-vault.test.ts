/**
 * key_vault (images/key-vault) run for real on loopback: its migrations applied to a real
 * PostgreSQL database by `manage.py migrate` (what the migration Job runs), then served by
 * gunicorn (what the Deployment runs). Stores are deduplicated per user, every call without the
 * service token is refused, bad bodies are refused with what is wrong, and the role the
 * service connects as cannot update, delete or truncate a stored key.
 */
import { strict as assert } from "assert";
import { Supervisor } from "../../e2e/procs";
import { PortAllocator } from "../../e2e/ports";
import { startPostgres, type PgInstance } from "../../e2e/services";
import { keyVaultEnv, keyVaultManage, startKeyVault } from "../../e2e/key-vault";
import * as path from "path";

const TOKEN = "t".repeat(24) + "-service-token-for-tests";
const PAYLOAD = Buffer.from("ciphertext of a recovery key, encrypted by the client").toString("base64");

describe("key_vault with its real database (Django + PostgreSQL on loopback)", function () {
  const sup = new Supervisor(Supervisor.freshRunDir());
  const ports = new PortAllocator();
  let pg: PgInstance;
  let base: string;
  let env: Record<string, string>;
  let firstMigrate: string;

  const post = async (body: unknown, token: string | null = TOKEN, path = "/v1/keys") => {
    const res = await fetch(`${base}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(token === null ? {} : { authorization: `Bearer ${token}` }) },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };
  const rows = (user: string) => Number(pg.sql(`SELECT count(*) FROM recovery_key WHERE user_id = '${user}'`, "key_vault").trim());

  before(async () => {
    const db = { dbname: "key_vault", user: "key_vault", password: "kv-db-password" };
    pg = await startPostgres(sup, await ports.take(), [db], 20);
    env = keyVaultEnv({ ...db, host: pg.host, port: pg.port }, TOKEN, path.join(sup.runDir, "key-vault-secrets"));
    firstMigrate = await keyVaultManage(env, ["migrate", "--noinput"]);
    const port = await ports.take();
    base = `http://127.0.0.1:${port}`;
    await startKeyVault(sup, port, env);
  });
  after(() => sup.stopAll());

  it("migrations create the table, and the models have no change a migration does not cover", async () => {
    assert.match(firstMigrate, /Applying vault\.0001_initial\.\.\. OK/);
    assert.equal(pg.sql("SELECT tableowner FROM pg_tables WHERE tablename = 'recovery_key'", "key_vault").trim(), "key_vault");
    assert.match(await keyVaultManage(env, ["makemigrations", "--check", "--dry-run"]), /No changes detected/);
    assert.match(await keyVaultManage(env, ["migrate", "--noinput"]), /No migrations to apply/);
  });

  it("answers its health check without a token", async () => {
    const res = await fetch(`${base}/health`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: "ok" });
  });

  it("refuses every call without the service token, or with another token", async () => {
    const body = { user_id: "@alice:example.org", encrypted_key: PAYLOAD };
    assert.equal((await post(body, null)).status, 401);
    assert.equal((await post(body, "not-the-token")).status, 401);
    assert.equal((await post(body, TOKEN.slice(0, -1))).status, 401);
    assert.equal((await fetch(`${base}/v1/keys`)).status, 401);
    assert.equal(rows("@alice:example.org"), 0);
  });

  it("stores a payload once: the second identical call finds the row it made", async () => {
    const body = { user_id: "@bob:example.org", encrypted_key: PAYLOAD };
    const first = await post(body);
    assert.equal(first.status, 201, JSON.stringify(first.json));
    assert.equal(first.json.created, true);
    const second = await post(body);
    assert.equal(second.status, 200);
    assert.deepEqual(second.json, { sha256: first.json.sha256, created: false });
    assert.equal(rows("@bob:example.org"), 1);
    // The same payload for another user is that user's own row.
    assert.equal((await post({ ...body, user_id: "@carol:example.org" })).status, 201);
    assert.equal(rows("@carol:example.org"), 1);
    assert.equal(pg.sql(`SELECT payload FROM recovery_key WHERE user_id = '@bob:example.org'`, "key_vault").trim(), PAYLOAD);
  });

  it("refuses bad bodies with what is wrong, storing nothing", async () => {
    const cases: [unknown, RegExp][] = [
      ["{not json", /not JSON/],
      [[1, 2], /JSON object/],
      [{ user_id: "@dave:example.org" }, /encrypted_key must be a non-empty base64 string/],
      [{ user_id: "@dave:example.org", encrypted_key: "***" }, /not base64/],
      [{ user_id: "dave", encrypted_key: PAYLOAD }, /user_id must be a Matrix user ID/],
      [{ user_id: "@dave example:example.org", encrypted_key: PAYLOAD }, /user_id must be a Matrix user ID/],
      [{ user_id: "@dave:example.org", encrypted_key: PAYLOAD, note: "x" }, /unknown field\(s\) note/],
      [{ user_id: "@dave:example.org", encrypted_key: "A".repeat(16 * 1024 + 4) }, /longer than 16384/],
    ];
    for (const [body, message] of cases) {
      const r = await post(body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.match(String(r.json.error), message);
    }
    assert.equal(rows("@dave:example.org"), 0);
  });

  it("has no way to read, change or delete a key over HTTP", async () => {
    for (const method of ["GET", "PUT", "PATCH", "DELETE"]) {
      const res = await fetch(`${base}/v1/keys`, { method, headers: { authorization: `Bearer ${TOKEN}` } });
      assert.equal(res.status, 405, method);
    }
  });

  it("its database role cannot update, delete or truncate a stored key (append-only table)", () => {
    for (const statement of ["DELETE FROM recovery_key", "UPDATE recovery_key SET payload = 'x'", "TRUNCATE recovery_key"]) {
      assert.throws(() => pg.sql(`SET ROLE key_vault; ${statement}`, "key_vault"), /permission denied for table recovery_key/, statement);
    }
    assert.equal(rows("@bob:example.org"), 1);
    // Not a vacuous check: the same role can insert.
    pg.sql(`SET ROLE key_vault; INSERT INTO recovery_key (user_id, sha256, payload, created_at) VALUES ('@erin:example.org', 'ab', 'AA==', now())`, "key_vault");
    assert.equal(rows("@erin:example.org"), 1);
  });

  it("refuses to start without its service token, naming the variable", async () => {
    // The rendered environment names the token's file; without it (and without the variable) key_vault stops.
    const { KEY_VAULT_SERVICE_TOKEN_FILE: _, ...without } = env;
    await assert.rejects(keyVaultManage(without, ["check"]), /KEY_VAULT_SERVICE_TOKEN is required/);
    await assert.rejects(keyVaultManage({ ...without, KEY_VAULT_SERVICE_TOKEN: "short" }, ["check"]), /at least 32 characters/);
  });
});
