/**
 * The in-cluster Redis of an existing cluster (components/data/redis.ts): redis.conf, the
 * start-up script that writes each node's role and sentinel.conf, and the master-endpoint
 * HAProxy's config. Everything serves and speaks TLS only: Redis and Sentinel listen on their
 * TLS ports alone (`port 0`), replicas and Sentinels reach the master over TLS and verify it
 * against the internal CA, and the proxy health-checks every node over verified TLS while it
 * passes the clients' own TLS sessions through to the master untouched (so Synapse's and
 * LiveKit's sessions end at Redis, not at the proxy).
 *
 * Clients authenticate with the password, not a certificate (`tls-auth-clients no`): none of
 * Synapse, LiveKit or redis_exporter is given a client certificate.
 */

export const REDIS_PORT = 6379;
export const SENTINEL_PORT = 26379;
/** Sentinel's name of the master set. */
export const MASTER_SET = "matrix";

/** Where a Redis pod finds its certificate, key and the CA (the cert-manager Secret's keys). */
export interface RedisTlsFiles {
  cert: string;
  key: string;
  ca: string;
}

/** The mount of the Redis nodes' certificate Secret (tls.crt, tls.key, ca.crt). */
export const REDIS_TLS_DIR = "/tls";
export const REDIS_TLS_FILES: RedisTlsFiles = { cert: `${REDIS_TLS_DIR}/tls.crt`, key: `${REDIS_TLS_DIR}/tls.key`, ca: `${REDIS_TLS_DIR}/ca.crt` };
/** The proxy mounts only ca.crt of that Secret, here. */
export const PROXY_CA_FILE = "/etc/redis-ca/ca.crt";

/**
 * The names the nodes' one certificate carries: the master Service clients dial (through the
 * proxy, which passes TLS through), and every node's stable name under the headless Service
 * (replication, Sentinel, the proxy's checks, redis_exporter beside each node).
 */
export function redisServerDnsNames(service: string, headless: string, namespace: string): string[] {
  return [
    `${service}.${namespace}.svc.cluster.local`,
    `${service}.${namespace}.svc`,
    `*.${headless}.${namespace}.svc.cluster.local`,
  ];
}

/** The TLS lines Redis and Sentinel share: TLS port only, verified replication, password clients. */
function tlsLines(port: number, tls: RedisTlsFiles): string[] {
  return [
    "port 0",
    `tls-port ${port}`,
    `tls-cert-file ${tls.cert}`,
    `tls-key-file ${tls.key}`,
    `tls-ca-cert-file ${tls.ca}`,
    // Clients log in with the password; none presents a certificate.
    "tls-auth-clients no",
    // Replicas (and Sentinels) reach the master over TLS and verify it against the CA.
    "tls-replication yes",
  ];
}

export interface RedisConfInput {
  /** Container memory (MiB); Redis may use 80 % of it for data. */
  memoryMi: number;
  /** Production: no writes to a primary cut off from its replicas. */
  highAvailability: boolean;
  tls: RedisTlsFiles;
  /** Data directory (the PVC). */
  dir: string;
  /** TLS port and listen addresses. Default REDIS_PORT on every address (a loopback test narrows both). */
  port?: number;
  bind?: string;
}

/**
 * The static part of redis.conf (no secret: the password and the replication role are appended
 * at start-up by the init script).
 */
export function renderRedisConf(i: RedisConfInput): string {
  return [
    ...tlsLines(i.port ?? REDIS_PORT, i.tls),
    `bind ${i.bind ?? "* -::*"}`,
    "protected-mode no",
    `dir ${i.dir}`,
    // AOF every second + RDB snapshots: at most a second of writes lost on a crash.
    "appendonly yes",
    "appendfsync everysec",
    "save 900 1 300 100 60 10000",
    `maxmemory ${Math.round(i.memoryMi * 0.8)}mb`,
    // Synapse uses Redis for replication pub/sub and caches; evicting the least recently
    // used cache keys is safe, refusing writes is not.
    "maxmemory-policy allkeys-lru",
    "replica-serve-stale-data yes",
    // A primary cut off from every replica (the losing side of a partition, still
    // reporting role:master to HAProxy) refuses writes instead of accepting ones the
    // newly elected primary will never see.
    ...(i.highAvailability ? ["min-replicas-to-write 1", "min-replicas-max-lag 10"] : []),
    "tcp-keepalive 60",
    "",
  ].join("\n");
}

export interface SentinelConfInput {
  /** This node's name, the master's, the quorum and the password (shell words allowed: `$SELF`). */
  self: string;
  master: string;
  quorum: number;
  password: string;
  tls: RedisTlsFiles;
  /** Sentinel's TLS port and the master's port. Default SENTINEL_PORT and REDIS_PORT. */
  port?: number;
  redisPort?: number;
}

