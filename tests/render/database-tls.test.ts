/**
 * The PostgreSQL clients other than Synapse carry the server's CA where they verify it (pure
 * renderers): the bridges' lib/pq URI, key_vault's environment (its settings.py hands it to
 * psycopg), postgres_exporter's DATA_SOURCE_URI and the LI sync script's conninfo strings. A
 * verifying sslmode without a CA file is refused, not rendered into a client that fails at start.
 */
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { bridgeDatabaseUri } from "../../render/bridges/config";
import { keyVaultEnv } from "../../render/key-vault";
import { postgresExporterDataSource } from "../../components/k8s/postgres-exporter";
import { renderSyncScript } from "../../render/li/sync-script";

const db = { host: "10.0.0.3", port: 5432, database: "mautrix_telegram", user: "mautrix_telegram", password: "p@ss/w:rd", maxOpenConns: 5 };

describe("PostgreSQL clients' TLS settings (pure renderers)", () => {
  it("bridges: sslrootcert beside sslmode under verify-ca and verify-full, none under require; a verifying mode without a CA file is refused", () => {
    for (const sslMode of ["verify-ca", "verify-full"] as const) {
      const u = new URL(bridgeDatabaseUri({ ...db, sslMode, caFile: "/etc/mautrix-database-ca/ca.crt" }));
      assert.deepEqual([u.searchParams.get("sslmode"), u.searchParams.get("sslrootcert")], [sslMode, "/etc/mautrix-database-ca/ca.crt"]);
      assert.equal(decodeURIComponent(u.password), db.password);
      assert.throws(() => bridgeDatabaseUri({ ...db, sslMode }), /needs the server's CA file/);
    }
    assert.match(bridgeDatabaseUri({ ...db, sslMode: "require", caFile: "/x/ca.crt" }), /\?sslmode=require$/);
    assert.throws(() => bridgeDatabaseUri({ ...db, sslMode: "verify-ca", caFile: "/a b/ca.crt" }), /escaping/);
  });

  it("key_vault: KEY_VAULT_DB_SSLROOTCERT under verify-*, absent under require", () => {
    const kv = { host: "h", port: 5432, database: "key_vault", user: "key_vault" };
    assert.equal(keyVaultEnv({ ...kv, sslMode: "verify-full", caFile: "/etc/key-vault/database-ca/ca.crt" }, "/s").KEY_VAULT_DB_SSLROOTCERT, "/etc/key-vault/database-ca/ca.crt");
    assert.equal(keyVaultEnv({ ...kv, sslMode: "require" }, "/s").KEY_VAULT_DB_SSLROOTCERT, undefined);
    assert.throws(() => keyVaultEnv({ ...kv, sslMode: "verify-ca" }, "/s"), /needs the server's CA file/);
    // settings.py hands the variable to psycopg as the libpq option of the same name.
    const settings = fs.readFileSync(path.join(__dirname, "../../images/key-vault/keyvault/settings.py"), "utf8");
    assert.match(settings, /"sslrootcert": os\.environ\["KEY_VAULT_DB_SSLROOTCERT"\]/);
  });

  it("postgres_exporter: sslrootcert in DATA_SOURCE_URI under verify-*", () => {
    assert.equal(postgresExporterDataSource("10.0.0.3", 5432, "postgres", "verify-ca", "/etc/postgres-ca/ca.crt"), "10.0.0.3:5432/postgres?sslmode=verify-ca&sslrootcert=/etc/postgres-ca/ca.crt");
    assert.equal(postgresExporterDataSource("10.0.0.3", 5432, "postgres", "require"), "10.0.0.3:5432/postgres?sslmode=require");
    assert.throws(() => postgresExporterDataSource("10.0.0.3", 5432, "postgres", "verify-full"), /needs the server's CA file/);
  });

  it("LI sync script: each conninfo gets sslrootcert only where its CA file is set; the subscription's has its own mode and file", () => {
    // The script's conninfo helpers, run by bash with the environment the pods get.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mp-li-sync-conninfo-"));
    try {
      const script = renderSyncScript();
      const helpers = script.split("\n").filter((l) => /^(main_ro|li)\(\)/.test(l)).join("\n");
      const sub = /-v main_conninfo="([^"]*)"/.exec(script)![1];
      const file = path.join(dir, "t.sh");
      fs.writeFileSync(file, `set -u\n${helpers}\nmain_ro; li synapse_li; echo "${sub}"\n`);
      const base = { PATH: process.env.PATH ?? "/usr/bin:/bin", MAIN_READ_HOST: "r", MAIN_PORT: "5432", MAIN_DATABASE: "synapse", MAIN_USER: "li_sync", MAIN_PASSWORD: "pw", MAIN_PRIMARY_HOST: "p", LI_HOST: "l", LI_PORT: "5432", LI_USER: "o" };
      const run = (env: Record<string, string>) => execFileSync("bash", [file], { env: { ...base, ...env } }).toString().trim().split("\n");
      assert.deepEqual(run({ MAIN_SSLMODE: "verify-full", MAIN_SSLROOTCERT: "/ca/main.crt", LI_SSLMODE: "verify-ca", LI_SSLROOTCERT: "/ca/li.crt", MAIN_SUBSCRIPTION_SSLMODE: "verify-full", MAIN_SUBSCRIPTION_SSLROOTCERT: "/controller/certificates/server-ca.crt" }), [
        "host=r port=5432 dbname=synapse user=li_sync sslmode=verify-full sslrootcert=/ca/main.crt",
        "host=l port=5432 dbname=synapse_li user=o sslmode=verify-ca sslrootcert=/ca/li.crt",
        "host=p port=5432 dbname=synapse user=li_sync password=pw sslmode=verify-full sslrootcert=/controller/certificates/server-ca.crt",
      ]);
      assert.deepEqual(run({ MAIN_SSLMODE: "require", LI_SSLMODE: "require", MAIN_SUBSCRIPTION_SSLMODE: "require" }).map((l) => l.split(" ").pop()), ["sslmode=require", "sslmode=require", "sslmode=require"]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
