/**
 * `npm run bench:plan [-- --runs <n>] [--stack <name>]...`: what `npm run plan` costs in CPU
 * seconds, against a floor measured in the same run (stacks/plan-floor.ts: Node's start, the
 * Pulumi SDK files that stack's plan loads, as many bare resources under the same mock engine).
 * An untimed probe run of each stack's plan records those files (stacks/sdk-recorder.ts). Prints
 * figures only; it asserts nothing about timings, which depend on the machine and whatever else
 * runs on it.
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
import { sdkPackages } from "./sdk-recorder";

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
function cpuSecondsOf(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): number {
  const before = childrenCpu();
  const res = spawnSync(command, args, { cwd: PROJECT_ROOT, stdio: ["ignore", "ignore", "pipe"], encoding: "utf8", env });
  const used = childrenCpu() - before;
  if (res.status !== 0) throw new Error(`${command} ${args.join(" ")} failed (${res.status ?? res.signal}):\n${res.stderr}`);
  return used;
}

/**
 * Runs the plan once, untimed, with stacks/sdk-recorder.ts preloaded, and writes the SDK files it
 * loaded to `file` (returned).
 */
function recordSdkFiles(planArgs: string[], file: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-plan-sdks-"));
  try {
    const recorder = path.join(PROJECT_ROOT, "bin/stacks/sdk-recorder.js");
    const nodeOptions = [process.env.NODE_OPTIONS, `--require ${JSON.stringify(recorder)}`].filter(Boolean).join(" ");
    cpuSecondsOf("npm", planArgs, { ...process.env, NODE_OPTIONS: nodeOptions, SDK_RECORD_DIR: dir });
    const written = fs.readdirSync(dir);
    if (written.length !== 1) throw new Error(`expected one process of the plan to load the Pulumi SDK, found ${written.length} (${written.join(", ")})`);
    fs.copyFileSync(path.join(dir, written[0]), file);
    return file;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
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
    const planArgs = (stack: string) => ["run", "--silent", "plan", "--", "--stack", stack, "--out", out];
    const loadedSdks = new Map<string, string[]>();
    for (const stack of stacks) {
      const sdkFiles = recordSdkFiles(planArgs(stack), path.join(out, `${stack}.sdk-files.json`));
      loadedSdks.set(stack, sdkPackages(JSON.parse(fs.readFileSync(sdkFiles, "utf8")) as string[]));
      const plan = Array.from({ length: runs }, () => cpuSecondsOf("npm", planArgs(stack)));
      const resources = (JSON.parse(fs.readFileSync(path.join(out, stack, "resources.json"), "utf8")) as unknown[]).length;
      const floorScript = path.join(PROJECT_ROOT, "bin/stacks/plan-floor.js");
      const floor = Array.from({ length: runs }, () => cpuSecondsOf(process.execPath, [floorScript, "--resources", String(resources), "--sdk-files", sdkFiles]));
      const ratio = median(plan) / median(floor);
      rows.push([stack, resources, seconds(median(plan)), plan.map(seconds).join(" "), seconds(median(floor)), floor.map(seconds).join(" "), `${ratio.toFixed(2)}x`]);
    }
    console.log(`npm run plan, CPU seconds (user + sys of npm and everything it starts), median of ${runs} warm runs`);
    console.log("floor: node + the Pulumi SDK files the stack's plan loads + as many bare resources under stacks/mock-engine.ts");
    for (const [stack, sdks] of loadedSdks) console.log(`  ${stack} loads ${sdks.join(", ")}`);
    console.log("");
    console.log(formatTable(["stack", "resources", "plan CPU-s", "plan runs", "floor CPU-s", "floor runs", "plan/floor"], rows));
    console.log("");
    console.log(`compiling the program into bin/ (paid once, by the first plan after a source change): ${seconds(compile)} CPU-s`);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

if (require.main === module) main();
