/**
 * Server TLS for a loopback PostgreSQL (e2e/services.ts startPostgres): the certificate and key
 * copied where the server may read them — PostgreSQL refuses a key others can read, and runs as
 * the postgres user when the tests run as root — and the settings that turn TLS on with them.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

export function postgresTlsSettings(runDir: string, certFile: string, keyFile: string): string[] {
  const dir = path.join(runDir, "server-tls");
  fs.mkdirSync(dir);
  fs.copyFileSync(certFile, path.join(dir, "server.crt"));
  fs.copyFileSync(keyFile, path.join(dir, "server.key"));
  fs.chmodSync(path.join(dir, "server.key"), 0o600);
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim());
    for (const f of ["", "server.crt", "server.key"]) fs.chownSync(path.join(dir, f), uid, uid);
  }
  return ["ssl=on", `ssl_cert_file=${path.join(dir, "server.crt")}`, `ssl_key_file=${path.join(dir, "server.key")}`];
}
