/**
 * `npm run bench:capacity`: the generated topology on loopback (real Synapse main and one
 * process of every worker type behind the generated HAProxy, real PostgreSQL and Redis, the S3
 * server), driven by the CCU activity model at several load levels, and then the same levels
 * against main alone. For each level it records CPU and peak memory per process type (/proc),
 * PostgreSQL's CPU and connections, HAProxy's request rate per backend and the clients'
 * send→/sync delivery latency; then it prints the per-type fits, the ceilings and the two
 * topologies side by side. `--write` stores the run under catalog/measurements/ (the data the
 * `measured` sizing model uses). Bounded: a deadline per topology; everything started is stopped.
 *
 *   npm run bench:capacity -- [--levels 10,30,80] [--seconds 45] [--warmup 10] [--workers-only] [--write]
 *   npm run bench:capacity -- --short      (one small level, no main-only run: the CI variant)
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { CapacityLevel, CapacityMeasurement, CapacityTopology } from "../catalog/capacity";
import type { CcuActivity } from "../config/activity";
import { activityFor } from "../sizing/activity";
import { groupFits, latencyCeiling, P99_DELIVERY_LIMIT_MS } from "../sizing/capacity-fit";
import { MatrixHttp } from "./client";
import { buildPopulation, runLoad } from "./load";
import { reapStaleRuns } from "./procs";
import { TreeSampler, type GroupUsage } from "./proc-sample";
import { stackInputs } from "./render";
import { log, makePlan, withTopology } from "./run";
import { synapsePython, type RunningTopology } from "./topology";

export interface CapacityOptions {
  levels: number[];
  seconds: number;
  warmupSeconds: number;
  /** Also measure main alone at the same levels. */
  mainOnly: boolean;
  activity: CcuActivity;
  stack: string;
}

