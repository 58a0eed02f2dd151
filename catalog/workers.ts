/**
 * The Synapse worker catalogue: the one source of truth for which worker types exist, what they
 * serve and how they scale. The Synapse shared config, every worker config, the HAProxy routing,
 * the Kubernetes workloads and the sizing tables are all generated from this list; adding a
 * worker type is one entry here.
 *
 * Endpoint patterns are Synapse's documented worker routes (docs/workers.md and the Docker
 * image's worker table, Synapse 1.157), matched case-insensitively against the request path.
 */

/** Listener resource names Synapse accepts on a worker's HTTP listener. */
export type ListenerResource = "client" | "federation" | "media" | "replication" | "keys" | "openid";

/** Synapse streams that can be moved off main onto a writer worker. */
export type StreamName =
  | "events"
  | "typing"
  | "to_device"
  | "account_data"
  | "receipts"
  | "presence"
  | "push_rules"
  | "device_lists"
  | "thread_subscriptions"
  | "quarantined_media_changes";

/** Streams Synapse allows exactly one writer for (config error otherwise). */
export const SINGLE_WRITER_STREAMS: readonly StreamName[] = ["typing", "to_device", "account_data", "presence", "push_rules"];

/** Shared-config settings that name exactly one instance. */
export const SINGLE_INSTANCE_ROLES: readonly InstanceRole[] = [
  "run_background_tasks_on",
  "notify_appservices_from_worker",
  "update_user_directory_from_worker",
];

/**
 * How HAProxy spreads requests over a pool:
 * - `user`: hash of the user (access-token localpart), so one user's syncs hit one process;
 * - `source`: hash of the client address (inbound federation: one remote server, one process);
 * - `room`: hash of the room ID in the path (event sending, /messages);
 * - `roundrobin`: anything else.
 */
export type Balance = "user" | "source" | "room" | "roundrobin";

/**
 * How the workload scales:
 * - `pool`: identical stateless replicas behind HAProxy; Deployment + HPA;
 * - `sharded`: named instances Synapse addresses one by one (instance_map / *_instances); the
 *   count is fixed per deployment (StatefulSet), changing it needs a coordinated restart;
 * - `singleton`: exactly one instance (single-writer stream or a "run on one worker" duty).
 */
export type Scaling = "pool" | "sharded" | "singleton";

/** Shared-config settings that name worker instances (beyond stream_writers). */
export type InstanceRole =
  | "federation_sender_instances"
  | "pusher_instances"
  | "run_background_tasks_on"
  | "notify_appservices_from_worker"
  | "update_user_directory_from_worker"
  | "media_instance_running_background_jobs";

/** The columns the architecture document's CCU profile tables give per worker type. */
export type ProfileWorkerColumn =
  | "synchrotron"
  | "event_persister"
  | "client_reader"
  | "federation_sender"
  | "media_repository"
  | "federation_reader";

export interface RouteGroup {
  /** Path regular expressions (PCRE, anchored where Synapse anchors them). */
  paths: readonly string[];
  /** Restrict to these HTTP methods; all methods when absent. */
  methods?: readonly string[];
  /** Only requests without a `since` query parameter (initial syncs). */
  initialSyncOnly?: boolean;
  balance: Balance;
}

/** Every worker type's name (the catalogue below has exactly one entry per name). */
export type WorkerTypeName =
  | "typing"
  | "to-device"
  | "account-data"
  | "receipts"
  | "presence"
  | "push-rules"
  | "device-lists"
  | "thread-subscriptions"
  | "media-repository"
  | "user-directory"
  | "initial-sync"
  | "synchrotron"
  | "room-messages"
  | "event-creator"
  | "client-reader"
  | "federation-inbound"
  | "federation-reader"
  | "event-persister"
  | "federation-sender"
  | "pusher"
  | "appservice"
  | "background";

/**
 * Relative resource weight of one replica, in the units sizing/resources.ts gives each CCU
 * profile's budget. Synapse is one Python process per worker, held to about one core by the GIL,
 * so weights stay near 1; stream and event writers do more. Memory follows Synapse's caches:
 * synchrotrons and main hold the most state, stream writers little.
 */
