/**
 * Brings a loopback plan (what e2e/adapter.ts makes of the rendered configs) to life:
 * PostgreSQL, Redis, the object store (MinIO), Synapse main, every worker, then HAProxy — in that order,
 * each waited on before the next, so a failure names the process that caused it.
 */
import { StubProxy, startSygnal, type SygnalPlan } from "./sygnal";
import { execFileSync } from "child_process";
import { generateKeyPairSync, randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { synapseSigningKey } from "../render/synapse";
import type { LoopbackPlan, MtlsPlan, PlanProcess } from "./adapter";
import { ROUTER_CLIENT_NAME } from "../catalog/internal-tls";
import { pki } from "./internal-pki";

/** Supervisor names of the proxies: `mtls-proxy-<instance>`. */
export const MTLS_PROXY_PREFIX = "mtls-proxy-";
import { AppserviceSink } from "./appservice-sink";
import { HaproxyLog } from "./haproxy-log";
import { Supervisor, eventually, waitHttpOk, type Proc } from "./procs";
import { TOOL_CACHE } from "../scripts/tool-cache";
import { redisPing, startPostgres, startRedis, type PgInstance } from "./services";
import { SYNAPSE_REDIS_PROXY, renderSynapseRedisProxyConfig } from "../render/redis/synapse-redis-proxy";
import { startObjectStore, type LoopbackObjectStore } from "./object-store";

export function synapseVenv(): string {
  return process.env.MP_SYNAPSE_VENV ?? path.join(TOOL_CACHE, "synapse-venv");
}

export function synapsePython(): string {
  const py = path.join(synapseVenv(), "bin", "python");
  if (!fs.existsSync(py)) throw new Error(`${py} missing: run scripts/provision.sh (20-synapse.sh creates the Synapse venv)`);
  return py;
}

export interface RunningTopology {
  plan: LoopbackPlan;
  sup: Supervisor;
  pg: PgInstance;
  /** The object store (MinIO with the tenant's settings), when the plan renders one. */
  objectStore?: LoopbackObjectStore;
  /** Client-server API through HAProxy (or main itself for a plan without HAProxy). */
  clientUrl: string;
  federationUrl: string;
  haproxyLog: HaproxyLog;
  /** Stands in for the bridges; undefined when no appservice is registered. */
  appserviceSink?: AppserviceSink;
  /** The running Sygnal and the stub proxy behind it, when push is deployed. */
  sygnal?: { plan: SygnalPlan; proc: Proc; proxy: StubProxy };
  procs: Map<string, Proc>;
  timings: Record<string, number>;
}

/** Writes the files the plan names, and the secrets Synapse reads from `*_path` files. */
export function materialise(plan: LoopbackPlan): void {
  for (const d of plan.dirs) fs.mkdirSync(d, { recursive: true });
  for (const [file, content] of Object.entries(plan.files)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
  }
  for (const s of plan.secretFiles) {
    if (fs.existsSync(s.path)) continue;
    fs.mkdirSync(path.dirname(s.path), { recursive: true });
    if (s.kind === "signing_key") {
      // As the stack does it: an Ed25519 PKCS#8 key converted to Synapse's key-file line.
      const pem = generateKeyPairSync("ed25519").privateKey.export({ format: "pem", type: "pkcs8" }).toString();
      fs.writeFileSync(s.path, synapseSigningKey(pem), { mode: 0o600 });
    } else {
      // 0600: libpq refuses a group- or world-readable passfile.
      fs.writeFileSync(s.path, s.value ?? randomBytes(32).toString("hex"), { mode: 0o600 });
    }
  }
  if (plan.mtls) issueMtlsCertificates(plan.mtls);
}

/**
 * What cert-manager does in the cluster: an internal CA, a server certificate per Service name
 * (the name HAProxy verifies), the router's client certificate; each copied to where the
 * process reads it, as the pods' Secret volumes lay them out (tls.crt, tls.crt.key, ca.crt).
 */
export function issueMtlsCertificates(m: MtlsPlan): void {
  const ca = pki(m.pkiDir);
  ca.ca("internal");
  const place = (leaf: string, certFile: string, caFile: string) => {
    fs.mkdirSync(path.dirname(certFile), { recursive: true });
    fs.copyFileSync(ca.file(`${leaf}.crt`), certFile);
    fs.copyFileSync(ca.file(`${leaf}.crt.key`), `${certFile}.key`);
    fs.copyFileSync(ca.file("internal.crt"), caFile);
  };
  ca.leaf("router", "internal", ROUTER_CLIENT_NAME, { usage: "clientAuth" });
  place("router", m.router.certFile, m.router.caFile);
  const issued = new Set<string>();
  for (const p of m.proxies) {
    const leaf = `server-${p.dnsName}`;
    if (!issued.has(leaf)) ca.leaf(leaf, "internal", p.dnsName, { dns: [p.dnsName], usage: "serverAuth" });
    issued.add(leaf);
    place(leaf, p.certFile, p.caFile);
  }
}

async function startSynapse(sup: Supervisor, plan: LoopbackPlan, p: PlanProcess, timeoutMs: number): Promise<Proc> {
  const proc = sup.start({
    name: p.instance,
    command: synapsePython(),
    args: ["-m", p.app, ...p.configFiles.flatMap((f) => ["-c", f])],
    env: { PYTHONDONTWRITEBYTECODE: "1", ...p.env },
  });
  // Every rendered process has a public HTTP listener answering /health once it is serving.
  await waitHttpOk(p.healthUrl, { timeoutMs, proc, sup });
  return proc;
}

/** The hard RLIMIT_NOFILE children inherit (node has no getrlimit). */
export function hardNoFile(): number {
  return Number(execFileSync("sh", ["-c", "ulimit -Hn"]).toString().trim()) || Number.POSITIVE_INFINITY;
}

/**
 * HAProxy needs about two descriptors per connection and refuses to start when the rendered
 * `maxconn` cannot fit the process's file-descriptor limit. A Kubernetes container gets a high
 * limit; a sandbox may not, and an unprivileged user cannot raise it. Then the e2e caps the
 * connection count on the command line (`-n`), leaving the rendered file as it is.
 */
export function haproxyConnLimit(maxconn: number, hard = hardNoFile()): number | undefined {
  const need = 2 * maxconn + 100;
  if (need <= hard) return undefined;
  return Math.floor((hard - 100) / 2);
}

export interface StartOptions {
  /** Workers started at once; 2 cores make more than ~4 concurrent Synapse start-ups counter-productive. */
  batch?: number;
  startTimeoutMs?: number;
  log?: (msg: string) => void;
}

export async function startTopology(sup: Supervisor, plan: LoopbackPlan, opts: StartOptions = {}): Promise<RunningTopology> {
  const log = opts.log ?? (() => undefined);
  const timings: Record<string, number> = {};
  const t0 = Date.now();
  const mark = (k: string) => (timings[k] = Date.now() - t0);
  materialise(plan);

  const pg = await startPostgres(sup, plan.postgres.port, plan.postgres.databases, plan.postgres.maxConnections);
  mark("postgres");
  const redisPki = pki(path.join(plan.runDir, "redis-pki"));
  redisPki.ca("redis-ca");
  redisPki.leaf("redis", "redis-ca", plan.redis.tls.serverName, { dns: [plan.redis.tls.serverName], usage: "serverAuth" });
  await startRedis(sup, plan.redis.port, plan.redis.password, { port: plan.redis.tls.port, cert: redisPki.file("redis.crt"), key: redisPki.file("redis.crt.key"), ca: redisPki.file("redis-ca.crt") });
  // Synapse's verifying proxy, rendered as in every Synapse pod, on loopback ports.
  const redisProxyFile = path.join(plan.runDir, "redis-proxy.cfg");
  fs.writeFileSync(redisProxyFile, renderSynapseRedisProxyConfig({ upstream: { host: "127.0.0.1", port: plan.redis.tls.port }, caFile: redisPki.file("redis-ca.crt"), verifyName: plan.redis.tls.serverName, runtimeDns: false })
    .replace(`bind ${SYNAPSE_REDIS_PROXY.host}:${SYNAPSE_REDIS_PROXY.port}`, `bind 127.0.0.1:${plan.redis.tls.proxyPort}`)
    .replace(/^frontend health\n(.*\n){3}\n/m, ""));
  execFileSync("haproxy", ["-c", "-q", "-f", redisProxyFile], { stdio: ["ignore", "pipe", "pipe"] });
  sup.start({ name: "redis-proxy", command: "haproxy", args: ["-f", redisProxyFile], stopSignal: "SIGUSR1" });
  await eventually("Synapse's Redis proxy reaches Redis over verified TLS", async () => ((await redisPing(plan.redis.tls.proxyPort, plan.redis.password)) ? true : undefined), 15_000, 200);
  mark("redis");
  const objectStore = plan.s3 ? await startObjectStore(sup, plan.s3) : undefined;
  mark("s3");
  // Up before Synapse: an appservice that refuses connections is backed off for minutes.
  let appserviceSink: AppserviceSink | undefined;
  if (plan.appservices.length > 0) {
    const infra = new Set(["postgres", "redis", "redis-proxy", "s3", "haproxy"]);
    appserviceSink = new AppserviceSink(
      plan.appservices[0].port,
      new Map(plan.appservices.map((a) => [a.hsToken, a.id])),
      () => sup.procs.filter((p) => !infra.has(p.spec.name) && !p.spec.name.startsWith(MTLS_PROXY_PREFIX) && !p.exitInfo).map((p) => p.pid),
    );
    await appserviceSink.start();
    sup.onStop(() => appserviceSink!.stop());
  }
  // Sygnal before Synapse, like the appservice: a gateway that refuses connections is backed off.
  let sygnal: RunningTopology["sygnal"];
  if (plan.sygnal) {
    const proxy = new StubProxy(plan.sygnal.proxyPort);
    await proxy.start();
    sup.onStop(() => proxy.stop());
    sygnal = { plan: plan.sygnal, proc: await startSygnal(sup, plan.sygnal), proxy };
    mark("sygnal");
  }
  log(`data services up in ${Date.now() - t0} ms`);

  const procs = new Map<string, Proc>();
  const [main, ...workers] = plan.processes;
  if (main.instance !== "main") throw new Error("plan must list main first");
  // Main creates the schema on a fresh database: the slowest start, and workers need it done.
  procs.set("main", await startSynapse(sup, plan, main, opts.startTimeoutMs ?? 180_000));
  mark("main");
  log(`main up after ${Date.now() - t0} ms`);
  const batch = opts.batch ?? 4;
  for (let i = 0; i < workers.length; i += batch) {
    const group = workers.slice(i, i + batch);
    const started = await Promise.all(group.map((w) => startSynapse(sup, plan, w, opts.startTimeoutMs ?? 180_000)));
    group.forEach((w, j) => procs.set(w.instance, started[j]));
    log(`workers up: ${group.map((w) => w.instance).join(", ")} (${Date.now() - t0} ms)`);
  }
  mark("workers");

  // The pods' mutual-TLS proxies, each in front of its process, before the router dials them.
  if (plan.mtls) {
    await Promise.all(plan.mtls.proxies.map(async (p) => {
      const args = ["-db", "-f", p.configFile];
      const n = haproxyConnLimit(p.maxconn);
      if (n !== undefined) args.push("-n", String(n));
      const proc = sup.start({ name: `${MTLS_PROXY_PREFIX}${p.instance}`, command: "haproxy", args, stopSignal: "SIGUSR1" });
      // Through the proxy's health port to the process's own listener, as the kubelet probes it.
      await waitHttpOk(p.healthUrl, { timeoutMs: 30_000, proc, sup });
    }));
    mark("mtls-proxies");
    log(`mutual-TLS proxies up: ${plan.mtls.proxies.length} (${Date.now() - t0} ms)`);
  }

  const hp = plan.haproxy;
  try {
    execFileSync("haproxy", ["-c", "-q", "-f", hp.configFile], { stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    const err = e as { stderr?: Buffer; stdout?: Buffer };
    throw new Error(`haproxy -c rejected ${hp.configFile}: ${err.stderr?.toString() ?? ""}${err.stdout?.toString() ?? ""}`);
  }
  // -db: foreground, no daemon. The rendered config logs to stdout (`option httplog`), which the
  // supervisor writes to logs/haproxy.log: that is where the e2e reads who served what.
  const args = ["-db", "-f", hp.configFile];
  const n = haproxyConnLimit(hp.maxconn);
  if (n !== undefined) {
    args.push("-n", String(n));
    log(`haproxy: rendered maxconn ${hp.maxconn} needs ~${2 * hp.maxconn} file descriptors, this machine allows ${hardNoFile()}; running with -n ${n}`);
  }
  const proc = sup.start({ name: "haproxy", command: "haproxy", args, stopSignal: "SIGUSR1" });
  procs.set("haproxy", proc);
  const haproxyLog = new HaproxyLog(proc.logFile);
  const clientUrl = hp.clientUrl;
  const federationUrl = hp.federationUrl;
  // Readiness as the rendered stats frontend defines it: main up (a down worker costs only its routes).
  await waitHttpOk(`${hp.statsUrl}/ready`, { timeoutMs: 60_000, proc, sup });
  await waitHttpOk(`${clientUrl}/_matrix/client/versions`, { timeoutMs: 30_000, proc, sup });
  mark("haproxy");
  log(`topology up in ${Date.now() - t0} ms`);
  if (sygnal) procs.set("sygnal", sygnal.proc);
  return { plan, sup, pg, objectStore, clientUrl, federationUrl, haproxyLog, appserviceSink, sygnal, procs, timings };
}
