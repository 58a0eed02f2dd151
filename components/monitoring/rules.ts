/**
 * Alert rules (pure), one group per scraped component, written against the metrics those
 * components really expose (Synapse 1.16x, HAProxy's built-in exporter, CloudNativePG's default
 * queries, postgres_exporter and redis_exporter on the clouds' managed servers, MinIO's v2 cluster
 * metrics, cert-manager, kube-state-metrics and the kubelet). A group
 * is rendered only when its component is scraped, so a component that is not deployed has no
 * alert. Thresholds are the hardware analysis's key metrics where it names one (message latency
 * < 500 ms p99, database query < 100 ms p95, memory < 80 %, CPU < 70 % sustained, disk < 80 %).
 *
 * Every rule is checked by `promtool check rules` and fired and cleared by `promtool test rules`
 * (tests/monitoring/rules.test.ts); every metric name is checked against a live scrape of the
 * loopback topology where the component runs there (tests/monitoring/metric-names.test.ts).
 */
import { NAMESPACES } from "../../catalog/namespaces";
import { TURN_QUOTAS } from "../../render/rtc";

export type Severity = "critical" | "warning" | "info";

export interface AlertRule {
  alert: string;
  expr: string;
  for: string;
  severity: Severity;
  summary: string;
  description: string;
}

export interface RuleGroup {
  /** Group name; also the scrape job it needs (the group exists only with that target). */
  name: string;
  /** Scrape job(s) whose metrics the group reads; `kubernetes` = kube-state-metrics and the kubelet (always scraped). */
  needs: string;
  rules: AlertRule[];
}

/** The stack's namespaces, as a PromQL regex: the Kubernetes-level alerts look only there. */
export const STACK_NAMESPACE_REGEX = Object.values(NAMESPACES).join("|");
const NS = `namespace=~"${STACK_NAMESPACE_REGEX}"`;

/** Synapse servlets that long-poll: their latency is the client's timeout, not the server's speed. */
/*
 * The `postgresql` job is CloudNativePG's instance exporter on an existing cluster (cnpg_* names)
 * and postgres_exporter on the clouds' managed servers (pg_* names, selected by job: the LI sync's
 * exporter serves the same pg_* names under job li-sync). Rules read both; each platform has one.
 * WAL archiving and base backups are the managed services' own on the clouds: those alerts are
 * CloudNativePG's only.
 */
const LONG_POLL_SERVLETS = "SyncRestServlet|EventStreamRestServlet|RoomInitialSyncRestServlet|KeyChangesServlet";

