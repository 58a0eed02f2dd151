/**
 * The capacity benchmark's clients: a population of users and rooms built from the CCU activity
 * model (sizing/activity.ts), then driven through HAProxy as concurrent users — each holding one
 * `/sync` long-poll open at all times and acting at the model's rates as independent Poisson
 * processes (open loop: an action starts on time whether or not the previous one finished, so
 * an overloaded server shows up as latency and backlog, not as a slower client).
 *
 * What the clients measure themselves: send→`/sync` delivery latency (from the moment a message
 * is sent to the moment each other member's `/sync` returns it), and per action kind the count
 * of successes and failures.
 */
import { randomBytes } from "crypto";
import { MatrixHttp, registerWithSharedSecret, type Session } from "./client";
import { percentile } from "./bench";
import type { CcuActivity } from "../config/activity";
import { actionRatesPerSecond, roomMembers, roomSizes, seededRandom, type ActionRates } from "../sizing/activity";

export type ActionKind = keyof ActionRates;
export const ACTION_KINDS: readonly ActionKind[] = ["message", "receipt", "typing", "presence", "join", "upload", "download"];

/** The limiter would measure itself: lifted per user, as an operator does for a load test. */
const NO_RATELIMIT = { messages_per_second: 0, burst_count: 0 };
/** Actions of one user in flight beyond which a new one is counted as dropped (the client is backlogged). */
const MAX_IN_FLIGHT_PER_USER = 8;
const SETUP_CONCURRENCY = 4;

export interface Population {
  label: string;
  users: Session[];
  /** Room IDs, largest first. */
  rooms: string[];
  /** Per user, the indexes of the rooms they are in. */
  roomsOf: number[][];
  /** Rooms each user may still join (the model's joins). */
  joinable: number[][];
  filterIds: string[];
  since: string[];
}

/** Runs `fn` over `items` with at most `n` at a time. */
async function pool<T>(items: readonly T[], n: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      await fn(items[i], i);
    }
  }));
}

/**
 * Registers `count` users (shared-secret registration), lifts their rate limits, creates the
 * model's rooms with the model's members, gives each user the lazy-loading filter clients use,
 * and runs each user's initial sync.
 */
export async function buildPopulation(http: MatrixHttp, registrationSecret: string, count: number, activity: CcuActivity, label: string, seed = 1): Promise<Population> {
  const q = { untagged: true } as const;
  const pw = randomBytes(12).toString("hex");
  const admin = await registerWithSharedSecret(http, registrationSecret, `capadmin${label}`, pw, true);
  const users: Session[] = new Array(count);
  await pool(Array.from({ length: count }, (_, i) => i), SETUP_CONCURRENCY, async (i) => {
    const u = await registerWithSharedSecret(http, registrationSecret, `cap${label}u${i}`, pw);
    await http.call("POST", `/_synapse/admin/v1/users/${encodeURIComponent(u.userId)}/override_ratelimit`, { label: "override ratelimit", token: admin.accessToken, body: NO_RATELIMIT, ...q });
    users[i] = u;
  });
  const sizes = roomSizes(count, activity);
  const members = roomMembers(count, sizes, seed);
  const rooms: string[] = new Array(sizes.length);
  await pool(members, SETUP_CONCURRENCY, async (m, r) => {
    const creator = users[m[0]];
    const res = await http.call("POST", "/_matrix/client/v3/createRoom", { label: "createRoom", token: creator.accessToken, body: { preset: "public_chat", name: `cap ${label} ${r}` }, ...q });
    rooms[r] = res.json.room_id;
  });
  const joins = members.flatMap((m, r) => m.slice(1).map((u) => ({ u, r })));
  await pool(joins, SETUP_CONCURRENCY, async ({ u, r }) => {
    await http.call("POST", `/_matrix/client/v3/rooms/${encodeURIComponent(rooms[r])}/join`, { label: "join", token: users[u].accessToken, body: {}, ...q });
  });
  const roomsOf: number[][] = users.map(() => []);
  members.forEach((m, r) => m.forEach((u) => roomsOf[u].push(r)));
  const joinable = roomsOf.map((mine) => rooms.map((_, r) => r).filter((r) => !mine.includes(r)));
  const filterIds: string[] = new Array(count);
  const since: string[] = new Array(count);
  await pool(users, SETUP_CONCURRENCY, async (u, i) => {
    // What Element sends: lazy-loaded members and a short timeline per room.
    const f = await http.call("POST", `/_matrix/client/v3/user/${encodeURIComponent(u.userId)}/filter`, { label: "filter", token: u.accessToken, body: { room: { state: { lazy_load_members: true }, timeline: { limit: 20, lazy_load_members: true } } }, ...q });
    filterIds[i] = f.json.filter_id;
    const s = await http.call("GET", "/_matrix/client/v3/sync", { label: "initial sync", token: u.accessToken, query: { timeout: "0", filter: filterIds[i] }, ...q });
    since[i] = s.json.next_batch;
  });
  return { label, users, rooms, roomsOf, joinable, filterIds, since };
}

