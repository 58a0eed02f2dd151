/**
 * The in-cluster Redis over TLS, for real: Debian's redis-server started on loopback from the
 * rendered redis.conf (a primary and a replica), a Sentinel from the rendered sentinel.conf,
 * the rendered master-proxy HAProxy health-checking both, and Synapse's own Redis client
 * (RedisConfig + ClientContextFactory + txredisapi, tests/validators/synapse-redis-client.py)
 * connecting through the proxy with the `redis:` section the renderer writes. Certificates come
 * from a throw-away CA carrying the names the program requests (redisServerDnsNames).
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { EXISTING_DATA } from "../../components/platform/existing";
import { NAMESPACES } from "../../catalog/namespaces";
import { Supervisor, eventually } from "../../e2e/procs";
import { pki } from "../../e2e/internal-pki";
import { synapsePython } from "../../e2e/topology";
import { PortAllocator } from "../../e2e/ports";
import { renderHomeserverConfig } from "../../render/synapse";
import { redisServerDnsNames, renderMasterProxyConfig, renderRedisConf, renderRedisInit, renderSentinelConf, renderSentinelRunner, redisExporterArgs, type RedisTlsFiles } from "../../render/redis/sentinel-redis";
import { fixtureRenderInput } from "../render/fixtures";
import { SYNAPSE_REDIS_PROXY, renderSynapseRedisProxyConfig } from "../../render/redis/synapse-redis-proxy";

const HAPROXY = fs.existsSync("/usr/sbin/haproxy") ? "/usr/sbin/haproxy" : "haproxy";
const NS = NAMESPACES.data;
const SVC = EXISTING_DATA.redis;
const HEADLESS = `${SVC}-nodes`;
const MASTER_HOST = `${SVC}.${NS}.svc.cluster.local`;
const node = (i: number) => `${SVC}-${i}.${HEADLESS}.${NS}.svc.cluster.local`;
const PASSWORD = "redistlstestpassword0123456789";

/** redis-cli against a loopback port: its output, or its error (exit status non-zero). */
function cli(port: number, ca: string | undefined, ...args: string[]): string {
  const tls = ca ? ["--tls", "--cacert", ca] : [];
  const r = spawnSync("redis-cli", [...tls, "-h", "127.0.0.1", "-p", String(port), "-a", PASSWORD, "--no-auth-warning", ...args], { encoding: "utf8", timeout: 10_000 });
  return `${r.stdout}${r.stderr}`.trim();
}

/** The serial of the certificate a TLS server on a loopback port presents. */
function servedSerial(port: number, ca: string): string {
  const r = spawnSync("sh", ["-c", `openssl s_client -connect 127.0.0.1:${port} -CAfile ${ca} </dev/null 2>/dev/null | openssl x509 -noout -serial`], { encoding: "utf8", timeout: 10_000 });
  return r.stdout.trim();
}

/** Synapse's Redis client with this `redis:` section, its socket aimed at loopback. */
function synapseConnects(section: Record<string, unknown>): string {
  const script = path.join(__dirname, "synapse-redis-client.py");
  const r = spawnSync(synapsePython(), [script, JSON.stringify(section), "127.0.0.1"], { encoding: "utf8", timeout: 30_000 });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout.trim();
}

/** One server's state as HAProxy's exporter reports it: its status and last check result (nothing while HAProxy is not listening yet). */
async function serverState(statsPort: number, server: string): Promise<{ status?: string; check?: string }> {
  const text = await fetch(`http://127.0.0.1:${statsPort}/metrics`).then((r) => r.text(), () => "");
  const one = (metric: string) => new RegExp(`^${metric}\\{proxy="master",server="${server}",state="(\\w+)"\\} 1$`, "m").exec(text)?.[1];
  return { status: one("haproxy_server_status"), check: one("haproxy_server_check_status") };
}

