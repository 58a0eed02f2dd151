/**
 * HAProxy routing for Synapse as a structured model, built from the worker catalogue. The model
 * renders to haproxy.cfg text (./render.ts) and is evaluated by the pure router (./route.ts), so
 * the tests that check "this path reaches that worker type" exercise the same rules the config
 * file carries. Addresses, ports and server lists are plain fields, easy to swap (loopback e2e).
 */
import { WORKER_TYPES, type Balance, type WorkerType } from "../../catalog/workers";

/** One server line: a fixed name and address (stable-name instances, main). */
export interface StaticServer {
  kind: "server";
  name: string;
  host: string;
  port: number;
  /** Synapse instance behind it, when known. */
  instance?: string;
  /** Name on the server's certificate (SNI and verifyhost), when the model has `upstreamTls`. */
  tlsName?: string;
}

/** `server-template`: `count` slots filled from the DNS answers for `host` (a headless Service). */
export interface ServerTemplate {
  kind: "template";
  prefix: string;
  count: number;
  host: string;
  port: number;
  /** Name on the servers' certificate (SNI and verifyhost), when the model has `upstreamTls`. */
  tlsName?: string;
}

export type ServerSource = StaticServer | ServerTemplate;

export interface HaproxyBackend {
  name: string;
  /** Worker type it serves, or "main". */
  serves: string;
  balance: Balance | "first";
  servers: ServerSource[];
  /** Health-check path on every server. */
  healthPath: string;
  /**
   * A backend without servers that answers every request itself: the stand-in for a worker type
   * whose processes are all down and that main cannot replace (see `unavailableBackendName`).
   */
  reply?: UnavailableReply;
}

/** What a down worker type's requests get: 503, when to retry, and a Matrix error body. */
export interface UnavailableReply {
  status: 503;
  retryAfterSeconds: number;
  /** JSON body in Matrix's error shape ({errcode, error}). */
  body: string;
}

/**
 * The errors HAProxy itself generates (no server answered: 502 bad reply, 503 none usable, 504
 * timeout) in Matrix's error shape with Retry-After, instead of HAProxy's HTML pages: Matrix
 * clients parse JSON errors, and a crashed process answers like this until the health checks
 * move its routes to the stand-in or to main.
 */
export function proxyErrorReplies(): { status: 502 | 503 | 504; retryAfterSeconds: number; body: string }[] {
  const reply = (status: 502 | 503 | 504, error: string) => ({ status, retryAfterSeconds: UNAVAILABLE_RETRY_AFTER_SECONDS, body: JSON.stringify({ errcode: "M_UNKNOWN", error }) });
  return [
    reply(502, "A server process gave no valid answer; retry in a few seconds."),
    reply(503, "No server process is available for this request; retry in a few seconds."),
    reply(504, "A server process did not answer in time; retry in a few seconds."),
  ];
}

/** Seconds a client is told to wait: about two health-check intervals (inter 5s, rise 2). */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 10;

/** The stand-in backend of a worker type that has no main fall-back. */
export function unavailableBackendName(type: string): string {
  return `${type}-unavailable`;
}

/**
 * The reply of a worker type's stand-in. Matrix defines no errcode for "temporarily
 * unavailable", so it is M_UNKNOWN with a sentence naming the function, as Synapse does for
 * its own 503s; clients retry on 503 with Retry-After.
 */
export function unavailableReply(type: string): UnavailableReply {
  const body = JSON.stringify({ errcode: "M_UNKNOWN", error: `The ${type} service of this server is temporarily unavailable; retry in a few seconds.` });
  return { status: 503, retryAfterSeconds: UNAVAILABLE_RETRY_AFTER_SECONDS, body };
}

/** A named condition. All conditions of a rule must hold (a leading `!` negates). */
export type HaproxyAcl =
  | { name: string; kind: "path_reg"; patterns: string[] }
  | { name: string; kind: "urlp_found"; param: string }
  | { name: string; kind: "method"; methods: string[] };

/** `use_backend <backend> if <acls...>`; with `fallback`, main takes over while the backend has no server up. */
export interface HaproxyRule {
  backend: string;
  acls: string[];
  /** Worker type whose route group this rule implements. */
  serves: string;
  /**
   * Backend to use instead when `backend` has no usable server: main where the catalogue lets
   * main serve the routes (mainFallback), otherwise the type's stand-in that answers 503.
   */
  fallback: string;
}

export interface HaproxyFrontend {
  name: string;
  bind: { address: string; port: number };
}

