/**
 * HAProxy <-> Synapse mutual TLS (`internalMtls`) with the real HAProxy (Debian's 2.6): the
 * rendered router config and the rendered proxy sidecar config are accepted by `haproxy -c`, and,
 * running on loopback with certificates made here by openssl (ECDSA P-256, as cert-manager issues
 * them), the router's requests pass through the sidecar to a stub Synapse while a client without
 * a certificate, with one of another CA, or with the CA's certificate of another name is refused;
 * and the router refuses a server whose certificate does not carry the name it expects.
 */
import { strict as assert } from "assert";
import { spawn, spawnSync, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { ROUTER_CLIENT_NAME } from "../../catalog/internal-tls";
import { NAMESPACES } from "../../catalog/namespaces";
import { UNAVAILABLE_RETRY_AFTER_SECONDS, buildHaproxyModel, certReloadingHaproxyCommand, haproxyDeploymentInput, renderHaproxyConfig, renderMtlsProxyConfig, ROUTER_TLS_FILES } from "../../render/haproxy";
import * as tlsSocket from "tls";
import { mainInstance, planInstances, serviceDnsName } from "../../render/synapse";
import { parseSpec, PROJECT } from "../../config/parse";
import { size } from "../../sizing";
import { loadStackConfig } from "../../stacks/stack-config";
import { instanceCountsFromSizing } from "../../render/synapse";
import { freePort } from "../helpers/free-port";
import { run } from "./synapse-fixture";
import { pki, type Pki } from "../../e2e/internal-pki";

const HAPROXY = fs.existsSync("/usr/sbin/haproxy") ? "/usr/sbin/haproxy" : "haproxy";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A prod-like stack (mutual TLS from the preset) with the dev stack's endpoints. */
function mtlsStack() {
  const spec = parseSpec({ ...loadStackConfig("dev"), [`${PROJECT}:internalMtls`]: "true" }, "dev");
  const sizing = size(spec);
  return { spec, sizing, instances: planInstances(instanceCountsFromSizing(sizing)) };
}

async function startHaproxy(cfg: string, log: { text: string }): Promise<ChildProcess> {
  const p = spawn(HAPROXY, ["-db", "-f", cfg], { stdio: ["ignore", "pipe", "pipe"] });
  p.stdout!.on("data", (d) => (log.text += d));
  p.stderr!.on("data", (d) => (log.text += d));
  return p;
}

async function waitFor(check: () => Promise<boolean>, what: string, log: { text: string }, seconds = 10): Promise<void> {
  for (let i = 0; i < seconds * 20; i++) {
    try {
      if (await check()) return;
    } catch {
      /* not yet */
    }
    await sleep(50);
  }
  throw new Error(`${what} never happened:\n${log.text}`);
}

/** GET over TLS straight to the sidecar: the status, or the error that ended the handshake. */
function tlsGet(port: number, pathName: string, opts: { ca: string; cert?: string; key?: string; servername: string }): Promise<{ status?: number; body?: string; error?: string }> {
  return new Promise((resolve) => {
    const req = https.request({
      host: "127.0.0.1", port, path: pathName, method: "GET", servername: opts.servername, ca: fs.readFileSync(opts.ca),
      ...(opts.cert ? { cert: fs.readFileSync(opts.cert), key: fs.readFileSync(opts.key!) } : {}),
      agent: false,
    }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode, body }));
    });
    req.on("error", (e) => resolve({ error: e.message }));
    req.end();
  });
}

