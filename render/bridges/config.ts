/**
 * The mautrix bridges' config.yaml (bridgev2, v26.08: the shared sections of mautrix/go
 * `bridgev2/matrix/mxmain/example-config.yaml` plus each network's `network:` section), rendered
 * from the same `AppserviceInput` the bridge's registration is rendered from
 * (render/synapse/appservice.ts), so the appservice ID, tokens, bot, puppet namespace and URL the
 * bridge uses are the ones Synapse loads. The result holds secrets (tokens, database password,
 * pickle key, provisioning secret, Telegram API hash): it is shipped in a Kubernetes Secret.
 *
 * bridgev2 has no metrics listener (the legacy bridges' `metrics:` section is gone; the bridge's
 * config upgrader drops it), so none is rendered.
 */
import type { BridgeName } from "../synapse/appservice";
import type { AppserviceInput } from "../synapse/appservice";
import type { YamlObject } from "../synapse/homeserver";

/** Connection to the bridge's own PostgreSQL database. */
export interface BridgeDatabase {
  host: string;
  port: number;
  database: string;
  user: string;
  /** Secret. */
  password: string;
  sslMode: "disable" | "require" | "verify-ca" | "verify-full";
  /** The server's CA file in the pod, named as `sslrootcert` under verify-ca and verify-full. */
  caFile?: string;
  /** Pool ceiling (sizing/connection-budget.ts CONNECTIONS_PER_OTHER_POD). */
  maxOpenConns: number;
}

/** How much history a new portal room gets, and how much a reconnect catches up. */
export interface BackfillLimits {
  /** Messages fetched when a portal room is created. */
  initialMessages: number;
  /** Messages fetched after a reconnect, per chat. */
  catchupMessages: number;
  /** Chats unread for longer than this many hours are marked read on backfill. */
  unreadHoursThreshold: number;
}

export const DEFAULT_BACKFILL: BackfillLimits = { initialMessages: 50, catchupMessages: 500, unreadHoursThreshold: 720 };

export interface BridgeConfigInput {
  network: BridgeName;
  /** The registration Synapse loads for this bridge: ID, tokens, bot, puppet prefix, URL. */
  registration: AppserviceInput;
  /** Synapse's client API as the bridge reaches it (through HAProxy). */
  homeserverUrl: string;
  /** Address the appservice (and provisioning) listener binds. */
  bindAddress: string;
  database: BridgeDatabase;
  /** Who may use the bridge; nobody else can. */
  permissions: { admins: readonly string[]; users: readonly string[] };
  /** `as_token` of the double-puppeting registration (secret). */
  doublePuppetAsToken: string;
  /** Key that encrypts the bridge bot's Olm account in the database (secret). */
  pickleKey: string;
  /** Provisioning API shared secret (secret). */
  provisioningSecret: string;
  backfill: BackfillLimits;
  /** Telegram's API credentials (my.telegram.org); required for `telegram`. */
  telegramApi?: { apiId: number; apiHash: string };
  /** Minimum log level written to stdout (JSON). */
  logLevel?: "debug" | "info" | "warn";
}

/** bridgev2's permission map: admins, then allowed users and servers; no `*` entry, so nobody else. */
export function bridgePermissions(p: BridgeConfigInput["permissions"]): Record<string, "admin" | "user"> {
  const out: Record<string, "admin" | "user"> = {};
  for (const u of p.users) out[u] = "user";
  for (const a of p.admins) out[a] = "admin";
  if (Object.keys(out).length === 0) throw new Error("bridge permissions: at least one admin or user is needed");
  return out;
}

/** The bridge's database URI: lib/pq's (the bridges' driver), which takes sslrootcert beside sslmode. */
export function bridgeDatabaseUri(db: BridgeDatabase): string {
  const e = encodeURIComponent;
  const verifies = db.sslMode === "verify-ca" || db.sslMode === "verify-full";
  if (verifies && !db.caFile) throw new Error(`bridge database ${db.database}: ${db.sslMode} needs the server's CA file`);
  // A pod path: left readable (a query value may hold slashes), refused if it would need escaping.
  if (db.caFile !== undefined && !/^[\w./-]+$/.test(db.caFile)) throw new Error(`bridge database ${db.database}: CA file ${db.caFile} would need escaping in the URI`);
  const rootCert = verifies ? `&sslrootcert=${db.caFile}` : "";
  return `postgres://${e(db.user)}:${e(db.password)}@${db.host}:${db.port}/${e(db.database)}?sslmode=${db.sslMode}${rootCert}`;
}

function networkSection(input: BridgeConfigInput): YamlObject {
  if (input.network === "telegram") {
    if (!input.telegramApi) throw new Error("mautrix-telegram needs Telegram API credentials (telegramApiId, telegramApiHash)");
    return {
      api_id: input.telegramApi.apiId,
      api_hash: input.telegramApi.apiHash,
      // Portal creation on login: the chats a login syncs at once bound its start-up work.
      sync: { update_limit: 100, create_limit: 15, login_sync_limit: 15, direct_chats: true },
    };
  }
  return {
    // The initial history sync of a new login: the most recent conversations only.
    history_sync: { max_initial_conversations: 50, request_full_sync: false },
  };
}

export function renderBridgeConfig(input: BridgeConfigInput): YamlObject {
  const reg = input.registration;
  const url = new URL(reg.url);
  const port = Number(url.port);
  if (!Number.isInteger(port) || port <= 0) throw new Error(`appservice ${reg.id}: registration URL ${reg.url} names no port`);
  return {
    network: networkSection(input),
    bridge: {
      permissions: bridgePermissions(input.permissions),
      // Relay mode would let unauthorised users' messages through the bot: off.
      relay: { enabled: false },
    },
    database: { type: "postgres", uri: bridgeDatabaseUri(input.database), max_open_conns: input.database.maxOpenConns, max_idle_conns: 1 },
    homeserver: { address: input.homeserverUrl, domain: reg.serverName, software: "standard", async_media: false, websocket: false },
    appservice: {
      address: reg.url,
      hostname: input.bindAddress,
      port,
      id: reg.id,
      bot: { username: reg.botLocalpart },
      ephemeral_events: reg.receiveEphemeral ?? true,
      as_token: reg.asToken,
      hs_token: reg.hsToken,
      username_template: `${reg.userPrefix}{{.}}`,
    },
    provisioning: { shared_secret: input.provisioningSecret, allow_matrix_auth: true, debug_endpoints: false },
    backfill: {
      enabled: true,
      max_initial_messages: input.backfill.initialMessages,
      max_catchup_messages: input.backfill.catchupMessages,
      unread_hours_threshold: input.backfill.unreadHoursThreshold,
    },
    double_puppet: { servers: {}, allow_discovery: false, secrets: { [reg.serverName]: `as_token:${input.doublePuppetAsToken}` } },
    encryption: {
      allow: true,
      default: true,
      require: false,
      // The bot logs in with an appservice login (m.login.application_service); MSC2409/3202
      // device transactions would need Synapse's experimental appservice device support.
      appservice: false,
      msc4190: false,
      pickle_key: input.pickleKey,
    },
    logging: { min_level: input.logLevel ?? "info", writers: [{ type: "stdout", format: "json" }] },
  };
}
