/**
 * The LI renderers: element-web-li's and Ketesa LI's config.json (a brand and theme unlike
 * main's, pointed at synapse-li only), served by a real nginx with the config Element's pods run
 * (Debian's nginx, scripts/provision.d/20-synapse.sh), and main's homeserver.yaml with LI on and
 * off: LI deployed removes the redaction pruning period and turns retention off, and nothing else.
 */
import { strict as assert } from "assert";
import { spawn, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { renderElementConfig, renderElementNginx } from "../../render/element";
import { LI_BRAND, LI_THEME, renderLiElementConfig, renderLiKetesaConfig } from "../../render/li";
import { renderHomeserverConfig, instanceCountsFromSizing, planInstances } from "../../render/synapse";
import { synapseDeploymentInput } from "../../render/synapse/deployment";
import { parseSpec } from "../../config/parse";
import { size } from "../../sizing";
import { platformEndpoints } from "../validators/synapse-fixture";
import { freePort } from "../helpers/free-port";

const NGINX = "/usr/sbin/nginx";
const LI = { serverName: "example.com", homeserverUrl: "https://matrix.li.example.com", elementUrl: "https://chat.li.example.com" };

describe("element-web-li and Ketesa LI configs", () => {
  const li = renderLiElementConfig(LI);
  const main = renderElementConfig({ serverName: "example.com", homeserverUrl: "https://matrix.example.com", elementUrl: "https://chat.example.com", rtc: true });

  it("Element LI talks to synapse-li under the main server name", () => {
    assert.deepEqual(li.default_server_config, { "m.homeserver": { base_url: "https://matrix.li.example.com", server_name: "example.com" } });
    assert.equal(li.permalink_prefix, "https://chat.li.example.com");
    assert.equal(li.default_federate, false);
    assert.equal(li.element_call, undefined, "no calls on the LI client");
  });

  it("has a brand and a default custom theme of its own, unlike main's", () => {
    assert.equal(li.brand, LI_BRAND);
    assert.notEqual(li.brand, main.brand);
    const themes = (li.setting_defaults as { custom_themes: { name: string; is_dark: boolean; colors: Record<string, string> }[] }).custom_themes;
    assert.equal(li.default_theme, `custom-${themes[0].name}`, "default_theme selects the custom theme by name");
    assert.notEqual(li.default_theme, main.default_theme);
    assert.equal(themes[0].is_dark, true);
    assert.match(themes[0].colors["accent-color"], /^#[0-9a-f]{6}$/);
    // The rest of main's hardening stays: no registration, guests or integrations.
    assert.equal((li.setting_defaults as Record<string, unknown>)["UIFeature.registration"], false);
    assert.equal(li.disable_guests, true);
    assert.equal(li.integrations_ui_url, null);
  });

  it("Ketesa LI accepts synapse-li's admin host and nothing else", () => {
    const k = renderLiKetesaConfig({ adminUrl: "https://admin.li.example.com", serverName: "example.com" });
    assert.deepEqual(k.restrictBaseUrl, ["https://admin.li.example.com"]);
    assert.deepEqual(k.asManagedUsers, []);
  });
});

describe("nginx serves element-web-li's config with Element's rendered nginx.conf", function () {
  let tmp: string;
  let nginx: ChildProcess | undefined;
  let port: number;

  before(async () => {
    assert.ok(fs.existsSync(NGINX), `${NGINX} missing: run scripts/provision.sh (20-synapse.sh installs nginx-light)`);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mp-nginx-li-"));
    fs.chmodSync(tmp, 0o755);
    port = await freePort();
    const app = path.join(tmp, "app");
    fs.mkdirSync(app);
    fs.chmodSync(app, 0o755);
    fs.writeFileSync(path.join(app, "config.json"), JSON.stringify(renderLiElementConfig(LI), null, 2) + "\n", { mode: 0o644 });
    fs.writeFileSync(path.join(app, "index.html"), "<!doctype html><title>Element</title>\n", { mode: 0o644 });
    fs.writeFileSync(path.join(tmp, "element.conf"), renderElementNginx(app, { port, tmpDir: tmp }));
    const out = fs.openSync(path.join(tmp, "nginx.log"), "a");
    nginx = spawn(NGINX, ["-e", "stderr", "-p", tmp, "-c", path.join(tmp, "element.conf"), "-g", "daemon off;"], { stdio: ["ignore", out, out] });
    for (let i = 0; i < 100; i++) {
      try {
        if ((await fetch(`http://127.0.0.1:${port}/healthz`)).status === 200) return;
      } catch {
        /* starting */
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`nginx did not start: ${fs.readFileSync(path.join(tmp, "nginx.log"), "utf8")}`);
  });
  after(async () => {
    if (nginx && nginx.exitCode === null) {
      const exited = new Promise((r) => nginx!.once("exit", r));
      nginx.kill("SIGTERM");
      await exited;
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("GET /config.json returns the LI brand and theme, uncached", async () => {
    const res = await fetch(`http://127.0.0.1:${port}/config.json`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("cache-control"), "no-cache");
    const body = await res.json() as Record<string, unknown>;
    assert.equal(body.brand, LI_BRAND);
    assert.equal(body.default_theme, `custom-${LI_THEME.name}`);
    assert.ok(res.headers.get("content-security-policy")?.includes("frame-ancestors 'self'"), "Element's security headers apply to LI too");
  });
});

describe("main's homeserver.yaml with LI on and off", () => {
  const render = (li: boolean, extra: Record<string, string> = {}) => {
    const spec = parseSpec({
      "matrix-platform:platform": "existing",
      ...(li ? { "matrix-platform:li": "true", "matrix-platform:liInvestigatorCidrs": "203.0.113.0/24" } : {}),
      ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [`matrix-platform:${k}`, v])),
    }, "dev");
    const sizing = size(spec);
    return renderHomeserverConfig(synapseDeploymentInput({
      spec, sizing, instances: planInstances(instanceCountsFromSizing(sizing)), namespace: "matrix",
      endpoints: platformEndpoints(spec, sizing), appserviceFiles: [], turn: false,
      ...(li ? { keyVaultPublicKeyPem: "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n" } : {}),
    }));
  };

  it("LI on: redacted content is kept (null) and retention is off; LI off: the 7-day default and no retention block", () => {
    const on = render(true);
    const off = render(false);
    assert.equal(on.redaction_retention_period, null);
    assert.deepEqual(on.retention, { enabled: false });
    assert.equal(off.redaction_retention_period, "7d");
    assert.equal(off.retention, undefined);
    // Nothing else in main's config changes with LI but the key vault's key-store module.
    const { redaction_retention_period: _a, retention: _b, modules, ...restOn } = on;
    const { redaction_retention_period: _c, retention: _d, ...restOff } = off;
    assert.deepEqual(restOn, restOff);
    assert.deepEqual((modules as { module: string }[]).map((m) => m.module), ["li_key_store.LiKeyStore"]);
    assert.equal(off.modules, undefined);
  });

  it("LI off keeps a configured pruning period; LI on with redactionRetentionPeriod never is accepted", () => {
    assert.equal(render(false, { redactionRetentionPeriod: "30d" }).redaction_retention_period, "30d");
    assert.equal(render(true, { redactionRetentionPeriod: "never" }).redaction_retention_period, null);
  });
});