export interface LoadOptions {
  seconds: number;
  /** Seconds of load before the measured window (caches warm, long-polls settle). */
  warmupSeconds: number;
  /** Called when the measured window opens and closes (the caller samples /proc and HAProxy then). */
  onWindowStart?: () => void | Promise<void>;
  onWindowEnd?: () => void | Promise<void>;
  seed?: number;
}

export interface LoadResult {
  users: number;
  windowSeconds: number;
  /** Per action kind started in the window: succeeded, failed, dropped (user backlogged). */
  actions: Record<ActionKind, { ok: number; failed: number; dropped: number }>;
  syncs: { ok: number; failed: number; initial: number };
  /** Send→/sync delivery latency, ms, over every (message, receiving member) pair seen. */
  delivery: { samples: number; p50: number; p95: number; p99: number };
  /** Time the send request itself took, ms (part of every delivery time). */
  send: { p50: number; p99: number };
  /** Messages sent in the window that some member had not received when it closed. */
  undelivered: number;
  /** The first few failures, for the report. */
  errors: string[];
}

function exponential(rand: () => number, rate: number): number {
  return -Math.log(1 - rand()) / rate;
}

/** Drives the population for warm-up + `seconds`, then cancels every open long-poll. */
export async function runLoad(http: MatrixHttp, pop: Population, activity: CcuActivity, opts: LoadOptions): Promise<LoadResult> {
  const rand = seededRandom(opts.seed ?? 2);
  const rates = actionRatesPerSecond(activity);
  const stop = new AbortController();
  const levelId = randomBytes(3).toString("hex");
  const actions = Object.fromEntries(ACTION_KINDS.map((k) => [k, { ok: 0, failed: 0, dropped: 0 }])) as LoadResult["actions"];
  const syncs = { ok: 0, failed: 0, initial: 0 };
  const errors: string[] = [];
  const latencies: number[] = [];
  const sendTimes: number[] = [];
  let measuring = false;
  // Per message sent in the window: when, and which members still have to receive it.
  const sent = new Map<string, { at: number; waiting: Set<number> }>();
  const lastEvent = new Map<number, string>();
  const uploads: string[] = [];
  const inFlight = new Array<number>(pop.users.length).fill(0);
  let seq = 0;
  const note = (e: unknown) => {
    if (errors.length < 10) errors.push((e as Error).message.slice(0, 300));
  };
  const q = { untagged: true } as const;
  const server = pop.users[0].userId.split(":").slice(1).join(":");

  const membersOf = (room: number) => pop.roomsOf.flatMap((rs, u) => (rs.includes(room) ? [u] : []));

  async function act(kind: ActionKind, u: number): Promise<void> {
    const user = pop.users[u];
    const t = user.accessToken;
    const mine = pop.roomsOf[u];
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)];
    const r = pick(mine);
    const room = encodeURIComponent(pop.rooms[r]);
    switch (kind) {
      case "message": {
        const id = `${levelId}.${seq++}`;
        const at = performance.now();
        const timed = measuring;
        if (timed) sent.set(id, { at, waiting: new Set(membersOf(r).filter((m) => m !== u)) });
        await http.call("PUT", `/_matrix/client/v3/rooms/${room}/send/m.room.message/${id}`, { label: "send", token: t, body: { msgtype: "m.text", body: `capacity ${id}`, "org.matrix.capacity.id": id }, ...q });
        if (timed) sendTimes.push(performance.now() - at);
        return;
      }
      case "receipt": {
        const ev = lastEvent.get(r);
        if (!ev) return;
        await http.call("POST", `/_matrix/client/v3/rooms/${room}/receipt/m.read/${encodeURIComponent(ev)}`, { label: "receipt", token: t, body: {}, ...q });
        return;
      }
      case "typing":
        await http.call("PUT", `/_matrix/client/v3/rooms/${room}/typing/${encodeURIComponent(user.userId)}`, { label: "typing", token: t, body: { typing: true, timeout: 10_000 }, ...q });
        return;
      case "presence":
        await http.call("PUT", `/_matrix/client/v3/presence/${encodeURIComponent(user.userId)}/status`, { label: "presence", token: t, body: { presence: "online" }, ...q });
        return;
      case "join": {
        const options = pop.joinable[u];
        if (options.length === 0) return;
        const j = options.splice(Math.floor(rand() * options.length), 1)[0];
        await http.call("POST", `/_matrix/client/v3/rooms/${encodeURIComponent(pop.rooms[j])}/join`, { label: "join", token: t, body: {}, ...q });
        pop.roomsOf[u].push(j);
        return;
      }
      case "upload": {
        const res = await http.call("POST", "/_matrix/media/v3/upload", { label: "upload", token: t, raw: randomBytes(activity.uploadKiB * 1024), contentType: "application/octet-stream", query: { filename: "capacity.bin" }, timeoutMs: 120_000, ...q });
        uploads.push(res.json.content_uri);
        return;
      }
      case "download": {
        const mxc = uploads.length > 0 ? pick(uploads) : undefined;
        if (!mxc) return;
        const [, media] = mxc.slice("mxc://".length).split("/");
        await http.call("GET", `/_matrix/client/v1/media/download/${encodeURIComponent(server)}/${encodeURIComponent(media)}`, { label: "download", token: t, timeoutMs: 120_000, ...q });
        return;
      }
    }
  }

  /** One Poisson stream of one action kind for one user. */
  async function stream(kind: ActionKind, u: number, endAt: number): Promise<void> {
    const rate = rates[kind];
    if (rate <= 0) return;
    const pending: Promise<void>[] = [];
    for (let at = performance.now() + exponential(rand, rate) * 1000; at < endAt; at += exponential(rand, rate) * 1000) {
      const wait = at - performance.now();
      if (wait > 0) await new Promise((res) => setTimeout(res, wait));
      if (stop.signal.aborted) break;
      const counted = measuring;
      if (inFlight[u] >= MAX_IN_FLIGHT_PER_USER) {
        if (counted) actions[kind].dropped++;
        continue;
      }
      inFlight[u]++;
      pending.push(
        act(kind, u)
          .then(() => void (counted && actions[kind].ok++))
          .catch((e) => {
            if (counted) {
              actions[kind].failed++;
              note(e);
            }
          })
          .finally(() => inFlight[u]--),
      );
    }
    await Promise.all(pending);
  }

  /** The user's long-poll, re-issued as soon as one returns, until the run stops. */
  async function syncLoop(u: number): Promise<void> {
    const user = pop.users[u];
    while (!stop.signal.aborted) {
      const initial = rand() < activity.initialSyncShare;
      const query: Record<string, string> = { timeout: String(activity.syncTimeoutSeconds * 1000), filter: pop.filterIds[u] };
      if (!initial) query.since = pop.since[u];
      const counted = measuring;
      try {
        const res = await http.call("GET", "/_matrix/client/v3/sync", { label: "sync", token: user.accessToken, query: initial ? { ...query, timeout: "0" } : query, signal: stop.signal, timeoutMs: (activity.syncTimeoutSeconds + 90) * 1000, ...q });
        const now = performance.now();
        pop.since[u] = res.json.next_batch;
        if (counted) {
          syncs.ok++;
          if (initial) syncs.initial++;
        }
        for (const [roomId, room] of Object.entries<any>(res.json.rooms?.join ?? {})) {
          const events: any[] = room.timeline?.events ?? [];
          const r = pop.rooms.indexOf(roomId);
          for (const ev of events) {
            if (ev.event_id && r >= 0) lastEvent.set(r, ev.event_id);
            const id = ev.content?.["org.matrix.capacity.id"];
            const m = typeof id === "string" ? sent.get(id) : undefined;
            // A limited timeline skipped events: what it does show is not a delivery time.
            if (!m || !m.waiting.has(u) || (initial || room.timeline?.limited)) {
              m?.waiting.delete(u);
              continue;
            }
            m.waiting.delete(u);
            latencies.push(now - m.at);
          }
        }
      } catch (e) {
        if (stop.signal.aborted) return;
        if (counted) {
          syncs.failed++;
          note(e);
        }
        await new Promise((res) => setTimeout(res, 1000));
      }
    }
  }

  const t0 = performance.now();
  const endAt = t0 + (opts.warmupSeconds + opts.seconds) * 1000;
  const loops = pop.users.map((_, u) => syncLoop(u));
  const streams = pop.users.flatMap((_, u) => ACTION_KINDS.map((k) => stream(k, u, endAt)));
  await new Promise((res) => setTimeout(res, opts.warmupSeconds * 1000));
  measuring = true;
  const w0 = performance.now();
  await opts.onWindowStart?.();
  await new Promise((res) => setTimeout(res, Math.max(0, endAt - performance.now())));
  measuring = false;
  const windowSeconds = (performance.now() - w0) / 1000;
  await opts.onWindowEnd?.();
  // Actions started in the window finish; deliveries keep arriving meanwhile.
  await Promise.all(streams);
  // A last chance for deliveries of the window's final messages, then the long-polls end.
  await new Promise((res) => setTimeout(res, 3000));
  stop.abort();
  await Promise.all(loops);

  latencies.sort((a, b) => a - b);
  sendTimes.sort((a, b) => a - b);
  let undelivered = 0;
  for (const m of sent.values()) if (m.waiting.size > 0) undelivered++;
  return {
    users: pop.users.length,
    windowSeconds,
    actions,
    syncs,
    delivery: { samples: latencies.length, p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99) },
    send: { p50: percentile(sendTimes, 50), p99: percentile(sendTimes, 99) },
    undelivered,
    errors,
  };
}
