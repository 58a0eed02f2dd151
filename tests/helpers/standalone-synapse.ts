/**
 * The smallest homeserver.yaml a validator test runs real Synapse with: one client listener on
 * loopback, SQLite, registration by shared secret only, no key servers and no rate limits that a
 * test's burst of logins would hit. A test adds what it checks (a module, tracing) on top.
 */
import * as path from "path";

export function standaloneSynapseConfig(a: { dir: string; port: number; serverName: string; registrationSecret: string }): Record<string, unknown> {
  const base = `http://127.0.0.1:${a.port}`;
  return {
    server_name: a.serverName,
    public_baseurl: `${base}/`,
    report_stats: false,
    pid_file: path.join(a.dir, "homeserver.pid"),
    signing_key_path: path.join(a.dir, "signing.key"),
    media_store_path: path.join(a.dir, "media"),
    database: { name: "sqlite3", args: { database: path.join(a.dir, "homeserver.db") } },
    listeners: [{ port: a.port, bind_addresses: ["127.0.0.1"], type: "http", tls: false, resources: [{ names: ["client"], compress: false }] }],
    registration_shared_secret: a.registrationSecret,
    enable_registration: false,
    trusted_key_servers: [],
    rc_registration: { per_second: 1000, burst_count: 1000 },
    rc_login: { address: { per_second: 1000, burst_count: 1000 }, account: { per_second: 1000, burst_count: 1000 } },
  };
}
