/** Namespaces of the stack, named once. */
export const NAMESPACES = {
  /** Synapse, workers, HAProxy, Element, admin, RTC, bridges, key vault. */
  matrix: "matrix",
  /**
   * Sygnal alone: it holds the push apps' APNs/FCM credentials, and Synapse's config needs its
   * Service address, so it is created before the Matrix namespace's workloads.
   */
  push: "matrix-push",
  /** Lawful-intercept instance, isolated from main. */
  li: "matrix-li",
  /** In-cluster data services on the existing platform (CloudNativePG, MinIO, Redis). */
  data: "matrix-data",
  /**
   * The media servers, LiveKit and coturn: they run with host networking (WebRTC and TURN hand
   * clients the node's address and a port of a wide UDP range), which only the `privileged` Pod
   * Security level admits. Keeping them out of `matrix` keeps that namespace at `restricted`.
   */
  turn: "matrix-turn",
  antivirus: "antivirus",
  monitoring: "monitoring",
  /**
   * Grafana Alloy alone, the DaemonSet shipping pod logs: it reads the node's /var/log/pods
   * through a hostPath volume, which only the `privileged` Pod Security level admits. Keeping it
   * out of `monitoring` keeps that namespace (Loki, Prometheus, Grafana) at `restricted`.
   */
  logs: "monitoring-logs",
  /** Gateway API controller and the shared Gateway. */
  edge: "edge",
  certManager: "cert-manager",
  /** Operators installed by the platform (CloudNativePG, MinIO operator). */
  operators: "operators",
} as const;
export type NamespaceName = (typeof NAMESPACES)[keyof typeof NAMESPACES];
