/**
 * The architecture document's seven Grafana dashboards (pure): system overview, Synapse
 * performance, PostgreSQL, Redis, object store, federation, LiveKit. Each panel names the scrape
 * job it reads; a panel whose job is not scraped is left out, and a dashboard left with no panel is
 * not shipped (LiveKit and TURN without the calls system; the object store on the clouds, whose
 * managed service reports to the cloud's own monitoring).
 * Datasources are the provisioned Prometheus's uid, never an `${DS_...}` input: the sidecar loads
 * files as they are and cannot resolve inputs.
 */
import { PROMETHEUS_DATASOURCE_UID } from "./values";
import { STACK_NAMESPACE_REGEX } from "./rules";

export interface PanelSpec {
  title: string;
  /** Scrape job whose metrics it reads; `kubernetes` = kube-state-metrics and the kubelet (always scraped). */
  needs: string;
  /** PromQL queries with their legends. */
  queries: { expr: string; legend: string }[];
  unit?: string;
}

export interface DashboardSpec {
  uid: string;
  title: string;
  /** Jobs the dashboard is about: it ships only when one of them is scraped. Empty: always. */
  about: readonly string[];
  panels: PanelSpec[];
}

const NS = `namespace=~"${STACK_NAMESPACE_REGEX}"`;
const q = (expr: string, legend: string) => ({ expr, legend });

