/**
 * Issue 10 item 7: Element Web and Ketesa send framing, content-type and referrer headers. The
 * Element nginx config is run by a real nginx and every path it serves carries them; Ketesa's
 * static-web-server config sets them on every path.
 */
import { strict as assert } from "assert";
import { spawn, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { renderElementNginx, renderKetesaServerConfig } from "../../render/element";
import { freePort } from "../helpers/free-port";

const NGINX = "/usr/sbin/nginx";


describe("web: security headers on Element Web (real nginx) and Ketesa", function () {
  let tmp: string;
  let nginx: ChildProcess | undefined;
  let port: number;

  before(async () => {
    assert.ok(fs.existsSync(NGINX), `${NGINX} missing: run scripts/provision.sh`);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mp-element-"));
    fs.chmodSync(tmp, 0o755);
    const app = path.join(tmp, "app");
    fs.mkdirSync(app);
    fs.chmodSync(app, 0o755);
    for (const [f, c] of [["index.html", "<html></html>"], ["config.json", "{}"], ["version", "1.0"], ["bundle.js", "x"]]) fs.writeFileSync(path.join(app, f), c, { mode: 0o644 });
    port = await freePort();
    fs.writeFileSync(path.join(tmp, "element.conf"), renderElementNginx(app, { port, tmpDir: tmp }));
    const out = fs.openSync(path.join(tmp, "nginx.log"), "a");
    nginx = spawn(NGINX, ["-e", "stderr", "-p", tmp, "-c", path.join(tmp, "element.conf"), "-g", "daemon off;"], { stdio: ["ignore", out, out] });
    for (let i = 0; i < 100; i++) {
      try {
        if ((await fetch(`http://127.0.0.1:${port}/index.html`)).status === 200) return;
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

  for (const p of ["/", "/index.html", "/config.json", "/version", "/bundle.js", "/missing"]) {
    it(`Element ${p}: frame-ancestors 'self', X-Frame-Options SAMEORIGIN, nosniff, a referrer policy`, async () => {
      const res = await fetch(`http://127.0.0.1:${port}${p}`);
      await res.arrayBuffer();
      assert.equal(res.headers.get("x-frame-options"), "SAMEORIGIN");
      assert.equal(res.headers.get("content-security-policy"), "frame-ancestors 'self'");
      assert.equal(res.headers.get("x-content-type-options"), "nosniff");
      assert.equal(res.headers.get("referrer-policy"), "strict-origin-when-cross-origin");
    });
  }

  it("Ketesa's static-web-server config sets the headers on every path, never framed", () => {
    const toml = renderKetesaServerConfig();
    assert.match(toml, /\[\[advanced\.headers\]\]\nsource = "\*\*"\n\[advanced\.headers\.headers\]\n/);
    assert.match(toml, /^X-Frame-Options = "DENY"$/m);
    assert.match(toml, /^Content-Security-Policy = "frame-ancestors 'none'"$/m);
    assert.match(toml, /^X-Content-Type-Options = "nosniff"$/m);
    assert.match(toml, /^Referrer-Policy = "no-referrer"$/m);
  });
});
