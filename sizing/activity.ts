/**
 * The CCU activity model's arithmetic, pure: a stack's activity (defaults with its overrides),
 * the per-user action rates, and the room population (how many rooms, how large, who is in
 * which) that the capacity benchmark builds and the measured model reasons about.
 */
import { DEFAULT_CCU_ACTIVITY } from "../catalog/activity";
import { CCU_ACTIVITY_FIELDS, type CcuActivity } from "../config/activity";

/** The defaults with a stack's overrides on top. */
export function activityFor(overrides: Partial<CcuActivity> = {}): CcuActivity {
  return { ...DEFAULT_CCU_ACTIVITY, ...overrides };
}

/** Fields where `a` differs from the defaults, for the plan's report. */
export function activityDifferences(a: CcuActivity): (keyof CcuActivity)[] {
  return CCU_ACTIVITY_FIELDS.filter((k) => a[k] !== DEFAULT_CCU_ACTIVITY[k]);
}

/** Actions one user starts per second, by kind (Poisson rates for the load generator). */
export interface ActionRates {
  message: number;
  receipt: number;
  typing: number;
  presence: number;
  join: number;
  upload: number;
  download: number;
}

export function actionRatesPerSecond(a: CcuActivity): ActionRates {
  return {
    message: a.messagesPerMinute / 60,
    receipt: a.receiptsPerMinute / 60,
    typing: a.typingPerMinute / 60,
    presence: a.presencePerMinute / 60,
    join: a.joinsPerMinute / 60,
    upload: a.uploadsPerMinute / 60,
    download: a.downloadsPerMinute / 60,
  };
}

/** Write requests per second `users` concurrent users make (everything but `/sync` and downloads). */
export function writeRequestsPerSecond(users: number, a: CcuActivity): number {
  const r = actionRatesPerSecond(a);
  return users * (r.message + r.receipt + r.typing + r.presence + r.join + r.upload);
}

/** Share of the total weight held by the largest `topShare` of `n` Zipf-weighted items (weights 1/k^s). */
export function zipfTopShare(n: number, s: number, topShare = 0.2): number {
  const top = Math.max(1, Math.round(n * topShare));
  let all = 0;
  let head = 0;
  for (let k = 1; k <= n; k++) {
    const w = 1 / k ** s;
    all += w;
    if (k <= top) head += w;
  }
  return head / all;
}

/**
 * The Zipf exponent at which the largest 20 % of `n` rooms hold `share` of the memberships
 * (bisection: the top share grows with the exponent). 0 for a share at or below the uniform one.
 */
export function zipfExponentFor(n: number, share: number): number {
  if (share <= zipfTopShare(n, 0)) return 0;
  let lo = 0;
  let hi = 8;
  if (zipfTopShare(n, hi) < share) return hi;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (zipfTopShare(n, mid) < share) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/**
 * Room sizes for `users` users, largest first: `users x roomsPerUser` rooms (at least one), and
 * `users x roomsJoinedPerUser` memberships (each user in at most every room) spread by the
 * power law. Every room has at least one member and at most `users`.
 */
export function roomSizes(users: number, a: CcuActivity): number[] {
  const rooms = Math.max(1, Math.round(users * a.roomsPerUser));
  const memberships = users * Math.min(a.roomsJoinedPerUser, rooms);
  const s = zipfExponentFor(rooms, a.largeRoomMembershipShare);
  const weights = Array.from({ length: rooms }, (_, k) => 1 / (k + 1) ** s);
  const total = weights.reduce((x, y) => x + y, 0);
  // Capping a room at `users` frees memberships the next rooms take, largest first.
  const sizes: number[] = [];
  let left = memberships;
  let weightLeft = total;
  for (const w of weights) {
    const roomsLeft = rooms - sizes.length;
    const want = Math.round((left * w) / weightLeft);
    const size = Math.min(users, Math.max(1, Math.min(want, left - (roomsLeft - 1))));
    sizes.push(size);
    left -= size;
    weightLeft -= w;
  }
  return sizes;
}

/** A small deterministic PRNG (mulberry32), so a population and a load run can be repeated. */
export function seededRandom(seed: number): () => number {
  let t = seed >>> 0;
  return () => {
    t = (t + 0x6d2b79f5) >>> 0;
    let r = Math.imul(t ^ (t >>> 15), 1 | t);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Who is in which room: for each room (sizes from roomSizes), that many distinct users, the ones
 * with the fewest rooms so far first (ties broken by the seeded PRNG), so memberships spread
 * evenly over users while room sizes follow the power law.
 */
export function roomMembers(users: number, sizes: readonly number[], seed = 1): number[][] {
  const rand = seededRandom(seed);
  const count = new Array<number>(users).fill(0);
  return sizes.map((size) => {
    const order = Array.from({ length: users }, (_, u) => ({ u, key: count[u] + rand() }));
    order.sort((x, y) => x.key - y.key);
    const members = order.slice(0, size).map((o) => o.u);
    for (const u of members) count[u]++;
    return members.sort((x, y) => x - y);
  });
}
