/**
 * `npm run bench:plan [-- --runs <n>] [--stack <name>]...`: what `npm run plan` costs in CPU
 * seconds, against a floor measured in the same run (stacks/plan-floor.ts: Node's start, the
 * Pulumi SDKs, as many bare resources under the same mock engine). Prints figures only; it
 * asserts nothing about timings, which depend on the machine and whatever else runs on it.
 *
 * CPU time is the kernel's: user + system time of the spawned process and all its descendants
 * (npm, its shell, node), read from this process's reaped-children counters in /proc (Linux).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { formatTable } from "./report";
import { PROJECT_ROOT } from "./stack-config";
import { PROGRAM_SDKS } from "./plan-floor";

const DEFAULT_STACKS = ["dev", "prod-aws-20k"];
/** Linux reports process times in clock ticks of USER_HZ, which is 100 on every architecture. */
const TICKS_PER_SECOND = 100;

/** User + system seconds of reaped children, from the text of /proc/<pid>/stat (fields 16 and 17). */
export function reapedChildrenCpuSeconds(procStat: string): number {
  // The command name (field 2) may hold spaces and parentheses: count fields after its last ")".
  const fields = procStat.slice(procStat.lastIndexOf(")") + 2).trim().split(/\s+/);
  const cutime = Number(fields[16 - 3]);
  const cstime = Number(fields[17 - 3]);
  if (!Number.isFinite(cutime) || !Number.isFinite(cstime)) throw new Error(`unreadable /proc stat: ${procStat.slice(0, 80)}`);
  return (cutime + cstime) / TICKS_PER_SECOND;
}

const childrenCpu = () => reapedChildrenCpuSeconds(fs.readFileSync("/proc/self/stat", "utf8"));

/** Runs a command to completion and returns the CPU seconds it and its descendants used. */
function cpuSecondsOf(command: string, args: string[]): number {
  const before = childrenCpu();
  const res = spawnSync(command, args, { cwd: PROJECT_ROOT, stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" });
  const used = childrenCpu() - before;
  if (res.status !== 0) throw new Error(`${command} ${args.join(" ")} failed (${res.status ?? res.signal}):\n${res.stderr}`);
  return used;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

interface BenchArgs {
  runs: number;
  stacks: string[];
}

export function parseBenchArgs(argv: string[]): BenchArgs {
  const args: BenchArgs = { runs: 3, stacks: [] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--runs") args.runs = Number(argv[++i]);
    else if (argv[i] === "--stack") args.stacks.push(argv[++i] ?? "");
    else throw new Error(`unknown argument ${argv[i]}; usage: npm run bench:plan -- [--runs <n>] [--stack <name>]...`);
  }
  if (!Number.isInteger(args.runs) || args.runs < 1) throw new Error("--runs needs a whole number of at least 1");
  if (args.stacks.length === 0) args.stacks = DEFAULT_STACKS;
  return args;
}

const seconds = (s: number) => s.toFixed(2);

function main(): void {
  const { runs, stacks } = parseBenchArgs(process.argv.slice(2));
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "bench-plan-"));
  const rows: (string | number)[][] = [];
  try {
    // What the first plan after an edit pays on top: transpiling every program module.
    const compile = cpuSecondsOf(process.execPath, [path.join(PROJECT_ROOT, "scripts/ensure-compiled.js"), "--force"]);
    for (const stack of stacks) {
      const plan = Array.from({ length: runs }, () => cpuSecondsOf("npm", ["run", "--silent", "plan", "--", "--stack", stack, "--out", out]));
      const resources = (JSON.parse(fs.readFileSync(path.join(out, stack, "resources.json"), "utf8")) as unknown[]).length;
      const floorScript = path.join(PROJECT_ROOT, "bin/stacks/plan-floor.js");
      const floor = Array.from({ length: runs }, () => cpuSecondsOf(process.execPath, [floorScript, "--resources", String(resources)]));
      const ratio = median(plan) / median(floor);
      rows.push([stack, resources, seconds(median(plan)), plan.map(seconds).join(" "), seconds(median(floor)), floor.map(seconds).join(" "), `${ratio.toFixed(2)}x`]);
    }
    console.log(`npm run plan, CPU seconds (user + sys of npm and everything it starts), median of ${runs} warm runs`);
    console.log(`floor: node + ${PROGRAM_SDKS.join(", ")} + as many bare resources under stacks/mock-engine.ts`);
    console.log("");
    console.log(formatTable(["stack", "resources", "plan CPU-s", "plan runs", "floor CPU-s", "floor runs", "plan/floor"], rows));
    console.log("");
    console.log(`compiling the program into bin/ (paid once, by the first plan after a source change): ${seconds(compile)} CPU-s`);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

if (require.main === module) main();