export const RULE_GROUPS: readonly RuleGroup[] = [
  {
    name: "targets",
    needs: "kubernetes",
    rules: [
      {
        alert: "ScrapeTargetDown",
        expr: `up{component!=""} == 0`,
        for: "5m",
        severity: "critical",
        summary: "{{ $labels.component }} target {{ $labels.pod }} is down",
        description: "Prometheus has not been able to scrape {{ $labels.namespace }}/{{ $labels.pod }} ({{ $labels.job }}) for 5 minutes: the process is down or its metrics port is unreachable.",
      },
    ],
  },
  {
    name: "kubernetes",
    needs: "kubernetes",
    rules: [
      {
        alert: "PodRestarting",
        expr: `increase(kube_pod_container_status_restarts_total{${NS}}[15m]) > 2`,
        for: "0m",
        severity: "warning",
        summary: "{{ $labels.namespace }}/{{ $labels.pod }} ({{ $labels.container }}) restarted more than twice in 15 minutes",
        description: "The container keeps restarting; look at its previous logs and its last termination reason.",
      },
      {
        alert: "ContainerMemoryHigh",
        expr: `max by (namespace, pod, container) (container_memory_working_set_bytes{${NS}, container!=""}) / max by (namespace, pod, container) (kube_pod_container_resource_limits{${NS}, resource="memory"}) > 0.8`,
        for: "15m",
        severity: "warning",
        summary: "{{ $labels.namespace }}/{{ $labels.pod }} ({{ $labels.container }}) uses over 80 % of its memory limit",
        description: "Working set above 80 % of the limit for 15 minutes (hardware analysis: memory < 80 %); the next peak risks an OOM kill. Resize the profile or the workload.",
      },
      {
        alert: "ContainerCpuHigh",
        expr: `sum by (namespace, pod, container) (rate(container_cpu_usage_seconds_total{${NS}, container!=""}[5m])) / sum by (namespace, pod, container) (kube_pod_container_resource_requests{${NS}, resource="cpu"}) > 0.7`,
        for: "30m",
        severity: "warning",
        summary: "{{ $labels.namespace }}/{{ $labels.pod }} ({{ $labels.container }}) above 70 % of its CPU request for 30 minutes",
        description: "Sustained CPU above the hardware analysis's 70 % target: the node packing assumed less. Scale the pool or move to a larger profile.",
      },
      {
        // Only an existing cluster with an off-site target has this CronJob (components/data/offsite-backup.ts).
        alert: "OffsiteBackupCopyStale",
        // A copy that has never succeeded counts from the CronJob's creation.
        expr: `time() - (kube_cronjob_status_last_successful_time{namespace="${NAMESPACES.data}", cronjob=~".*offsite-backup-copy.*"} or kube_cronjob_created{namespace="${NAMESPACES.data}", cronjob=~".*offsite-backup-copy.*"}) > 1200`,
        for: "5m",
        severity: "critical",
        summary: "No successful off-site backup copy for over 20 minutes ({{ $labels.cronjob }})",
        description: "The copy runs every five minutes; without it the WAL archived since the last success exists only in the cluster, and losing the site would lose more than the 15-minute RPO. Look at the failed Jobs' logs in matrix-data (endpoint, keys, network policy).",
      },
      {
        alert: "VolumeFillingUp",
        expr: `kubelet_volume_stats_used_bytes{${NS}} / kubelet_volume_stats_capacity_bytes{${NS}} > 0.8`,
        for: "15m",
        severity: "warning",
        summary: "Volume {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} is over 80 % full",
        description: "Disk above the hardware analysis's 80 % ceiling; grow the claim or prune before it fills.",
      },
      {
        alert: "VolumeFull",
        expr: `kubelet_volume_stats_available_bytes{${NS}} / kubelet_volume_stats_capacity_bytes{${NS}} < 0.05`,
        for: "5m",
        severity: "critical",
        summary: "Volume {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} has less than 5 % free",
        description: "Writes to this volume are about to fail.",
      },
    ],
  },
  {
    name: "synapse",
    needs: "synapse",
    rules: [
      {
        alert: "SynapseMessageSendLatencyHigh",
        expr: `histogram_quantile(0.99, sum by (le) (rate(synapse_http_server_response_time_seconds_bucket{component="synapse", servlet="RoomSendEventRestServlet"}[5m]))) > 0.5`,
        for: "10m",
        severity: "warning",
        summary: "Message send p99 latency above 500 ms",
        description: "p99 of PUT /rooms/{roomId}/send over 5 minutes is {{ $value | humanizeDuration }} (hardware analysis: message latency < 500 ms p99).",
      },
      {
        alert: "SynapseHttpLatencyHigh",
        expr: `histogram_quantile(0.99, sum by (le, job) (rate(synapse_http_server_response_time_seconds_bucket{component="synapse", servlet!~"${LONG_POLL_SERVLETS}"}[5m]))) > 2`,
        for: "10m",
        severity: "warning",
        summary: "Synapse {{ $labels.job }} HTTP p99 latency above 2 s",
        description: "p99 response time of the {{ $labels.job }} processes (long-polling servlets excluded) is {{ $value | humanizeDuration }}.",
      },
      {
        alert: "SynapseDatabaseQueryLatencyHigh",
        expr: `histogram_quantile(0.95, sum by (le, job) (rate(synapse_storage_query_time_bucket{component="synapse"}[5m]))) > 0.1`,
        for: "10m",
        severity: "warning",
        summary: "Synapse {{ $labels.job }} database query p95 above 100 ms",
        description: "p95 of SQL query time is {{ $value | humanizeDuration }} (hardware analysis: database query < 100 ms p95).",
      },
      {
        alert: "SynapseFederationSendLag",
        expr: `max by (job, index) (synapse_event_processing_lag{component="synapse", name="federation_sender"}) > 60000`,
        for: "10m",
        severity: "warning",
        summary: "Federation sender {{ $labels.index }} is more than a minute behind",
        description: "Time between an event being received and the federation sender processing it is {{ $value }} ms.",
      },
      {
        // The architecture document's WorkerQueueBacklog, with the metrics Synapse exposes: PDUs
        // and EDUs queued for remote servers on a federation sender.
        alert: "WorkerQueueBacklog",
        expr: `sum by (job, index) (synapse_federation_transaction_queue_pending_pdus{component="synapse"} + synapse_federation_transaction_queue_pending_edus{component="synapse"}) > 1000`,
        for: "5m",
        severity: "warning",
        summary: "Synapse {{ $labels.job }} {{ $labels.index }} has over 1000 federation events queued",
        description: "The federation send queue keeps growing: remote servers are unreachable or the sender cannot keep up.",
      },
      {
        // Consumers of the event stream (federation sender, pushers, appservice sender) behind the
        // newest persisted event.
        alert: "SynapseEventPersistenceLag",
        expr: `scalar(max(synapse_event_persisted_position{component="synapse"})) - max by (job, index, name) (synapse_event_processing_positions{component="synapse"}) > 1000`,
        for: "10m",
        severity: "warning",
        summary: "{{ $labels.name }} on {{ $labels.job }} {{ $labels.index }} is over 1000 events behind the event stream",
        description: "The newest persisted event stream position is {{ $value }} positions ahead of what this process has handled.",
      },
      {
        alert: "SynapseReactorTickSlow",
        expr: `rate(python_twisted_reactor_tick_time_sum{component="synapse"}[5m]) / rate(python_twisted_reactor_tick_time_count{component="synapse"}[5m]) > 0.1`,
        for: "10m",
        severity: "warning",
        summary: "Synapse {{ $labels.job }} {{ $labels.index }} reactor ticks take over 100 ms",
        description: "The Twisted reactor is blocked (CPU-bound work or blocking I/O): every request on the process waits.",
      },
      {
        alert: "SynapseOpenFileDescriptorsHigh",
        expr: `process_open_fds{component="synapse"} / process_max_fds{component="synapse"} > 0.8`,
        for: "10m",
        severity: "warning",
        summary: "Synapse {{ $labels.job }} {{ $labels.index }} uses over 80 % of its file descriptors",
        description: "Connections or files leak, or the limit is too low; at the limit the process cannot accept connections.",
      },
    ],
  },
  {
    name: "haproxy",
    needs: "haproxy",
    rules: [
      {
        alert: "HAProxyBackendDown",
        expr: `haproxy_backend_active_servers{job="haproxy"} + haproxy_backend_backup_servers{job="haproxy"} == 0`,
        for: "2m",
        severity: "critical",
        summary: "HAProxy backend {{ $labels.proxy }} has no server up",
        description: "Every request routed to {{ $labels.proxy }} fails: its Synapse processes are down or failing their health check.",
      },
      {
        alert: "HAProxyServerErrorsHigh",
        expr: `sum by (proxy) (rate(haproxy_backend_http_responses_total{job="haproxy", code="5xx"}[5m])) / sum by (proxy) (rate(haproxy_backend_http_responses_total{job="haproxy"}[5m])) > 0.05`,
        for: "10m",
        severity: "warning",
        summary: "Over 5 % of responses from backend {{ $labels.proxy }} are 5xx",
        description: "Synapse processes behind {{ $labels.proxy }} answer with server errors.",
      },
    ],
  },
  {
    name: "redis",
    needs: "redis",
    rules: [
      {
        alert: "RedisDown",
        expr: `redis_up{job="redis"} == 0`,
        for: "2m",
        severity: "critical",
        summary: "Redis node {{ $labels.pod }} is not answering",
        description: "redis_exporter cannot reach its Redis server (the node beside it in-cluster, the managed endpoint on the clouds).",
      },
      {
        alert: "RedisMemoryHigh",
        expr: `redis_memory_used_bytes{job="redis"} / redis_memory_max_bytes{job="redis"} > 0.9 and redis_memory_max_bytes{job="redis"} > 0`,
        for: "10m",
        severity: "warning",
        summary: "Redis node {{ $labels.pod }} uses over 90 % of maxmemory",
        description: "Keys are evicted at the limit: Synapse's caches and replication pub/sub slow down.",
      },
      {
        alert: "RedisRejectingConnections",
        expr: `increase(redis_rejected_connections_total{job="redis"}[5m]) > 0`,
        for: "0m",
        severity: "warning",
        summary: "Redis node {{ $labels.pod }} rejected connections",
        description: "maxclients is reached: Synapse processes cannot connect.",
      },
    ],
  },
  {
    name: "redis-proxy",
    needs: "redis-proxy",
    rules: [
      {
        alert: "RedisNoMaster",
        expr: `max(haproxy_backend_active_servers{job="redis-proxy"}) == 0`,
        for: "1m",
        severity: "critical",
        summary: "The Redis master endpoint has no master behind it",
        description: "No Redis node answers as master to the proxy's health check: Synapse replication and caches are down until Sentinel elects one.",
      },
    ],
  },
  {
    name: "postgresql",
    needs: "postgresql",
    rules: [
      {
        alert: "DatabaseReplicationLag",
        // CloudNativePG's default query names it cnpg_pg_replication_lag; postgres_exporter's
        // replication collector, on a managed server's replica, pg_replication_lag_seconds.
        expr: `max by (pod) (cnpg_pg_replication_lag or pg_replication_lag_seconds{job="postgresql"}) > 5`,
        for: "1m",
        severity: "critical",
        summary: "PostgreSQL replica {{ $labels.pod }} is more than 5 s behind",
        description: "A failover now would lose up to {{ $value }} s of writes.",
      },
      {
        alert: "PostgresInstanceDown",
        expr: `cnpg_collector_up == 0 or pg_up{job="postgresql"} == 0`,
        for: "2m",
        severity: "critical",
        summary: "PostgreSQL instance {{ $labels.pod }} is not answering",
        description: "The exporter (CloudNativePG's in the instance, postgres_exporter beside a managed server) cannot query the instance.",
      },
      {
        alert: "PostgresWalArchivingFailing",
        expr: `cnpg_pg_stat_archiver_last_failed_time > cnpg_pg_stat_archiver_last_archived_time`,
        for: "5m",
        severity: "critical",
        summary: "WAL archiving of {{ $labels.pod }} to the object store is failing",
        description: "The last WAL archive attempt failed after the last success: point-in-time recovery falls behind and pg_wal grows.",
      },
      {
        alert: "PostgresBackupFailed",
        expr: `cnpg_collector_last_failed_backup_timestamp > cnpg_collector_last_available_backup_timestamp`,
        for: "5m",
        severity: "critical",
        summary: "The last base backup of {{ $labels.pod }}'s cluster failed",
        description: "The newest backup attempt failed; recovery depends on an older backup plus more WAL.",
      },
      {
        alert: "PostgresBackupTooOld",
        expr: `time() - cnpg_collector_last_available_backup_timestamp > 26 * 3600 and cnpg_collector_last_available_backup_timestamp > 0`,
        for: "1h",
        severity: "warning",
        summary: "No base backup of {{ $labels.pod }}'s cluster for over 26 hours",
        description: "The daily backup schedule has missed a run.",
      },
      {
        alert: "PostgresConnectionsHigh",
        expr: `(sum by (pod) (cnpg_backends_total) / max by (pod) (cnpg_pg_settings_setting{name="max_connections"}) or sum by (pod) (pg_stat_database_numbackends{job="postgresql"}) / max by (pod) (pg_settings_max_connections{job="postgresql"})) > 0.8`,
        for: "10m",
        severity: "warning",
        summary: "PostgreSQL {{ $labels.pod }} uses over 80 % of max_connections",
        description: "New connections will be refused once the limit is reached; check the connection budget.",
      },
    ],
  },
  {
    name: "minio",
    needs: "minio",
    rules: [
      {
        alert: "ObjectStoreNodeOffline",
        expr: `max(minio_cluster_nodes_offline_total) > 0`,
        for: "5m",
        severity: "critical",
        summary: "{{ $value }} MinIO node(s) offline",
        description: "The object store runs with reduced redundancy; one more failure beyond parity loses access to media.",
      },
      {
        alert: "ObjectStoreCapacityLow",
        expr: `min(minio_cluster_capacity_usable_free_bytes) / max(minio_cluster_capacity_usable_total_bytes) < 0.2`,
        for: "30m",
        severity: "warning",
        summary: "The object store is over 80 % full",
        description: "Usable free capacity is below 20 % (hardware analysis: disk < 80 %).",
      },
    ],
  },
  {
    name: "livekit",
    needs: "livekit",
    rules: [
      {
        // livekit_node_packet_total{type="out"|"dropped"}: packets the SFU forwarded and dropped.
        alert: "LiveKitPacketsDropped",
        expr: `sum by (pod) (rate(livekit_node_packet_total{job="livekit", type="dropped"}[5m])) / sum by (pod) (rate(livekit_node_packet_total{job="livekit", type=~"out|dropped"}[5m])) > 0.02`,
        for: "10m",
        severity: "warning",
        summary: "LiveKit {{ $labels.pod }} drops over 2 % of the packets it forwards",
        description: "The SFU is dropping media for 10 minutes: its node's CPU or uplink is saturated. Calls on it stutter; add RTC nodes or move rooms.",
      },
    ],
  },
  {
    name: "coturn",
    needs: "coturn",
    rules: [
      {
        alert: "CoturnAllocationsNearQuota",
        expr: `sum by (pod) (turn_total_allocations{job="coturn"}) > ${0.8 * TURN_QUOTAS.total}`,
        for: "10m",
        severity: "warning",
        summary: "coturn {{ $labels.pod }} holds over 80 % of its ${TURN_QUOTAS.total} allocations",
        description: "total-quota is ${TURN_QUOTAS.total} relay allocations per server; past it, new calls that need TURN fail to connect. Add TURN nodes.",
      },
    ],
  },
  {
    name: "loki",
    needs: "loki",
    rules: [
      {
        alert: "LokiRequestErrors",
        expr: `sum by (pod) (rate(loki_request_duration_seconds_count{job="loki", status_code=~"5.."}[5m])) / sum by (pod) (rate(loki_request_duration_seconds_count{job="loki"}[5m])) > 0.05`,
        for: "15m",
        severity: "warning",
        summary: "Loki {{ $labels.pod }} fails over 5 % of its requests",
        description: "Pushes or queries end in 5xx for 15 minutes: the object store is unreachable, the volume is full, or the ring has lost its quorum. Logs may be dropped once Alloy's retries run out.",
      },
    ],
  },
  {
    name: "alloy",
    needs: "alloy",
    rules: [
      {
        alert: "LogsDropped",
        expr: `sum by (pod) (increase(loki_write_dropped_entries_total{job="alloy"}[15m])) > 0`,
        for: "0m",
        severity: "warning",
        summary: "Alloy {{ $labels.pod }} dropped log entries bound for Loki",
        description: "Loki refused them or the retries ran out: those lines are lost. Look at LokiRequestErrors and Alloy's logs (rate limits, entries too old).",
      },
    ],
  },
  {
    // The LI sync's postgres_exporter on the archive database (render/li/sync-sql.ts exporterQueriesYaml).
    name: "li-sync",
    needs: "li-sync",
    rules: [
      {
        alert: "LiSyncArchiveStalled",
        // Main's walsender sends at least a keepalive every wal_sender_timeout / 2 (30 s by default).
        expr: `li_sync_subscription_apply_running == 0 or li_sync_subscription_seconds_since_message > 300 or li_sync_subscription_seconds_since_message < 0 or increase(li_sync_subscription_apply_errors[15m]) > 0`,
        for: "10m",
        severity: "critical",
        summary: "The LI archive has stopped receiving main's inserts ({{ $labels.subscription }})",
        description: "The subscription's apply worker is not running, has heard nothing from main for over 5 minutes, or keeps failing (a column main added that the archive lacks: the next li-sync run adds it). Main keeps the slot's WAL meanwhile, so nothing is lost yet, but main's disk fills and rows main deletes now reach LI only if they were archived.",
      },
      {
        alert: "LiSyncRefreshFailed",
        expr: `li_sync_refresh_last_failure_timestamp_seconds > li_sync_refresh_last_success_timestamp_seconds`,
        for: "0m",
        severity: "warning",
        summary: "The last refresh of synapse-li's database failed",
        description: "synapse-li stays on its last good copy (its view ages; the archive still keeps everything). The failed step is in li_sync_runs.failed_step of the archive database and in the refresh Job's log; the next schedule retries.",
      },
    ],
  },
  {
    // clamd through the exporter beside it (images/scan-worker scan_worker/clamd_exporter.py).
    name: "clamd",
    needs: "clamd",
    rules: [
      {
        alert: "ClamdDown",
        expr: `clamd_up{job="clamd"} == 0`,
        for: "5m",
        severity: "critical",
        summary: "clamd in {{ $labels.pod }} does not answer",
        description: "The exporter beside it gets no VERSION or STATS reply for 5 minutes: uploads routed to this pod cannot be scanned (the scan workers report them as clamd_unavailable).",
      },
      {
        alert: "ClamdSignaturesStale",
        expr: `time() - clamd_signatures_timestamp_seconds{job="clamd"} > 3 * 86400`,
        for: "1h",
        severity: "warning",
        summary: "clamd in {{ $labels.pod }} runs on signatures older than 3 days",
        description: "The daily database is published several times a day: freshclam in this pod cannot reach the mirror, or the mirror (antivirusMirror) itself is stale. New malware goes undetected.",
      },
    ],
  },
  {
    // The scan workers' own counters and histogram (images/scan-worker scan_worker/metrics.py).
    name: "scan-worker",
    needs: "scan-worker",
    rules: [
      {
        alert: "ScanErrors",
        expr: `sum(rate(scan_worker_errors_total{job="scan-worker", reason=~"timeout|clamd_unavailable|clamd_error"}[5m])) / (sum(rate(scan_worker_scanned_total{job="scan-worker"}[5m])) + sum(rate(scan_worker_errors_total{job="scan-worker", reason=~"timeout|clamd_unavailable|clamd_error"}[5m]))) > 0.05`,
        for: "10m",
        severity: "warning",
        summary: "Over 5 % of media scans end without a verdict",
        description: "clamd times out, is unreachable or answers an error: those uploads are refused (or stored unscanned with antivirusFailOpen). Look at ClamdDown and clamd's memory.",
      },
      {
        alert: "ScanLatencyHigh",
        expr: `histogram_quantile(0.95, sum by (le) (rate(scan_worker_scan_duration_seconds_bucket{job="scan-worker"}[5m]))) > 10`,
        for: "15m",
        severity: "warning",
        summary: "95 % of media scans take over 10 s",
        description: "Uploads wait on clamd: its threads are all busy (clamd_queue_length) or its CPU is throttled. Add clamd replicas or CPU.",
      },
    ],
  },
  {
    // Jaeger v2's own telemetry: the OpenTelemetry Collector's receiver and exporter span counters.
    name: "jaeger",
    needs: "jaeger",
    rules: [
      {
        alert: "TraceSpansRefused",
        expr: `sum by (pod, receiver, transport) (rate(otelcol_receiver_refused_spans_total{job="jaeger"}[5m])) > 0`,
        for: "10m",
        severity: "warning",
        summary: "Jaeger {{ $labels.pod }} refuses spans on {{ $labels.receiver }}/{{ $labels.transport }}",
        description: "The collector's pipeline pushes back (its store is slow or failing): Synapse's spans are being dropped, so traces of this period are incomplete.",
      },
      {
        alert: "TraceSpansNotStored",
        expr: `sum by (pod) (rate(otelcol_exporter_send_failed_spans_total{job="jaeger"}[5m])) > 0`,
        for: "10m",
        severity: "warning",
        summary: "Jaeger {{ $labels.pod }} fails to store spans",
        description: "Writes to Badger fail (the volume is full or damaged): spans received are lost. Look at the collector's logs and its volume's free space.",
      },
    ],
  },
  {
    name: "cert-manager",
    needs: "cert-manager",
    rules: [
      {
        alert: "CertificateExpiringSoon",
        expr: `certmanager_certificate_expiration_timestamp_seconds - time() < 14 * 86400`,
        for: "1h",
        severity: "warning",
        summary: "Certificate {{ $labels.namespace }}/{{ $labels.name }} expires in under 14 days",
        description: "cert-manager renews 30 days ahead: renewal is failing (ACME challenge, issuer).",
      },
      {
        alert: "CertificateNotReady",
        expr: `certmanager_certificate_ready_status{condition="False"} == 1`,
        for: "15m",
        severity: "critical",
        summary: "Certificate {{ $labels.namespace }}/{{ $labels.name }} is not ready",
        description: "The host it covers is served without a valid certificate.",
      },
    ],
  },
];