export const DASHBOARDS: readonly DashboardSpec[] = [
  {
    uid: "matrix-overview",
    about: [],
    title: "Matrix platform: system overview",
    panels: [
      { title: "Targets up", needs: "kubernetes", queries: [q(`sum by (component) (up{component!=""})`, "{{component}} up"), q(`count by (component) (up{component!=""})`, "{{component}} targets")] },
      { title: "CPU by namespace (cores)", needs: "kubernetes", queries: [q(`sum by (namespace) (rate(container_cpu_usage_seconds_total{${NS}, container!=""}[5m]))`, "{{namespace}}")] },
      { title: "Memory working set by namespace", needs: "kubernetes", unit: "bytes", queries: [q(`sum by (namespace) (container_memory_working_set_bytes{${NS}, container!=""})`, "{{namespace}}")] },
      { title: "Container restarts (1 h)", needs: "kubernetes", queries: [q(`sum by (namespace, pod) (increase(kube_pod_container_status_restarts_total{${NS}}[1h]))`, "{{namespace}}/{{pod}}")] },
      { title: "Volume usage", needs: "kubernetes", unit: "percentunit", queries: [q(`kubelet_volume_stats_used_bytes{${NS}} / kubelet_volume_stats_capacity_bytes{${NS}}`, "{{namespace}}/{{persistentvolumeclaim}}")] },
      { title: "Requests per second at HAProxy", needs: "haproxy", unit: "reqps", queries: [q(`sum by (proxy) (rate(haproxy_backend_http_requests_total{job="haproxy"}[5m]))`, "{{proxy}}")] },
      { title: "Active alerts", needs: "kubernetes", queries: [q(`sum by (severity) (ALERTS{alertstate="firing"})`, "{{severity}}")] },
    ],
  },
  {
    uid: "synapse-performance",
    about: ["synapse"],
    title: "Synapse performance",
    panels: [
      { title: "Message send latency p99", needs: "synapse", unit: "s", queries: [q(`histogram_quantile(0.99, sum by (le) (rate(synapse_http_server_response_time_seconds_bucket{component="synapse", servlet="RoomSendEventRestServlet"}[5m])))`, "p99")] },
      { title: "HTTP requests per second by process type", needs: "synapse", unit: "reqps", queries: [q(`sum by (job) (rate(synapse_http_server_response_time_seconds_count{component="synapse"}[5m]))`, "{{job}}")] },
      { title: "HTTP p99 by process type (long-polls excluded)", needs: "synapse", unit: "s", queries: [q(`histogram_quantile(0.99, sum by (le, job) (rate(synapse_http_server_response_time_seconds_bucket{component="synapse", servlet!~"SyncRestServlet|EventStreamRestServlet|RoomInitialSyncRestServlet|KeyChangesServlet"}[5m])))`, "{{job}}")] },
      { title: "CPU per process", needs: "synapse", queries: [q(`rate(process_cpu_seconds_total{component="synapse"}[5m])`, "{{job}} {{index}}")] },
      { title: "Resident memory per process", needs: "synapse", unit: "bytes", queries: [q(`process_resident_memory_bytes{component="synapse"}`, "{{job}} {{index}}")] },
      { title: "Reactor tick time", needs: "synapse", unit: "s", queries: [q(`rate(python_twisted_reactor_tick_time_sum{component="synapse"}[5m]) / rate(python_twisted_reactor_tick_time_count{component="synapse"}[5m])`, "{{job}} {{index}}")] },
      { title: "Database query p95", needs: "synapse", unit: "s", queries: [q(`histogram_quantile(0.95, sum by (le, job) (rate(synapse_storage_query_time_bucket{component="synapse"}[5m])))`, "{{job}}")] },
      { title: "Events persisted per second", needs: "synapse", queries: [q(`sum(rate(synapse_storage_events_persisted_events_total{component="synapse"}[5m]))`, "events")] },
    ],
  },
  {
    uid: "postgresql",
    about: ["postgresql"],
    title: "PostgreSQL",
    panels: [
      // cnpg_* from CloudNativePG (existing cluster), pg_* from postgres_exporter (managed servers): rules.ts.
      { title: "Instances up", needs: "postgresql", queries: [q(`cnpg_collector_up or pg_up{job="postgresql"}`, "{{pod}}")] },
      { title: "Backends", needs: "postgresql", queries: [q(`sum by (pod) (cnpg_backends_total) or sum by (pod) (pg_stat_database_numbackends{job="postgresql"})`, "{{pod}}"), q(`max by (pod) (cnpg_pg_settings_setting{name="max_connections"}) or max by (pod) (pg_settings_max_connections{job="postgresql"})`, "{{pod}} max")] },
      { title: "Replication lag", needs: "postgresql", unit: "s", queries: [q(`cnpg_pg_replication_lag or pg_replication_lag_seconds{job="postgresql"}`, "{{pod}}")] },
      { title: "WAL archive", needs: "postgresql", queries: [q(`rate(cnpg_pg_stat_archiver_archived_count[5m])`, "{{pod}} archived/s"), q(`rate(cnpg_pg_stat_archiver_failed_count[5m])`, "{{pod}} failed/s")] },
      { title: "Synapse query p95 (client side)", needs: "synapse", unit: "s", queries: [q(`histogram_quantile(0.95, sum by (le, verb) (rate(synapse_storage_query_time_bucket{component="synapse"}[5m])))`, "{{verb}}")] },
      { title: "Synapse database transactions per second", needs: "synapse", queries: [q(`sum by (job) (rate(synapse_storage_transaction_time_count_total{component="synapse"}[5m]))`, "{{job}}")] },
    ],
  },
  {
    uid: "redis",
    about: ["redis-proxy", "redis"],
    title: "Redis",
    panels: [
      // redis_exporter: beside each in-cluster node, or on the managed endpoint on the clouds.
      { title: "Redis up", needs: "redis", queries: [q(`redis_up{job="redis"}`, "{{pod}}")] },
      { title: "Memory used", needs: "redis", unit: "bytes", queries: [q(`redis_memory_used_bytes{job="redis"}`, "{{pod}} used"), q(`redis_memory_max_bytes{job="redis"}`, "{{pod}} max")] },
      { title: "Connected clients", needs: "redis", queries: [q(`redis_connected_clients{job="redis"}`, "{{pod}}")] },
      { title: "Commands per second", needs: "redis", queries: [q(`rate(redis_commands_processed_total{job="redis"}[5m])`, "{{pod}}")] },
      { title: "Master behind the endpoint", needs: "redis-proxy", queries: [q(`max(haproxy_backend_active_servers{job="redis-proxy"})`, "masters")] },
      { title: "Client sessions through the proxy", needs: "redis-proxy", queries: [q(`sum(haproxy_frontend_current_sessions{job="redis-proxy"})`, "sessions")] },
      { title: "Proxy traffic", needs: "redis-proxy", unit: "Bps", queries: [q(`sum(rate(haproxy_frontend_bytes_in_total{job="redis-proxy"}[5m]))`, "in"), q(`sum(rate(haproxy_frontend_bytes_out_total{job="redis-proxy"}[5m]))`, "out")] },
      { title: "Synapse replication commands over Redis", needs: "synapse", queries: [q(`sum by (command) (rate(synapse_replication_tcp_protocol_outbound_commands_total{component="synapse"}[5m]))`, "{{command}}")] },
    ],
  },
  {
    uid: "object-store",
    about: ["minio"],
    title: "Object store",
    panels: [
      { title: "Usable capacity", needs: "minio", unit: "bytes", queries: [q(`max(minio_cluster_capacity_usable_total_bytes)`, "total"), q(`min(minio_cluster_capacity_usable_free_bytes)`, "free")] },
      { title: "Nodes offline", needs: "minio", queries: [q(`max(minio_cluster_nodes_offline_total)`, "offline"), q(`max(minio_cluster_nodes_online_total)`, "online")] },
      { title: "S3 requests per second", needs: "minio", unit: "reqps", queries: [q(`sum by (api) (rate(minio_s3_requests_total[5m]))`, "{{api}}")] },
      { title: "Synapse media uploads and downloads", needs: "synapse", unit: "reqps", queries: [q(`sum by (servlet) (rate(synapse_http_server_response_time_seconds_count{component="synapse", servlet=~"Upload.*|Download.*|Thumbnail.*"}[5m]))`, "{{servlet}}")] },
    ],
  },
  {
    uid: "federation",
    about: ["synapse"],
    title: "Federation",
    panels: [
      { title: "Pending PDUs and EDUs", needs: "synapse", queries: [q(`sum by (index) (synapse_federation_transaction_queue_pending_pdus{component="synapse"})`, "PDUs {{index}}"), q(`sum by (index) (synapse_federation_transaction_queue_pending_edus{component="synapse"})`, "EDUs {{index}}")] },
      { title: "Federation send lag", needs: "synapse", unit: "ms", queries: [q(`max by (index) (synapse_event_processing_lag{component="synapse", name="federation_sender"})`, "{{index}}")] },
      { title: "Inbound federation requests", needs: "synapse", unit: "reqps", queries: [q(`sum by (servlet) (rate(synapse_http_server_response_time_seconds_count{component="synapse", job=~"federation-.*|main"}[5m]))`, "{{servlet}}")] },
      { title: "Event stream position behind persisted", needs: "synapse", queries: [q(`scalar(max(synapse_event_persisted_position{component="synapse"})) - max by (name) (synapse_event_processing_positions{component="synapse"})`, "{{name}}")] },
    ],
  },
  {
    uid: "livekit",
    about: ["livekit", "coturn"],
    title: "LiveKit and TURN",
    panels: [
      { title: "Rooms", needs: "livekit", queries: [q(`sum by (pod) (livekit_room_total{job="livekit"})`, "{{pod}}")] },
      { title: "Participants", needs: "livekit", queries: [q(`sum by (pod) (livekit_participant_total{job="livekit"})`, "{{pod}}")] },
      { title: "Packets forwarded and dropped per second", needs: "livekit", unit: "pps", queries: [q(`sum by (pod, type) (rate(livekit_node_packet_total{job="livekit"}[5m]))`, "{{pod}} {{type}}")] },
      { title: "Forwarding latency and jitter", needs: "livekit", unit: "ns", queries: [q(`max by (pod) (livekit_forward_latency{job="livekit"})`, "latency {{pod}}"), q(`max by (pod) (livekit_forward_jitter{job="livekit"})`, "jitter {{pod}}")] },
      { title: "Connection quality score (p50)", needs: "livekit", queries: [q(`histogram_quantile(0.5, sum by (le) (rate(livekit_quality_score_bucket{job="livekit"}[5m])))`, "score")] },
      { title: "TURN allocations", needs: "coturn", queries: [q(`sum by (pod, type) (turn_total_allocations{job="coturn"})`, "{{pod}} {{type}}")] },
    ],
  },
];

