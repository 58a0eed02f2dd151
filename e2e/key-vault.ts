/**
 * key_vault on loopback, as its pods run it: the image's source (images/key-vault) in the venv
 * of scripts/provision.d/50-key-vault.sh, `manage.py migrate` first (the migration Job), then
 * gunicorn (the Deployment), against a real PostgreSQL database it owns.
 */
import { createHash } from "crypto";
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { promisify } from "util";
import { TOOL_CACHE } from "../scripts/tool-cache";
import { waitHttpOk, type Proc, type Supervisor } from "./procs";
import { PROJECT_ROOT } from "./services";
import { keyVaultEnv as renderedKeyVaultEnv } from "../render/key-vault";

export const KEY_VAULT_SOURCE = path.join(PROJECT_ROOT, "images", "key-vault");

/** The venv 50-key-vault.sh installs, keyed by a hash of the requirements file. */
export function keyVaultPython(): string {
  const hash = createHash("sha256").update(fs.readFileSync(path.join(KEY_VAULT_SOURCE, "requirements.txt"))).digest("hex").slice(0, 12);
  const py = path.join(process.env.MP_KEY_VAULT_VENV ?? path.join(TOOL_CACHE, `key-vault-${hash}`), "bin", "python");
  if (!fs.existsSync(py)) throw new Error(`${py} missing: run scripts/provision.sh (50-key-vault.sh installs key_vault's requirements)`);
  return py;
}

export interface KeyVaultDatabase {
  host: string;
  port: number;
  dbname: string;
  user: string;
  password: string;
}

/**
 * The environment the Deployment and the migration Job give the container, from the same
 * renderer (render/key-vault.ts): the secrets are files in `secretsDir`, written here as the
 * Secret's volume holds them.
 */
export function keyVaultEnv(db: KeyVaultDatabase, serviceToken: string, secretsDir: string): Record<string, string> {
  fs.mkdirSync(secretsDir, { recursive: true });
  const files = { db_password: db.password, service_token: serviceToken, django_secret_key: "e2e-only-django-secret-key-not-used-for-anything" };
  for (const [name, value] of Object.entries(files)) fs.writeFileSync(path.join(secretsDir, name), value, { mode: 0o600 });
  return {
    ...renderedKeyVaultEnv({ host: db.host, port: db.port, database: db.dbname, user: db.user, sslMode: "disable" }, secretsDir),
    PYTHONDONTWRITEBYTECODE: "1",
  };
}

/** `manage.py <args>` as the migration Job runs it; resolves with its output, rejects on failure. */
export async function keyVaultManage(env: Record<string, string>, args: string[]): Promise<string> {
  const { stdout, stderr } = await promisify(execFile)(keyVaultPython(), ["manage.py", ...args], {
    cwd: KEY_VAULT_SOURCE, env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env }, timeout: 120_000,
  });
  return stdout + stderr;
}

/** gunicorn serving key_vault on 127.0.0.1:`port`, ready once /health answers. */
export async function startKeyVault(sup: Supervisor, port: number, env: Record<string, string>, name = "key-vault"): Promise<Proc> {
  const proc = sup.start({
    name,
    command: keyVaultPython(),
    args: ["-m", "gunicorn", "--bind", `127.0.0.1:${port}`, "--workers", "2", "--access-logfile", "-", "--worker-tmp-dir", "/tmp", "--no-control-socket", "keyvault.wsgi"],
    cwd: KEY_VAULT_SOURCE,
    env,
  });
  await waitHttpOk(`http://127.0.0.1:${port}/health`, { timeoutMs: 60_000, proc, sup });
  return proc;
}
