/**
 * The rendered haproxy.cfg accepted by the real HAProxy (`haproxy -c`, Debian's 2.6), for every
 * CCU profile; and the same rules, run by a real HAProxy on loopback, sending each sample request
 * to the backend the pure evaluator (and so the catalogue) says.
 */
import { strict as assert } from "assert";
import { spawn, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { PROFILE_NAMES } from "../../config/keys";
import { WORKER_TYPES } from "../../catalog/workers";
import { buildHaproxyModel, renderHaproxyConfig, routeRequest, type HaproxyModel, type ServerSource } from "../../render/haproxy";
import { ROUTES } from "../catalog/route-samples";
import { fixtureHaproxyModel } from "../render/fixtures";
import { run } from "./synapse-fixture";
import { freePort } from "../helpers/free-port";

const HAPROXY = fs.existsSync("/usr/sbin/haproxy") ? "/usr/sbin/haproxy" : "haproxy";


const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("HAProxy accepts the rendered config (haproxy -c)", function () {
  let tmp: string;
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mp-haproxy-"));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  for (const profile of PROFILE_NAMES) {
    it(`${profile} CCU: valid, with no warning`, async () => {
      const file = path.join(tmp, `haproxy-${profile}.cfg`);
      fs.writeFileSync(file, renderHaproxyConfig(fixtureHaproxyModel(profile)));
      const r = await run(HAPROXY, ["-c", "-f", file]);
      const out = r.stdout + r.stderr;
      assert.equal(r.code, 0, out);
      assert.match(out, /Configuration file is valid/);
      assert.doesNotMatch(out, /\[(WARNING|ALERT)\]/, out);
    });
  }

  it("is not a vacuous check: a broken rule is refused", async () => {
    const file = path.join(tmp, "broken.cfg");
    fs.writeFileSync(file, renderHaproxyConfig(fixtureHaproxyModel("100")).replace("default_backend main", "default_backend no-such-backend"));
    const r = await run(HAPROXY, ["-c", "-f", file]);
    assert.notEqual(r.code, 0);
  });
});

