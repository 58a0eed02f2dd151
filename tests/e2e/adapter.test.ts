/**
 * The loopback adapter may change addresses, ports, transports and paths, and nothing else.
 * These tests render the dev stack both ways with the program's renderers and compare.
 */
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { WORKER_TYPES } from "../../catalog/workers";
import { buildHaproxyModel } from "../../render/haproxy";
import { renderSynapse } from "../../render/synapse";
import { adaptHaproxyInput, allocateEndpoints, LOOPBACK, loopbackNetwork, planLoopback, relocate, type LoopbackPlan } from "../../e2e/adapter";
import { SYGNAL_CLUSTER_IP_STAND_IN, stackInputs } from "../../e2e/render";
import { haproxyConnLimit, issueMtlsCertificates } from "../../e2e/topology";

const RUN = "/tmp/mp-e2e-unit";
const SECRETS = { registration: "reg-secret", dbPassword: "db-pw", redisPassword: "redis-pw", s3AccessKey: "ak", s3SecretKey: "sk" };

function counter(start = 40000): () => number {
  let p = start;
  return () => p++;
}

/** Every leaf as "a.b[0].c" -> value. */
function leaves(v: unknown, prefix = "", out = new Map<string, unknown>()): Map<string, unknown> {
  if (Array.isArray(v)) v.forEach((x, i) => leaves(x, `${prefix}[${i}]`, out));
  else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) leaves(x, prefix ? `${prefix}.${k}` : k, out);
  else out.set(prefix, v);
  return out;
}

/** Leaf paths allowed to differ between the Kubernetes and the loopback rendering. */
const ALLOWED = [
  /^public_baseurl$/,
  /^(log_config|worker_log_config|media_store_path|([a-z_]+\.)*[a-z_]+_path)$/,
  /^app_service_config_files\[\d+\]$/,
  /^(listeners|worker_listeners)\[\d+\]\.(port|bind_addresses\[\d+\])$/,
  /^instance_map\.[a-z0-9-]+\.(host|port)$/,
  /^database\.args\.(host|port|sslmode|passfile)$/,
  /^redis\.(host|port|use_tls)$/,
  /^media_storage_providers\[\d+\]\.config\.endpoint_url$/,
  // Sygnal's Service address -> the loopback Sygnal's.
  /^ip_range_whitelist\[\d+\]$/,
  // The scan module: the scan workers' Service -> the loopback scan worker; its token file moves.
  /^modules\[\d+\]\.config\.(scan_url|token_path)$/,
  // Spans: the collector's Service -> a loopback port.
  /^opentracing\.jaeger_config\.local_agent\.(reporting_host|reporting_port)$/,
];

function diff(a: unknown, b: unknown): { changed: string[]; added: string[]; removed: string[] } {
  const la = leaves(a);
  const lb = leaves(b);
  return {
    changed: [...la.keys()].filter((k) => lb.has(k) && la.get(k) !== lb.get(k)),
    added: [...lb.keys()].filter((k) => !la.has(k)),
    removed: [...la.keys()].filter((k) => !lb.has(k)),
  };
}