export interface HaproxyModel {
  global: { maxconn: number; log: string };
  timeouts: Record<"connect" | "client" | "server" | "http-request" | "http-keep-alive" | "queue" | "tunnel" | "client-fin" | "server-fin", string>;
  /** DNS resolvers for server discovery; absent when every server is a literal address. */
  resolvers?: { name: string; parseResolvConf: boolean; nameservers: { name: string; address: string; port: number }[] };
  /**
   * Media uploads (requests whose path matches `pathPattern`) with a larger Content-Length are
   * refused (413) before they reach Synapse; other requests are not limited here.
   */
  uploads: { maxBytes: number; pathPattern: string };
  /**
   * Synapse's admin API: answered only for requests whose Host is one of `hosts` (anything else
   * gets 404), and, for requests that came through the edge (they carry X-Forwarded-For), only
   * from a client address in `sourceRanges` (else 403). Requests from inside the cluster, which
   * do not pass the edge, need only the host.
   */
  adminApi: AdminApiAccess;
  /** Request header carrying the user hash key (access-token localpart). */
  userHashHeader: string;
  /**
   * Request header carrying the room hash key: the room ID taken from the path and URL-decoded,
   * so every spelling of one room (r0/v3/api/v1, `!` or `%21`) reaches the same instance.
   */
  roomHashHeader: string;
  /**
   * Path regex (case-insensitive) whose capture group `roomKeyGroup` is the room segment: the room
   * ID after `/rooms/`, the room ID or alias after `/join/` and `/knock/`, the user ID after `/profile/`.
   */
  roomKeyPattern: string;
  roomKeyGroup: number;
  /** Public frontends; every one carries the same rules. */
  frontends: HaproxyFrontend[];
  acls: HaproxyAcl[];
  rules: HaproxyRule[];
  defaultBackend: string;
  backends: HaproxyBackend[];
  /**
   * Mutual TLS to every Synapse server (`internalMtls`): each server line verifies the server's
   * certificate against `caFile` and its `tlsName`, and presents the router's client certificate
   * (`certFile`, its key in `<certFile>.key`). Absent: plain HTTP to the servers.
   */
  upstreamTls?: UpstreamTls;
  /** Monitoring frontend: Prometheus exporter, liveness and readiness. */
  stats: {
    bind: { address: string; port: number };
    metricsPath: string;
    livenessPath: string;
    readinessPath: string;
    /**
     * Backends that must each have a usable server for readiness: main only. A worker type that
     * is down costs its own routes (a 503 from its stand-in, or main's fall-back), never the
     * whole edge: HAProxy pods leaving the Service would stop every request.
     */
    readyBackends: string[];
  };
}

/** The router's side of the HAProxy <-> Synapse mutual TLS: files mounted in the router's pod. */
export interface UpstreamTls {
  /** The internal CA (PEM) that signs the Synapse processes' server certificates. */
  caFile: string;
  /** The router's client certificate (PEM); HAProxy loads its key from `<certFile>.key`. */
  certFile: string;
}

export interface AdminApiAccess {
  /** Host names (without port) the admin API is served on. */
  hosts: string[];
  /** Client CIDRs allowed through the edge; empty: none. */
  sourceRanges: string[];
}

/** Path prefix of Synapse's admin API. */
export const ADMIN_API_PREFIX = "/_synapse/admin";
/** Synapse's upload endpoints (POST .../upload and PUT .../upload/<server>/<media id>). */
export const MEDIA_UPLOAD_PATHS = "^/_matrix/media/(r0|v1|v3|unstable)/upload(/|$)";

/** What the model is built from: main's address and each routed worker type's servers. */
export interface HaproxyInput {
  main: { host: string; port: number; tlsName?: string };
  /** Server sources per deployed worker type name; types absent here are served by main. */
  workers: Record<string, ServerSource[]>;
  /** Synapse max_upload_size in bytes. */
  maxUploadBytes: number;
  /** Who reaches the admin API; default: no host, so it is refused everywhere. */
  adminApi?: AdminApiAccess;
  ports?: { client?: number; federation?: number; stats?: number };
  bindAddress?: string;
  /** Use the pod's resolv.conf (Kubernetes DNS) for server discovery. */
  resolvers?: boolean;
  /** Mutual TLS to the servers (every server source then carries its `tlsName`). Default: plain HTTP. */
  upstreamTls?: UpstreamTls;
}

export const MAIN_BACKEND = "main";
export const HAPROXY_PORTS = { client: 8008, federation: 8448, stats: 8404 } as const;

/** Synapse's size strings (K, M, G are powers of 1024; plain number = bytes). */
export function parseSynapseSize(size: string): number {
  // Integers only: HAProxy compares whole bytes, and Synapse must be given the same number.
  const m = /^(\d+)([KMGT]?)$/i.exec(size.trim());
  if (!m) throw new Error(`not a Synapse size: ${size}`);
  const mult = { "": 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 }[m[2].toUpperCase() as "" | "K" | "M" | "G" | "T"];
  return Number(m[1]) * mult;
}