describe("HAProxy <-> Synapse mutual TLS: the rendered router and sidecar configs", function () {
  let tmp: string;
  let certs: Pki;
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mp-mtls-"));
    certs = pki(tmp);
    certs.ca("internal");
    certs.ca("foreign");
    certs.leaf("router", "internal", ROUTER_CLIENT_NAME, { usage: "clientAuth" });
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it("haproxy -c accepts the router's config of a stack with mutual TLS, every server line verifying its Service's name", async () => {
    const { spec, sizing, instances } = mtlsStack();
    const input = haproxyDeploymentInput({ spec, sizing, instances, namespace: NAMESPACES.matrix });
    assert.deepEqual(input.upstreamTls, ROUTER_TLS_FILES);
    // The pod's mount points become this directory's files; everything else is as rendered.
    const cfgText = renderHaproxyConfig(buildHaproxyModel({ ...input, upstreamTls: { caFile: certs.file("internal.crt"), certFile: certs.file("router.crt") } }));
    const servers = cfgText.split("\n").filter((l) => /^\s+server(-template)? /.test(l));
    assert.ok(servers.length > 3);
    for (const l of servers) {
      const host = /\s(\S+):(\d+)/.exec(l)!;
      assert.equal(host[2], "8443", l);
      const name = /verifyhost (\S+)/.exec(l)?.[1];
      assert.ok(name, `server line without verifyhost: ${l}`);
      // The name is the Service's: a pool's headless Service, or the Service a named pod sits under.
      assert.ok(host[1] === name || host[1].endsWith(`.${name}`), l);
      assert.match(l, / ssl verify required ca-file \S+ crt \S+ sni str\(/);
    }
    const file = path.join(tmp, "router.cfg");
    fs.writeFileSync(file, cfgText);
    const r = await run(HAPROXY, ["-c", "-f", file]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.doesNotMatch(r.stdout + r.stderr, /\[(WARNING|ALERT)\]/);
  });

  describe("on loopback", () => {
    const log = { text: "" };
    const procs: ChildProcess[] = [];
    let stub: http.Server;
    let stubSeen: { path: string; xff?: string }[] = [];
    let tlsPort: number;
    let healthPort: number;
    let routerClient: number;
    let routerStats: number;
    let wrongNameStats: number;
    const mainName = serviceDnsName(mainInstance(), NAMESPACES.matrix);

    before(async () => {
      certs.leaf("server", "internal", mainName, { dns: [mainName], usage: "serverAuth" });
      certs.leaf("other-client", "internal", "not-the-router", { usage: "clientAuth" });
      certs.leaf("foreign-router", "foreign", ROUTER_CLIENT_NAME, { usage: "clientAuth" });
      stub = http.createServer((req, res) => {
        stubSeen.push({ path: req.url ?? "", xff: req.headers["x-forwarded-for"] as string | undefined });
        res.end(req.url === "/health" ? "OK" : "served by synapse");
      });
      await new Promise<void>((r) => stub.listen(0, "127.0.0.1", () => r()));
      const up = (stub.address() as net.AddressInfo).port;
      [tlsPort, healthPort, routerClient, routerStats, wrongNameStats] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);

      const sidecar = path.join(tmp, "sidecar.cfg");
      fs.writeFileSync(sidecar, renderMtlsProxyConfig({
        bindAddress: "127.0.0.1", tlsPort, healthPort, upstream: { host: "127.0.0.1", port: up },
        files: { caFile: certs.file("internal.crt"), certFile: certs.file("server.crt") }, maxconn: 200,
      }));
      const check = await run(HAPROXY, ["-c", "-f", sidecar]);
      assert.equal(check.code, 0, check.stdout + check.stderr);
      assert.doesNotMatch(check.stdout + check.stderr, /\[(WARNING|ALERT)\]/);

      const router = (stats: number, client: number, tlsName: string) => {
        const m = buildHaproxyModel({
          main: { host: "127.0.0.1", port: tlsPort, tlsName },
          workers: {},
          maxUploadBytes: 1024,
          bindAddress: "127.0.0.1",
          ports: { client, federation: 0, stats },
          resolvers: false,
          upstreamTls: { caFile: certs.file("internal.crt"), certFile: certs.file("router.crt") },
        });
        m.frontends = m.frontends.filter((f) => f.name === "matrix-client");
        m.global.maxconn = 200;
        return renderHaproxyConfig(m);
      };
      fs.writeFileSync(path.join(tmp, "router-live.cfg"), router(routerStats, routerClient, mainName));
      // The same sidecar, but the router expects another process's name: it must not trust it.
      fs.writeFileSync(path.join(tmp, "router-wrong-name.cfg"), router(wrongNameStats, await freePort(), serviceDnsName({ type: planInstances({ "client-reader": 1 })[0].type }, NAMESPACES.matrix)));
      for (const cfg of ["sidecar.cfg", "router-live.cfg", "router-wrong-name.cfg"]) procs.push(await startHaproxy(path.join(tmp, cfg), log));
      await waitFor(async () => (await fetch(`http://127.0.0.1:${routerStats}/ready`)).status === 200, "the router seeing the sidecar's Synapse up", log);
    });

    after(async () => {
      for (const p of procs) p.kill("SIGTERM");
      await new Promise<void>((r) => stub.close(() => r()));
    });

    it("the router's request reaches Synapse through the sidecar, with the router's X-Forwarded-For", async () => {
      stubSeen = [];
      const res = await fetch(`http://127.0.0.1:${routerClient}/_matrix/client/versions`, { headers: { "X-Forwarded-For": "198.51.100.7" } });
      assert.equal(res.status, 200);
      assert.equal(await res.text(), "served by synapse");
      const seen = stubSeen.find((s) => s.path === "/_matrix/client/versions");
      assert.ok(seen, JSON.stringify(stubSeen));
      assert.equal(seen.xff, "198.51.100.7");
    });

    it("the router's certificate, presented directly, passes (so the refusals below are about the certificate)", async () => {
      const r = await tlsGet(tlsPort, "/_matrix/client/versions", { ca: certs.file("internal.crt"), cert: certs.file("router.crt"), key: certs.file("router.crt.key"), servername: mainName });
      assert.equal(r.status, 200, r.error);
      assert.equal(r.body, "served by synapse");
    });

    it("a client without a certificate is refused in the handshake", async () => {
      stubSeen = [];
      const r = await tlsGet(tlsPort, "/_matrix/client/versions", { ca: certs.file("internal.crt"), servername: mainName });
      assert.equal(r.status, undefined, `got HTTP ${r.status}`);
      assert.ok(r.error);
      assert.equal(stubSeen.length, 0);
    });

    it("a certificate of another CA is refused, even with the router's name", async () => {
      stubSeen = [];
      const r = await tlsGet(tlsPort, "/_matrix/client/versions", { ca: certs.file("internal.crt"), cert: certs.file("foreign-router.crt"), key: certs.file("foreign-router.crt.key"), servername: mainName });
      assert.equal(r.status, undefined, `got HTTP ${r.status}`);
      assert.ok(r.error);
      assert.equal(stubSeen.length, 0);
    });

    it("a certificate of the internal CA with another name gets 403 and never reaches Synapse", async () => {
      stubSeen = [];
      const r = await tlsGet(tlsPort, "/_matrix/client/versions", { ca: certs.file("internal.crt"), cert: certs.file("other-client.crt"), key: certs.file("other-client.crt.key"), servername: mainName });
      assert.equal(r.status, 403, r.error);
      assert.equal(stubSeen.length, 0);
    });

    it("the plain health port answers /health from Synapse and nothing else", async () => {
      stubSeen = [];
      const ok = await fetch(`http://127.0.0.1:${healthPort}/health`);
      assert.equal(ok.status, 200);
      assert.equal(await ok.text(), "OK");
      const other = await fetch(`http://127.0.0.1:${healthPort}/_matrix/client/versions`);
      assert.equal(other.status, 404);
      assert.deepEqual(stubSeen.map((s) => s.path), ["/health"]);
    });

    it("with Synapse gone, the sidecar answers the router's request with a Matrix error and Retry-After, as the router itself would", async () => {
      const closed = http.createServer();
      await new Promise<void>((r) => closed.listen(0, "127.0.0.1", () => r()));
      const deadPort = (closed.address() as net.AddressInfo).port;
      await new Promise<void>((r) => closed.close(() => r()));
      const cfg = path.join(tmp, "sidecar-dead.cfg");
      const [deadTls, deadHealth] = [await freePort(), await freePort()];
      fs.writeFileSync(cfg, renderMtlsProxyConfig({
        bindAddress: "127.0.0.1", tlsPort: deadTls, healthPort: deadHealth, upstream: { host: "127.0.0.1", port: deadPort },
        files: { caFile: certs.file("internal.crt"), certFile: certs.file("server.crt") }, maxconn: 100,
      }));
      procs.push(await startHaproxy(cfg, log));
      await waitFor(async () => (await fetch(`http://127.0.0.1:${deadHealth}/health`)).status > 0, "the dead-upstream sidecar listening", log);
      const r = await tlsGet(deadTls, "/_matrix/client/versions", { ca: certs.file("internal.crt"), cert: certs.file("router.crt"), key: certs.file("router.crt.key"), servername: mainName });
      assert.equal(r.status, 503, r.error);
      assert.equal(JSON.parse(r.body!).errcode, "M_UNKNOWN");
      const health = await fetch(`http://127.0.0.1:${deadHealth}/health`);
      assert.equal(health.status, 503, "the probes see Synapse down");
      assert.equal(health.headers.get("retry-after"), String(UNAVAILABLE_RETRY_AFTER_SECONDS));
    });

    it("the router does not trust a server whose certificate names another Service", async () => {
      // Its health checks (every 5 s) fail verification: main goes down, so it is not ready, and
      // a request gets the JSON 503 instead of reaching Synapse.
      await waitFor(async () => (await fetch(`http://127.0.0.1:${wrongNameStats}/ready`)).status === 503, "the wrong-name router marking main down", log, 30);
      const r = await fetch(`http://127.0.0.1:${wrongNameStats}/ready`);
      assert.equal(await r.text(), "main-down");
      assert.match(log.text, /SSL handshake failure|certificate|verify/i);
    });
  });
  describe("certificate renewal", () => {
    const log = { text: "" };
    let proc: ChildProcess | undefined;
    let tlsPort: number;
    const name = serviceDnsName(mainInstance(), NAMESPACES.matrix);
    const servedSerial = (port: number) => new Promise<string>((resolve, reject) => {
      const s = tlsSocket.connect({ host: "127.0.0.1", port, servername: name, ca: fs.readFileSync(certs.file("internal.crt")), cert: fs.readFileSync(certs.file("router.crt")), key: fs.readFileSync(certs.file("router.crt.key")) }, () => {
        const serial = s.getPeerCertificate().serialNumber;
        s.end();
        resolve(serial);
      });
      s.on("error", reject);
    });
    const serialOf = (file: string) => spawnSync("openssl", ["x509", "-noout", "-serial", "-in", file], { encoding: "utf8" }).stdout.trim().replace(/^serial=/, "").toUpperCase();

    after(() => proc?.kill("SIGTERM"));

    it("the proxy's start-up script reloads HAProxy when cert-manager swaps the certificate files, and stops softly on SIGTERM", async () => {
      const dir = fs.mkdtempSync(path.join(tmp, "renew-"));
      const renewing = pki(dir);
      fs.copyFileSync(certs.file("internal.crt"), renewing.file("internal.crt"));
      fs.copyFileSync(certs.file("internal.key"), renewing.file("internal.key"));
      renewing.leaf("first", "internal", name, { dns: [name], usage: "serverAuth" });
      renewing.leaf("second", "internal", name, { dns: [name], usage: "serverAuth" });
      // The mount as Kubernetes lays it out: tls.crt, tls.crt.key, ca.crt.
      const mount = path.join(dir, "mount");
      fs.mkdirSync(mount);
      const install = (leaf: string) => {
        fs.copyFileSync(renewing.file(`${leaf}.crt.key`), path.join(mount, "tls.crt.key"));
        fs.copyFileSync(renewing.file(`${leaf}.crt`), path.join(mount, "tls.crt"));
      };
      install("first");
      fs.copyFileSync(certs.file("internal.crt"), path.join(mount, "ca.crt"));
      tlsPort = await freePort();
      const cfg = path.join(dir, "haproxy.cfg");
      fs.writeFileSync(cfg, renderMtlsProxyConfig({
        bindAddress: "127.0.0.1", tlsPort, healthPort: await freePort(), upstream: { host: "127.0.0.1", port: 9 },
        files: { caFile: path.join(mount, "ca.crt"), certFile: path.join(mount, "tls.crt") }, maxconn: 100,
      }));
      const [cmd, ...args] = certReloadingHaproxyCommand(cfg, [path.join(mount, "tls.crt"), path.join(mount, "ca.crt")], 1);
      proc = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, PATH: `/usr/sbin:${process.env.PATH}` } });
      proc.stdout!.on("data", (d) => (log.text += d));
      proc.stderr!.on("data", (d) => (log.text += d));
      let first = "";
      await waitFor(async () => (first = await servedSerial(tlsPort)) !== "", "the proxy serving", log);
      assert.equal(first.toUpperCase(), serialOf(renewing.file("first.crt")));
      install("second");
      let now = first;
      await waitFor(async () => (now = await servedSerial(tlsPort)) !== first, "the proxy serving the renewed certificate", log, 20);
      assert.equal(now.toUpperCase(), serialOf(renewing.file("second.crt")));
      const exited = new Promise<number | null>((r) => proc!.once("exit", (code) => r(code)));
      proc.kill("SIGTERM");
      assert.equal(await exited, 0, log.text);
      proc = undefined;
    });
  });
});