/** The groups whose component is scraped (`kubernetes` groups always are). */
export function ruleGroupsFor(jobs: ReadonlySet<string>): RuleGroup[] {
  return RULE_GROUPS.filter((g) => g.needs === "kubernetes" || jobs.has(g.needs));
}

/** Rule groups as Prometheus's rule file (`groups:`), the shape promtool and a PrometheusRule's spec take. */
export function ruleFile(groups: readonly RuleGroup[]): { groups: Record<string, unknown>[] } {
  return {
    groups: groups.map((g) => ({
      name: g.name,
      rules: g.rules.map((r) => ({
        alert: r.alert,
        expr: r.expr,
        ...(r.for !== "0m" ? { for: r.for } : {}),
        labels: { severity: r.severity },
        annotations: { summary: r.summary, description: r.description },
      })),
    })),
  };
}

const PROMQL_WORDS = new Set([
  "by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool", "offset",
  "sum", "min", "max", "avg", "count", "stddev", "stdvar", "topk", "bottomk", "quantile", "count_values",
  "rate", "irate", "increase", "delta", "histogram_quantile", "scalar", "vector", "time", "abs", "absent",
  "clamp_min", "clamp_max", "label_replace", "max_over_time", "min_over_time", "avg_over_time", "humanizeDuration",
  "inf", "nan",
]);

/**
 * Metric names a PromQL expression reads (for the no-dead-queries check): identifiers outside
 * label matchers, ranges and strings that are not functions, keywords or label names in `by (...)`.
 */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, "")
    .replace(/\[[^\]]*\]/g, "")
    .replace(/\boffset\s+-?\d+[smhdwy]+/g, "")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, "");
  const names = new Set<string>();
  for (const m of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const word = m[0];
    const after = stripped.slice(m.index! + word.length).trimStart();
    if (PROMQL_WORDS.has(word) || after.startsWith("(")) continue;
    names.add(word);
  }
  return [...names].sort();
}