/** The dashboards about a scraped job, each with the panels whose job is scraped. */
export function dashboardsFor(jobs: ReadonlySet<string>): DashboardSpec[] {
  const scraped = (job: string) => job === "kubernetes" || jobs.has(job);
  return DASHBOARDS
    .filter((d) => d.about.length === 0 || d.about.some(scraped))
    .map((d) => ({ ...d, panels: d.panels.filter((p) => scraped(p.needs)) }));
}

/** Grafana dashboard JSON (schema 39), datasource by uid. */
export function dashboardJson(d: DashboardSpec): Record<string, unknown> {
  const datasource = { type: "prometheus", uid: PROMETHEUS_DATASOURCE_UID };
  return {
    uid: d.uid,
    title: d.title,
    tags: ["matrix-platform"],
    timezone: "utc",
    schemaVersion: 39,
    editable: false,
    refresh: "1m",
    time: { from: "now-6h", to: "now" },
    templating: { list: [] },
    panels: d.panels.map((p, i) => ({
      id: i + 1,
      type: "timeseries",
      title: p.title,
      datasource,
      gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: Math.floor(i / 2) * 8 },
      fieldConfig: { defaults: { ...(p.unit ? { unit: p.unit } : {}) }, overrides: [] },
      targets: p.queries.map((t, j) => ({ refId: String.fromCharCode(65 + j), datasource, expr: t.expr, legendFormat: t.legend })),
    })),
  };
}
