/**
 * CPU time and memory of process trees, read from /proc: what the capacity benchmark records per
 * process type. A tree is a process and every descendant (found by parent PID), because
 * PostgreSQL serves each connection in a child of the postmaster and a supervised command may
 * be a wrapper around the real program.
 *
 * CPU is utime + stime + cutime + cstime in clock ticks (USER_HZ, 100 on Linux): the children's
 * share counts those already exited and reaped (a PostgreSQL backend whose connection closed),
 * which live descendants' own counters no longer show. Memory is the proportional set size
 * (smaps_rollup's Pss: shared pages divided among the processes sharing them), because
 * PostgreSQL's shared buffers appear in the resident set of every backend that touched them;
 * the resident set stands in where smaps_rollup cannot be read. Pure
 * parsing functions are exported for the tests; the readers take a /proc root so tests can use
 * a fixture directory.
 */
import * as fs from "fs";
import * as path from "path";

/** Linux's USER_HZ: /proc reports CPU times in 1/100 s on every architecture Node runs on. */
export const CLOCK_TICKS_PER_SECOND = 100;
const PAGE_BYTES = 4096;

export interface ProcStat {
  pid: number;
  ppid: number;
  /** utime + stime + cutime + cstime (own and reaped children's), clock ticks. */
  cpuTicks: number;
  /** Resident set, bytes. */
  rssBytes: number;
}

/**
 * One /proc/<pid>/stat line. The command name (field 2) is in parentheses and may itself hold
 * spaces and parentheses, so the fields are counted from the last ')'.
 */
export function parseStat(line: string): ProcStat | undefined {
  const open = line.indexOf("(");
  const close = line.lastIndexOf(")");
  if (open < 0 || close < open) return undefined;
  const pid = Number(line.slice(0, open).trim());
  // After ")": state(3) ppid(4) ... utime(14) stime(15) cutime(16) cstime(17) ... rss(24): index = field - 3.
  const f = line.slice(close + 1).trim().split(/\s+/);
  if (f.length < 22) return undefined;
  const ppid = Number(f[1]);
  const cpuTicks = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
  const rssBytes = Number(f[21]) * PAGE_BYTES;
  if (![pid, ppid, cpuTicks, rssBytes].every(Number.isFinite)) return undefined;
  return { pid, ppid, cpuTicks, rssBytes };
}

/** Every readable process under `procRoot` (processes that exit while being read are skipped). */
export function readAll(procRoot = "/proc"): Map<number, ProcStat> {
  const out = new Map<number, ProcStat>();
  for (const entry of fs.readdirSync(procRoot)) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const s = parseStat(fs.readFileSync(path.join(procRoot, entry, "stat"), "utf8"));
      if (s) out.set(s.pid, s);
    } catch {
      // gone between readdir and read
    }
  }
  return out;
}

/** `root` and all its descendants in `all`. */
export function treeOf(root: number, all: ReadonlyMap<number, ProcStat>): ProcStat[] {
  const children = new Map<number, number[]>();
  for (const s of all.values()) {
    const list = children.get(s.ppid) ?? [];
    list.push(s.pid);
    children.set(s.ppid, list);
  }
  const out: ProcStat[] = [];
  const seen = new Set<number>();
  const stack = [root];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    const s = all.get(pid);
    if (s) out.push(s);
    stack.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** A process's proportional set size in bytes from smaps_rollup, or undefined when unreadable. */
export function readPssBytes(pid: number, procRoot = "/proc"): number | undefined {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(fs.readFileSync(path.join(procRoot, String(pid), "smaps_rollup"), "utf8"));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Memory of a tree: the sum of each member's PSS (its RSS where PSS cannot be read). */
export function treeMemoryBytes(root: number, all: ReadonlyMap<number, ProcStat>, procRoot = "/proc"): number {
  return treeOf(root, all).reduce((sum, s) => sum + (readPssBytes(s.pid, procRoot) ?? s.rssBytes), 0);
}

/** CPU ticks and resident bytes of a tree, summed. */
export function treeTotals(root: number, all: ReadonlyMap<number, ProcStat>): { cpuTicks: number; rssBytes: number } {
  return treeOf(root, all).reduce((t, s) => ({ cpuTicks: t.cpuTicks + s.cpuTicks, rssBytes: t.rssBytes + s.rssBytes }), { cpuTicks: 0, rssBytes: 0 });
}

/** Per group (process type), the CPU seconds used and the peak of its summed memory (PSS). */
export interface GroupUsage {
  cpuSeconds: number;
  peakRssMi: number;
  /** Processes (tree roots) in the group. */
  processes: number;
}

/**
 * Samples named groups of process trees over a window: CPU is the difference of tick counts
 * between `start()` and `stop()` (a process that starts inside the window counts from zero);
 * memory the largest sum any sample saw.
 */
export class TreeSampler {
  private first = new Map<string, Map<number, number>>();
  private peak = new Map<string, number>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly groups: ReadonlyMap<string, readonly number[]>,
    private readonly procRoot = "/proc",
    private readonly everyMs = 2000,
  ) {}

  private ticksByRoot(all: ReadonlyMap<number, ProcStat>): Map<string, Map<number, number>> {
    const out = new Map<string, Map<number, number>>();
    for (const [g, roots] of this.groups) out.set(g, new Map(roots.map((r) => [r, treeTotals(r, all).cpuTicks])));
    return out;
  }

  private sampleMemory(all: ReadonlyMap<number, ProcStat>): void {
    for (const [g, roots] of this.groups) {
      const rss = roots.reduce((s, r) => s + treeMemoryBytes(r, all, this.procRoot), 0);
      this.peak.set(g, Math.max(this.peak.get(g) ?? 0, rss));
    }
  }

  start(): void {
    const all = readAll(this.procRoot);
    this.first = this.ticksByRoot(all);
    this.sampleMemory(all);
    this.timer = setInterval(() => this.sampleMemory(readAll(this.procRoot)), this.everyMs);
    this.timer.unref();
  }

  stop(): Map<string, GroupUsage> {
    if (this.timer) clearInterval(this.timer);
    const all = readAll(this.procRoot);
    this.sampleMemory(all);
    const last = this.ticksByRoot(all);
    const out = new Map<string, GroupUsage>();
    for (const [g, roots] of this.groups) {
      let ticks = 0;
      for (const r of roots) ticks += Math.max(0, (last.get(g)?.get(r) ?? 0) - (this.first.get(g)?.get(r) ?? 0));
      out.set(g, { cpuSeconds: ticks / CLOCK_TICKS_PER_SECOND, peakRssMi: (this.peak.get(g) ?? 0) / 2 ** 20, processes: roots.length });
    }
    return out;
  }
}
