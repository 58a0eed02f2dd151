/**
 * LiveKit SFU `config.yaml` from typed inputs (keys from livekit-server's pkg/config/config.go and
 * mediatransportutil's rtcconfig at the pinned tag). The API key and secret are not in it: they
 * sit in a `key_file` mounted from a Secret (LiveKit refuses one readable by others).
 */
import type { PortRange, RtcSpec } from "../../config/spec";
import { RTC_PORTS } from "./ports";

export interface LivekitConfigInput {
  /** Signalling/API port (HTTP). */
  port: number;
  /** Addresses the signalling port binds; absent = every address (the pod's node, host networking). */
  bindAddresses?: string[];
  /** ICE/TCP fallback port. */
  tcpPort: number;
  /** WebRTC UDP range. */
  udpPorts: PortRange;
  /** Prometheus metrics port. */
  metricsPort: number;
  /**
   * How the advertised address is found: `stun` asks public STUN servers (`use_external_ip`);
   * `node` advertises the node's own address, handed to the process as NODE_IP (no outside
   * lookup, for air-gapped sites).
   */
  nodeAddress: RtcSpec["nodeAddress"];
  /** Path of the `<key>: <secret>` file. */
  keyFile: string;
  /**
   * Redis for distributed mode (room routing across replicas); absent with a single replica, where
   * LiveKit runs stand-alone.
   */
  redis?: {
    address: string;
    password: string;
    useTls: boolean;
    /** PEM file of the CA that signs the server's certificate, where it is private (Memorystore); absent = the system roots. */
    caCertFile?: string;
  };
  /** Webhook receivers of room and participant events, signed with `apiKey`; absent = none. */
  webhook?: { apiKey: string; urls: string[] };
  /** TURN servers LiveKit hands its clients (coturn, shared-secret credentials). */
  turnServers?: { host: string; port: number; protocol: "udp" | "tcp" | "tls"; secret: string; ttlSeconds: number }[];
  /** Loopback runs only: advertise loopback candidates and allow private peers. */
  loopback?: boolean;
}

export function renderLivekitConfig(input: LivekitConfigInput): Record<string, unknown> {
  const rtc: Record<string, unknown> = {
    tcp_port: input.tcpPort,
    port_range_start: input.udpPorts.start,
    port_range_end: input.udpPorts.end,
    // `stun` is LiveKit's own discovery through STUN; `node` keeps it from asking anyone: the
    // node address (NODE_IP) is what clients reach on an on-prem or air-gapped network.
    use_external_ip: input.nodeAddress === "stun",
  };
  if (input.loopback) rtc.enable_loopback_candidate = true;
  if (input.turnServers?.length) {
    rtc.turn_servers = input.turnServers.map((t) => ({ host: t.host, port: t.port, protocol: t.protocol, secret: t.secret, ttl: t.ttlSeconds }));
  }
  const config: Record<string, unknown> = {
    port: input.port,
    ...(input.bindAddresses ? { bind_addresses: input.bindAddresses } : {}),
    prometheus_port: input.metricsPort,
    rtc,
    key_file: input.keyFile,
    // Only lk-jwt-service creates rooms (its tokens carry roomCreate for full-access users);
    // a token for a room that does not exist must not bring it into being.
    room: { auto_create: false, empty_timeout: 300, departure_timeout: 20 },
    // LiveKit's own TURN stays off: coturn is the TURN server, on its own nodes.
    turn: { enabled: false },
    logging: { level: "info", json: true },
  };
  if (input.redis) {
    // `tls` rather than the deprecated `use_tls`: only `tls` takes a CA to verify the server with.
    const tls = input.redis.useTls ? { tls: { enabled: true, ...(input.redis.caCertFile ? { ca_cert_file: input.redis.caCertFile } : {}) } } : {};
    config.redis = { address: input.redis.address, password: input.redis.password, ...tls };
  }
  if (input.webhook) config.webhook = { api_key: input.webhook.apiKey, urls: input.webhook.urls };
  return config;
}

/** The `key_file` LiveKit reads: one `<key>: <secret>` YAML line. */
export function renderLivekitKeyFile(apiKey: string, apiSecret: string): string {
  return `${apiKey}: ${apiSecret}\n`;
}

/** The deployed defaults of the ports, for callers that take them from the one table. */
export const LIVEKIT_DEFAULT_PORTS = { port: RTC_PORTS.livekitHttp, tcpPort: RTC_PORTS.livekitTcp, metricsPort: RTC_PORTS.livekitMetrics } as const;