describe("e2e loopback adapter", () => {
  const inputs = stackInputs("one-each");
  const plan: LoopbackPlan = planLoopback(inputs.synapse, inputs.haproxy, { runDir: RUN, nextPort: counter(), bridges: inputs.bridges, pushApps: inputs.pushApps, objectStoreTenant: inputs.objectStoreTenant, secrets: SECRETS });
  const k8s = renderSynapse(inputs.synapse);
  const local = renderSynapse(plan.input);

  it("runs main and exactly one process of every catalogue worker type, from the dev stack", () => {
    assert.equal(inputs.spec.stack, "dev");
    assert.equal(plan.processes[0].instance, "main");
    assert.deepEqual(plan.processes.slice(1).map((p) => p.type).sort(), WORKER_TYPES.map((t) => t.name).sort());
    assert.equal(plan.serverName, inputs.spec.serverName);
  });

  it("changes only addresses, ports, transports and paths in homeserver.yaml", () => {
    const d = diff(k8s.homeserver.object, local.homeserver.object);
    assert.deepEqual(d.added, []);
    assert.deepEqual(d.removed, []);
    const other = d.changed.filter((k) => !ALLOWED.some((re) => re.test(k)));
    assert.deepEqual(other, [], `homeserver.yaml changed beyond addresses/ports/paths: ${other.join(", ")}`);
    // ... and it did change what it must: nothing of the cluster survives.
    assert.ok(d.changed.includes("database.args.host") && d.changed.includes("redis.host") && d.changed.includes("public_baseurl"));
    assert.doesNotMatch(local.homeserver.text, /svc\.cluster\.local|0\.0\.0\.0/);
  });

  it("lets Synapse's pushers reach the loopback Sygnal exactly where the cluster lets them reach its Service", () => {
    assert.deepEqual(k8s.homeserver.object.ip_range_whitelist, [`${SYGNAL_CLUSTER_IP_STAND_IN}/32`]);
    assert.deepEqual(local.homeserver.object.ip_range_whitelist, [`${LOOPBACK}/32`]);
    assert.ok(plan.sygnal, "Sygnal is planned");
    assert.equal(new URL(plan.sygnal!.notifyUrl).hostname, LOOPBACK);
  });

  it("changes only listener addresses, ports and the log-config path in every worker file", () => {
    for (const [name, w] of k8s.workers) {
      const d = diff(w.object, local.workers.get(name)!.object);
      assert.deepEqual([...d.added, ...d.removed], [], name);
      const other = d.changed.filter((k) => !ALLOWED.some((re) => re.test(k)));
      assert.deepEqual(other, [], `${name}: ${other.join(", ")}`);
    }
  });

  it("binds every listener to 127.0.0.1 on a port no other listener or service uses", () => {
    const ports: number[] = [plan.postgres.port, plan.redis.port, plan.s3!.port, plan.s3!.consolePort];
    const files = [local.homeserver.object, ...[...local.workers.values()].map((w) => w.object)];
    for (const f of files) {
      for (const l of ((f.listeners ?? f.worker_listeners) as { port: number; bind_addresses: string[] }[])) {
        assert.deepEqual(l.bind_addresses, [LOOPBACK]);
        ports.push(l.port);
      }
    }
    const hp = [plan.haproxy.clientUrl, plan.haproxy.federationUrl, plan.haproxy.statsUrl].map((u) => Number(new URL(u).port));
    ports.push(...hp);
    assert.equal(new Set(ports).size, ports.length, "ports are distinct");
  });

  it("points instance_map at each instance's own loopback replication listener", () => {
    const map = local.homeserver.object.instance_map as Record<string, { host: string; port: number }>;
    assert.ok(Object.keys(map).length > 5);
    for (const [name, entry] of Object.entries(map)) {
      assert.equal(entry.host, LOOPBACK);
      const file = name === "main" ? local.homeserver.object : local.workers.get(name)!.object;
      const listeners = (file.listeners ?? file.worker_listeners) as { port: number; resources?: { names: string[] }[] }[];
      const repl = listeners.find((l) => l.resources?.some((r) => r.names.includes("replication")));
      assert.equal(repl?.port, entry.port, `${name}'s replication listener`);
    }
  });

  it("moves every file path under the run directory and provides every secret file", () => {
    const hs = local.homeserver.object as Record<string, unknown>;
    const pathKeys = Object.entries(hs).filter(([k, v]) => typeof v === "string" && (k.endsWith("_path") || k === "log_config"));
    assert.ok(pathKeys.length >= 7);
    for (const [k, v] of pathKeys) assert.ok(String(v).startsWith(`${RUN}/fs/`), `${k} = ${v}`);
    const secretPaths = new Set(plan.secretFiles.map((s) => s.path));
    for (const [k, v] of pathKeys) {
      if (k === "media_store_path" || k === "log_config") continue;
      assert.ok(secretPaths.has(String(v)), `${k} has no secret file`);
    }
    assert.equal(relocate(RUN, "/etc/synapse/log.yaml"), `${RUN}/fs/etc/synapse/log.yaml`);
    assert.ok(plan.files[(hs.log_config as string)], "the rendered log config is written where log_config points");
  });

  it("gives libpq a passfile line for exactly the loopback database the config names", () => {
    const args = (local.homeserver.object.database as { args: Record<string, unknown> }).args;
    const pgpass = plan.secretFiles.find((s) => s.path === args.passfile)!;
    assert.equal(pgpass.value, `${LOOPBACK}:${plan.postgres.port}:${args.dbname}:${args.user}:${SECRETS.dbPassword}\n`);
    assert.equal(args.sslmode, "disable");
    assert.deepEqual(plan.postgres.databases, [{ dbname: args.dbname, user: args.user, password: SECRETS.dbPassword }]);
  });

  it("keeps the S3 storage provider, pointed at the loopback S3 server with the rendered bucket", () => {
    const provider = (local.homeserver.object.media_storage_providers as { module: string; config: Record<string, unknown> }[])[0];
    assert.equal(provider.module, "s3_storage_provider.S3StorageProviderBackend");
    assert.equal(provider.config.endpoint_url, plan.s3!.endpoint);
    assert.deepEqual(plan.s3!.buckets, [inputs.synapse.objectStore!.bucket]);
    // Only the media-serving process gets object-store access, through files as in the cluster.
    for (const proc of plan.processes) {
      const media = proc.type === "media-repository";
      assert.equal(Boolean(proc.env.AWS_SHARED_CREDENTIALS_FILE), media, proc.instance);
      assert.equal(Boolean(proc.env.AWS_CONFIG_FILE), media, proc.instance);
    }
    const creds = plan.processes.find((x) => x.type === "media-repository")!.env.AWS_SHARED_CREDENTIALS_FILE;
    assert.match(plan.files[creds], /^\[default\]\naws_access_key_id = ak\naws_secret_access_key = sk\n$/);
  });

  it("writes the bridges' appservice registrations with a loopback URL", () => {
    assert.deepEqual(inputs.bridges, ["telegram", "whatsapp"]);
    const ids: string[] = [];
    for (const f of local.homeserver.object.app_service_config_files as string[]) {
      const reg = parseYaml(plan.files[f]) as { url: string | null; id: string };
      ids.push(reg.id);
      // The double-puppeting registration has no URL: Synapse pushes it nothing.
      if (reg.id === "doublepuppet") assert.equal(reg.url, null);
      else assert.match(reg.url!, /^http:\/\/127\.0\.0\.1:\d+$/, reg.id);
    }
    assert.deepEqual(ids, ["telegram", "whatsapp", "doublepuppet"]);
  });

  it("keeps HAProxy's routing, balancing and limits and swaps only frontends and servers", () => {
    const network = loopbackNetwork(counter(50000), inputs.synapse.network);
    const ep = allocateEndpoints(counter(60000));
    const k8sModel = buildHaproxyModel(inputs.haproxy);
    const localModel = buildHaproxyModel(adaptHaproxyInput(inputs.haproxy, inputs.synapse.instances, network, ep, RUN));
    for (const key of ["global", "timeouts", "uploads", "adminApi", "userHashHeader", "roomHashHeader", "roomKeyPattern", "roomKeyGroup", "acls", "rules", "defaultBackend"] as const) {
      assert.deepEqual(localModel[key], k8sModel[key], key);
    }
    assert.deepEqual(
      localModel.backends.map((b) => [b.name, b.serves, b.balance, b.healthPath]),
      k8sModel.backends.map((b) => [b.name, b.serves, b.balance, b.healthPath]),
    );
    assert.equal(localModel.resolvers, undefined);
    assert.ok(k8sModel.resolvers, "the cluster config discovers pools through DNS");
    for (const f of localModel.frontends) assert.equal(f.bind.address, LOOPBACK);
    for (const b of localModel.backends) {
      for (const s of b.servers) {
        assert.equal(s.kind, "server");
        if (s.kind !== "server") continue;
        assert.equal(s.host, LOOPBACK);
        assert.equal(s.name, s.instance, "server named after its instance, so the log names the process");
      }
    }
    // Mutual TLS (the e2e renders it on): every server still verifies the name the cluster's does,
    // and the router's certificate files move under the run directory.
    assert.ok(k8sModel.upstreamTls && localModel.upstreamTls);
    assert.equal(localModel.upstreamTls.certFile, relocate(RUN, k8sModel.upstreamTls.certFile));
    const names = (m: typeof k8sModel) => m.backends.map((b) => [b.name, [...new Set(b.servers.map((x) => x.tlsName))]]);
    assert.deepEqual(names(localModel), names(k8sModel));
    assert.ok(localModel.backends.every((b) => b.servers.every((x) => x.tlsName)), "every server verified by name");
  });

  it("puts a mutual-TLS proxy in front of every process, as every pod has one", () => {
    assert.ok(plan.mtls);
    assert.deepEqual(plan.mtls.proxies.map((p) => p.instance), plan.processes.map((p) => p.instance));
    for (const p of plan.mtls.proxies) assert.match(plan.files[p.configFile], /verify required/);
  });

  it("maps every HAProxy backend/server to the process and type behind it", () => {
    assert.deepEqual(plan.haproxy.servers["main/main"], { instance: "main", type: "main" });
    assert.deepEqual(plan.haproxy.servers["synchrotron/synchrotron-0"], { instance: "synchrotron-0", type: "synchrotron" });
    const routed = WORKER_TYPES.filter((t) => t.routes.length > 0).map((t) => t.name).sort();
    assert.deepEqual(Object.values(plan.haproxy.servers).map((s) => s.type).filter((t) => t !== "main").sort(), routed);
  });

  it("produces an haproxy.cfg the real HAProxy accepts", function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mp-adapter-"));
    try {
      const cfg = path.join(dir, "haproxy.cfg");
      fs.writeFileSync(cfg, plan.files[plan.haproxy.configFile]);
      // The certificate files the router's and the proxies' configs name (under the plan's run directory).
      issueMtlsCertificates(plan.mtls!);
      execFileSync("haproxy", ["-c", "-q", "-f", cfg], { stdio: "pipe" });
      for (const p of plan.mtls!.proxies.slice(0, 3)) {
        const f = path.join(dir, `${p.instance}.cfg`);
        fs.writeFileSync(f, plan.files[p.configFile]);
        execFileSync("haproxy", ["-c", "-q", "-f", f], { stdio: "pipe" });
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("renders the monolith with the same renderers: main alone, every route to main", () => {
    const mono = stackInputs("none");
    const p = planLoopback(mono.synapse, mono.haproxy, { runDir: RUN, nextPort: counter(), bridges: mono.bridges, objectStoreTenant: mono.objectStoreTenant, secrets: SECRETS });
    assert.deepEqual(p.processes.map((x) => x.instance), ["main"]);
    assert.ok(p.processes[0].env.AWS_SHARED_CREDENTIALS_FILE, "main serves media in the monolith");
    assert.deepEqual(Object.keys(p.haproxy.servers), ["main/main"]);
    const hs = parseYaml(p.files[p.processes[0].configFiles[0]]) as Record<string, unknown>;
    assert.equal(hs.stream_writers, undefined);
    assert.notEqual(hs.enable_media_repo, false);
  });

  it("caps HAProxy's connection count on the command line only when the FD limit cannot hold maxconn", () => {
    assert.equal(haproxyConnLimit(20000, 1048576), undefined);
    assert.equal(haproxyConnLimit(20000, 20000), 9950);
    assert.ok(2 * haproxyConnLimit(20000, 20000)! + 100 <= 20000);
  });
});
