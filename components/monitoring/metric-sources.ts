/**
 * Where each metric name an alert or a dashboard reads comes from (pure). Names of the jobs the
 * loopback e2e runs (Synapse main and workers, HAProxy — whose built-in exporter also fronts
 * Redis — and redis_exporter against its Redis) are proved by scraping it (tests/e2e/e2e.test.ts); every other name is listed here with
 * the source that defines it, for the components that cannot run on this machine.
 */
import { DASHBOARDS } from "./dashboards";
import { metricNames, RULE_GROUPS } from "./rules";

/** The loopback scrapes (e2e/metrics.ts). */
export type LoopbackSource = "synapse" | "haproxy" | "redis";

/** Jobs the loopback topology runs, and which of its scrapes exposes their names. */
export const LOOPBACK_JOBS: Record<string, LoopbackSource> = {
  synapse: "synapse",
  haproxy: "haproxy",
  // redis_exporter (Debian's prometheus-redis-exporter on loopback, the same exporter in-cluster).
  redis: "redis",
  // The Redis master proxy is an HAProxy with the same built-in exporter.
  "redis-proxy": "haproxy",
};

/**
 * Jobs whose real program a validator test starts on loopback and scrapes, checking the names
 * with `deadQueriesOf` (LiveKit: tests/validators/rtc.test.ts, the pinned livekit-server binary;
 * Jaeger: tests/validators/traces.test.ts).
 */
export const VALIDATOR_JOBS: Record<string, string> = {
  livekit: "tests/validators/rtc.test.ts",
  // postgres_exporter with the rendered custom queries on the archive database.
  "li-sync": "tests/validators/li-sync.test.ts",
  // Jaeger v2 built from its module at the image's release, fed by a real Synapse.
  jaeger: "tests/validators/traces.test.ts",
  // The scan worker from its pinned venv, and the clamd exporter beside Debian's clamd.
  "scan-worker": "tests/validators/antivirus.test.ts",
  clamd: "tests/validators/antivirus.test.ts",
  // postgres_exporter with the rendered environment on a loopback PostgreSQL over TLS (the clouds'
  // managed servers; CloudNativePG's cnpg_* names of the same job are documented below).
  postgresql: "tests/validators/managed-data-exporters.test.ts",
};

