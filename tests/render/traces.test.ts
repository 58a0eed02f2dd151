/**
 * Synapse's tracing as a deployment renders it: the `opentracing:` section in homeserver.yaml
 * (which every worker reads and none overrides) only when monitoring is deployed, its sampling
 * ratio from `traceSamplingRatio` or the environment preset, spans sent to the collector's
 * Service; and the Jaeger config's listeners, storage and pipeline wiring.
 */
import { strict as assert } from "assert";
import { parseSpec } from "../../config/parse";
import { PROJECT } from "../../config";
import { planInstances, instanceCountsFromSizing, renderHomeserverConfig, renderWorkerConfigs } from "../../render/synapse";
import { synapseDeploymentInput } from "../../render/synapse/deployment";
import { JAEGER_PORTS, jaegerConfig, synapseOpentracing } from "../../render/traces";
import { size } from "../../sizing";
import { presetConfig } from "../../stacks/presets";

function deployment(stack: { environment: "dev" | "staging" | "prod"; monitoring: boolean; ratio?: string }) {
  const raw = presetConfig({ environment: stack.environment, platform: "existing", profile: "100" });
  raw[`${PROJECT}:monitoring`] = String(stack.monitoring);
  if (stack.ratio !== undefined) raw[`${PROJECT}:traceSamplingRatio`] = stack.ratio;
  const spec = parseSpec(raw, `${stack.environment}-existing-100`);
  const sizing = size(spec);
  const instances = planInstances(instanceCountsFromSizing(sizing));
  const input = synapseDeploymentInput({
    spec, sizing, instances, namespace: "matrix",
    endpoints: {
      database: { host: "db", port: 5432, database: "synapse", user: "synapse", sslMode: "require", maxConnections: 200 },
      redis: { host: "redis", port: 6379, tls: false },
    },
    appserviceFiles: [], turn: false, keyVaultPublicKeyPem: "-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n",
  });
  return { spec, input, homeserver: renderHomeserverConfig(input), workers: renderWorkerConfigs(input) };
}

type Tracing = { enabled: boolean; homeserver_whitelist: string[]; jaeger_config: { sampler: { type: string; param: number }; local_agent: { reporting_host: string; reporting_port: number } } };

describe("Synapse's tracing", () => {
  it("reports every process's spans to the collector's Service when monitoring is deployed", () => {
    const { homeserver, workers, input } = deployment({ environment: "dev", monitoring: true });
    const t = homeserver.opentracing as Tracing;
    assert.equal(t.enabled, true);
    assert.deepEqual(t.jaeger_config.local_agent, { reporting_host: "jaeger.monitoring.svc.cluster.local", reporting_port: 6831 });
    assert.ok(input.instances.length > 0, "the preset renders workers");
    for (const [name, w] of workers) assert.equal(w.opentracing, undefined, `${name} would replace main's tracing section`);
  });

  it("samples every request in dev and a hundredth in prod, unless traceSamplingRatio says otherwise", () => {
    const ratio = (s: Parameters<typeof deployment>[0]) => (deployment(s).homeserver.opentracing as Tracing).jaeger_config.sampler;
    assert.deepEqual(ratio({ environment: "dev", monitoring: true }), { type: "probabilistic", param: 1 });
    assert.deepEqual(ratio({ environment: "staging", monitoring: true }), { type: "probabilistic", param: 0.1 });
    assert.deepEqual(ratio({ environment: "prod", monitoring: true }), { type: "probabilistic", param: 0.01 });
    assert.deepEqual(ratio({ environment: "prod", monitoring: true, ratio: "0.25" }), { type: "probabilistic", param: 0.25 });
    assert.deepEqual(ratio({ environment: "dev", monitoring: true, ratio: "0" }), { type: "probabilistic", param: 0 });
  });

  it("has no tracing section without monitoring", () => {
    assert.equal(deployment({ environment: "dev", monitoring: false }).homeserver.opentracing, undefined);
    assert.equal(deployment({ environment: "dev", monitoring: false, ratio: "0.5" }).homeserver.opentracing, undefined);
  });

  it("exchanges trace context with this homeserver only (the whitelist is a regex of its name alone)", () => {
    const t = synapseOpentracing("example.com", { samplingRatio: 1, agentHost: "h", agentPort: 1 }) as Tracing;
    const [pattern] = t.homeserver_whitelist;
    const re = new RegExp(pattern);
    assert.ok(re.test("example.com"));
    for (const other of ["exampleXcom", "evil.example.com", "example.com.evil.org"]) assert.ok(!re.test(other), other);
  });

  it("refuses a ratio outside 0..1", () => {
    assert.throws(() => synapseOpentracing("example.com", { samplingRatio: 1.5, agentHost: "h", agentPort: 1 }), /from 0 to 1, got 1\.5/);
  });
});

describe("traceSamplingRatio", () => {
  const refusal = (value: string): string => {
    try {
      parseSpec({ [`${PROJECT}:traceSamplingRatio`]: value }, "dev");
    } catch (e) {
      return (e as Error).message;
    }
    return "accepted";
  };
  it("names the key, the value and what is allowed for anything but a decimal from 0 to 1", () => {
    for (const bad of ["1.5", "-0.1", "2", "1e-2", "half", "0.5.1", " "]) {
      assert.match(refusal(bad), /traceSamplingRatio = ".*" is not allowed: a decimal number from 0 to 1 such as 0\.01 or 1/, bad);
    }
    for (const good of ["0", "1", "0.01", "1.0", ".5"]) assert.equal(refusal(good), "accepted", good);
  });
  it("reads the empty string Pulumi.yaml declares as its default as unset: the environment's ratio applies", () => {
    const spec = parseSpec({ [`${PROJECT}:traceSamplingRatio`]: "" }, "dev");
    assert.equal(spec.monitoring.traceSamplingRatio, undefined);
  });
});

describe("Jaeger's configuration", () => {
  const config = jaegerConfig({ bind: "0.0.0.0", ports: { ...JAEGER_PORTS }, dataDir: "/var/lib/jaeger", retentionHours: 72 }) as any;

  it("receives jaeger thrift (UDP compact, HTTP) and OTLP, and stores what it receives in Badger with a TTL", () => {
    assert.equal(config.receivers.jaeger.protocols.thrift_compact.endpoint, "0.0.0.0:6831");
    assert.equal(config.receivers.jaeger.protocols.thrift_http.endpoint, "0.0.0.0:14268");
    const pipeline = config.service.pipelines.traces;
    assert.deepEqual(pipeline.receivers.sort(), ["jaeger", "otlp"]);
    for (const r of pipeline.receivers) assert.ok(config.receivers[r], r);
    for (const p of pipeline.processors) assert.ok(config.processors[p] !== undefined, p);
    const store = config.exporters[pipeline.exporters[0]].trace_storage;
    assert.equal(config.extensions.jaeger_query.storage.traces, store, "queries read the store the exporter writes");
    assert.deepEqual(config.extensions.jaeger_storage.backends[store].badger.ttl, { spans: "72h" });
    for (const e of config.service.extensions) assert.ok(config.extensions[e], e);
  });

  it("serves its metrics where the scrape target looks", () => {
    assert.deepEqual(config.service.telemetry.metrics.readers[0].pull.exporter.prometheus, { host: "0.0.0.0", port: 8888 });
  });

  it("refuses a retention that is not whole hours", () => {
    assert.throws(() => jaegerConfig({ bind: "0.0.0.0", ports: { ...JAEGER_PORTS }, dataDir: "/d", retentionHours: 0.5 }), /whole number of hours/);
  });
});
