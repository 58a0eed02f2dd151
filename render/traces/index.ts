/**
 * Traces (pure): the Jaeger v2 configuration and Synapse's `opentracing:` section.
 *
 * Why Jaeger v2: Synapse speaks only OpenTracing through jaeger-client, which sends thrift spans
 * to an agent over UDP (compact protocol, 6831) or posts them over HTTP (14268). Jaeger v2 is an
 * OpenTelemetry Collector distribution: its pipeline takes those spans with the collector's own
 * `jaeger` receiver and stores them through its `jaeger_storage` extension, and the same process
 * serves the query API and UI Grafana's Jaeger datasource reads. One process, no agent sidecar,
 * no second collector in front of a separate trace store. The spans are kept in Badger on the
 * collector's volume with a time-to-live, which at Synapse's sampled volume needs no cluster.
 */
import type { YamlObject } from "../synapse/homeserver";

/** The collector's ports (the Service, flows, probes and scrape target use these). */
export const JAEGER_PORTS = {
  /** jaeger receiver, thrift compact over UDP: what jaeger-client's local agent reporter sends to. */
  thriftCompact: 6831,
  /** jaeger receiver, thrift over HTTP (`/api/traces`), for clients that post instead. */
  thriftHttp: 14268,
  /** OTLP over gRPC and HTTP, for OpenTelemetry-native senders (MAS exports OTLP). */
  otlpGrpc: 4317,
  otlpHttp: 4318,
  /** jaeger_query: the HTTP query API and UI (Grafana's datasource). */
  query: 16686,
  /** jaeger_query's gRPC API (api_v2/api_v3), which nothing outside the pod calls. */
  queryGrpc: 16685,
  /** The collector's own metrics (Prometheus pull reader). */
  metrics: 8888,
  /** healthcheckv2's HTTP endpoint (probes). */
  health: 13133,
} as const;

/** Name of the collector's Service, StatefulSet and ConfigMap. */
export const JAEGER_NAME = "jaeger";
/** Where the collector's config file is mounted. */
export const JAEGER_CONFIG_PATH = "/etc/jaeger/config.yaml";
/** Where Badger keeps the spans (the collector's volume). */
export const JAEGER_DATA_DIR = "/var/lib/jaeger";
/** The storage backend's name inside the config (referenced by the exporter and the query extension). */
const STORE = "traces";

/** The collector's in-cluster address Synapse reports to and Grafana queries. */
export function jaegerHost(namespace: string): string {
  return `${JAEGER_NAME}.${namespace}.svc.cluster.local`;
}

export interface JaegerConfigInput {
  /** Address every listener binds to: 0.0.0.0 in a pod, 127.0.0.1 on loopback. */
  bind: string;
  /** Port numbers; JAEGER_PORTS in a pod, free ones on loopback. */
  ports: Record<keyof typeof JAEGER_PORTS, number>;
  /** Badger's directory for keys and values. */
  dataDir: string;
  /** How long spans are kept (Badger's TTL). */
  retentionHours: number;
}

/**
 * The collector's config.yaml: the jaeger receiver (thrift compact UDP and thrift HTTP) and OTLP,
 * the batch processor, spans into Badger through `jaeger_storage`, the query API over the same
 * store, health checks, and the collector's metrics on a Prometheus pull endpoint.
 */
export function jaegerConfig(v: JaegerConfigInput): YamlObject {
  if (!Number.isInteger(v.retentionHours) || v.retentionHours < 1) throw new Error(`trace retention must be a whole number of hours, got ${v.retentionHours}`);
  const at = (port: number) => `${v.bind}:${port}`;
  return {
    service: {
      extensions: ["jaeger_storage", "jaeger_query", "healthcheckv2"],
      pipelines: {
        traces: { receivers: ["jaeger", "otlp"], processors: ["batch"], exporters: ["jaeger_storage_exporter"] },
      },
      telemetry: {
        resource: { "service.name": "jaeger" },
        metrics: { level: "detailed", readers: [{ pull: { exporter: { prometheus: { host: v.bind, port: v.ports.metrics } } } }] },
        logs: { level: "info" },
      },
    },
    extensions: {
      healthcheckv2: { use_v2: true, http: { endpoint: at(v.ports.health) } },
      jaeger_query: { storage: { traces: STORE }, http: { endpoint: at(v.ports.query) }, grpc: { endpoint: at(v.ports.queryGrpc) } },
      jaeger_storage: {
        backends: {
          [STORE]: { badger: { directories: { keys: `${v.dataDir}/keys`, values: `${v.dataDir}/values` }, ephemeral: false, ttl: { spans: `${v.retentionHours}h` } } },
        },
      },
    },
    receivers: {
      jaeger: { protocols: { thrift_compact: { endpoint: at(v.ports.thriftCompact) }, thrift_http: { endpoint: at(v.ports.thriftHttp) } } },
      otlp: { protocols: { grpc: { endpoint: at(v.ports.otlpGrpc) }, http: { endpoint: at(v.ports.otlpHttp) } } },
    },
    processors: { batch: {} },
    exporters: { jaeger_storage_exporter: { trace_storage: STORE } },
  };
}

/** Where Synapse sends its spans, and which share of requests it traces. */
export interface SynapseTracing {
  /** Probability that a request starts a trace (0..1, `traceSamplingRatio`). */
  samplingRatio: number;
  /** The collector's host and its thrift compact UDP port (jaeger-client's local agent). */
  agentHost: string;
  agentPort: number;
}

/** A regular expression that matches exactly `text` (Synapse reads the whitelist as regexes). */
function exactly(text: string): string {
  return `^${text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`;
}

/**
 * Synapse's `opentracing:` section (homeserver.yaml; every worker reads it too). Sampling is
 * probabilistic at the configured ratio; spans go to the collector as a local agent would take
 * them. Only this homeserver is in the whitelist: trace context is neither sent to nor taken from
 * other servers over federation.
 */
export function synapseOpentracing(serverName: string, t: SynapseTracing): YamlObject {
  if (!(t.samplingRatio >= 0 && t.samplingRatio <= 1)) throw new Error(`trace sampling ratio must be from 0 to 1, got ${t.samplingRatio}`);
  return {
    enabled: true,
    homeserver_whitelist: [exactly(serverName)],
    jaeger_config: {
      sampler: { type: "probabilistic", param: t.samplingRatio },
      logging: false,
      local_agent: { reporting_host: t.agentHost, reporting_port: t.agentPort },
    },
  };
}

/** Grafana's Jaeger datasource (provisioning file for the sidecar), by uid, no credentials. */
export const JAEGER_DATASOURCE_UID = "jaeger";
export function jaegerDatasource(namespace: string): YamlObject {
  return {
    apiVersion: 1,
    datasources: [{ name: "Jaeger", type: "jaeger", uid: JAEGER_DATASOURCE_UID, access: "proxy", url: `http://${jaegerHost(namespace)}:${JAEGER_PORTS.query}`, isDefault: false, editable: false }],
  };
}
