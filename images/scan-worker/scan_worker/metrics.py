"""The worker's Prometheus series (served on the metrics port, never on the scan port)."""
from prometheus_client import CollectorRegistry, Counter, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

SCANNED = Counter("scan_worker_scanned_total", "Files clamd returned a verdict for.", registry=REGISTRY)
INFECTED = Counter("scan_worker_infected_total", "Files clamd found a signature in.", registry=REGISTRY)
ERRORS = Counter(
    "scan_worker_errors_total",
    "Scans that ended without a verdict, by reason.",
    ["reason"],
    registry=REGISTRY,
)
DURATION = Histogram(
    "scan_worker_scan_duration_seconds",
    "Time from the first byte received to clamd's verdict.",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
    registry=REGISTRY,
)
BYTES = Counter("scan_worker_scanned_bytes_total", "Bytes streamed to clamd.", registry=REGISTRY)

ERROR_REASONS = ("unauthorized", "too_large", "timeout", "clamd_unavailable", "clamd_error", "client_aborted")
for _reason in ERROR_REASONS:
    ERRORS.labels(reason=_reason)