/** sentinel.conf: TLS-only Sentinel that monitors the master set over verified TLS. */
export function renderSentinelConf(i: SentinelConfInput): string {
  return [
    ...tlsLines(i.port ?? SENTINEL_PORT, i.tls),
    "sentinel resolve-hostnames yes",
    "sentinel announce-hostnames yes",
    `sentinel announce-ip ${i.self}`,
    `sentinel monitor ${MASTER_SET} ${i.master} ${i.redisPort ?? REDIS_PORT} ${i.quorum}`,
    `sentinel auth-pass ${MASTER_SET} ${i.password}`,
    `sentinel down-after-milliseconds ${MASTER_SET} 5000`,
    `sentinel failover-timeout ${MASTER_SET} 60000`,
    `sentinel parallel-syncs ${MASTER_SET} 1`,
    `requirepass ${i.password}`,
    `sentinel sentinel-pass ${i.password}`,
    "",
  ].join("\n");
}

/** redis-cli over verified TLS (the probes and the init script). */
export function redisCli(tls: Pick<RedisTlsFiles, "ca">): string {
  return `redis-cli --tls --cacert ${tls.ca}`;
}

export interface RedisInitInput {
  /** StatefulSet (and pod name prefix), headless Service, node count. */
  service: string;
  headless: string;
  replicas: number;
  tls: RedisTlsFiles;
  /** Where the ConfigMap's redis.conf is mounted, and where the node's files are written. */
  configDir: string;
  dataDir: string;
}

/**
 * The init container's script: finds the current primary from any reachable Sentinel (over
 * TLS); pod 0 starts as primary only when no Sentinel knows one (first start of the whole set).
 * Reads NAMESPACE and REDIS_PASSWORD from the environment.
 */
export function renderRedisInit(i: RedisInitInput): string {
  const quorum = Math.floor(i.replicas / 2) + 1;
  const node = (pod: string) => `${pod}.${i.headless}.\${NAMESPACE}.svc.cluster.local`;
  return [
    "#!/bin/sh",
    "set -eu",
    `SELF="$(hostname).${i.headless}.\${NAMESPACE}.svc.cluster.local"`,
    'MASTER=""',
    `i=0; while [ "$i" -lt ${i.replicas} ]; do`,
    `  PEER="${node(`${i.service}-$i`)}"`,
    '  if [ "$PEER" != "$SELF" ]; then',
    `    M="$(timeout 3 ${redisCli(i.tls)} -h "$PEER" -p ${SENTINEL_PORT} -a "$REDIS_PASSWORD" --no-auth-warning sentinel get-master-addr-by-name ${MASTER_SET} 2>/dev/null | head -n1 || true)"`,
    '    if [ -n "$M" ]; then MASTER="$M"; break; fi',
    "  fi",
    "  i=$((i+1))",
    "done",
    `[ -n "$MASTER" ] || MASTER="${node(`${i.service}-0`)}"`,
    `mkdir -p ${i.dataDir}/conf`,
    `cp ${i.configDir}/redis.conf ${i.dataDir}/conf/redis.conf`,
    "{",
    '  echo "requirepass $REDIS_PASSWORD"',
    '  echo "masterauth $REDIS_PASSWORD"',
    '  echo "replica-announce-ip $SELF"',
    `  if [ "$MASTER" != "$SELF" ]; then echo "replicaof $MASTER ${REDIS_PORT}"; fi`,
    `} >> ${i.dataDir}/conf/redis.conf`,
    `cat > ${i.dataDir}/conf/sentinel.conf <<EOF`,
    renderSentinelConf({ self: "$SELF", master: "$MASTER", quorum, password: "$REDIS_PASSWORD", tls: i.tls }).trimEnd(),
    "EOF",
    "",
  ].join("\n");
}

export interface MasterProxyInput {
  /**
   * The nodes: HAProxy's name for each, the address it dials (the node's DNS name in the
   * cluster) and the name its certificate must carry (the same name in the cluster).
   */
  servers: { name: string; address: string; port: number; tlsName: string }[];
  /**
   * The environment variable that holds Redis's password (the checks log in with it). HAProxy
   * expands it when it reads the file, so the file holds no secret and lives in a ConfigMap,
   * which is updated in place when the server list grows with the profile.
   */
  passwordEnv: string;
  /** CA file the checks verify each node's certificate against. */
  caFile: string;
  /** Port the proxy serves clients on, and its stats/health port. */
  port: number;
  statsPort: number;
  /** `resolvers cluster` for the servers' DNS names (off in loopback tests). Default true. */
  clusterDns?: boolean;
}

/**
 * HAProxy in front of the nodes: sends every client connection to the node reporting
 * `role:master`. Client traffic is plain TCP to HAProxy (the clients' TLS passes through to
 * Redis); the health checks are HAProxy's own TLS sessions, verified against the CA and the
 * node's name, so a node that is not the one the certificate names is never marked up.
 */
