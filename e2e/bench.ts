/**
 * `npm run bench:e2e`: message send and incremental /sync through HAProxy, for the dev stack's
 * topology (main + one process of every worker type) and for a monolith (the same renderers with
 * zero workers: HAProxy sends everything to main), measured in one run on this machine.
 *
 * Loopback only, bounded: a fixed number of requests per measurement, a few concurrent clients,
 * a deadline on the whole run. Not a test: it prints figures.
 */
import { randomBytes } from "crypto";
import { MatrixHttp, registerWithSharedSecret, type Session } from "./client";
import { reapStaleRuns } from "./procs";
import { stackInputs } from "./render";
import { log, makePlan, withTopology } from "./run";
import type { RunningTopology } from "./topology";

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 4);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 400);
const WARMUP = 40;

export interface Figures {
  requests: number;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

/** Runs `total` calls of `one(client)` spread over the clients, each client sequential. */
async function measure(clients: number, total: number, one: (client: number, i: number) => Promise<void>): Promise<Figures> {
  const lat: number[] = [];
  let errors = 0;
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      for (;;) {
        const i = next++;
        if (i >= total) return;
        const s = performance.now();
        try {
          await one(c, i);
          lat.push(performance.now() - s);
        } catch {
          errors++;
        }
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  return { requests: lat.length, seconds, rps: lat.length / seconds, p50: percentile(lat, 50), p99: percentile(lat, 99), errors };
}

async function bench(topo: RunningTopology, label: string): Promise<{ send: Figures; sync: Figures }> {
  const http = new MatrixHttp(topo.clientUrl);
  http.adminHost = topo.plan.haproxy.adminHost;
  const q = { untagged: true } as const;
  const suffix = randomBytes(3).toString("hex");
  const pw = randomBytes(12).toString("hex");
  const admin = await registerWithSharedSecret(http, topo.plan.registrationSecret, `benchadmin${suffix}`, pw, true);
  const users: Session[] = [];
  for (let c = 0; c < CLIENTS; c++) {
    const u = await registerWithSharedSecret(http, topo.plan.registrationSecret, `bench${c}x${suffix}`, pw);
    // The default message rate limit would measure the limiter; lift it per user as an operator would for a load test.
    await http.call("POST", `/_synapse/admin/v1/users/${encodeURIComponent(u.userId)}/override_ratelimit`, {
      label: "override ratelimit",
      token: admin.accessToken,
      body: { messages_per_second: 0, burst_count: 0 },
      ...q,
    });
    users.push(u);
  }
  const room = (await http.call("POST", "/_matrix/client/v3/createRoom", { label: "createRoom", token: users[0].accessToken, body: { preset: "public_chat" }, ...q })).json.room_id as string;
  const r = encodeURIComponent(room);
  for (const u of users.slice(1)) await http.call("POST", `/_matrix/client/v3/rooms/${r}/join`, { label: "join", token: u.accessToken, body: {}, ...q });
  const since: string[] = [];
  for (const u of users) since.push((await http.call("GET", "/_matrix/client/v3/sync", { label: "initial sync", token: u.accessToken, query: { timeout: "0" }, ...q })).json.next_batch);

  const send = (c: number, i: number) =>
    http.call("PUT", `/_matrix/client/v3/rooms/${r}/send/m.room.message/b${suffix}-${c}-${i}`, {
      label: "send",
      token: users[c].accessToken,
      body: { msgtype: "m.text", body: `bench ${i}` },
      ...q,
    }).then(() => undefined);
  // Incremental sync that returns at once: each client follows its own token, so every call
  // carries what arrived since the previous one (the messages just sent, then nothing new).
  const sync = async (c: number) => {
    const res = await http.call("GET", "/_matrix/client/v3/sync", { label: "sync", token: users[c].accessToken, query: { since: since[c], timeout: "0" }, ...q });
    since[c] = res.json.next_batch;
  };
  await measure(CLIENTS, WARMUP, send);
  await measure(CLIENTS, WARMUP, sync);
  const sendFig = await measure(CLIENTS, REQUESTS, send);
  const syncFig = await measure(CLIENTS, REQUESTS, sync);
  log(`${label}: send ${sendFig.rps.toFixed(1)} req/s, sync ${syncFig.rps.toFixed(1)} req/s`);
  return { send: sendFig, sync: syncFig };
}

function row(name: string, op: string, f: Figures): string {
  return [name.padEnd(38), op.padEnd(18), f.requests.toString().padStart(6), f.rps.toFixed(1).padStart(9), f.p50.toFixed(1).padStart(9), f.p99.toFixed(1).padStart(9), String(f.errors).padStart(7)].join("  ");
}

async function main(): Promise<void> {
  reapStaleRuns();
  const results: { name: string; send: Figures; sync: Figures }[] = [];
  const runs: { name: string; workers: "one-each" | "none" }[] = [
    { name: "workers (main + 22 worker processes)", workers: "one-each" },
    { name: "monolith (main only)", workers: "none" },
  ];
  for (const run of runs) {
    const inputs = stackInputs(run.workers);
    log(`starting ${run.name}`);
    const out = await withTopology(makePlan(inputs), (topo) => bench(topo, run.name), { deadlineMs: 480_000 });
    results.push({ name: run.name, ...out.value });
  }
  console.log(`\nThrough HAProxy on loopback, ${CLIENTS} concurrent clients, ${REQUESTS} requests per line (after ${WARMUP} warm-up), this machine: 2 cores shared by every process.`);
  console.log(["topology".padEnd(38), "operation".padEnd(18), "ok".padStart(6), "req/s".padStart(9), "p50 ms".padStart(9), "p99 ms".padStart(9), "errors".padStart(7)].join("  "));
  for (const r of results) {
    console.log(row(r.name, "send message", r.send));
    console.log(row(r.name, "incremental sync", r.sync));
  }
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (e) => {
      console.error(`bench failed: ${(e as Error).stack ?? e}`);
      process.exit(1);
    },
  );
}
