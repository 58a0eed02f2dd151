/**
 * Traces for real: Jaeger v2 (built from its Go module at the image's release by
 * scripts/provision.d/60-monitoring.sh) runs the rendered config, with only its listeners moved
 * to loopback ports and Badger to a temporary directory; a single-process Synapse (the tests'
 * venv, SQLite, a minimal homeserver.yaml) runs the `opentracing:` section the dev stack renders
 * (sampling every request), with only the collector's address moved to loopback. Requests to
 * Synapse must come back as traces from Jaeger's query API, received over the thrift-compact UDP
 * path, and every name the traces alerts read must be on the collector's metrics endpoint.
 */
import { strict as assert } from "assert";
import { createHmac } from "crypto";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { stringify } from "yaml";
import { eventually, Supervisor, waitHttpOk } from "../../e2e/procs";
import { PortAllocator } from "../../e2e/ports";
import { takeTcpUdpPort } from "../../e2e/rtc";
import { exposedNames } from "../../e2e/metrics";
import { stackInputs } from "../../e2e/render";
import { renderHomeserverConfig, toYaml } from "../../render/synapse";
import { JAEGER_PORTS, jaegerConfig } from "../../render/traces";
import { deadQueriesOf, usedMetricNames } from "../../components/monitoring/metric-sources";
import { TRACE_RETENTION_HOURS } from "../../components/monitoring/traces";
import { TOOL_CACHE } from "../../scripts/tool-cache";
import { PROJECT_ROOT, SYNAPSE_PYTHON, requireSynapseVenv } from "./synapse-fixture";
import { standaloneSynapseConfig } from "../helpers/standalone-synapse";

const SERVER_NAME = "traces.test";
const SHARED = "traces-registration-shared-secret";

/** The binary the provision step built, at the module version it pins. */
function jaegerBinary(): string {
  const script = fs.readFileSync(path.join(PROJECT_ROOT, "scripts/provision.d/60-monitoring.sh"), "utf8");
  const version = /^JAEGER_MODULE_VERSION=(v[0-9.]+)$/m.exec(script)?.[1];
  if (!version) throw new Error("no JAEGER_MODULE_VERSION in scripts/provision.d/60-monitoring.sh");
  const bin = path.join(TOOL_CACHE, `jaeger-${version}`, "jaeger");
  if (!fs.existsSync(bin)) throw new Error(`${bin} is missing: run scripts/provision.sh (provision.d/60-monitoring.sh)`);
  return bin;
}

interface JaegerTrace { spans: { operationName: string; processID: string }[]; processes: Record<string, { serviceName: string }> }

