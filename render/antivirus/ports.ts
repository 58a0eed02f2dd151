/** Ports of the antivirus pods (the Services, probes, flows and scrape targets use these). */
export const ANTIVIRUS_PORTS = {
  /** clamd's TCP socket (clamd.conf TCPSocket; clamd's documented default). */
  clamd: 3310,
  /** The scan worker's HTTP API (`POST /scan`). */
  scanHttp: 8080,
  /** The scan worker's Prometheus metrics. */
  scanMetrics: 9090,
} as const;

/** The scan worker's API path the Synapse module posts each file to. */
export const SCAN_PATH = "/scan";