export interface ResourceWeight {
  cpu: number;
  mem: number;
}

/** The main process's weight in the same units. */
export const MAIN_PROCESS_WEIGHT: ResourceWeight = { cpu: 1.5, mem: 4 };

export interface WorkerType {
  /** Name used for the worker type, its workloads and its instance names (`<name>-<n>`). */
  name: WorkerTypeName;
  /** What the worker does, for docs and the plan. */
  description: string;
  /**
   * Listener resources. `replication` is served on the process's own private replication listener
   * (and is required for every type the shared config names); the rest share the public HTTP
   * listener, which every process has for /health even when it serves nothing else.
   */
  resources: readonly ListenerResource[];
  /** Request routes HAProxy sends to this type; empty for workers that take no client traffic. */
  routes: readonly RouteGroup[];
  /** Streams this type writes. */
  streams: readonly StreamName[];
  /** Shared-config settings that list this type's instances. */
  roles: readonly InstanceRole[];
  scaling: Scaling;
  /** May HAProxy send this type's routes to main when no instance is up? */
  mainFallback: boolean;
  /** Profile-table column that sets the instance count; absent for "all others". */
  profileColumn?: ProfileWorkerColumn;
  /** This worker runs the media repository (enable_media_repo: true in its own file). */
  mediaRepository?: boolean;
  /** Resource weight of one replica (sizing). */
  weight: ResourceWeight;
  /**
   * Node tier: media-repository workers sit with the media tier (thumbnailing is their CPU work
   * and that tier has the fast local storage); every other process is a homeserver.
   */
  tier: "homeserver" | "media";
  /**
   * Internet egress the process needs itself; absent for processes that never dial out. The
   * homeserver sets outbound_federation_restricted_to the federation senders, so every other
   * process sends federation requests through them over replication.
   */
  internetEgress?: { ports: readonly number[]; description: string };
}

const CS = "(api/v1|r0|v3|unstable)";

/**
 * The catalogue. Array order is routing precedence: HAProxy tries the route groups in this order
 * and the first match wins, so narrow stream-writer routes come before the broad client-reader
 * list, and the initial-sync pool comes before the incremental synchrotrons.
 */