function aclName(type: WorkerType, group: number): string {
  return `route_${type.name.replace(/-/g, "_")}_${group}`;
}

/** HAProxy's timeouts, the router's and the Synapse pods' proxies' alike (a /sync passes both). */
export const HAPROXY_TIMEOUTS: HaproxyModel["timeouts"] = {
  connect: "5s",
  // /sync long-polls for up to the client's timeout (30 s is usual, some clients ask for
  // more); uploads of max_upload_size take a while on slow links.
  client: "180s",
  server: "180s",
  "http-request": "30s",
  "http-keep-alive": "60s",
  queue: "30s",
  tunnel: "1h",
  "client-fin": "30s",
  "server-fin": "30s",
};

/** Builds the routing model: rule order is catalogue order (first match wins). */
export function buildHaproxyModel(input: HaproxyInput): HaproxyModel {
  const ports = { ...HAPROXY_PORTS, ...input.ports };
  const bindAddress = input.bindAddress ?? "0.0.0.0";
  const acls: HaproxyAcl[] = [{ name: "has_since", kind: "urlp_found", param: "since" }];
  const rules: HaproxyRule[] = [];
  const backends: HaproxyBackend[] = [{
    name: MAIN_BACKEND,
    serves: "main",
    balance: "first",
    servers: [{ kind: "server", name: "main", host: input.main.host, port: input.main.port, instance: "main", ...(input.main.tlsName ? { tlsName: input.main.tlsName } : {}) }],
    healthPath: "/health",
  }];
  const readyBackends = [MAIN_BACKEND];

  for (const type of WORKER_TYPES) {
    const servers = input.workers[type.name];
    if (type.routes.length === 0 || servers === undefined || servers.length === 0) continue;
    const balances = new Set(type.routes.map((g) => g.balance));
    if (balances.size !== 1) throw new Error(`worker type ${type.name}: route groups disagree on balancing (${[...balances].join(", ")}); one backend has one balance`);
    backends.push({ name: type.name, serves: type.name, balance: type.routes[0].balance, servers, healthPath: "/health" });
    if (!type.mainFallback) {
      backends.push({ name: unavailableBackendName(type.name), serves: type.name, balance: "first", servers: [], healthPath: "/health", reply: unavailableReply(type.name) });
    }
    type.routes.forEach((group, g) => {
      const name = aclName(type, g);
      acls.push({ name, kind: "path_reg", patterns: [...group.paths] });
      const conds = [name];
      if (group.methods) {
        acls.push({ name: `${name}_method`, kind: "method", methods: [...group.methods] });
        conds.push(`${name}_method`);
      }
      if (group.initialSyncOnly) conds.push("!has_since");
      rules.push({ backend: type.name, acls: conds, serves: type.name, fallback: type.mainFallback ? MAIN_BACKEND : unavailableBackendName(type.name) });
    });
  }

  return {
    global: { maxconn: 20000, log: "stdout format raw local0 info" },
    timeouts: { ...HAPROXY_TIMEOUTS },
    resolvers: input.resolvers === false ? undefined : { name: "kubedns", parseResolvConf: true, nameservers: [] },
    uploads: { maxBytes: input.maxUploadBytes, pathPattern: MEDIA_UPLOAD_PATHS },
    adminApi: { hosts: [...(input.adminApi?.hosts ?? [])], sourceRanges: [...(input.adminApi?.sourceRanges ?? [])] },
    userHashHeader: "X-Matrix-Localpart",
    roomHashHeader: "X-Matrix-Room-Id",
    // The client API version prefixes are catalog/workers.ts's; the room-balanced routes
    // (room-messages, event-creator) all start with one of these four segments.
    roomKeyPattern: "^/_matrix/client/(api/v1|r0|v3|unstable)/(rooms|join|knock|profile)/([^/]+)",
    roomKeyGroup: 3,
    frontends: [
      { name: "matrix-client", bind: { address: bindAddress, port: ports.client } },
      { name: "matrix-federation", bind: { address: bindAddress, port: ports.federation } },
    ],
    acls,
    rules,
    defaultBackend: MAIN_BACKEND,
    backends,
    ...(input.upstreamTls ? { upstreamTls: { ...input.upstreamTls } } : {}),
    stats: { bind: { address: bindAddress, port: ports.stats }, metricsPath: "/metrics", livenessPath: "/healthz", readinessPath: "/ready", readyBackends },
  };
}
