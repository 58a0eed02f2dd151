/** Ports of the antivirus pods (the Services, probes, flows and scrape targets use these). */
export const ANTIVIRUS_PORTS = {
  /** clamd's TCP socket (clamd.conf TCPSocket; clamd's documented default). */
  clamd: 3310,
  /** The scan worker's HTTP API (`POST /scan`). */
  scanHttp: 8080,
  /** The scan worker's Prometheus metrics. */
  scanMetrics: 9090,
  /** The clamd exporter sidecar's metrics (images/scan-worker scan_worker.clamd_exporter). */
  clamdMetrics: 9906,
} as const;

/** The scan worker's API path the Synapse module posts each file to. */
export const SCAN_PATH = "/scan";

/** Name of the scan workers' Service (and Deployment). */
export const SCAN_WORKER_NAME = "scan-worker";
/** Name of clamd's Service (and Deployment). */
export const CLAMD_NAME = "clamd";

/** The scan workers' in-cluster URL, the one the Synapse module posts to. */
export function scanWorkerUrl(namespace: string): string {
  return `http://${SCAN_WORKER_NAME}.${namespace}.svc.cluster.local:${ANTIVIRUS_PORTS.scanHttp}${SCAN_PATH}`;
}

/**
 * Timeouts of one scan, nested so the innermost gives up first and says why: clamd's verdict
 * within the scan worker's limit, which is inside the module's (whose expiry means "scanner
 * unavailable"). Two minutes covers a maximal upload scanned at a few MB/s.
 */
export const SCAN_TIMEOUT_SECONDS = { worker: 110, module: 120 } as const;