export const WORKER_TYPES: readonly WorkerType[] = [
  {
    name: "typing",
    description: "Typing notification stream writer.",
    resources: ["client", "replication"],
    routes: [{ paths: [`^/_matrix/client/${CS}/rooms/.*/typing`], balance: "roundrobin" }],
    streams: ["typing"],
    roles: [],
    scaling: "singleton",
    mainFallback: false,
    weight: { cpu: 0.2, mem: 0.5 },
    tier: "homeserver",
  },
  {
    name: "to-device",
    description: "To-device message stream writer.",
    resources: ["client", "replication"],
    routes: [{ paths: ["^/_matrix/client/(r0|v3|unstable)/sendToDevice/"], balance: "roundrobin" }],
    streams: ["to_device"],
    roles: [],
    scaling: "singleton",
    mainFallback: false,
    weight: { cpu: 0.3, mem: 0.7 },
    tier: "homeserver",
  },
  {
    name: "account-data",
    description: "Account data and room tags stream writer.",
    resources: ["client", "replication"],
    routes: [{ paths: ["^/_matrix/client/(r0|v3|unstable)/.*/tags", "^/_matrix/client/(r0|v3|unstable)/.*/account_data"], balance: "roundrobin" }],
    streams: ["account_data"],
    roles: [],
    scaling: "singleton",
    mainFallback: false,
    weight: { cpu: 0.2, mem: 0.5 },
    tier: "homeserver",
  },
  {
    name: "receipts",
    description: "Read receipts and read markers stream writer.",
    resources: ["client", "replication"],
    routes: [{ paths: ["^/_matrix/client/(r0|v3|unstable)/rooms/.*/receipt", "^/_matrix/client/(r0|v3|unstable)/rooms/.*/read_markers"], balance: "roundrobin" }],
    streams: ["receipts"],
    roles: [],
    scaling: "singleton",
    mainFallback: false,
    weight: { cpu: 0.3, mem: 0.7 },
    tier: "homeserver",
  },
  {
    name: "presence",
    description: "Presence stream writer.",
    resources: ["client", "replication"],
    routes: [{ paths: [`^/_matrix/client/${CS}/presence/`], balance: "roundrobin" }],
    streams: ["presence"],
    roles: [],
    scaling: "singleton",
    mainFallback: false,
    weight: { cpu: 0.3, mem: 0.7 },
    tier: "homeserver",
  },
  {
    name: "push-rules",
    description: "Push rules stream writer.",
    resources: ["client", "replication"],
    routes: [{ paths: [`^/_matrix/client/${CS}/pushrules/`], balance: "roundrobin" }],
    streams: ["push_rules"],
    roles: [],
    scaling: "singleton",
    mainFallback: false,
    weight: { cpu: 0.2, mem: 0.5 },
    tier: "homeserver",
  },
  {
    name: "device-lists",
    description: "Device list stream writer: device management and key uploads.",
    resources: ["client", "replication"],
    routes: [{
      paths: [
        `^/_matrix/client/${CS}/devices(/|$)`,
        "^/_matrix/client/(r0|v3)/delete_devices$",
        `^/_matrix/client/${CS}/keys/upload`,
        `^/_matrix/client/${CS}/keys/device_signing/upload$`,
        `^/_matrix/client/${CS}/keys/signatures/upload$`,
      ],
      balance: "roundrobin",
    }],
    streams: ["device_lists"],
    roles: [],
    scaling: "singleton",
    mainFallback: false,
    weight: { cpu: 0.3, mem: 0.7 },
    tier: "homeserver",
  },
  {
    name: "thread-subscriptions",
    description: "Thread subscriptions stream writer (MSC4306).",
    resources: ["client", "replication"],
    routes: [{ paths: ["^/_matrix/client/unstable/io.element.msc4306/.*"], balance: "roundrobin" }],
    streams: ["thread_subscriptions"],
    roles: [],
    scaling: "singleton",
    mainFallback: false,
    weight: { cpu: 0.2, mem: 0.5 },
    tier: "homeserver",
  },
  {
    name: "media-repository",
    description: "Media upload, download, thumbnails and media admin, backed by the object store.",
    resources: ["media", "client", "federation", "replication"],
    routes: [{
      paths: [
        "^/_matrix/media/",
        "^/_matrix/client/v1/media/.*$",
        "^/_matrix/federation/v1/media/.*$",
        "^/_synapse/admin/v1/purge_media_cache$",
        "^/_synapse/admin/v1/room/.*/media.*$",
        "^/_synapse/admin/v1/user/.*/media.*$",
        "^/_synapse/admin/v1/users/.*/media$",
        "^/_synapse/admin/v1/media/.*$",
        "^/_synapse/admin/v1/quarantine_media/.*$",
      ],
      balance: "roundrobin",
    }],
    // Media workers write the quarantined-media changes (the quarantine admin API is only served
    // where the media repository runs); instance 0 runs the media background jobs. Both name the
    // instances, so they need stable names: a StatefulSet.
    streams: ["quarantined_media_changes"],
    roles: ["media_instance_running_background_jobs"],
    scaling: "sharded",
    // Main runs with enable_media_repo: false, so it cannot answer media requests.
    mainFallback: false,
    profileColumn: "media_repository",
    mediaRepository: true,
    weight: { cpu: 1, mem: 1.5 },
    tier: "media",
  },
  {
    name: "user-directory",
    description: "User directory search and its background updates.",
    resources: ["client", "replication"],
    routes: [{ paths: [`^/_matrix/client/${CS}/user_directory/search$`], balance: "roundrobin" }],
    streams: [],
    roles: ["update_user_directory_from_worker"],
    scaling: "singleton",
    mainFallback: true,
    weight: { cpu: 0.4, mem: 1 },
    tier: "homeserver",
  },
  {
    name: "initial-sync",
    description: "Initial /sync (no `since`) and /initialSync, kept apart so heavy first syncs do not stall incremental ones.",
    resources: ["client"],
    routes: [
      { paths: ["^/_matrix/client/(v2_alpha|r0|v3)/sync$"], initialSyncOnly: true, balance: "user" },
      { paths: [`^/_matrix/client/${CS}/initialSync$`, `^/_matrix/client/${CS}/rooms/[^/]+/initialSync$`], balance: "user" },
    ],
    streams: [],
    roles: [],
    scaling: "pool",
    mainFallback: true,
    weight: { cpu: 1, mem: 2.5 },
    tier: "homeserver",
  },
  {
    name: "synchrotron",
    description: "Incremental /sync and the legacy event stream, sticky per user.",
    resources: ["client"],
    routes: [{
      paths: [
        "^/_matrix/client/(v2_alpha|r0|v3)/sync$",
        "^/_matrix/client/(api/v1|v2_alpha|r0|v3)/events$",
        "^/_matrix/client/unstable/org.matrix.simplified_msc3575/sync$",
      ],
      balance: "user",
    }],
    streams: [],
    roles: [],
    scaling: "pool",
    mainFallback: true,
    profileColumn: "synchrotron",
    weight: { cpu: 1.2, mem: 3 },
    tier: "homeserver",
  },
  {
    name: "room-messages",
    description: "Room history (/messages), sticky per room as Synapse requires.",
    resources: ["client"],
    routes: [{ paths: [`^/_matrix/client/${CS}/rooms/.*/messages$`], balance: "room" }],
    streams: [],
    roles: [],
    scaling: "pool",
    mainFallback: true,
    weight: { cpu: 0.8, mem: 1.5 },
    tier: "homeserver",
  },
  {
    name: "event-creator",
    description: "Event sending, membership changes and profile updates, sticky per room.",
    resources: ["client"],
    routes: [{
      paths: [
        `^/_matrix/client/${CS}/rooms/.*/redact`,
        `^/_matrix/client/${CS}/rooms/.*/send`,
        `^/_matrix/client/${CS}/rooms/.*/state/`,
        `^/_matrix/client/${CS}/rooms/.*/(join|invite|leave|ban|unban|kick)$`,
        `^/_matrix/client/${CS}/join/`,
        `^/_matrix/client/${CS}/knock/`,
        `^/_matrix/client/${CS}/profile/`,
      ],
      balance: "room",
    }],
    streams: [],
    roles: [],
    scaling: "pool",
    mainFallback: true,
    weight: { cpu: 0.8, mem: 1.5 },
    tier: "homeserver",
  },
  {
    name: "client-reader",
    description: "Read-mostly client API: room state, members, relations, login, devices, key uploads, search.",
    resources: ["client"],
    routes: [{
      paths: [
        `^/_matrix/client/${CS}/publicRooms$`,
        `^/_matrix/client/${CS}/rooms/.*/joined_members$`,
        `^/_matrix/client/${CS}/rooms/.*/context/.*$`,
        `^/_matrix/client/${CS}/rooms/.*/members$`,
        `^/_matrix/client/${CS}/rooms/.*/state$`,
        "^/_matrix/client/v1/rooms/.*/hierarchy$",
        "^/_matrix/client/(v1|unstable)/rooms/.*/relations/",
        "^/_matrix/client/v1/rooms/.*/threads$",
        `^/_matrix/client/${CS}/login$`,
        `^/_matrix/client/${CS}/account/3pid$`,
        `^/_matrix/client/${CS}/account/whoami$`,
        `^/_matrix/client/${CS}/account/deactivate$`,
        "^/_matrix/client/versions$",
        `^/_matrix/client/${CS}/voip/turnServer$`,
        "^/_matrix/client/(r0|v3|unstable)/register$",
        "^/_matrix/client/(r0|v3|unstable)/register/available$",
        "^/_matrix/client/v1/register/m.login.registration_token/validity$",
        "^/_matrix/client/(r0|v3|unstable)/auth/.*/fallback/web$",
        `^/_matrix/client/${CS}/rooms/.*/event`,
        `^/_matrix/client/${CS}/joined_rooms`,
        "^/_matrix/client/(api/v1|r0|v3|unstable/.*)/rooms/.*/aliases",
        "^/_matrix/client/v1/rooms/.*/timestamp_to_event$",
        `^/_matrix/client/${CS}/search`,
        "^/_matrix/client/(r0|v3|unstable)/user/.*/filter(/|$)",
        "^/_matrix/client/(r0|v3|unstable)/password_policy$",
        `^/_matrix/client/${CS}/directory/room/.*$`,
        "^/_matrix/client/(r0|v3|unstable)/capabilities$",
        "^/_matrix/client/(r0|v3|unstable)/notifications$",
        `^/_matrix/client/${CS}/createRoom$`,
        "^/_matrix/client/unstable/im.nheko.summary/summary/.*$",
        "^/_matrix/client/v1/room_summary/.*$",
        "^/_matrix/client/(r0|v3|unstable)/keys/query$",
        "^/_matrix/client/(r0|v3|unstable)/keys/changes$",
        "^/_matrix/client/(r0|v3|unstable)/keys/claim$",
        "^/_matrix/client/(r0|v3|unstable)/room_keys/",
        "^/_matrix/client/unstable/org.matrix.msc4140/delayed_events(/.*/restart)?$",
        // Admin room details: served by generic workers too (docs/workers.md).
        "^/_synapse/admin/v1/rooms/[^/]+$",
      ],
      balance: "roundrobin",
    }, {
      // Generic workers serve only the read side of the v2 user admin API.
      paths: ["^/_synapse/admin/v2/users/[^/]+$"],
      methods: ["GET", "HEAD"],
      balance: "roundrobin",
    }],
    streams: [],
    roles: [],
    scaling: "pool",
    mainFallback: true,
    profileColumn: "client_reader",
    weight: { cpu: 1, mem: 2 },
    tier: "homeserver",
  },
  {
    name: "federation-inbound",
    description: "Inbound federation transactions (/send), sticky per remote server.",
    resources: ["federation"],
    routes: [{ paths: ["^/_matrix/federation/(v1|v2)/send/"], balance: "source" }],
    streams: [],
    roles: [],
    scaling: "pool",
    mainFallback: true,
    weight: { cpu: 0.8, mem: 1.5 },
    tier: "homeserver",
  },
  {
    name: "federation-reader",
    description: "Federation queries, joins, backfill and key queries from remote servers.",
    resources: ["federation"],
    routes: [{
      paths: [
        "^/_matrix/federation/v1/version$",
        "^/_matrix/federation/(v1|v2)/event/",
        "^/_matrix/federation/(v1|v2)/state/",
        "^/_matrix/federation/(v1|v2)/state_ids/",
        "^/_matrix/federation/(v1|v2)/backfill/",
        "^/_matrix/federation/(v1|v2)/get_missing_events/",
        "^/_matrix/federation/(v1|v2)/publicRooms",
        "^/_matrix/federation/(v1|v2)/query/",
        "^/_matrix/federation/(v1|v2)/make_join/",
        "^/_matrix/federation/(v1|v2)/make_leave/",
        "^/_matrix/federation/(v1|v2)/send_join/",
        "^/_matrix/federation/(v1|v2)/send_leave/",
        "^/_matrix/federation/v1/make_knock/",
        "^/_matrix/federation/v1/send_knock/",
        "^/_matrix/federation/(v1|v2)/invite/",
        "^/_matrix/federation/(v1|v2)/query_auth/",
        "^/_matrix/federation/(v1|v2)/event_auth/",
        "^/_matrix/federation/v1/timestamp_to_event/",
        "^/_matrix/federation/(v1|v2)/exchange_third_party_invite/",
        "^/_matrix/federation/(v1|v2)/user/devices/",
        "^/_matrix/federation/v1/hierarchy/",
        "^/_matrix/federation/(v1|v2)/get_groups_publicised$",
        "^/_matrix/key/v2/query",
      ],
      balance: "roundrobin",
    }],
    streams: [],
    roles: [],
    scaling: "pool",
    mainFallback: true,
    profileColumn: "federation_reader",
    weight: { cpu: 0.8, mem: 1.5 },
    tier: "homeserver",
  },
  {
    name: "event-persister",
    description: "Writes events to the database, sharded by room.",
    resources: ["replication"],
    routes: [],
    streams: ["events"],
    roles: [],
    scaling: "sharded",
    mainFallback: false,
    profileColumn: "event_persister",
    weight: { cpu: 1.2, mem: 2 },
    tier: "homeserver",
  },
  {
    name: "federation-sender",
    description: "Sends outbound federation traffic, sharded by destination.",
    resources: ["replication"],
    routes: [],
    streams: [],
    roles: ["federation_sender_instances"],
    scaling: "sharded",
    mainFallback: false,
    profileColumn: "federation_sender",
    weight: { cpu: 0.8, mem: 1.5 },
    tier: "homeserver",
    internetEgress: { ports: [443, 8448], description: "outbound federation, key fetches and remote media (all processes proxy through the senders)" },
  },
  {
    name: "pusher",
    description: "Sends push notifications to push gateways (Sygnal).",
    resources: ["replication"],
    routes: [],
    streams: [],
    roles: ["pusher_instances"],
    scaling: "sharded",
    mainFallback: false,
    weight: { cpu: 0.4, mem: 1 },
    tier: "homeserver",
    internetEgress: { ports: [443], description: "pushers -> push gateways (Sygnal, matrix.org)" },
  },
  {
    name: "appservice",
    description: "Sends transactions to application services (the bridges), and answers their pings.",
    // The ping (MSC2659) is answered by the process that receives it, by calling the appservice:
    // routed here, the bridges take traffic from this one process only.
    resources: ["client", "replication"],
    routes: [{ paths: ["^/_matrix/client/v1/appservice/[^/]+/ping$"], balance: "roundrobin" }],
    streams: [],
    roles: ["notify_appservices_from_worker"],
    scaling: "singleton",
    mainFallback: false,
    weight: { cpu: 0.5, mem: 1 },
    tier: "homeserver",
  },
  {
    name: "background",
    description: "Runs Synapse's background tasks (cleanup, stats, retention) off main.",
    resources: ["replication"],
    routes: [],
    streams: [],
    roles: ["run_background_tasks_on"],
    scaling: "singleton",
    mainFallback: false,
    weight: { cpu: 0.4, mem: 1 },
    tier: "homeserver",
  },
];

export function workerType(name: string): WorkerType {
  const found = WORKER_TYPES.find((w) => w.name === name);
  if (!found) throw new Error(`unknown Synapse worker type ${name}`);
  return found;
}

/** Instances a type runs under stable names (`<type>-<n>`), i.e. everything but pools. */
export function hasStableNames(t: WorkerType): boolean {
  return t.scaling !== "pool";
}

/** Shared config names this type's instances (stream_writers, *_instances, *_from_worker...). */
export function isNamedInSharedConfig(t: WorkerType): boolean {
  return t.streams.length > 0 || t.roles.length > 0;
}

/** Most instances the type may run; singletons exactly one. */
export function maxInstances(t: WorkerType): number {
  return t.scaling === "singleton" ? 1 : Number.POSITIVE_INFINITY;
}

/**
 * Whether the instance count may change by autoscaling (HPA). Only pools: sharded types are named
 * in the shared config, so changing their count means re-rendering it and restarting every process.
 */
export function mayAutoscale(t: WorkerType): boolean {
  return t.scaling === "pool";
}

/** Worker types HAProxy routes requests to. */
export function routedWorkerTypes(): WorkerType[] {
  return WORKER_TYPES.filter((t) => t.routes.length > 0);
}
