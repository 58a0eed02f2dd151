/**
 * Element Web, Ketesa and .well-known renderers, and their nginx configs run by a real nginx
 * (Debian's, installed by scripts/provision.d/20-synapse.sh) on loopback.
 */
import { strict as assert } from "assert";
import { spawn, spawnSync, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { renderElementConfig, renderElementNginx, renderKetesaConfig } from "../../render/element";
import { renderWellKnownClient, renderWellKnownNginx, renderWellKnownServer } from "../../render/wellknown";

const NGINX = "/usr/sbin/nginx";
const wk = {
  homeserverUrl: "https://matrix.example.com",
  federationEndpoint: "matrix.example.com:443",
  livekitServiceUrl: "https://rtc.example.com/livekit/jwt",
  ketesa: renderKetesaConfig({ homeserverUrl: "https://matrix.example.com", serverName: "example.com", managedUserPrefixes: ["telegram_", "telegrambot"] }),
};

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

describe("web front-end configs", () => {
  it("Element points at the homeserver and turns off third-party integrations", () => {
    const c = renderElementConfig({ serverName: "example.com", homeserverUrl: "https://matrix.example.com", elementUrl: "https://chat.example.com", rtc: true });
    assert.deepEqual(c.default_server_config, { "m.homeserver": { base_url: "https://matrix.example.com", server_name: "example.com" } });
    assert.equal(c.integrations_ui_url, null);
    assert.equal(c.permalink_prefix, "https://chat.example.com");
    assert.deepEqual((c.element_call as Record<string, unknown>).use_exclusively, true);
  });

  it("Ketesa is restricted to the homeserver and protects bridge accounts", () => {
    assert.deepEqual(wk.ketesa.restrictBaseUrl, ["https://matrix.example.com"]);
    const patterns = (wk.ketesa.asManagedUsers as string[]).map((p) => new RegExp(p));
    assert.ok(patterns.some((p) => p.test("@telegram_12345:example.com")));
    assert.ok(!patterns.some((p) => p.test("@alice:example.com")));
  });

  it("delegation documents: server on 443, client with the homeserver, RTC focus and Ketesa settings", () => {
    assert.deepEqual(renderWellKnownServer(wk), { "m.server": "matrix.example.com:443" });
    const client = renderWellKnownClient(wk);
    assert.deepEqual(client["m.homeserver"], { base_url: "https://matrix.example.com" });
    assert.deepEqual(client["org.matrix.msc4143.rtc_foci"], [{ type: "livekit", livekit_service_url: "https://rtc.example.com/livekit/jwt" }]);
    assert.ok(client["cc.etke.ketesa"]);
  });
});

describe("nginx runs the rendered static-site configs", function () {
  let tmp: string;
  let nginx: ChildProcess | undefined;
  let port: number;
  let log = "";

  before(async function () {
    assert.ok(fs.existsSync(NGINX), `${NGINX} missing: run scripts/provision.sh (20-synapse.sh installs nginx-light)`);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mp-nginx-"));
    fs.chmodSync(tmp, 0o755); // nginx workers run as nobody when the master is root
    port = await freePort();
    const site = path.join(tmp, "well-known");
    fs.mkdirSync(site);
    fs.writeFileSync(path.join(site, "server.json"), JSON.stringify(renderWellKnownServer(wk)));
    fs.writeFileSync(path.join(site, "client.json"), JSON.stringify(renderWellKnownClient(wk)));
    fs.writeFileSync(path.join(tmp, "well-known.conf"), renderWellKnownNginx(site, { port, tmpDir: tmp }));
    // Output to a file, as a container runtime gives it (nginx cannot open /dev/stdout on a socket).
    const out = fs.openSync(path.join(tmp, "nginx.log"), "a");
    nginx = spawn(NGINX, ["-e", "stderr", "-p", tmp, "-c", path.join(tmp, "well-known.conf"), "-g", "daemon off;"], { stdio: ["ignore", out, out] });

    for (let i = 0; i < 100; i++) {
      try {
        if ((await fetch(`http://127.0.0.1:${port}/healthz`)).status === 200) return;
      } catch {
        /* starting */
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    log = fs.readFileSync(path.join(tmp, "nginx.log"), "utf8");
    throw new Error(`nginx did not start: ${log}`);
  });

  after(async () => {
    if (nginx && nginx.exitCode === null) {
      const exited = new Promise((r) => nginx!.once("exit", r));
      nginx.kill("SIGTERM");
      await exited;
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("nginx -t accepts the Element Web config", () => {
    const file = path.join(tmp, "element.conf");
    fs.mkdirSync(path.join(tmp, "app"), { recursive: true });
    fs.writeFileSync(file, renderElementNginx(path.join(tmp, "app"), { port: 18089, tmpDir: tmp }));
    const outFile = path.join(tmp, "nginx-t.log");
    const out = fs.openSync(outFile, "w");
    const r = spawnSync(NGINX, ["-t", "-e", "stderr", "-p", tmp, "-c", file], { stdio: ["ignore", out, out] });
    fs.closeSync(out);
    const text = fs.readFileSync(outFile, "utf8");
    assert.equal(r.status, 0, text);
    assert.match(text, /test is successful/);
  });

  it("serves /.well-known/matrix/server and /client as JSON with CORS", async () => {
    for (const [doc, expected] of [["server", renderWellKnownServer(wk)], ["client", renderWellKnownClient(wk)]] as const) {
      const res = await fetch(`http://127.0.0.1:${port}/.well-known/matrix/${doc}`);
      assert.equal(res.status, 200, doc);
      assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
      assert.equal(res.headers.get("access-control-allow-origin"), "*");
      assert.deepEqual(await res.json(), expected);
    }
    assert.equal((await fetch(`http://127.0.0.1:${port}/.well-known/matrix/other`)).status, 404);
  });
});
