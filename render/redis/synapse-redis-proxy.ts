/**
 * The verifying Redis proxy beside every Synapse process. Synapse's Redis TLS (1.163) loads the
 * CA it is given but sets no verify mode, so it accepts a server certificate from any CA
 * (tests/validators/redis-tls.test.ts pins that). Instead of Synapse's TLS, each Synapse pod
 * runs an HAProxy that listens on loopback only, where Synapse connects in plain TCP, and dials
 * the platform's Redis over TLS with the certificate verified against the platform's CA — and
 * its name, where the certificate carries the name clients dial (the in-cluster Redis,
 * ElastiCache). Memorystore's server certificate is issued by a CA of that one instance and
 * does not name the address clients dial, so there the chain alone is checked.
 */

/** Where Synapse reaches the proxy (loopback: nothing outside the pod can). */
export const SYNAPSE_REDIS_PROXY = { host: "127.0.0.1", port: 6380, healthPort: 8082 } as const;

export interface SynapseRedisProxyInput {
  /** The platform's Redis: its master endpoint. */
  upstream: { host: string; port: number };
  /** CA bundle file the server certificate must chain to. */
  caFile: string;
  /** Name the certificate must carry (also sent as SNI); absent: the chain alone is checked. */
  verifyName?: string;
  /** Resolve the upstream at run time through the pod's resolv.conf (a DNS name whose address moves on failover). Default: true. */
  runtimeDns?: boolean;
}

export function renderSynapseRedisProxyConfig(i: SynapseRedisProxyInput): string {
  const dns = i.runtimeDns ?? true;
  const verify = i.verifyName ? ` verifyhost ${i.verifyName} sni str(${i.verifyName})` : "";
  return [
    "global",
    // Two connections per Synapse process; a small limit keeps HAProxy's descriptor needs small.
    "  maxconn 256",
    "  log stdout format raw local0 warning",
    "",
    ...(dns ? ["resolvers pod", "  parse-resolv-conf", "  hold valid 5s", "  hold nx 5s", ""] : []),
    "defaults",
    "  mode tcp",
    "  log global",
    "  timeout connect 5s",
    // Synapse keeps its replication subscription open for hours; keepalives find dead peers.
    "  timeout client 12h",
    "  timeout server 12h",
    "  option clitcpka",
    "  option srvtcpka",
    "",
    "frontend health",
    "  mode http",
    `  bind :${SYNAPSE_REDIS_PROXY.healthPort}`,
    "  monitor-uri /healthz",
    "",
    "frontend redis",
    `  bind ${SYNAPSE_REDIS_PROXY.host}:${SYNAPSE_REDIS_PROXY.port}`,
    "  default_backend redis",
    "",
    "backend redis",
    `  server redis ${i.upstream.host}:${i.upstream.port} ssl verify required ca-file ${i.caFile}${verify}${dns ? " resolvers pod init-addr none" : ""}`,
    "",
  ].join("\n");
}