/** Names of components that cannot run here, with the file (module@version:path) or document defining each. */
export const DOCUMENTED_METRICS: Record<string, string> = {
  // Prometheus itself.
  up: "Prometheus: synthetic series of every scrape (docs/concepts/jobs_instances)",
  ALERTS: "Prometheus: synthetic series of every pending or firing alert (docs/configuration/alerting_rules)",
  // kube-state-metrics and the kubelet, scraped by the chart's own ServiceMonitors.
  kube_pod_container_status_restarts_total: "kube-state-metrics docs/metrics/workload/pod-metrics.md",
  kube_pod_container_resource_limits: "kube-state-metrics docs/metrics/workload/pod-metrics.md",
  kube_pod_container_resource_requests: "kube-state-metrics docs/metrics/workload/pod-metrics.md",
  kube_cronjob_status_last_successful_time: "kube-state-metrics docs/metrics/workload/cronjob-metrics.md",
  kube_cronjob_created: "kube-state-metrics docs/metrics/workload/cronjob-metrics.md",
  container_cpu_usage_seconds_total: "cAdvisor (kubelet /metrics/cadvisor) docs/storage/prometheus.md",
  container_memory_working_set_bytes: "cAdvisor (kubelet /metrics/cadvisor) docs/storage/prometheus.md",
  kubelet_volume_stats_used_bytes: "kubernetes pkg/kubelet/metrics/collectors/volume_stats.go",
  kubelet_volume_stats_capacity_bytes: "kubernetes pkg/kubelet/metrics/collectors/volume_stats.go",
  kubelet_volume_stats_available_bytes: "kubernetes pkg/kubelet/metrics/collectors/volume_stats.go",
  // CloudNativePG's instance exporter: collector metrics and the default monitoring queries.
  cnpg_collector_up: "github.com/cloudnative-pg/cloudnative-pg@v1.30.1:pkg/management/postgres/webserver/metricserver/pg_collector.go",
  cnpg_collector_last_available_backup_timestamp: "github.com/cloudnative-pg/cloudnative-pg@v1.30.1:pkg/management/postgres/webserver/metricserver/pg_collector.go",
  cnpg_collector_last_failed_backup_timestamp: "github.com/cloudnative-pg/cloudnative-pg@v1.30.1:pkg/management/postgres/webserver/metricserver/pg_collector.go",
  cnpg_backends_total: "github.com/cloudnative-pg/cloudnative-pg@v1.30.1:config/manager/default-monitoring.yaml",
  cnpg_pg_replication_lag: "github.com/cloudnative-pg/cloudnative-pg@v1.30.1:config/manager/default-monitoring.yaml",
  cnpg_pg_settings_setting: "github.com/cloudnative-pg/cloudnative-pg@v1.30.1:config/manager/default-monitoring.yaml",
  cnpg_pg_stat_archiver_archived_count: "github.com/cloudnative-pg/cloudnative-pg@v1.30.1:config/manager/default-monitoring.yaml",
  cnpg_pg_stat_archiver_failed_count: "github.com/cloudnative-pg/cloudnative-pg@v1.30.1:config/manager/default-monitoring.yaml",
  cnpg_pg_stat_archiver_last_archived_time: "github.com/cloudnative-pg/cloudnative-pg@v1.30.1:config/manager/default-monitoring.yaml",
  cnpg_pg_stat_archiver_last_failed_time: "github.com/cloudnative-pg/cloudnative-pg@v1.30.1:config/manager/default-monitoring.yaml",
  // postgres_exporter's replication collector (v0.13 and later): Debian's 0.11.1, which the
  // validator runs, predates it, so the image's release is the source.
  pg_replication_lag_seconds: "github.com/prometheus-community/postgres_exporter@v0.17.1:collector/pg_replication.go (subsystem replication, lag_seconds)",
  // cert-manager's controller.
  certmanager_certificate_expiration_timestamp_seconds: "github.com/cert-manager/cert-manager@v1.21.1:internal/collectors/certificate_collector.go",
  certmanager_certificate_ready_status: "github.com/cert-manager/cert-manager@v1.21.1:internal/collectors/certificate_collector.go",
  // MinIO's v2 cluster metrics (the operator's module is not served by the Go proxy).
  minio_cluster_nodes_offline_total: "MinIO docs: operations/monitoring/metrics-and-alerts (v2 cluster metrics)",
  minio_cluster_nodes_online_total: "MinIO docs: operations/monitoring/metrics-and-alerts (v2 cluster metrics)",
  minio_cluster_capacity_usable_free_bytes: "MinIO docs: operations/monitoring/metrics-and-alerts (v2 cluster metrics)",
  minio_cluster_capacity_usable_total_bytes: "MinIO docs: operations/monitoring/metrics-and-alerts (v2 cluster metrics)",
  minio_s3_requests_total: "MinIO docs: operations/monitoring/metrics-and-alerts (v2 cluster metrics)",
  // The log pipeline (Loki and Alloy cannot be built here: components/monitoring/README.md "Logs").
  loki_request_duration_seconds_count: "Loki docs: operations/meta-monitoring (dskit's instrumented HTTP/gRPC server histogram loki_request_duration_seconds, labels route and status_code)",
  loki_write_dropped_entries_total: "Grafana Alloy docs: reference/components/loki/loki.write (debug metrics)",
  // coturn's exporter: Debian's turnserver (4.6.1) is built without it (`turnserver -h` lists no
  // --prometheus), so the image's (coturn/coturn 4.17.0) names come from the source.
  turn_total_allocations: "github.com/coturn/coturn@4.17.0:src/apps/relay/prom_server.c",
  // Served only when clamd has a daily database loaded (its VERSION then names the build time):
  // the validator's clamd runs on a generated signature file alone. The parsing of a real VERSION
  // reply is images/scan-worker/tests/test_clamd_exporter.py's.
  clamd_signatures_timestamp_seconds: "images/scan-worker/scan_worker/clamd_exporter.py (clamd(8) VERSION: ClamAV <engine>/<daily version>/<daily build time>)",
};

/** Every metric name read, with the job whose target serves it. */
export function usedMetricNames(): { name: string; job: string; where: string }[] {
  const out: { name: string; job: string; where: string }[] = [];
  for (const g of RULE_GROUPS) for (const r of g.rules) for (const name of metricNames(r.expr)) out.push({ name, job: g.needs, where: `alert ${r.alert}` });
  for (const d of DASHBOARDS) for (const p of d.panels) for (const q of p.queries) for (const name of metricNames(q.expr)) out.push({ name, job: p.needs, where: `dashboard ${d.uid} "${p.title}"` });
  return out;
}

/** Names the loopback scrape should expose but did not: each a dead query. */
export function deadQueries(exposed: Record<LoopbackSource, readonly string[]>): string[] {
  const sets = { synapse: new Set(exposed.synapse), haproxy: new Set(exposed.haproxy), redis: new Set(exposed.redis) };
  return usedMetricNames()
    .filter((u) => LOOPBACK_JOBS[u.job] !== undefined && !DOCUMENTED_METRICS[u.name] && !sets[LOOPBACK_JOBS[u.job]].has(u.name))
    .map((u) => `${u.name} (${u.where}) is not exposed by the loopback ${LOOPBACK_JOBS[u.job]}`);
}

/** Names `job`'s alerts and dashboards read that `exposed` (one scrape of its real program) lacks. */
export function deadQueriesOf(job: string, exposed: readonly string[]): string[] {
  const set = new Set(exposed);
  return usedMetricNames()
    .filter((u) => u.job === job && !DOCUMENTED_METRICS[u.name] && !set.has(u.name))
    .map((u) => `${u.name} (${u.where}) is not exposed by ${job}`);
}

/** Names read from jobs that do not run here and are not documented: each must get a source above. */
export function undocumentedNames(): string[] {
  return [...new Set(usedMetricNames().filter((u) => LOOPBACK_JOBS[u.job] === undefined && VALIDATOR_JOBS[u.job] === undefined && !DOCUMENTED_METRICS[u.name]).map((u) => `${u.name} (${u.where})`))];
}
