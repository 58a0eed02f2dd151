/**
 * The rendered bridge configs against the real mautrix bridges (v26.08, built from the vendored
 * sources by scripts/provision.d/50-bridges.sh). A bridgev2 bridge loads its config through its
 * own upgrader (which copies the keys it knows onto its full example config and drops the rest),
 * then validates it and exits with a configuration error on a bad one. So each bridge is started
 * on the rendered file with saving allowed: it must get past validation ("Initializing bridge",
 * then it fails only on the database this test does not run), and every key the renderer wrote
 * must still be in the file the bridge rewrote, with the same value: an unknown key is dropped by
 * the upgrader and fails here.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { DEFAULT_BACKFILL, renderBridgeConfig, type BridgeConfigInput } from "../../render/bridges";
import { bridgeAppservice, renderAppserviceRegistration, toYaml, type BridgeName } from "../../render/synapse";
import { bridgeBinary } from "../../e2e/bridge-binaries";

function input(network: BridgeName): BridgeConfigInput {
  const registration = bridgeAppservice(network, { serverName: "example.org", namespace: "matrix", asToken: "a".repeat(64), hsToken: "b".repeat(64), senderLocalpart: "s".repeat(32) });
  return {
    network,
    registration,
    homeserverUrl: "http://haproxy.matrix.svc.cluster.local:8008",
    bindAddress: "127.0.0.1",
    // Port 1 on loopback: nothing listens, so the bridge stops at its first database query.
    database: { host: "127.0.0.1", port: 1, database: `mautrix_${network}`, user: `mautrix_${network}`, password: "p@ss:w/rd?", sslMode: "disable", maxOpenConns: 10 },
    permissions: { admins: ["@ops:example.org"], users: ["example.org"] },
    doublePuppetAsToken: "d".repeat(64),
    pickleKey: "k".repeat(43),
    provisioningSecret: "x".repeat(64),
    backfill: DEFAULT_BACKFILL,
    telegramApi: { apiId: 123456, apiHash: "0123456789abcdef0123456789abcdef" },
  };
}

/** Every leaf of a YAML object as a dotted path (maps only; lists are leaves). */
function leaves(o: unknown, prefix: string[] = []): [string[], unknown][] {
  if (o === null || typeof o !== "object" || Array.isArray(o) || (Object.keys(o).length === 0 && prefix.length > 0)) return [[prefix, o]];
  return Object.entries(o as Record<string, unknown>).flatMap(([k, v]) => leaves(v, [...prefix, k]));
}

function at(o: unknown, p: string[]): unknown {
  return p.reduce<unknown>((cur, k) => (cur !== null && typeof cur === "object" ? (cur as Record<string, unknown>)[k] : undefined), o);
}

interface Run { status: number | null; log: string; rewritten: unknown }

function startBridge(network: BridgeName, config: object): Run {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `mp-bridge-${network}-`));
  try {
    const file = path.join(dir, "config.yaml");
    fs.writeFileSync(file, toYaml(config), { mode: 0o600 });
    const r = spawnSync(bridgeBinary(network), ["-c", file], { cwd: dir, encoding: "utf8", timeout: 60_000 });
    return { status: r.status, log: `${r.stdout}${r.stderr}`, rewritten: parse(fs.readFileSync(file, "utf8")) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

for (const network of ["telegram", "whatsapp"] as const) {
  describe(`mautrix-${network} v26.08 on the rendered config`, function () {
    const rendered = renderBridgeConfig(input(network));
    let run: Run;
    before(() => (run = startBridge(network, rendered)));

    it("passes the bridge's config validation and stops only at the database this test does not run", () => {
      assert.match(run.log, /"message":"Initializing bridge"/, run.log);
      assert.doesNotMatch(run.log, /Configuration error|Failed to parse config|Error updating config/, run.log);
      assert.match(run.log, /Failed to initialize database|connection refused/, run.log);
      // It logs JSON to stdout, as rendered.
      for (const line of run.log.trim().split("\n").filter((l) => l.startsWith("{"))) JSON.parse(line);
    });

    it("keeps every rendered key with its value after its own config upgrader (no unknown key)", () => {
      const lost = leaves(rendered).filter(([p, v]) => JSON.stringify(at(run.rewritten, p)) !== JSON.stringify(v)).map(([p, v]) => `${p.join(".")}: rendered ${JSON.stringify(v)}, bridge kept ${JSON.stringify(at(run.rewritten, p))}`);
      assert.deepEqual(lost, []);
    });

    it("claims the namespaces the registration Synapse loads grants it", () => {
      const reg = renderAppserviceRegistration(input(network).registration) as { id: string; as_token: string; hs_token: string; url: string; namespaces: { users: { regex: string }[] } };
      const as = (run.rewritten as { appservice: Record<string, unknown> }).appservice;
      assert.equal(as.id, reg.id);
      assert.equal(as.as_token, reg.as_token);
      assert.equal(as.hs_token, reg.hs_token);
      assert.equal(as.address, reg.url);
      const bot = `@${(as.bot as { username: string }).username}:example.org`;
      const puppet = `@${String(as.username_template).replace("{{.}}", "4915112345678")}:example.org`;
      const claims = (mxid: string) => reg.namespaces.users.some((n) => new RegExp(n.regex).test(mxid));
      assert.ok(claims(bot), `${bot} is outside the registration's namespaces`);
      assert.ok(claims(puppet), `${puppet} is outside the registration's namespaces`);
    });

    it("refuses a config the renderer must never produce (the check above can fail)", () => {
      const bad = JSON.parse(JSON.stringify(rendered));
      bad.bridge.permissions["example.org"] = "superuser";
      const r = startBridge(network, bad);
      assert.notEqual(r.status, 0);
      assert.match(r.log, /invalid permissions level superuser/);
      const unknown = startBridge(network, { ...rendered, metrics: { enabled: true, listen: "0.0.0.0:8000" } });
      assert.equal(at(unknown.rewritten, ["metrics"]), undefined, "bridgev2 has no metrics section: its upgrader drops it");
    });
  });
}

describe("mautrix-telegram without API credentials", function () {
  it("is refused by the bridge itself (its upgrader fills the example's placeholders, which it rejects)", () => {
    const cfg = renderBridgeConfig(input("telegram")) as { network: Record<string, unknown> };
    delete cfg.network.api_id;
    delete cfg.network.api_hash;
    const r = startBridge("telegram", cfg);
    assert.equal(r.status, 11, r.log);
    assert.match(r.log, /api_(id|hash) is required/);
  });
});