/** HAProxy's own exporter: requests per backend so far. */
async function backendRequests(statsUrl: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${statsUrl}/metrics`)).text();
  const out = new Map<string, number>();
  for (const m of text.matchAll(/^haproxy_backend_http_requests_total\{proxy="([^"]+)"\} (\S+)$/gm)) out.set(m[1], Number(m[2]));
  return out;
}

/** Process groups of a running topology: one per Synapse type, and the data services and HAProxy. */
export function processGroups(topo: RunningTopology): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  const add = (g: string, pid: number) => groups.set(g, [...(groups.get(g) ?? []), pid]);
  for (const p of topo.plan.processes) {
    const proc = topo.procs.get(p.instance);
    if (proc) add(p.type, proc.pid);
  }
  for (const name of ["postgres", "redis", "s3", "haproxy"]) {
    const proc = topo.sup.procs.find((p) => p.spec.name === name && !p.exitInfo);
    if (proc) add(name, proc.pid);
  }
  return groups;
}

function postgresConnections(topo: RunningTopology): number {
  return Number(topo.pg.sql("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'").trim()) || 0;
}

async function measureLevel(topo: RunningTopology, users: number, opts: CapacityOptions, tag: string): Promise<CapacityLevel> {
  const http = new MatrixHttp(topo.clientUrl);
  http.adminHost = topo.plan.haproxy.adminHost;
  const t0 = Date.now();
  const pop = await buildPopulation(http, topo.plan.registrationSecret, users, opts.activity, tag);
  log(`${tag}: ${users} users in ${pop.rooms.length} rooms ready in ${Date.now() - t0} ms`);
  const groups = processGroups(topo);
  const sampler = new TreeSampler(groups);
  let before = new Map<string, number>();
  let after = new Map<string, number>();
  let usage = new Map<string, GroupUsage>();
  let connections = 0;
  const result = await runLoad(http, pop, opts.activity, {
    seconds: opts.seconds,
    warmupSeconds: opts.warmupSeconds,
    onWindowStart: async () => {
      sampler.start();
      before = await backendRequests(topo.plan.haproxy.statsUrl);
      connections = postgresConnections(topo);
    },
    onWindowEnd: async () => {
      usage = sampler.stop();
      after = await backendRequests(topo.plan.haproxy.statsUrl);
      connections = Math.max(connections, postgresConnections(topo));
    },
  });
  const w = result.windowSeconds;
  const cpuCores: Record<string, number> = {};
  const peakMemoryMi: Record<string, number> = {};
  for (const [g, u] of usage) {
    cpuCores[g] = u.cpuSeconds / w;
    peakMemoryMi[g] = u.peakRssMi;
  }
  const haproxyRps: Record<string, number> = {};
  for (const [b, n] of after) {
    const d = n - (before.get(b) ?? 0);
    if (d > 0) haproxyRps[b] = d / w;
  }
  const synapseCores = Object.entries(cpuCores).filter(([g]) => !["postgres", "redis", "s3", "haproxy"].includes(g)).reduce((s, [, c]) => s + c, 0);
  log(`${tag}: ${users} users: Synapse ${synapseCores.toFixed(2)} cores, postgres ${(cpuCores.postgres ?? 0).toFixed(2)}, delivery p50/p99 ${result.delivery.p50.toFixed(0)}/${result.delivery.p99.toFixed(0)} ms over ${result.delivery.samples} (send ${result.send.p50.toFixed(0)}/${result.send.p99.toFixed(0)} ms), failed ${Object.values(result.actions).reduce((s, a) => s + a.failed, 0)}`);
  if (result.errors.length) log(`${tag}: first errors: ${result.errors.slice(0, 3).join(" | ")}`);
  return { users, windowSeconds: w, cpuCores, peakMemoryMi, postgresConnections: connections, haproxyRps, delivery: result.delivery, send: result.send, undelivered: result.undelivered, actions: result.actions, syncs: result.syncs };
}

async function measureTopology(workers: "one-each" | "none", opts: CapacityOptions): Promise<CapacityTopology> {
  const inputs = stackInputs(workers, opts.stack, { asDeployed: true });
  const name = workers === "none" ? "main-only" : "workers";
  // Generous but bounded: start-up, population set-up and the load of every level.
  const deadlineMs = 300_000 + opts.levels.reduce((s, u) => s + (opts.seconds + opts.warmupSeconds + 30) * 1000 + u * 2_000, 0);
  const out = await withTopology(makePlan(inputs), async (topo) => {
    const processes: Record<string, number> = {};
    for (const [g, pids] of processGroups(topo)) processes[g] = pids.length;
    const levels: CapacityLevel[] = [];
    for (const [i, users] of opts.levels.entries()) levels.push(await measureLevel(topo, users, opts, `${name === "workers" ? "w" : "m"}${i}`));
    return { processes, levels };
  }, { deadlineMs });
  return out.value;
}

function synapseVersion(): string {
  return execFileSync(synapsePython(), ["-c", "import synapse; print(synapse.__version__)"]).toString().trim();
}

export async function runCapacity(opts: CapacityOptions): Promise<CapacityMeasurement> {
  reapStaleRuns();
  const loadAtStart = os.loadavg()[0];
  const workers = await measureTopology("one-each", opts);
  const mainOnly = opts.mainOnly ? await measureTopology("none", opts) : undefined;
  return {
    date: new Date().toISOString().slice(0, 10),
    command: `npm run bench:capacity -- --levels ${opts.levels.join(",")} --seconds ${opts.seconds} --warmup ${opts.warmupSeconds}${opts.mainOnly ? "" : " --workers-only"}${opts.stack !== "dev" ? ` --stack ${opts.stack}` : ""} --write`,
    machine: { cores: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? "unknown", memoryGi: Math.round(os.totalmem() / 2 ** 30), loadAverage: { start: round2(loadAtStart), end: round2(os.loadavg()[0]) } },
    synapseVersion: synapseVersion(),
    activity: opts.activity,
    warmupSeconds: opts.warmupSeconds,
    topologies: { workers, ...(mainOnly ? { "main-only": mainOnly } : {}) },
  };
}

const round2 = (x: number) => Math.round(x * 100) / 100;
const fmt = (n: number | null | undefined, d = 2) => (n === null || n === undefined || !Number.isFinite(n) ? "-" : n.toFixed(d));

export function report(m: CapacityMeasurement): string {
  const lines: string[] = [];
  const w = m.topologies.workers;
  lines.push(`capacity on loopback: ${m.machine.cores} cores (${m.machine.cpuModel}), load average ${m.machine.loadAverage.start} at the start and ${m.machine.loadAverage.end} at the end, Synapse ${m.synapseVersion}, ${m.date}`);
  lines.push(`activity per user/min: ${m.activity.messagesPerMinute} messages, ${m.activity.receiptsPerMinute} receipts, ${m.activity.typingPerMinute} typing, ${m.activity.presencePerMinute} presence; /sync timeout ${m.activity.syncTimeoutSeconds} s`);
  lines.push("");
  lines.push(["topology", "users", "Synapse cores", "postgres cores", "pg conns", "p50 ms", "p95 ms", "p99 ms", "deliveries", "failed"].join("\t"));
  for (const [name, t] of Object.entries(m.topologies)) {
    if (!t) continue;
    for (const l of t.levels) {
      const syn = Object.entries(l.cpuCores).filter(([g]) => !["postgres", "redis", "s3", "haproxy"].includes(g)).reduce((s, [, c]) => s + c, 0);
      const failed = Object.values(l.actions).reduce((s, a) => s + a.failed, 0) + l.syncs.failed;
      lines.push([name, l.users, fmt(syn), fmt(l.cpuCores.postgres), l.postgresConnections, fmt(l.delivery.p50, 0), fmt(l.delivery.p95, 0), fmt(l.delivery.p99, 0), l.delivery.samples, failed].join("\t"));
    }
  }
  lines.push("");
  lines.push(["group (workers topology)", "CPU base cores", "CPU cores/user", "±", "MiB base", "MiB/user", "users at 1 core"].join("\t"));
  for (const [g, f] of Object.entries(groupFits(w))) {
    lines.push([g, fmt(f.cpu.intercept, 3), fmt(f.cpu.slope, 5), fmt(f.cpu.slopeStdErr, 5), fmt(f.memory.intercept, 0), fmt(f.memory.slope, 2), fmt(f.usersAtOneCore, 0)].join("\t"));
  }
  for (const [name, t] of Object.entries(m.topologies)) {
    if (!t) continue;
    const c = latencyCeiling(t.levels);
    lines.push(`${name}: p99 delivery crosses ${P99_DELIVERY_LIMIT_MS} ms ${c.reached ? `at about ${c.users.toFixed(0)} users` : `above ${c.users} users (not reached)`}`);
  }
  return lines.join("\n");
}

/** Writes the dated measurement as TypeScript data and points catalog/measurements/capacity-current.ts at it. */
export function writeMeasurement(m: CapacityMeasurement, dir = path.resolve(__dirname, "..", "catalog", "measurements")): string {
  fs.mkdirSync(dir, { recursive: true });
  const id = `CAPACITY_${m.date.replace(/-/g, "_")}`;
  const file = path.join(dir, `capacity-${m.date}.ts`);
  fs.writeFileSync(file, `/** Written by \`${m.command}\`; do not edit by hand (re-run the command). */\nimport type { CapacityMeasurement } from "../capacity";\n\nexport const ${id}: CapacityMeasurement = ${JSON.stringify(m, null, 2)};\n`);
  fs.writeFileSync(path.join(dir, "capacity-current.ts"), `/** The capacity measurement the \`measured\` sizing model uses (catalog/capacity.ts). */\nexport { ${id} as CAPACITY_MEASUREMENT } from "./capacity-${m.date}";\n`);
  return file;
}

/** The CI variant's users: a message every 10 s, so 6 users send about a dozen in 20 s. */
export const SHORT_ACTIVITY: Partial<CcuActivity> = { messagesPerMinute: 6, uploadsPerMinute: 1, downloadsPerMinute: 2 };

export function parseArgs(argv: string[]): CapacityOptions & { write: boolean } {
  const arg = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const short = argv.includes("--short");
  const levels = (arg("--levels") ?? (short ? "6" : "10,30,80")).split(",").map(Number);
  if (levels.some((n) => !Number.isInteger(n) || n < 2 || n > 2000)) throw new Error(`--levels: whole numbers of users from 2 to 2000, comma-separated (got ${arg("--levels")})`);
  const seconds = Number(arg("--seconds") ?? (short ? 20 : 45));
  const warmupSeconds = Number(arg("--warmup") ?? (short ? 5 : 10));
  if (!(seconds >= 5 && seconds <= 600)) throw new Error(`--seconds: 5 to 600 (got ${arg("--seconds")})`);
  if (!(warmupSeconds >= 0 && warmupSeconds <= 120)) throw new Error(`--warmup: 0 to 120 (got ${arg("--warmup")})`);
  // The short variant keeps the harness working in CI: few users, so they chat faster than the
  // model's users for the run to carry enough messages to time deliveries.
  const activity = activityFor(short ? SHORT_ACTIVITY : {});
  return { levels, seconds, warmupSeconds, mainOnly: !short && !argv.includes("--workers-only"), activity, stack: arg("--stack") ?? "dev", write: argv.includes("--write") };
}

if (require.main === module) {
  const opts = parseArgs(process.argv.slice(2));
  runCapacity(opts).then(
    (m) => {
      console.log(report(m));
      if (opts.write) console.log(`written: ${writeMeasurement(m)}; now run \`npm run capacity:figures\` to rewrite docs/capacity-figures.md from it`);
      process.exit(0);
    },
    (e) => {
      console.error(`bench:capacity failed: ${(e as Error).stack ?? e}`);
      process.exit(1);
    },
  );
}