export function renderMasterProxyConfig(i: MasterProxyInput): string {
  const dns = i.clusterDns ?? true;
  const server = (s: MasterProxyInput["servers"][number]) =>
    `  server ${s.name} ${s.address}:${s.port} check check-ssl verify required ca-file ${i.caFile} verifyhost ${s.tlsName} check-sni ${s.tlsName} inter 1s fall 2 rise 2${dns ? " resolvers cluster init-addr none" : ""} on-marked-down shutdown-sessions`;
  return [
    "global",
    "  maxconn 10000",
    "  log stdout format raw local0 warning",
    "",
    ...(dns ? ["resolvers cluster", "  parse-resolv-conf", "  hold valid 5s", "  hold nx 5s", ""] : []),
    "defaults",
    "  mode tcp",
    "  log global",
    "  timeout connect 3s",
    "  timeout check 3s",
    "  # Synapse holds long-lived replication connections; keepalives detect dead peers.",
    "  timeout client 12h",
    "  timeout server 12h",
    "  option clitcpka",
    "  option srvtcpka",
    "",
    "frontend stats",
    "  mode http",
    `  bind :${i.statsPort}`,
    "  http-request use-service prometheus-exporter if { path /metrics }",
    "  monitor-uri /healthz",
    "",
    "frontend redis",
    `  bind :${i.port}`,
    "  default_backend master",
    "",
    "backend master",
    "  option tcp-check",
    // `default`: the check connects as the server line says (check-ssl, verified). A bare
    // `tcp-check connect` would open plain TCP, which a TLS-only Redis resets.
    "  tcp-check connect default",
    // Double quotes: HAProxy expands `${VAR}` only inside them.
    `  tcp-check send "AUTH \${${i.passwordEnv}}\\r\\n"`,
    "  tcp-check expect string +OK",
    "  tcp-check send PING\\r\\n",
    "  tcp-check expect string +PONG",
    "  tcp-check send info\\ replication\\r\\n",
    "  tcp-check expect string role:master",
    "  tcp-check send QUIT\\r\\n",
    "  tcp-check expect string +OK",
    ...i.servers.map(server),
    "",
  ].join("\n");
}

export interface SentinelRunnerInput {
  /** The node's files: certificate and CA to watch; the Redis port beside it to reload. */
  tls: RedisTlsFiles;
  redisPort?: number;
  /** sentinel.conf as the init script wrote it. */
  sentinelConf: string;
  /** How often the certificate files are compared. Default 60 s (cert-manager renews 30 days ahead). */
  intervalSeconds?: number;
}

/**
 * The Sentinel container's entry point: runs Sentinel and keeps the node on its current
 * certificate. cert-manager renews the Secret in place (the mounted files change) while both
 * servers keep the certificate they loaded at start: Redis reloads its TLS files on any
 * `CONFIG SET tls-*`, Sentinel cannot (its CONFIG SET takes no TLS setting), so on a change this
 * reloads Redis beside it and ends the container, which the kubelet restarts with the new files.
 * Reads REDIS_PASSWORD from the environment.
 */
export function renderSentinelRunner(i: SentinelRunnerInput): string {
  const every = i.intervalSeconds ?? 60;
  return [
    "#!/bin/sh",
    "set -u",
    `redis-server ${i.sentinelConf} --sentinel &`,
    "SENTINEL=$!",
    "trap 'kill -TERM \"$SENTINEL\" 2>/dev/null; wait \"$SENTINEL\"; exit 0' TERM INT",
    `fingerprint() { cat ${i.tls.cert} ${i.tls.key} ${i.tls.ca} | cksum; }`,
    'LAST="$(fingerprint)"',
    'while kill -0 "$SENTINEL" 2>/dev/null; do',
    `  sleep ${every} & wait $!`,
    '  if [ "$(fingerprint)" != "$LAST" ]; then',
    `    ${redisCli(i.tls)} -p ${i.redisPort ?? REDIS_PORT} -a "$REDIS_PASSWORD" --no-auth-warning config set tls-cert-file ${i.tls.cert}`,
    '    echo "certificate renewed: Redis reloaded it; restarting Sentinel to load it"',
    '    kill -TERM "$SENTINEL"; wait "$SENTINEL"',
    "    exit 0",
    "  fi",
    "done",
    // Sentinel ended on its own: the container ends with its status.
    'wait "$SENTINEL"',
    "",
  ].join("\n");
}

/**
 * redis_exporter's arguments: TLS (`rediss://`) to the node at `host`, verified against the CA
 * and the host name; the password comes from REDIS_PASSWORD in its environment.
 */
export function redisExporterArgs(a: { host: string; port?: number; caFile: string; listenPort: number }): string[] {
  return [`--redis.addr=rediss://${a.host}:${a.port ?? REDIS_PORT}`, `--tls-ca-cert-file=${a.caFile}`, `--web.listen-address=:${a.listenPort}`];
}
