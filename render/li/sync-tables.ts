/**
 * The tables of Synapse 1.163's schema that hold evidence main may later delete or rewrite, and
 * how a refresh recognises a row the fresh clone lacks (its key). Facts from Synapse's
 * `storage/databases/main/purge_events.py` (purge_history deletes events, event_json, event_edges,
 * event_auth, event_relations, redactions, rejections, event_to_state_groups and the state groups
 * no event references any more; purge_room, behind the delete-room admin API, deletes every row of
 * the room including `rooms` and `room_memberships`), `censor_events.py` (redaction pruning
 * UPDATEs `event_json.json`) and `media_repository.py` (media deletion DELETEs
 * `local_media_repository` and its thumbnails).
 *
 * Main publishes INSERTs of these tables only, so the archive on LI's server keeps every row ever
 * written; deletes and updates (pruning) never reach it.
 */

export interface EvidenceTable {
  /** Table name in Synapse's `public` schema. */
  table: string;
  /**
   * Columns that identify the rows main deletes together: a refresh adds the archived rows whose
   * key the clone does not have. For `state_groups_state` the key is the whole state group
   * (Synapse deletes or rewrites a group's rows together, and a group present in the clone is
   * complete there).
   */
  key: readonly string[];
  /** What main does that removes or rewrites its rows. */
  lostBy: string;
}

/** In merge order: a table's rows go in after the rows they refer to (event_edges -> events). */
export const EVIDENCE_TABLES: readonly EvidenceTable[] = [
  { table: "rooms", key: ["room_id"], lostBy: "room deletion (purge_room)" },
  { table: "events", key: ["event_id"], lostBy: "purge_history, room deletion, retention purge" },
  { table: "event_json", key: ["event_id"], lostBy: "the same, and redaction pruning rewrites its json" },
  { table: "redactions", key: ["event_id"], lostBy: "purge_history, room deletion" },
  { table: "state_events", key: ["event_id"], lostBy: "room deletion, purge of unreferenced state" },
  { table: "event_relations", key: ["event_id"], lostBy: "purge_history, room deletion" },
  { table: "event_edges", key: ["event_id", "prev_event_id"], lostBy: "purge_history, room deletion" },
  { table: "event_auth", key: ["event_id", "auth_id"], lostBy: "purge_history, room deletion" },
  { table: "event_to_state_groups", key: ["event_id"], lostBy: "purge_history, room deletion" },
  { table: "state_groups", key: ["id"], lostBy: "purge of unreferenced state groups" },
  { table: "state_group_edges", key: ["state_group", "prev_state_group"], lostBy: "purge of unreferenced state groups" },
  { table: "state_groups_state", key: ["state_group"], lostBy: "purge of unreferenced state groups, de-delta on purge" },
  { table: "room_memberships", key: ["event_id"], lostBy: "room deletion" },
  { table: "local_media_repository", key: ["media_id"], lostBy: "media deletion admin APIs, media retention" },
  { table: "local_media_repository_thumbnails", key: ["media_id", "thumbnail_width", "thumbnail_height", "thumbnail_type", "thumbnail_method"], lostBy: "media deletion" },
];

/**
 * Synapse sequences fed by these tables, with the value they must at least have after archived
 * rows are merged back (Synapse's start-up check refuses a sequence behind its table).
 */
export const EVIDENCE_SEQUENCES: readonly { sequence: string; atLeast: string }[] = [
  { sequence: "events_stream_seq", atLeast: "SELECT max(stream_ordering) FROM public.events" },
  // Backfilled events take negative stream orderings from this sequence, negated.
  { sequence: "events_backfill_stream_seq", atLeast: "SELECT max(-stream_ordering) FROM public.events WHERE stream_ordering < 0" },
  { sequence: "state_group_id_seq", atLeast: "SELECT max(id) FROM public.state_groups" },
];

/** Names the sync uses on both servers. */
export const LI_SYNC_NAMES = {
  /** The publication on main and the subscription (and its slot) on LI's server. */
  publication: "li_evidence",
  subscription: "li_evidence",
  slot: "li_evidence",
  /** Database on LI's server holding the archive (tables as on main, without keys). */
  archiveDatabase: "synapse_li_archive",
  /** Database a refresh builds before it is renamed to synapse-li's. */
  nextSuffix: "_next",
  previousSuffix: "_previous",
  /** Schema of the next database the archive is copied into for the merge, dropped after. */
  stagingSchema: "li_archive",
  /** Table of refresh runs in the archive database (the metrics read it). */
  runsTable: "li_sync_runs",
} as const;
