/**
 * What one concurrent user (one "CCU") does, as data: the load model that `npm run
 * bench:capacity` (e2e/capacity.ts) drives the generated topology with, and that the
 * `measured` sizing model (sizing/measured-model.ts) converts measured per-user costs back into
 * replicas with. A stack overrides any field with `capacityActivity` (config/capacity-keys.ts;
 * the fields are documented in config/activity.ts); the defaults below give their reasoning.
 * The load generator draws the actions as a Poisson process, so bursts happen as they would.
 */
import type { CcuActivity } from "../config/activity";

/**
 * Defaults, per user and minute. An office messenger's working hours, not a public chat room:
 * - messages 0.5/min (a message every two minutes while online): an active chat user;
 *   the hardware analysis's "10 msg/sec/account" is its bridge *peak*, not an average;
 * - receipts 1/min: one per message read, users read about twice what they write;
 * - typing 1/min: a start and a stop around each message sent;
 * - presence 0.1/min: clients set presence on focus changes; the rest rides on `/sync`;
 * - joins 0.02/min: roughly one join per hour of use;
 * - uploads 0.02/min of 256 KiB (a photo or document an hour), downloads 0.2/min;
 * - initial syncs 1 % of `/sync` calls: one per app start over a few hours of 30 s polls;
 * - rooms: 0.5 per user, each user in 8 of them, 80 % of memberships in the largest 20 %;
 * - 10 % of users in federated rooms (a mostly internal deployment).
 */
export const DEFAULT_CCU_ACTIVITY: Readonly<CcuActivity> = Object.freeze({
  syncTimeoutSeconds: 30,
  messagesPerMinute: 0.5,
  receiptsPerMinute: 1,
  typingPerMinute: 1,
  presencePerMinute: 0.1,
  joinsPerMinute: 0.02,
  uploadsPerMinute: 0.02,
  downloadsPerMinute: 0.2,
  uploadKiB: 256,
  initialSyncShare: 0.01,
  roomsPerUser: 0.5,
  largeRoomMembershipShare: 0.8,
  roomsJoinedPerUser: 8,
  federatedUserShare: 0.1,
});

