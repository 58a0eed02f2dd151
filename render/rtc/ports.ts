/**
 * Ports of the MatrixRTC programs, named once: the renderers put them in the configs, the
 * component in the pod specs, Services and flows, the firewall rules in front of the nodes.
 */
export const RTC_PORTS = {
  /** LiveKit signalling websocket and server API (HTTP; TLS ends at the Gateway). */
  livekitHttp: 7880,
  /** LiveKit ICE over TCP: the fallback for clients whose UDP is blocked. */
  livekitTcp: 7881,
  /** LiveKit Prometheus metrics. */
  livekitMetrics: 6789,
  /** lk-jwt-service HTTP (token endpoint and /healthz). */
  lkJwt: 8080,
  /** TURN/STUN over UDP and TCP. */
  turn: 3478,
  /** TURN over TLS (turns:) and DTLS. */
  turns: 5349,
  /** coturn's Prometheus exporter (the image is built with it). */
  coturnMetrics: 9641,
} as const;
