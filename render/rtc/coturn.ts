/**
 * coturn `turnserver.conf` from typed inputs (coturn's examples/etc/turnserver.conf; Synapse's
 * docs/setup/turn/coturn.md). TURN REST API credentials (`use-auth-secret`) with the secret
 * Synapse signs them with, the server name as realm, TLS from the mounted certificate, and no
 * relaying into private or special-purpose address space.
 */
import type { PortRange } from "../../config/spec";

/**
 * Every private and special-purpose range (IANA IPv4/IPv6 special-purpose registries: "this
 * network", RFC 1918, CGNAT, loopback, link-local, IETF protocol assignments, documentation,
 * 6to4 relay anycast, benchmarking, reserved/broadcast, multicast; IPv6 loopback, NAT64,
 * IPv4-mapped, discard-only, TEREDO/ORCHID/documentation under 2001::/23 and 2001:db8::/32, 6to4,
 * unique-local, link-local, multicast). A relay to any of them would let a TURN user reach the
 * cluster's, the VPC's or the metadata service's addresses.
 */
export const DENIED_PEER_RANGES: readonly string[] = [
  "0.0.0.0-0.255.255.255",
  "10.0.0.0-10.255.255.255",
  "100.64.0.0-100.127.255.255",
  "127.0.0.0-127.255.255.255",
  "169.254.0.0-169.254.255.255",
  "172.16.0.0-172.31.255.255",
  "192.0.0.0-192.0.0.255",
  "192.0.2.0-192.0.2.255",
  "192.88.99.0-192.88.99.255",
  "192.168.0.0-192.168.255.255",
  "198.18.0.0-198.19.255.255",
  "198.51.100.0-198.51.100.255",
  "203.0.113.0-203.0.113.255",
  "224.0.0.0-239.255.255.255",
  "240.0.0.0-255.255.255.255",
  "::",
  "::1",
  "::ffff:0.0.0.0-::ffff:255.255.255.255",
  "64:ff9b::-64:ff9b::ffff:ffff",
  "64:ff9b:1::-64:ff9b:1:ffff:ffff:ffff:ffff:ffff",
  "100::-100::ffff:ffff:ffff:ffff",
  "2001::-2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff",
  "2001:db8::-2001:db8:ffff:ffff:ffff:ffff:ffff:ffff",
  "2002::-2002:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
  "3fff::-3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff",
  "fc00::-fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
  "fe80::-febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
  "ff00::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
];

export interface CoturnConfigInput {
  /** Realm: the Matrix server name. */
  realm: string;
  /** Shared secret of the TURN REST API, the one Synapse's `turn_shared_secret` holds. */
  sharedSecret: string;
  /** TURN/STUN port (UDP and TCP). */
  listeningPort: number;
  /** TURN over TLS/DTLS port. */
  tlsListeningPort: number;
  /** Relay allocation range (UDP). */
  relayPorts: PortRange;
  /** PEM certificate chain and key of the TURN host (cert-manager's Secret, mounted). */
  tls: { certFile: string; keyFile: string };
  /** Listening addresses; absent = every address of the node. */
  listeningIps?: string[];
  /** Prometheus exporter port; absent where the build has no exporter. */
  metricsPort?: number;
  /**
   * Loopback test runs only: peers allowed although inside a denied range, and loopback peers
   * (which coturn refuses on its own unless told otherwise).
   */
  loopbackPeers?: string[];
  /** Quotas: concurrent allocations per user and in total. */
  quotas: { perUser: number; total: number };
  /** Where the log goes: `stdout` in a container. */
  logFile: string;
  /**
   * Writable directory for the pid file and coturn's (unused, with the REST API) SQLite user
   * database: the container's root filesystem is read-only.
   */
  stateDir: string;
}

/** Allocations per user: one call holds a few (audio, video, screen share, both families). */
export const TURN_QUOTAS = { perUser: 12, total: 1200 } as const;

export function renderCoturnConfig(input: CoturnConfigInput): string {
  const lines = [
    "# Rendered by matrix-platform (render/rtc/coturn.ts).",
    `listening-port=${input.listeningPort}`,
    `tls-listening-port=${input.tlsListeningPort}`,
    ...(input.listeningIps ?? []).map((ip) => `listening-ip=${ip}`),
    `min-port=${input.relayPorts.start}`,
    `max-port=${input.relayPorts.end}`,
    // TURN REST API: Synapse hands out time-limited username/HMAC pairs signed with this secret.
    "use-auth-secret",
    `static-auth-secret=${input.sharedSecret}`,
    `realm=${input.realm}`,
    `cert=${input.tls.certFile}`,
    `pkey=${input.tls.keyFile}`,
    "no-tlsv1",
    "no-tlsv1_1",
    `user-quota=${input.quotas.perUser}`,
    `total-quota=${input.quotas.total}`,
    // Calls relay UDP media; TCP relays (RFC 6062) would let users open TCP to arbitrary hosts.
    "no-tcp-relay",
    "no-multicast-peers",
    ...DENIED_PEER_RANGES.map((r) => `denied-peer-ip=${r}`),
    ...(input.loopbackPeers?.length ? ["allow-loopback-peers", ...input.loopbackPeers.map((ip) => `allowed-peer-ip=${ip}`)] : []),
    // The telnet admin CLI would be one more port with a default password.
    "no-cli",
    "fingerprint",
    "no-software-attribute",
    ...(input.metricsPort !== undefined ? ["prometheus", `prometheus-port=${input.metricsPort}`] : []),
    `pidfile=${input.stateDir}/turnserver.pid`,
    `userdb=${input.stateDir}/turndb`,
    `log-file=${input.logFile}`,
    "simple-log",
  ];
  return lines.join("\n") + "\n";
}
