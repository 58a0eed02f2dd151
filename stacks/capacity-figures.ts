/**
 * docs/capacity-figures.md from a capacity measurement: the levels each topology ran, the fit per
 * process type, the ceilings, and what the `measured` model sizes at each CCU profile. Written by
 * `npm run capacity:figures` (run it after `bench:capacity -- --write`), so the document always
 * shows the measurement the model uses; a test keeps the committed file current.
 */
import * as fs from "fs";
import * as path from "path";
import { CAPACITY, type CapacityMeasurement, type CapacityTopology } from "../catalog/capacity";
import { CCU_PROFILES } from "../catalog/profiles";
import { parseSpec } from "../config";
import { size } from "../sizing";
import { groupFits, latencyCeiling, MACHINE_BOUND_SHARE, P99_DELIVERY_LIMIT_MS, perProcessLatencyUsers, totalCores } from "../sizing/capacity-fit";
import { activityScale, measuredCapacity, processCapacity, UNMEASURED_TYPES } from "../sizing/measured-model";
import { CPU_TARGET } from "../sizing/machines";
import { loadStackConfig } from "./stack-config";

export const CAPACITY_FIGURES_FILE = path.resolve(__dirname, "..", "docs", "capacity-figures.md");

/** Groups that are not Synapse processes (their rows come after the Synapse types). */
const SERVICES = ["postgres", "redis", "s3", "haproxy"];

/** A Markdown table; every column but the first right-aligned (they are figures). */
function formatTable(headers: string[], rows: string[][]): string {
  const rule = headers.map((_, i) => (i === 0 ? "---" : "---:"));
  return [headers, rule, ...rows].map((r) => `| ${r.join(" | ")} |`).join("\n");
}

const n = (x: number, digits = 2) => x.toFixed(digits);
const pm = (x: number, se: number | null, digits: number) => (se === null ? n(x, digits) : `${n(x, digits)} ± ${n(se, digits)}`);
const users = (x: number | null) => (x === null || !Number.isFinite(x) ? "—" : Math.round(x).toLocaleString("en-US"));

function synapseCores(level: CapacityTopology["levels"][number]): number {
  return Object.entries(level.cpuCores).filter(([g]) => !SERVICES.includes(g)).reduce((s, [, c]) => s + c, 0);
}

function levelsTable(t: CapacityTopology): string {
  return formatTable(
    ["users", "Synapse cores", "PostgreSQL cores", "all cores", "PG connections", "deliveries", "p50 ms", "p95 ms", "p99 ms", "undelivered"],
    t.levels.map((l) => [
      String(l.users), n(synapseCores(l)), n(l.cpuCores.postgres ?? 0), n(totalCores(l)), String(l.postgresConnections),
      String(l.delivery.samples), String(Math.round(l.delivery.p50)), String(Math.round(l.delivery.p95)), String(Math.round(l.delivery.p99)), String(l.undelivered),
    ]),
  );
}

function fitsTable(m: CapacityMeasurement): string {
  const { fits, latencyUsers } = measuredCapacity(m);
  const names = Object.keys(fits).sort((a, b) => Number(SERVICES.includes(a)) - Number(SERVICES.includes(b)) || a.localeCompare(b));
  return formatTable(
    ["group", "base cores", "millicores per user", "r²", "base MiB", "MiB per user", "users at 1 core", `users per process at ${CPU_TARGET * 100} % CPU`],
    names.map((g) => {
      const f = fits[g];
      const perProcess = SERVICES.includes(g) || UNMEASURED_TYPES.includes(g) ? "—" : users(processCapacity(f, 1, latencyUsers).usersPerProcess);
      return [
        g, n(f.cpu.intercept, 3), pm(f.cpu.slope * 1000, f.cpu.slopeStdErr === null ? null : f.cpu.slopeStdErr * 1000, 2), f.cpu.r2 === null ? "—" : n(f.cpu.r2),
        n(f.memory.intercept, 0), pm(f.memory.slope, f.memory.slopeStdErr, 2), users(f.usersAtOneCore), perProcess,
      ];
    }),
  );
}