describe("a real HAProxy routes like the evaluated model", function () {
  let tmp: string;
  let haproxy: ChildProcess | undefined;
  let upstream: http.Server;
  let logText = "";
  let model: HaproxyModel;
  let clientPort: number;
  let statsPort: number;

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mp-haproxy-run-"));
    // One loopback HTTP server plays every Synapse process: 200 to everything, /health included.
    upstream = http.createServer((_req, res) => res.end("ok"));
    await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", () => r()));
    const up = (upstream.address() as net.AddressInfo).port;
    const workers: Record<string, ServerSource[]> = {};
    for (const t of WORKER_TYPES) {
      if (t.routes.length === 0) continue;
      workers[t.name] = [0, 1, 2].map((i) => ({ kind: "server" as const, name: `${t.name}-${i}`, host: "127.0.0.1", port: up }));
    }
    // No server can be up: initial syncs must fall back to main; media must not (main has no media).
    workers["initial-sync"] = [{ kind: "template", prefix: "pod", count: 2, host: "initial-sync.invalid", port: 8008 }];
    workers["media-repository"] = [{ kind: "server", name: "media-repository-0", host: "media-repository-0.invalid", port: 8008 }];
    [clientPort, statsPort] = [await freePort(), await freePort()];
    model = buildHaproxyModel({
      main: { host: "127.0.0.1", port: up },
      workers,
      maxUploadBytes: 1024 * 1024,
      // The samples are sent to 127.0.0.1 from inside (no X-Forwarded-For): that is the admin host here.
      adminApi: { hosts: ["127.0.0.1"], sourceRanges: [] },
      bindAddress: "127.0.0.1",
      ports: { client: clientPort, federation: await freePort(), stats: statsPort },
      resolvers: false,
    });
    // This machine's FD limit is lower than a pod's; only the connection cap changes.
    model.global.maxconn = 1000;
    const cfg = path.join(tmp, "haproxy.cfg");
    fs.writeFileSync(cfg, renderHaproxyConfig(model));
    haproxy = spawn(HAPROXY, ["-db", "-f", cfg], { stdio: ["ignore", "pipe", "pipe"] });
    haproxy.stdout!.on("data", (d) => (logText += d));
    haproxy.stderr!.on("data", (d) => (logText += d));
    for (let i = 0; i < 100; i++) {
      try {
        const r = await fetch(`http://127.0.0.1:${statsPort}/healthz`);
        if (r.status === 200) return;
      } catch {
        /* not yet listening */
      }
      await sleep(50);
    }
    throw new Error(`HAProxy did not start:\n${logText}`);
  });

  after(async () => {
    haproxy?.kill("SIGTERM");
    await new Promise<void>((r) => upstream.close(() => r()));
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  let seq = 0;
  /** Sends a request; returns the backend/server HAProxy's log names for it. */
  async function send(method: string, url: string, headers: Record<string, string> = {}): Promise<{ backend: string; server: string; status: number }> {
    const tag = `t${++seq}x`;
    const full = `${url}${url.includes("?") ? "&" : "?"}mp_tag=${tag}`;
    const res = await fetch(`http://127.0.0.1:${clientPort}${full}`, { method, headers, body: method === "GET" || method === "HEAD" ? undefined : "{}" });
    await res.arrayBuffer();
    for (let i = 0; i < 100; i++) {
      const line = logText.split("\n").find((l) => l.includes(`mp_tag=${tag}`));
      const m = line && / (\S+)\/(\S+) \S+ (\d{3}) /.exec(line);
      if (m) return { backend: m[1], server: m[2], status: Number(m[3]) };
      await sleep(20);
    }
    throw new Error(`no log line for ${method} ${url}\n${logText.slice(-2000)}`);
  }

  const down = (b: string) => (b === "initial-sync" || b === "media-repository" ? 0 : 3);

  it("every sample request reaches the backend the model evaluates to", async () => {
    let checked = 0;
    for (const [method, url] of ROUTES) {
      const [p, q] = url.split("?");
      const expected = routeRequest(model, { method, path: p, query: q }, down).backend;
      const got = await send(method, url);
      assert.equal(got.backend, expected, `${method} ${url}`);
      checked++;
    }
    assert.equal(checked, ROUTES.length);
  });

  it("falls back to main for a pool with no server up, and answers media's routes itself (503, Retry-After, Matrix error)", async () => {
    assert.equal((await send("GET", "/_matrix/client/v3/sync")).backend, "main");
    const media = await send("GET", "/_matrix/media/v3/download/example.com/abc");
    assert.equal(media.backend, "media-repository-unavailable");
    assert.equal(media.status, 503);
    const res = await fetch(`http://127.0.0.1:${clientPort}/_matrix/media/v3/download/example.com/abc`);
    assert.equal(res.status, 503);
    assert.equal(res.headers.get("retry-after"), "10");
    assert.equal(res.headers.get("content-type"), "application/json");
    assert.deepEqual(await res.json(), { errcode: "M_UNKNOWN", error: "The media-repository service of this server is temporarily unavailable; retry in a few seconds." });
  });

  it("keeps one user's syncs on one synchrotron, whatever the device token", async () => {
    const servers = new Set<string>();
    for (let i = 0; i < 4; i++) {
      servers.add((await send("GET", "/_matrix/client/v3/sync?since=s1", { Authorization: `Bearer syt_YWxpY2U_random${i}_crc${i}` })).server);
      servers.add((await send("GET", `/_matrix/client/v3/sync?since=s1&access_token=syt_YWxpY2U_other${i}_x`)).server);
    }
    assert.equal(servers.size, 1, [...servers].join(", "));
    const spread = new Set<string>();
    for (let u = 0; u < 12; u++) spread.add((await send("GET", "/_matrix/client/v3/sync?since=s1", { Authorization: `Bearer syt_${Buffer.from(`user${u}`).toString("base64").replace(/=+$/, "")}_r_c` })).server);
    assert.ok(spread.size > 1, "different users spread over the synchrotrons");
    // A token without a localpart (OIDC-issued) sticks per token.
    const opaque = new Set<string>();
    for (let i = 0; i < 4; i++) opaque.add((await send("GET", `/_matrix/client/v3/sync?since=s${i}`, { Authorization: "Bearer mat_0123456789abcdef" })).server);
    assert.equal(opaque.size, 1);
  });

  it("keeps one room's /messages and sends on one instance", async () => {
    const rooms = ["!room1:example.com", "!room2:example.com", "!another:example.com", "!x:example.com", "!y:example.com"];
    const spread = new Set<string>();
    for (const room of rooms) {
      const a = await send("GET", `/_matrix/client/v3/rooms/${room}/messages?dir=b&from=t1`);
      const b = await send("GET", `/_matrix/client/v3/rooms/${room}/messages?dir=f&from=t9&limit=5`);
      assert.equal(a.server, b.server, room);
      const s1 = await send("PUT", `/_matrix/client/v3/rooms/${room}/send/m.room.message/txn1`);
      const s2 = await send("PUT", `/_matrix/client/v3/rooms/${room}/state/m.room.topic/`);
      assert.equal(s1.server, s2.server, room);
      spread.add(a.server);
    }
    assert.ok(spread.size > 1, "rooms spread over the instances");
  });

  it("keeps one room on one instance whatever the path spelling (r0, v3, api/v1, %-encoded ID)", async () => {
    const rooms = ["!room1:example.com", "!room2:example.com", "!another:example.com", "!x:example.com", "!y:example.com"];
    const spread = new Set<string>();
    for (const room of rooms) {
      const encoded = encodeURIComponent(room); // %21...%3A...
      const messages = new Set<string>();
      for (const url of [`/_matrix/client/r0/rooms/${room}/messages?dir=b`, `/_matrix/client/v3/rooms/${room}/messages?dir=b`, `/_matrix/client/v3/rooms/${encoded}/messages?dir=f`, `/_matrix/client/api/v1/rooms/${room}/messages?dir=b`]) {
        const got = await send("GET", url);
        assert.equal(got.backend, "room-messages", url);
        messages.add(got.server);
      }
      assert.equal(messages.size, 1, `${room}: ${[...messages].join(", ")}`);
      const sends = new Set<string>();
      for (const url of [`/_matrix/client/r0/rooms/${room}/send/m.room.message/t1`, `/_matrix/client/v3/rooms/${encoded}/send/m.room.message/t2`, `/_matrix/client/api/v1/rooms/${room}/send/m.room.message/t3`]) {
        const got = await send("PUT", url);
        assert.equal(got.backend, "event-creator", url);
        sends.add(got.server);
      }
      assert.equal(sends.size, 1, `${room}: ${[...sends].join(", ")}`);
      spread.add([...messages][0]);
    }
    // Before the fix every api/v1 path hashed on ".../rooms" alone; different rooms must still spread.
    assert.ok(spread.size > 1, "rooms spread over the instances");
  });

  it("ignores a room hash header sent by the client", async () => {
    const servers = new Set<string>();
    for (let i = 0; i < 6; i++) servers.add((await send("GET", "/_matrix/client/v3/rooms/!room1:example.com/messages", { "X-Matrix-Room-Id": `!forged${i}:example.com` })).server);
    assert.equal(servers.size, 1);
  });

  it("refuses bodies over the upload limit", async () => {
    const res = await fetch(`http://127.0.0.1:${clientPort}/_matrix/media/v3/upload`, { method: "POST", body: Buffer.alloc(1024 * 1024 + 1) });
    assert.equal(res.status, 413);
  });

  it("serves liveness, readiness (up while main is, though media has no server) and Prometheus metrics", async () => {
    assert.equal((await fetch(`http://127.0.0.1:${statsPort}/healthz`)).status, 200);
    const ready = await fetch(`http://127.0.0.1:${statsPort}/ready`);
    assert.equal(ready.status, 200);
    assert.equal(await ready.text(), "ready");
    const metrics = await fetch(`http://127.0.0.1:${statsPort}/metrics`);
    assert.equal(metrics.status, 200);
    assert.match(await metrics.text(), /haproxy_backend_/);
  });
});
