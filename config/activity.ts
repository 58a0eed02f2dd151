/**
 * The shape of the CCU activity model: what one concurrent user does (the defaults and their
 * sources are data, in catalog/activity.ts). Here because the `capacityActivity` key
 * (config/capacity-keys.ts) validates a stack's changes against these fields and bounds.
 *
 * A concurrent user is a signed-in client that is online: it keeps one `/sync` long-poll open
 * all the time (that is what makes it concurrent), and acts at the rates below. Rates are per
 * user per minute, averaged over an online session.
 */
export interface CcuActivity {
  /**
   * Timeout of each `/sync` long-poll, seconds. Element Web and the mobile clients use 30 s;
   * a client re-polls as soon as one returns, so each user holds one open request at all times.
   */
  syncTimeoutSeconds: number;
  /** Messages a user sends per minute. */
  messagesPerMinute: number;
  /** Read receipts a user sends per minute (clients send one when they show a new message). */
  receiptsPerMinute: number;
  /** Typing notifications per minute (start and stop each count once). */
  typingPerMinute: number;
  /** Presence updates per minute (`PUT /presence/.../status`), beyond what `/sync` implies. */
  presencePerMinute: number;
  /** Room joins per minute. */
  joinsPerMinute: number;
  /** Media uploads per minute. */
  uploadsPerMinute: number;
  /** Media downloads per minute (thumbnails and files shown in the timeline). */
  downloadsPerMinute: number;
  /** Size of one upload, KiB. */
  uploadKiB: number;
  /** Share of a user's `/sync` calls that are initial syncs (no `since`: app starts, cache clears). */
  initialSyncShare: number;
  /** Rooms per user: the room count is users x this. */
  roomsPerUser: number;
  /**
   * Share of the memberships held by the largest 20 % of rooms: the "80/20" rule the public
   * Locust load scripts for Matrix generate rooms with (a power law of room sizes).
   */
  largeRoomMembershipShare: number;
  /** Rooms each user is a member of. */
  roomsJoinedPerUser: number;
  /** Share of users whose rooms include remote servers' users (federated rooms). */
  federatedUserShare: number;
}

/** Bounds a value of each field must lie in (also the config key's validation). */
export const CCU_ACTIVITY_BOUNDS: Readonly<Record<keyof CcuActivity, { min: number; max: number }>> = Object.freeze({
  syncTimeoutSeconds: { min: 1, max: 300 },
  messagesPerMinute: { min: 0, max: 60 },
  receiptsPerMinute: { min: 0, max: 60 },
  typingPerMinute: { min: 0, max: 60 },
  presencePerMinute: { min: 0, max: 60 },
  joinsPerMinute: { min: 0, max: 10 },
  uploadsPerMinute: { min: 0, max: 10 },
  downloadsPerMinute: { min: 0, max: 60 },
  uploadKiB: { min: 1, max: 100 * 1024 },
  initialSyncShare: { min: 0, max: 1 },
  roomsPerUser: { min: 0.01, max: 10 },
  // Above 0.2 (the largest 20 % hold at least their own share); below 1.
  largeRoomMembershipShare: { min: 0.2, max: 0.99 },
  roomsJoinedPerUser: { min: 1, max: 1000 },
  federatedUserShare: { min: 0, max: 1 },
});

export const CCU_ACTIVITY_FIELDS = Object.keys(CCU_ACTIVITY_BOUNDS) as (keyof CcuActivity)[];