function ceilingLines(m: CapacityMeasurement): string[] {
  const out: string[] = [];
  const hostLoad = Math.max(m.machine.loadAverage.start, m.machine.loadAverage.end);
  for (const [name, t] of Object.entries(m.topologies)) {
    if (!t) continue;
    const c = latencyCeiling(t.levels);
    const text = c.reached ? `p99 delivery crosses ${P99_DELIVERY_LIMIT_MS} ms at about ${users(c.users)} users` : `p99 delivery stays under ${P99_DELIVERY_LIMIT_MS} ms up to ${users(c.users)} users (the largest level)`;
    out.push(`- **${name}:** ${text}.`);
  }
  const perProcess = perProcessLatencyUsers(m.topologies.workers.levels, m.machine.cores, hostLoad);
  out.push(
    perProcess === undefined
      ? `- The model does not cap users per process by that latency: the host was the limit (load average up to ${hostLoad} on ${m.machine.cores} cores, or the topology above ${MACHINE_BOUND_SHARE * 100} % of them at the crossing), so each process is limited by its ${CPU_TARGET * 100} % CPU target alone.`
      : `- The model caps users per process at ${users(perProcess)} (the latency crossing, with the host not saturated).`,
  );
  return out;
}

/** Main alone is one process: where its fit reaches a core, it can serve no more users. */
function mainAloneLines(m: CapacityMeasurement): string[] {
  const alone = m.topologies["main-only"];
  if (!alone || alone.levels.length < 2) return [];
  const f = groupFits(alone).main;
  if (!f) return [];
  return [`- **main alone** uses ${n(f.cpu.slope * 1000, 2)} millicores per user and reaches one core at about ${users(f.usersAtOneCore)} users: above that only the worker topology can serve more.`];
}

/** What the measured model sizes at each CCU profile (the prod existing-cluster presets). */
function sizingTable(m: CapacityMeasurement): string {
  const measured = Object.keys(measuredCapacity(m).fits).filter((g) => !SERVICES.includes(g) && !UNMEASURED_TYPES.includes(g) && g !== "main");
  const shown = ["synchrotron", "event-creator", "client-reader", "media-repository"].filter((t) => measured.includes(t));
  const rows = CCU_PROFILES.map((p) => {
    const stack = `prod-existing-${p.name}`;
    const spec = { ...parseSpec(loadStackConfig(stack), stack), sizingModel: "measured" as const };
    const s = size(spec);
    const cells = shown.map((t) => {
      const w = s.synapse.workers[t];
      return `${w.replicas}–${w.maxReplicas} × ${w.resources.cpuRequestMillis} m`;
    });
    return [p.ccu.toLocaleString("en-US"), ...cells, `${s.database.vcpu}`, n(activityScale(spec, m))];
  });
  return formatTable(["CCU", ...shown.map((t) => `${t} pods × CPU request`), "PostgreSQL vCPU", "activity scale"], rows);
}

export function capacityFiguresMarkdown(m: CapacityMeasurement = CAPACITY): string {
  const lines = [
    "# Capacity figures",
    "",
    `Written by \`npm run capacity:figures\` from the measurement the \`measured\` model uses (catalog/measurements/capacity-${m.date}.ts); do not edit by hand. Method and limits: [capacity.md](capacity.md).`,
    "",
    `- **Run:** ${m.date}, \`${m.command}\`.`,
    `- **Host:** ${m.machine.cores} cores (${m.machine.cpuModel}), ${m.machine.memoryGi} GiB; 1-minute load average ${m.machine.loadAverage.start} at the start, ${m.machine.loadAverage.end} at the end.`,
    `- **Synapse:** ${m.synapseVersion}; ${m.warmupSeconds} s warm-up before each measured window.`,
    "",
  ];
  for (const [name, t] of Object.entries(m.topologies)) {
    if (!t) continue;
    const processes = Object.entries(t.processes).filter(([g]) => !SERVICES.includes(g)).reduce((s, [, c]) => s + c, 0);
    lines.push(`## Levels: ${name} (${processes} Synapse process${processes === 1 ? "" : "es"})`, "", levelsTable(t), "");
  }
  lines.push(
    "## Fits (workers topology: one process of each type served every user)",
    "",
    "CPU and peak memory per process against users, least squares with the slope's standard error. Users per process is where a process reaches the CPU target, at the measured activity.",
    "",
    fitsTable(m),
    "",
    "## Ceilings",
    "",
    ...ceilingLines(m),
    ...mainAloneLines(m),
    "",
    "## The measured model at each CCU profile",
    "",
    "Pods (HPA floor–ceiling) and CPU request per pod of the pool types, and the database's vCPU, for the prod existing-cluster presets with `sizingModel: measured`.",
    "",
    sizingTable(m),
    "",
  );
  return lines.join("\n");
}

if (require.main === module) {
  fs.writeFileSync(CAPACITY_FIGURES_FILE, capacityFiguresMarkdown());
  console.log(`written: ${path.relative(process.cwd(), CAPACITY_FIGURES_FILE)}`);
}