describe("in-cluster Redis over TLS: real redis-server, Sentinel, the master proxy and Synapse's client", function () {
  const sup = new Supervisor(Supervisor.freshRunDir());
  const ports = new PortAllocator();
  const certs = pki(path.join(sup.runDir, "pki"));
  let tls: RedisTlsFiles;
  let primary: number;
  let replica: number;
  let sentinel: number;
  let proxy: number;
  let stats: number;
  let section: Record<string, unknown>;

  const startRedis = async (name: string, port: number, extra: string[]) => {
    const dir = path.join(sup.runDir, name);
    fs.mkdirSync(dir);
    const file = path.join(dir, "redis.conf");
    // The rendered file, then what the init script appends for a node (password, role).
    fs.writeFileSync(file, renderRedisConf({ memoryMi: 256, highAvailability: false, tls, dir, port, bind: "127.0.0.1" }) + [`requirepass ${PASSWORD}`, `masterauth ${PASSWORD}`, ...extra, ""].join("\n"));
    const proc = sup.start({ name, command: "redis-server", args: [file] });
    await eventually(`${name} answers PING over TLS`, async () => {
      if (proc.exitInfo) throw new Error(`${name} exited: ${sup.tail(proc)}`);
      return cli(port, tls.ca, "ping") === "PONG" ? true : undefined;
    }, 20_000, 200);
  };

  const startProxy = async (name: string, caFile: string, servers: { name: string; port: number; tlsName: string }[]) => {
    const port = await ports.take();
    const statsPort = await ports.take();
    const file = path.join(sup.runDir, `${name}.cfg`);
    fs.writeFileSync(file, renderMasterProxyConfig({
      servers: servers.map((s) => ({ ...s, address: "127.0.0.1" })),
      passwordEnv: "REDIS_PASSWORD", caFile, port, statsPort, clusterDns: false,
    }).replace(/^(\s+bind ):/gm, "$1127.0.0.1:"));
    assert.doesNotMatch(fs.readFileSync(file, "utf8"), new RegExp(PASSWORD), "the file holds no password");
    const check = spawnSync(HAPROXY, ["-c", "-f", file], { encoding: "utf8", env: { ...process.env, REDIS_PASSWORD: PASSWORD } });
    assert.equal(check.status, 0, check.stdout + check.stderr);
    // -n: the rendered maxconn needs more descriptors than this sandbox allows a process.
    // The password comes from the environment, as the pod's secretKeyRef gives it.
    sup.start({ name, command: HAPROXY, args: ["-n", "4096", "-f", file], env: { REDIS_PASSWORD: PASSWORD } });
    return { port, statsPort };
  };

  before(async () => {
    certs.ca("internal");
    certs.ca("foreign");
    certs.leaf("redis", "internal", MASTER_HOST, { dns: redisServerDnsNames(SVC, HEADLESS, NS), usage: "serverAuth" });
    tls = { cert: certs.file("redis.crt"), key: certs.file("redis.crt.key"), ca: certs.file("internal.crt") };
    primary = await ports.take();
    replica = await ports.take();
    await startRedis("redis-0", primary, []);
    await startRedis("redis-1", replica, [`replicaof 127.0.0.1 ${primary}`]);

    ({ port: proxy, statsPort: stats } = await startProxy("proxy", tls.ca, [
      { name: "redis-0", port: primary, tlsName: node(0) },
      { name: "redis-1", port: replica, tlsName: node(1) },
      // The primary's address under a name its certificate does not carry.
      { name: "impostor", port: primary, tlsName: `${SVC}-0.${HEADLESS}.elsewhere.svc.cluster.local` },
    ]));

    const passwordFile = path.join(sup.runDir, "redis_password");
    fs.writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
    const base = fixtureRenderInput("100");
    section = renderHomeserverConfig({
      ...base,
      redis: { host: MASTER_HOST, port: proxy, tls: true, privateCa: true },
      paths: { ...base.paths, redisCa: tls.ca, redisPassword: passwordFile },
    }).redis as Record<string, unknown>;
  });
  after(() => sup.stopAll());

  it("serves TLS only: a verified TLS client gets PONG, plain TCP and a client trusting another CA do not", () => {
    assert.equal(cli(primary, tls.ca, "ping"), "PONG");
    assert.notEqual(cli(primary, undefined, "ping"), "PONG");
    assert.match(cli(primary, certs.file("foreign.crt"), "ping"), /certificate verify failed/);
  });

  it("the replica replicates from the primary over verified TLS (tls-replication)", async () => {
    await eventually("replica's link to the primary is up", async () => (/master_link_status:up/.test(cli(replica, tls.ca, "info", "replication")) ? true : undefined), 30_000);
  });

  it("Sentinel serves TLS only and monitors the set over TLS: it finds the replica through the primary", async () => {
    sentinel = await ports.take();
    const dir = path.join(sup.runDir, "sentinel");
    fs.mkdirSync(dir);
    const file = path.join(dir, "sentinel.conf");
    fs.writeFileSync(file, renderSentinelConf({ self: "127.0.0.1", master: "127.0.0.1", quorum: 1, password: PASSWORD, tls, port: sentinel, redisPort: primary }) + "bind 127.0.0.1\n");
    sup.start({ name: "sentinel", command: "redis-server", args: [file, "--sentinel"] });
    const master = await eventually("Sentinel names the master", async () => {
      const out = cli(sentinel, tls.ca, "sentinel", "get-master-addr-by-name", "matrix");
      return out.includes(String(primary)) ? out : undefined;
    }, 20_000, 300);
    assert.deepEqual(master.split(/\s+/), ["127.0.0.1", String(primary)]);
    await eventually("Sentinel discovers the replica", async () => (cli(sentinel, tls.ca, "sentinel", "replicas", "matrix").includes(String(replica)) ? true : undefined), 30_000);
    assert.notEqual(cli(sentinel, undefined, "ping"), "PONG", "no plain port");
  });

  it("the init script that writes each node's files is valid shell", () => {
    const script = renderRedisInit({ service: SVC, headless: HEADLESS, replicas: 3, tls, configDir: "/config", dataDir: "/data" });
    const r = spawnSync("sh", ["-n"], { input: script, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.match(script, /--tls --cacert /, "it asks the Sentinels over verified TLS");
  });

  it("the proxy's TLS checks mark the primary up and the replica down, and refuse a name the certificate lacks", async () => {
    await eventually("primary checked and up", async () => {
      const s = await serverState(stats, "redis-0");
      return s.status === "UP" && s.check === "L7OK" ? true : undefined;
    }, 30_000);
    await eventually("replica down (role:slave)", async () => ((await serverState(stats, "redis-1")).status === "DOWN" ? true : undefined), 30_000);
    await eventually("impostor name down", async () => ((await serverState(stats, "impostor")).status === "DOWN" ? true : undefined), 30_000);
  });

  it("the in-cluster form of the proxy config (cluster DNS resolvers, every address) is valid for HAProxy", () => {
    const file = path.join(sup.runDir, "in-cluster.cfg");
    fs.writeFileSync(file, renderMasterProxyConfig({
      servers: [0, 1, 2].map((i) => ({ name: `${SVC}-${i}`, address: node(i), port: 6379, tlsName: node(i) })),
      passwordEnv: "REDIS_PASSWORD", caFile: tls.ca, port: 6379, statsPort: 8404,
    }));
    const r = spawnSync(HAPROXY, ["-c", "-f", file], { encoding: "utf8", env: { ...process.env, REDIS_PASSWORD: PASSWORD } });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.doesNotMatch(r.stdout + r.stderr, /\[(WARNING|ALERT)\]/);
  });

  it("a proxy trusting another CA marks the primary down", async () => {
    const foreign = await startProxy("proxy-foreign", certs.file("foreign.crt"), [{ name: "redis-0", port: primary, tlsName: node(0) }]);
    await eventually("primary down under a foreign CA", async () => ((await serverState(foreign.statsPort, "redis-0")).status === "DOWN" ? true : undefined), 30_000);
  });

  it("Synapse's client, with the rendered redis: section, reaches the primary through the proxy over TLS", async () => {
    assert.equal(section.use_tls, true);
    assert.equal(section.ca_file, tls.ca);
    await eventually("proxy routes to the primary", async () => ((await serverState(stats, "redis-1")).status === "DOWN" ? true : undefined), 30_000);
    assert.equal(synapseConnects(section), "ok master");
    assert.match(synapseConnects({ ...section, use_tls: false }), /^refused /, "plain TCP is not served");
  });

  it("known upstream gap, pinned: Synapse 1.163.2 does not verify Redis's certificate, so a foreign CA still connects", () => {
    // ClientContextFactory loads ca_file but sets no verify mode (OpenSSL's default: none). If
    // this starts failing, Synapse verifies: turn it into a refusal test.
    assert.equal(synapseConnects({ ...section, ca_file: certs.file("foreign.crt") }), "ok master");
  });

  // Synapse in the cluster: plain TCP to its pod's verifying proxy, which dials Redis over TLS.
  const startSynapseRedisProxy = async (name: string, caFile: string, verifyName: string | undefined) => {
    const file = path.join(sup.runDir, `${name}.cfg`);
    const listen = await ports.take();
    const health = await ports.take();
    // The rendered config; on loopback the fixed pod ports become free ones.
    fs.writeFileSync(file, renderSynapseRedisProxyConfig({ upstream: { host: "127.0.0.1", port: primary }, caFile, ...(verifyName ? { verifyName } : {}), runtimeDns: false })
      .replace(`bind ${SYNAPSE_REDIS_PROXY.host}:${SYNAPSE_REDIS_PROXY.port}`, `bind 127.0.0.1:${listen}`)
      .replace(`bind :${SYNAPSE_REDIS_PROXY.healthPort}`, `bind 127.0.0.1:${health}`));
    const check = spawnSync(HAPROXY, ["-c", "-f", file], { encoding: "utf8" });
    assert.equal(check.status, 0, check.stdout + check.stderr);
    sup.start({ name, command: HAPROXY, args: ["-f", file] });
    await eventually(`${name} health`, async () => ((await fetch(`http://127.0.0.1:${health}/healthz`).then((r) => r.status, () => 0)) === 200 ? true : undefined), 20_000, 200);
    const proxied = renderHomeserverConfig({ ...fixtureRenderInput("100"), redis: { host: SYNAPSE_REDIS_PROXY.host, port: listen, tls: false }, paths: { ...fixtureRenderInput("100").paths, redisPassword: path.join(sup.runDir, "redis_password") } }).redis as Record<string, unknown>;
    return proxied;
  };

  it("Synapse's verifying proxy (rendered): Synapse's client in plain TCP reaches Redis only when the proxy verifies the CA and the name", async () => {
    const good = await startSynapseRedisProxy("synapse-redis-proxy", tls.ca, MASTER_HOST);
    assert.equal(good.use_tls, false);
    assert.equal(good.host, "127.0.0.1");
    assert.equal(synapseConnects(good), "ok master");
    const foreignCa = await startSynapseRedisProxy("synapse-redis-proxy-foreign", certs.file("foreign.crt"), MASTER_HOST);
    assert.match(synapseConnects(foreignCa), /^refused /, "a server certificate from another CA is refused");
    const wrongName = await startSynapseRedisProxy("synapse-redis-proxy-name", tls.ca, "redis.elsewhere.svc.cluster.local");
    assert.match(synapseConnects(wrongName), /^refused /, "a certificate without the dialled name is refused");
    const chainOnly = await startSynapseRedisProxy("synapse-redis-proxy-chain", tls.ca, undefined);
    assert.equal(synapseConnects(chainOnly), "ok master", "without a name to check (Memorystore) the chain alone decides");
  });

  it("the in-cluster form of Synapse's proxy config (runtime DNS through the pod's resolv.conf) is valid for HAProxy", () => {
    const file = path.join(sup.runDir, "synapse-redis-proxy-in-cluster.cfg");
    fs.writeFileSync(file, renderSynapseRedisProxyConfig({ upstream: { host: MASTER_HOST, port: 6379 }, caFile: tls.ca, verifyName: MASTER_HOST }));
    const r = spawnSync(HAPROXY, ["-c", "-f", file], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.doesNotMatch(r.stdout + r.stderr, /\[(WARNING|ALERT)\]/);
  });

  it("a renewed certificate reaches both servers: the Sentinel runner reloads Redis and restarts Sentinel", async () => {
    // A node of its own, on copies of the files (the Secret volume cert-manager rewrites).
    const dir = path.join(sup.runDir, "renew");
    fs.mkdirSync(dir);
    const files: RedisTlsFiles = { cert: path.join(dir, "tls.crt"), key: path.join(dir, "tls.key"), ca: path.join(dir, "ca.crt") };
    fs.copyFileSync(tls.cert, files.cert);
    fs.copyFileSync(tls.key, files.key);
    fs.copyFileSync(tls.ca, files.ca);
    const port = await ports.take();
    const sentinelPort = await ports.take();
    const conf = path.join(dir, "redis.conf");
    fs.writeFileSync(conf, renderRedisConf({ memoryMi: 64, highAvailability: false, tls: files, dir, port, bind: "127.0.0.1" }) + `requirepass ${PASSWORD}\n`);
    sup.start({ name: "redis-renew", command: "redis-server", args: [conf] });
    await eventually("renew node up", async () => (cli(port, files.ca, "ping") === "PONG" ? true : undefined), 20_000, 200);
    const sentinelConf = path.join(dir, "sentinel.conf");
    fs.writeFileSync(sentinelConf, renderSentinelConf({ self: "127.0.0.1", master: "127.0.0.1", quorum: 1, password: PASSWORD, tls: files, port: sentinelPort, redisPort: port }) + "bind 127.0.0.1\n");
    const runnerFile = path.join(dir, "sentinel.sh");
    fs.writeFileSync(runnerFile, renderSentinelRunner({ tls: files, redisPort: port, sentinelConf, intervalSeconds: 1 }));
    const runner = sup.start({ name: "sentinel-runner", command: "sh", args: [runnerFile], env: { REDIS_PASSWORD: PASSWORD } });
    await eventually("runner's Sentinel up", async () => (cli(sentinelPort, files.ca, "ping") === "PONG" ? true : undefined), 20_000, 200);
    const before = servedSerial(port, files.ca);
    assert.match(before, /^serial=/);

    certs.leaf("redis-renewed", "internal", MASTER_HOST, { dns: redisServerDnsNames(SVC, HEADLESS, NS), usage: "serverAuth" });
    const renewed = spawnSync("openssl", ["x509", "-in", certs.file("redis-renewed.crt"), "-noout", "-serial"], { encoding: "utf8" }).stdout.trim();
    assert.notEqual(renewed, before);
    fs.copyFileSync(certs.file("redis-renewed.crt.key"), files.key);
    fs.copyFileSync(certs.file("redis-renewed.crt"), files.cert);

    await eventually("Redis serves the renewed certificate", async () => (servedSerial(port, files.ca) === renewed ? true : undefined), 30_000);
    const exit = await runner.exited;
    assert.deepEqual(exit, { code: 0, signal: null }, "the container ends cleanly, for the kubelet to restart Sentinel on the new files");
  });

  it("redis_exporter with the rendered arguments scrapes a node over verified TLS, and reports it down under another CA or name", async () => {
    // In the cluster it dials the node's own name; on loopback, a node whose certificate names localhost.
    certs.leaf("redis-local", "internal", "localhost", { dns: ["localhost"], usage: "serverAuth" });
    const local: RedisTlsFiles = { cert: certs.file("redis-local.crt"), key: certs.file("redis-local.crt.key"), ca: tls.ca };
    const port = await ports.take();
    const dir = path.join(sup.runDir, "redis-local");
    fs.mkdirSync(dir);
    const conf = path.join(dir, "redis.conf");
    fs.writeFileSync(conf, renderRedisConf({ memoryMi: 64, highAvailability: false, tls: local, dir, port, bind: "127.0.0.1" }) + `requirepass ${PASSWORD}\n`);
    sup.start({ name: "redis-local", command: "redis-server", args: [conf] });
    await eventually("local node up", async () => (cli(port, tls.ca, "ping") === "PONG" ? true : undefined), 20_000, 200);
    const scrape = async (name: string, caFile: string, target = port) => {
      const listen = await ports.take();
      sup.start({ name, command: "/usr/bin/prometheus-redis-exporter", args: redisExporterArgs({ host: "localhost", port: target, caFile, listenPort: listen }), env: { REDIS_PASSWORD: PASSWORD } });
      return eventually(`${name} answers`, async () => {
        const text = await fetch(`http://127.0.0.1:${listen}/metrics`).then((r) => r.text(), () => "");
        return /^redis_up \d/m.exec(text)?.[0];
      }, 20_000);
    };
    assert.equal(await scrape("exporter", tls.ca), "redis_up 1");
    assert.equal(await scrape("exporter-foreign", certs.file("foreign.crt")), "redis_up 0");
    // The primary's certificate is the CA's but does not name localhost: refused too.
    assert.equal(await scrape("exporter-wrong-name", tls.ca, primary), "redis_up 0");
  });
});