describe("traces: Synapse's spans through the real Jaeger v2", function () {
  this.timeout(300_000);
  const sup = new Supervisor(Supervisor.freshRunDir());
  const ports = new PortAllocator();
  let query: string;
  let metrics: string;
  let hs: string;

  const api = async <T>(p: string): Promise<T> => {
    const res = await fetch(`${query}${p}`);
    assert.equal(res.status, 200, `${p}: ${res.status}`);
    return ((await res.json()) as { data: T }).data;
  };
  const call = async (method: string, p: string, body?: unknown, token?: string) => {
    const res = await fetch(`${hs}${p}`, { method, headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, json: (await res.json()) as Record<string, any> };
  };

  before(async () => {
    requireSynapseVenv();
    const bin = jaegerBinary();
    // ----- Jaeger: the pod's config with loopback listeners and a temporary Badger directory.
    const p: Record<keyof typeof JAEGER_PORTS, number> = {
      thriftCompact: await takeTcpUdpPort(ports), thriftHttp: await ports.take(), otlpGrpc: await ports.take(), otlpHttp: await ports.take(),
      query: await ports.take(), queryGrpc: await ports.take(), metrics: await ports.take(), health: await ports.take(),
    };
    const jaegerDir = path.join(sup.runDir, "jaeger");
    fs.mkdirSync(path.join(jaegerDir, "data"), { recursive: true });
    const configFile = path.join(jaegerDir, "config.yaml");
    fs.writeFileSync(configFile, toYaml(jaegerConfig({ bind: "127.0.0.1", ports: p, dataDir: path.join(jaegerDir, "data"), retentionHours: TRACE_RETENTION_HOURS })));
    const jaeger = sup.start({ name: "jaeger", command: bin, args: ["--config", `file:${configFile}`], cwd: jaegerDir });
    query = `http://127.0.0.1:${p.query}`;
    metrics = `http://127.0.0.1:${p.metrics}/metrics`;
    await waitHttpOk(`http://127.0.0.1:${p.health}/status`, { timeoutMs: 60_000, proc: jaeger, sup });

    // ----- Synapse: the dev stack's opentracing section, the collector's address moved to loopback.
    const deployed = stackInputs("none").synapse;
    assert.ok(deployed.tracing, "the dev stack deploys monitoring, so Synapse traces");
    assert.equal(deployed.tracing.samplingRatio, 1, "dev samples every request");
    const opentracing = renderHomeserverConfig({ ...deployed, serverName: SERVER_NAME, tracing: { ...deployed.tracing, agentHost: "127.0.0.1", agentPort: p.thriftCompact } }).opentracing;
    const dir = path.join(sup.runDir, "synapse");
    fs.mkdirSync(dir, { recursive: true });
    const port = await ports.take();
    hs = `http://127.0.0.1:${port}`;
    const config = {
      ...standaloneSynapseConfig({ dir, port, serverName: SERVER_NAME, registrationSecret: SHARED }),
      opentracing,
    };
    const file = path.join(dir, "homeserver.yaml");
    fs.writeFileSync(file, stringify(config));
    execFileSync(SYNAPSE_PYTHON, ["-m", "synapse.app.homeserver", "-c", file, "--generate-keys"], { cwd: dir, stdio: "pipe" });
    const synapse = sup.start({ name: "synapse-traced", command: SYNAPSE_PYTHON, args: ["-m", "synapse.app.homeserver", "-c", file], cwd: dir, env: { PYTHONDONTWRITEBYTECODE: "1" } });
    await waitHttpOk(`${hs}/health`, { timeoutMs: 120_000, proc: synapse, sup });
  });
  after(() => sup.stopAll());

  it("stores the spans of Synapse's requests, queryable by service and operation", async () => {
    // A user registered with the shared secret, a login, a room with a message.
    const { json: { nonce } } = await call("GET", "/_synapse/admin/v1/register");
    const mac = createHmac("sha1", SHARED).update(`${nonce}\0alice\0pw-alice-123\0notadmin`).digest("hex");
    assert.equal((await call("POST", "/_synapse/admin/v1/register", { nonce, username: "alice", password: "pw-alice-123", admin: false, mac })).status, 200);
    const login = await call("POST", "/_matrix/client/v3/login", { type: "m.login.password", identifier: { type: "m.id.user", user: "alice" }, password: "pw-alice-123" });
    assert.equal(login.status, 200, JSON.stringify(login.json));
    const room = await call("POST", "/_matrix/client/v3/createRoom", { name: "traced" }, login.json.access_token);
    assert.equal(room.status, 200, JSON.stringify(room.json));
    const sent = await call("PUT", `/_matrix/client/v3/rooms/${encodeURIComponent(room.json.room_id)}/send/m.room.message/t1`, { msgtype: "m.text", body: "hello" }, login.json.access_token);
    assert.equal(sent.status, 200, JSON.stringify(sent.json));

    // Synapse names its service "<server_name> <instance type>" (main is "master").
    const service = await eventually("Synapse's service in Jaeger", async () => {
      const services = await api<string[]>("/api/services");
      return services.find((s) => s.startsWith(`${SERVER_NAME} `));
    }, 60_000);
    assert.equal(service, `${SERVER_NAME} master`);
    // Each servlet is an operation: ask for the login's traces by name, not among the latest N.
    const operations = await eventually("the login and send operations", async () => {
      const ops = await api<string[]>(`/api/services/${encodeURIComponent(service)}/operations`);
      return ops.includes("LoginRestServlet") && ops.includes("RoomSendEventRestServlet") ? ops : undefined;
    }, 60_000);
    assert.ok(operations.includes("RoomCreateRestServlet"), operations.join(", "));
    const traces = await api<JaegerTrace[]>(`/api/traces?service=${encodeURIComponent(service)}&operation=LoginRestServlet&lookback=1h&limit=20`);
    assert.ok(traces.length >= 1, "no login trace");
    const span = traces[0].spans.find((s) => s.operationName === "LoginRestServlet");
    assert.ok(span, "the login trace has the servlet's span");
    assert.equal(traces[0].processes[span.processID].serviceName, service);
  });

  it("received them on the jaeger receiver's UDP thrift-compact path, and exposes every name the traces alerts read", async () => {
    assert.ok(usedMetricNames().some((u) => u.job === "jaeger"), "the traces alerts read the collector's metrics");
    let dead: string[] = [];
    const text = await eventually("the collector's span counters", async () => {
      const t = await (await fetch(metrics)).text();
      dead = deadQueriesOf("jaeger", [...exposedNames(t)]);
      return dead.length === 0 ? t : undefined;
    }, 60_000).catch((e: Error) => assert.fail(`${e.message}: ${dead.join("; ")}`));
    const accepted = text.split("\n").filter((l) => l.startsWith("otelcol_receiver_accepted_spans") && l.includes('receiver="jaeger"') && l.includes("udp_thrift_compact"));
    assert.ok(accepted.length > 0, "no accepted-spans series for the jaeger receiver's UDP transport");
    assert.ok(accepted.some((l) => Number(l.trim().split(/\s+/).pop()) > 0), accepted.join("\n"));
  });
});
