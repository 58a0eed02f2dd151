/**
 * The frontend's own refusals on a real HAProxy (Debian's 2.6) on loopback, each compared with the
 * pure evaluator (frontendRefusal): the upload limit (rendered above 2^32 bytes, where a 32-bit
 * parse would wrap) applies to media uploads only, and /_synapse/admin answers only on the admin
 * host, through the edge only from the configured source ranges.
 */
import { strict as assert } from "assert";
import { spawn, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { buildHaproxyModel, frontendRefusal, renderHaproxyConfig, type HaproxyModel } from "../../render/haproxy";
import { freePort } from "../helpers/free-port";

const HAPROXY = fs.existsSync("/usr/sbin/haproxy") ? "/usr/sbin/haproxy" : "haproxy";
const LIMIT = 5 * 1024 ** 3;


/** Sends the headers and a few body bytes, and returns the status as soon as one arrives. */
function statusOf(port: number, method: string, reqPath: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, method, path: reqPath, headers, timeout: 10_000 }, (res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      req.destroy();
    });
    req.on("error", (e) => ((e as NodeJS.ErrnoException).code === "ECONNRESET" ? undefined : reject(e)));
    req.on("timeout", () => req.destroy(new Error(`${method} ${reqPath}: no answer`)));
    if (headers["content-length"]) req.write("x".repeat(16));
    else req.end();
  });
}

describe("HAProxy edge rules on a real HAProxy: upload limit and admin API", function () {
  let haproxy: ChildProcess;
  let upstream: http.Server;
  let model: HaproxyModel;
  let port: number;
  let tmp: string;

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mp-haproxy-edge-"));
    // Answers at once, without reading the body: a forwarded request shows as 200.
    upstream = http.createServer((_, res) => res.writeHead(200, { "content-type": "application/json" }).end("{}"));
    const up = await new Promise<number>((r) => upstream.listen(0, "127.0.0.1", () => r((upstream.address() as net.AddressInfo).port)));
    port = await freePort();
    const stats = await freePort();
    model = buildHaproxyModel({
      main: { host: "127.0.0.1", port: up },
      workers: {},
      maxUploadBytes: LIMIT,
      adminApi: { hosts: ["admin.example.com"], sourceRanges: ["192.0.2.0/24", "2001:db8::/32"] },
      bindAddress: "127.0.0.1",
      ports: { client: port, federation: await freePort(), stats },
      resolvers: false,
    });
    model.global.maxconn = 1000;
    const cfg = path.join(tmp, "haproxy.cfg");
    fs.writeFileSync(cfg, renderHaproxyConfig(model));
    haproxy = spawn(HAPROXY, ["-db", "-f", cfg], { stdio: ["ignore", "pipe", "pipe"] });
    let log = "";
    haproxy.stderr!.on("data", (d) => (log += d));
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`http://127.0.0.1:${stats}/healthz`)).status === 200) break;
      } catch {
        /* not listening yet */
      }
      if (i > 100) throw new Error(`HAProxy did not start: ${log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  after(async () => {
    haproxy?.kill("SIGTERM");
    await new Promise<void>((r) => upstream.close(() => r()));
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const cases: { name: string; method: string; path: string; headers: Record<string, string>; status: number }[] = [
    { name: "upload one byte over the limit", method: "POST", path: "/_matrix/media/v3/upload", headers: { "content-length": String(LIMIT + 1) }, status: 413 },
    { name: "upload at the limit", method: "POST", path: "/_matrix/media/v3/upload?filename=a", headers: { "content-length": String(LIMIT) }, status: 200 },
    { name: "upload over 2^32 + limit (would wrap in 32 bits)", method: "POST", path: "/_matrix/media/r0/upload", headers: { "content-length": String(2 ** 32 + LIMIT + 1) }, status: 413 },
    { name: "async upload (PUT) over the limit", method: "PUT", path: "/_matrix/media/v3/upload/example.com/abc", headers: { "content-length": String(LIMIT + 1) }, status: 413 },
    { name: "small upload", method: "POST", path: "/_matrix/media/v3/upload", headers: { "content-length": "10" }, status: 200 },
    { name: "login larger than the upload limit", method: "POST", path: "/_matrix/client/v3/login", headers: { "content-length": String(LIMIT + 1) }, status: 200 },
    { name: "admin API on the client host", method: "GET", path: "/_synapse/admin/v1/register", headers: { host: "matrix.example.com" }, status: 404 },
    { name: "admin API without a host name", method: "GET", path: "/_synapse/admin/v1/register", headers: { host: "127.0.0.1" }, status: 404 },
    { name: "admin API URL-encoded on the client host", method: "GET", path: "/_synapse/%61dmin/v1/register", headers: { host: "matrix.example.com" }, status: 404 },
    { name: "admin API upper-cased on the client host", method: "GET", path: "/_SYNAPSE/admin/v1/register", headers: { host: "matrix.example.com" }, status: 404 },
    { name: "admin API through the edge from outside the ranges", method: "GET", path: "/_synapse/admin/v1/register", headers: { host: "admin.example.com", "x-forwarded-for": "198.51.100.7" }, status: 403 },
    { name: "admin API, spoofed first hop, real client outside", method: "GET", path: "/_synapse/admin/v1/register", headers: { host: "admin.example.com", "x-forwarded-for": "192.0.2.9, 198.51.100.7" }, status: 403 },
    { name: "admin API through the edge from the IPv4 range", method: "GET", path: "/_synapse/admin/v1/register", headers: { host: "admin.example.com:443", "x-forwarded-for": "192.0.2.10" }, status: 200 },
    { name: "admin API through the edge from the IPv6 range", method: "GET", path: "/_synapse/admin/v1/register", headers: { host: "Admin.Example.com", "x-forwarded-for": "2001:db8::5" }, status: 200 },
    { name: "admin API from inside the cluster (no edge)", method: "GET", path: "/_synapse/admin/v1/register", headers: { host: "admin.example.com" }, status: 200 },
    { name: "client API on the admin host", method: "GET", path: "/_matrix/client/versions", headers: { host: "admin.example.com", "x-forwarded-for": "198.51.100.7" }, status: 200 },
  ];

  for (const c of cases) {
    it(`${c.name}: ${c.status}, as the pure evaluator says`, async () => {
      assert.equal(await statusOf(port, c.method, c.path, c.headers), c.status);
      const expected = frontendRefusal(model, { method: c.method, path: c.path.split("?")[0], headers: c.headers });
      assert.equal(expected ?? 200, c.status, "frontendRefusal disagrees with HAProxy");
    });
  }
});
