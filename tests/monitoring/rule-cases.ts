/**
 * One promtool unit test per alert: input series in which the alert's condition holds long
 * enough to fire, then stops holding; the alert must be firing (with these labels) at `firesAt`
 * and gone at `clearsAt`. Series values use promtool's expanding notation (`a+bxn`: n+1 samples).
 */
export interface RuleCase {
  alert: string;
  /** Which of the alert's sources the case feeds, where it reads more than one (a second case per alert). */
  variant?: string;
  /** Sample spacing; default 1m. */
  interval?: string;
  series: { series: string; values: string }[];
  firesAt: string;
  clearsAt: string;
  /** The firing alert's labels besides alertname (severity included). */
  labels: Record<string, string>;
}

const S = (series: string, values: string) => ({ series, values });

export const RULE_CASES: RuleCase[] = [
  {
    alert: "ScrapeTargetDown",
    series: [S('up{component="synapse", job="main", namespace="matrix", pod="synapse-main-0"}', "1 0x10 1x10")],
    firesAt: "8m", clearsAt: "20m",
    labels: { component: "synapse", job: "main", namespace: "matrix", pod: "synapse-main-0", severity: "critical" },
  },
  {
    alert: "PodRestarting",
    series: [S('kube_pod_container_status_restarts_total{namespace="matrix", pod="synchrotron-0", container="synapse"}', "0x10 0+1x10 10x30")],
    firesAt: "16m", clearsAt: "45m",
    labels: { namespace: "matrix", pod: "synchrotron-0", container: "synapse", severity: "warning" },
  },
  {
    alert: "ContainerMemoryHigh",
    series: [
      S('container_memory_working_set_bytes{namespace="matrix", pod="synapse-main-0", container="synapse"}', "90x30 50x30"),
      S('kube_pod_container_resource_limits{namespace="matrix", pod="synapse-main-0", container="synapse", resource="memory"}', "100x60"),
    ],
    firesAt: "20m", clearsAt: "50m",
    labels: { namespace: "matrix", pod: "synapse-main-0", container: "synapse", severity: "warning" },
  },
  {
    alert: "ContainerCpuHigh",
    series: [
      // 0.9 cores for an hour, then 0.1.
      S('container_cpu_usage_seconds_total{namespace="matrix", pod="haproxy-1", container="haproxy"}', "0+54x60 3240+6x60"),
      S('kube_pod_container_resource_requests{namespace="matrix", pod="haproxy-1", container="haproxy", resource="cpu"}', "1x120"),
    ],
    firesAt: "50m", clearsAt: "110m",
    labels: { namespace: "matrix", pod: "haproxy-1", container: "haproxy", severity: "warning" },
  },
  {
    alert: "OffsiteBackupCopyStale",
    // Created at 0 and failing for 31 minutes (no success yet: the age counts from creation), then
    // a copy succeeds each minute.
    series: [
      S('kube_cronjob_created{namespace="matrix-data", cronjob="platform-offsite-backup-copy-1a2b"}', "0x60"),
      S('kube_cronjob_status_last_successful_time{namespace="matrix-data", cronjob="platform-offsite-backup-copy-1a2b"}', "_x31 1860+60x28"),
    ],
    firesAt: "28m", clearsAt: "35m",
    labels: { namespace: "matrix-data", cronjob: "platform-offsite-backup-copy-1a2b", severity: "critical" },
  },
  {
    alert: "VolumeFillingUp",
    series: [
      S('kubelet_volume_stats_used_bytes{namespace="matrix-data", persistentvolumeclaim="data-redis-0"}', "85x30 50x30"),
      S('kubelet_volume_stats_capacity_bytes{namespace="matrix-data", persistentvolumeclaim="data-redis-0"}', "100x60"),
    ],
    firesAt: "20m", clearsAt: "50m",
    labels: { namespace: "matrix-data", persistentvolumeclaim: "data-redis-0", severity: "warning" },
  },
  {
    alert: "VolumeFull",
    series: [
      S('kubelet_volume_stats_available_bytes{namespace="monitoring", persistentvolumeclaim="prometheus-db-0"}', "2x20 50x20"),
      S('kubelet_volume_stats_capacity_bytes{namespace="monitoring", persistentvolumeclaim="prometheus-db-0"}', "100x40"),
    ],
    firesAt: "10m", clearsAt: "30m",
    labels: { namespace: "monitoring", persistentvolumeclaim: "prometheus-db-0", severity: "critical" },
  },
  {
    alert: "SynapseMessageSendLatencyHigh",
    series: [
      // First half hour every send takes 0.5-1 s, then every send is under 0.5 s.
      S('synapse_http_server_response_time_seconds_bucket{component="synapse", job="client-writer", servlet="RoomSendEventRestServlet", le="0.5"}', "0x30 0+60x30"),
      S('synapse_http_server_response_time_seconds_bucket{component="synapse", job="client-writer", servlet="RoomSendEventRestServlet", le="1"}', "0+60x30 1800+60x30"),
      S('synapse_http_server_response_time_seconds_bucket{component="synapse", job="client-writer", servlet="RoomSendEventRestServlet", le="+Inf"}', "0+60x30 1800+60x30"),
    ],
    firesAt: "25m", clearsAt: "55m",
    labels: { severity: "warning" },
  },
  {
    alert: "SynapseHttpLatencyHigh",
    series: [
      S('synapse_http_server_response_time_seconds_bucket{component="synapse", job="main", servlet="RoomStateEventRestServlet", le="1"}', "0x30 0+60x30"),
      S('synapse_http_server_response_time_seconds_bucket{component="synapse", job="main", servlet="RoomStateEventRestServlet", le="5"}', "0+60x30 1800+60x30"),
      S('synapse_http_server_response_time_seconds_bucket{component="synapse", job="main", servlet="RoomStateEventRestServlet", le="+Inf"}', "0+60x30 1800+60x30"),
      // A long-polling /sync at its 30 s timeout must not count.
      S('synapse_http_server_response_time_seconds_bucket{component="synapse", job="main", servlet="SyncRestServlet", le="5"}', "0x60"),
      S('synapse_http_server_response_time_seconds_bucket{component="synapse", job="main", servlet="SyncRestServlet", le="+Inf"}', "0+600x60"),
    ],
    firesAt: "25m", clearsAt: "55m",
    labels: { job: "main", severity: "warning" },
  },
  {
    alert: "SynapseDatabaseQueryLatencyHigh",
    series: [
      S('synapse_storage_query_time_bucket{component="synapse", job="event-persister", index="0", verb="persist_events", le="0.1"}', "0x30 0+60x30"),
      S('synapse_storage_query_time_bucket{component="synapse", job="event-persister", index="0", verb="persist_events", le="0.5"}', "0+60x30 1800+60x30"),
      S('synapse_storage_query_time_bucket{component="synapse", job="event-persister", index="0", verb="persist_events", le="+Inf"}', "0+60x30 1800+60x30"),
    ],
    firesAt: "25m", clearsAt: "55m",
    labels: { job: "event-persister", severity: "warning" },
  },
  {
    alert: "SynapseFederationSendLag",
    series: [S('synapse_event_processing_lag{component="synapse", job="federation-sender", index="0", name="federation_sender"}', "90000x30 100x30")],
    firesAt: "20m", clearsAt: "45m",
    labels: { job: "federation-sender", index: "0", severity: "warning" },
  },
  {
    alert: "WorkerQueueBacklog",
    series: [
      S('synapse_federation_transaction_queue_pending_pdus{component="synapse", job="federation-sender", index="1"}', "1500x30 10x30"),
      S('synapse_federation_transaction_queue_pending_edus{component="synapse", job="federation-sender", index="1"}', "0x60"),
    ],
    firesAt: "20m", clearsAt: "45m",
    labels: { job: "federation-sender", index: "1", severity: "warning" },
  },
  {
    alert: "SynapseEventPersistenceLag",
    series: [
      S('synapse_event_persisted_position{component="synapse", job="event-persister", index="0"}', "5000x60"),
      S('synapse_event_processing_positions{component="synapse", job="pusher", index="0", name="pusherpool"}', "1000x30 4900x30"),
    ],
    firesAt: "20m", clearsAt: "45m",
    labels: { job: "pusher", index: "0", name: "pusherpool", severity: "warning" },
  },
  {
    alert: "SynapseReactorTickSlow",
    series: [
      // Ticks of 0.5 s on average for half an hour, then 1/60 s.
      S('python_twisted_reactor_tick_time_sum{component="synapse", job="main", index="synapse-main-abc"}', "0+30x30 900+1x30"),
      S('python_twisted_reactor_tick_time_count{component="synapse", job="main", index="synapse-main-abc"}', "0+60x60"),
    ],
    firesAt: "25m", clearsAt: "55m",
    labels: { component: "synapse", job: "main", index: "synapse-main-abc", severity: "warning" },
  },
  {
    alert: "SynapseOpenFileDescriptorsHigh",
    series: [
      S('process_open_fds{component="synapse", job="synchrotron", index="0"}', "900x30 100x30"),
      S('process_max_fds{component="synapse", job="synchrotron", index="0"}', "1000x60"),
    ],
    firesAt: "20m", clearsAt: "45m",
    labels: { component: "synapse", job: "synchrotron", index: "0", severity: "warning" },
  },
  {
    alert: "HAProxyBackendDown",
    series: [
      S('haproxy_backend_active_servers{job="haproxy", proxy="synchrotron"}', "0x10 2x10"),
      S('haproxy_backend_backup_servers{job="haproxy", proxy="synchrotron"}', "0x20"),
    ],
    firesAt: "5m", clearsAt: "15m",
    labels: { job: "haproxy", proxy: "synchrotron", severity: "critical" },
  },
  {
    alert: "HAProxyServerErrorsHigh",
    series: [
      S('haproxy_backend_http_responses_total{job="haproxy", proxy="client-reader", code="5xx"}', "0+10x30 300x30"),
      S('haproxy_backend_http_responses_total{job="haproxy", proxy="client-reader", code="2xx"}', "0+90x60"),
    ],
    firesAt: "20m", clearsAt: "50m",
    labels: { proxy: "client-reader", severity: "warning" },
  },
  {
    alert: "RedisDown",
    series: [S('redis_up{job="redis", namespace="matrix-data", pod="redis-1"}', "0x10 1x10")],
    firesAt: "5m", clearsAt: "15m",
    labels: { job: "redis", namespace: "matrix-data", pod: "redis-1", severity: "critical" },
  },
  {
    alert: "RedisMemoryHigh",
    series: [
      S('redis_memory_used_bytes{job="redis", namespace="matrix-data", pod="redis-0"}', "95x30 50x30"),
      S('redis_memory_max_bytes{job="redis", namespace="matrix-data", pod="redis-0"}', "100x60"),
    ],
    firesAt: "20m", clearsAt: "45m",
    labels: { job: "redis", namespace: "matrix-data", pod: "redis-0", severity: "warning" },
  },
  {
    alert: "RedisRejectingConnections",
    series: [S('redis_rejected_connections_total{job="redis", namespace="matrix-data", pod="redis-0"}', "0x10 0+5x5 25x20")],
    firesAt: "13m", clearsAt: "30m",
    labels: { job: "redis", namespace: "matrix-data", pod: "redis-0", severity: "warning" },
  },
  {
    alert: "RedisNoMaster",
    series: [S('haproxy_backend_active_servers{job="redis-proxy", proxy="redis"}', "0x10 1x10")],
    firesAt: "5m", clearsAt: "15m",
    labels: { severity: "critical" },
  },
  {
    alert: "DatabaseReplicationLag",
    series: [S('cnpg_pg_replication_lag{namespace="matrix-data", pod="matrix-pg-2"}', "10x10 0x10")],
    firesAt: "5m", clearsAt: "15m",
    labels: { pod: "matrix-pg-2", severity: "critical" },
  },
  {
    alert: "DatabaseReplicationLag",
    variant: "postgres_exporter on a managed replica",
    series: [
      S('pg_replication_lag_seconds{job="postgresql", namespace="monitoring", pod="postgres-exporter-main-replica-0-7c9f"}', "10x10 0x10"),
      // The LI sync's exporter serves the same name under its own job: never a database alert.
      S('pg_replication_lag_seconds{job="li-sync", namespace="matrix-li", pod="li-sync-exporter-5d4b"}', "60x20"),
    ],
    firesAt: "5m", clearsAt: "15m",
    labels: { pod: "postgres-exporter-main-replica-0-7c9f", severity: "critical" },
  },
  {
    alert: "PostgresInstanceDown",
    series: [S('cnpg_collector_up{namespace="matrix-data", pod="matrix-pg-1"}', "0x10 1x10")],
    firesAt: "5m", clearsAt: "15m",
    labels: { namespace: "matrix-data", pod: "matrix-pg-1", severity: "critical" },
  },
  {
    alert: "PostgresInstanceDown",
    variant: "postgres_exporter on a managed server",
    series: [S('pg_up{job="postgresql", namespace="monitoring", pod="postgres-exporter-main-primary-6b8d"}', "0x10 1x10")],
    firesAt: "5m", clearsAt: "15m",
    labels: { job: "postgresql", namespace: "monitoring", pod: "postgres-exporter-main-primary-6b8d", severity: "critical" },
  },
  {
    alert: "PostgresWalArchivingFailing",
    series: [
      S('cnpg_pg_stat_archiver_last_failed_time{namespace="matrix-data", pod="matrix-pg-1"}', "2000x30"),
      S('cnpg_pg_stat_archiver_last_archived_time{namespace="matrix-data", pod="matrix-pg-1"}', "1000x15 3000x15"),
    ],
    firesAt: "10m", clearsAt: "25m",
    labels: { namespace: "matrix-data", pod: "matrix-pg-1", severity: "critical" },
  },
  {
    alert: "PostgresBackupFailed",
    series: [
      S('cnpg_collector_last_failed_backup_timestamp{namespace="matrix-data", pod="matrix-pg-1"}', "2000x30"),
      S('cnpg_collector_last_available_backup_timestamp{namespace="matrix-data", pod="matrix-pg-1"}', "1000x15 3000x15"),
    ],
    firesAt: "10m", clearsAt: "25m",
    labels: { namespace: "matrix-data", pod: "matrix-pg-1", severity: "critical" },
  },
  {
    alert: "PostgresBackupTooOld",
    // The last backup is from t=1 s; a new one lands after 1700 minutes (28 h 20 min).
    series: [S('cnpg_collector_last_available_backup_timestamp{namespace="matrix-data", pod="matrix-pg-1"}', "1x1700 100000x100")],
    firesAt: "1650m", clearsAt: "1750m",
    labels: { namespace: "matrix-data", pod: "matrix-pg-1", severity: "warning" },
  },
  {
    alert: "PostgresConnectionsHigh",
    series: [
      S('cnpg_backends_total{namespace="matrix-data", pod="matrix-pg-1", datname="synapse", state="active"}', "90x30 10x30"),
      S('cnpg_pg_settings_setting{namespace="matrix-data", pod="matrix-pg-1", name="max_connections"}', "100x60"),
    ],
    firesAt: "20m", clearsAt: "45m",
    labels: { pod: "matrix-pg-1", severity: "warning" },
  },
  {
    alert: "PostgresConnectionsHigh",
    variant: "postgres_exporter on a managed server",
    series: [
      S('pg_stat_database_numbackends{job="postgresql", namespace="monitoring", pod="postgres-exporter-main-primary-6b8d", datname="synapse"}', "80x30 5x30"),
      S('pg_stat_database_numbackends{job="postgresql", namespace="monitoring", pod="postgres-exporter-main-primary-6b8d", datname="mautrix_telegram"}', "5x60"),
      S('pg_settings_max_connections{job="postgresql", namespace="monitoring", pod="postgres-exporter-main-primary-6b8d"}', "100x60"),
    ],
    firesAt: "20m", clearsAt: "45m",
    labels: { pod: "postgres-exporter-main-primary-6b8d", severity: "warning" },
  },
  {
    alert: "ObjectStoreNodeOffline",
    series: [S('minio_cluster_nodes_offline_total{namespace="matrix-data", pod="object-store-pool-0-0"}', "1x15 0x15")],
    firesAt: "10m", clearsAt: "25m",
    labels: { severity: "critical" },
  },
  {
    alert: "ObjectStoreCapacityLow",
    series: [
      S('minio_cluster_capacity_usable_free_bytes{namespace="matrix-data", pod="object-store-pool-0-0"}', "10x60 50x30"),
      S('minio_cluster_capacity_usable_total_bytes{namespace="matrix-data", pod="object-store-pool-0-0"}', "100x90"),
    ],
    firesAt: "45m", clearsAt: "70m",
    labels: { severity: "warning" },
  },
  {
    alert: "CertificateExpiringSoon",
    // Ten days left (the clock starts at 0), then renewed for 90 days.
    series: [S('certmanager_certificate_expiration_timestamp_seconds{namespace="edge", name="matrix-tls"}', "864000x90 7776000x30")],
    firesAt: "80m", clearsAt: "100m",
    labels: { namespace: "edge", name: "matrix-tls", severity: "warning" },
  },
  {
    alert: "CertificateNotReady",
    series: [S('certmanager_certificate_ready_status{namespace="edge", name="matrix-tls", condition="False"}', "1x30 0x30")],
    firesAt: "20m", clearsAt: "40m",
    labels: { namespace: "edge", name: "matrix-tls", condition: "False", severity: "critical" },
  },
  {
    alert: "LiveKitPacketsDropped",
    // 1000 packets/s forwarded; 50/s dropped for 30 minutes, then none.
    series: [
      S('livekit_node_packet_total{job="livekit", pod="livekit-abc12", type="out"}', "0+60000x60"),
      S('livekit_node_packet_total{job="livekit", pod="livekit-abc12", type="dropped"}', "0+3000x30 90000x30"),
    ],
    firesAt: "20m", clearsAt: "45m",
    labels: { pod: "livekit-abc12", severity: "warning" },
  },
  {
    alert: "CoturnAllocationsNearQuota",
    series: [
      S('turn_total_allocations{job="coturn", pod="coturn-xyz34", type="UDP"}', "900x30 100x30"),
      S('turn_total_allocations{job="coturn", pod="coturn-xyz34", type="TCP"}', "100x60"),
    ],
    firesAt: "15m", clearsAt: "40m",
    labels: { pod: "coturn-xyz34", severity: "warning" },
  },
  {
    alert: "LokiRequestErrors",
    // 10 requests/s; 2/s of them 5xx for 30 minutes, then none.
    series: [
      S('loki_request_duration_seconds_count{job="loki", pod="loki-0", route="loki_api_v1_push", status_code="204"}', "0+480x30 14400+600x30"),
      S('loki_request_duration_seconds_count{job="loki", pod="loki-0", route="loki_api_v1_push", status_code="500"}', "0+120x30 3600x30"),
    ],
    firesAt: "25m", clearsAt: "50m",
    labels: { pod: "loki-0", severity: "warning" },
  },
  {
    alert: "LogsDropped",
    series: [S('loki_write_dropped_entries_total{job="alloy", pod="alloy-x7k2p", reason="ingester_error"}', "0x10 0+5x5 25x40")],
    firesAt: "14m", clearsAt: "40m",
    labels: { pod: "alloy-x7k2p", severity: "warning" },
  },
  {
    alert: "LiSyncArchiveStalled",
    // The walsender's messages arrive (seconds since the last stays under a minute), then stop for
    // 20 minutes, then resume.
    series: [
      S('li_sync_subscription_apply_running{job="li-sync", namespace="matrix-li", subscription="li_evidence"}', "1x60"),
      S('li_sync_subscription_seconds_since_message{job="li-sync", namespace="matrix-li", subscription="li_evidence"}', "20x10 0+60x20 15x30"),
      S('li_sync_subscription_apply_errors{job="li-sync", namespace="matrix-li", subscription="li_evidence"}', "0x60"),
    ],
    // Over 300 s from minute 17, so firing 10 minutes later; back to 15 s at minute 32.
    firesAt: "30m", clearsAt: "45m",
    labels: { job: "li-sync", namespace: "matrix-li", subscription: "li_evidence", severity: "critical" },
  },
  {
    alert: "LiSyncRefreshFailed",
    // A refresh succeeded at 600 s; one failed at 1200 s; the next succeeded at 2400 s.
    series: [
      S('li_sync_refresh_last_success_timestamp_seconds{job="li-sync", namespace="matrix-li"}', "600x39 2400x20"),
      S('li_sync_refresh_last_failure_timestamp_seconds{job="li-sync", namespace="matrix-li"}', "0x19 1200x40"),
    ],
    firesAt: "25m", clearsAt: "45m",
    labels: { job: "li-sync", namespace: "matrix-li", severity: "warning" },
  },
  {
    alert: "TraceSpansRefused",
    series: [S('otelcol_receiver_refused_spans_total{job="jaeger", pod="jaeger-0", receiver="jaeger", transport="udp_thrift_compact"}', "0x10 0+30x20 600x40")],
    firesAt: "25m", clearsAt: "50m",
    labels: { pod: "jaeger-0", receiver: "jaeger", transport: "udp_thrift_compact", severity: "warning" },
  },
  {
    alert: "TraceSpansNotStored",
    series: [S('otelcol_exporter_send_failed_spans_total{job="jaeger", pod="jaeger-0", exporter="jaeger_storage_exporter"}', "0x10 0+30x20 600x40")],
    firesAt: "25m", clearsAt: "50m",
    labels: { pod: "jaeger-0", severity: "warning" },
  },
  {
    alert: "ClamdDown",
    series: [S('clamd_up{job="clamd", pod="clamd-7d9f-x2"}', "1x5 0x15 1x20")],
    firesAt: "15m", clearsAt: "30m",
    labels: { job: "clamd", pod: "clamd-7d9f-x2", severity: "critical" },
  },
  {
    alert: "ClamdSignaturesStale",
    // Built at t=0 and not refreshed for 100 hours, then a database built at 100 h is loaded.
    series: [S('clamd_signatures_timestamp_seconds{job="clamd", pod="clamd-7d9f-x2"}', "0x5999 360000x700")],
    firesAt: "80h", clearsAt: "110h",
    labels: { job: "clamd", pod: "clamd-7d9f-x2", severity: "warning" },
  },
  {
    alert: "ScanErrors",
    series: [
      S('scan_worker_scanned_total{job="scan-worker", pod="scan-worker-0"}', "0+100x60"),
      S('scan_worker_errors_total{job="scan-worker", pod="scan-worker-0", reason="clamd_unavailable"}', "0x10 0+20x20 400x30"),
      S('scan_worker_errors_total{job="scan-worker", pod="scan-worker-0", reason="too_large"}', "0+50x60"),
    ],
    firesAt: "25m", clearsAt: "50m",
    labels: { severity: "warning" },
  },
  {
    alert: "ScanLatencyHigh",
    series: [
      S('scan_worker_scan_duration_seconds_bucket{job="scan-worker", pod="scan-worker-0", le="1"}', "0+10x10 100x30 100+10x30"),
      S('scan_worker_scan_duration_seconds_bucket{job="scan-worker", pod="scan-worker-0", le="30"}', "0+10x10 100+10x30 400+10x30"),
      S('scan_worker_scan_duration_seconds_bucket{job="scan-worker", pod="scan-worker-0", le="+Inf"}', "0+10x10 100+10x30 400+10x30"),
    ],
    firesAt: "35m", clearsAt: "60m",
    labels: { severity: "warning" },
  },
];
