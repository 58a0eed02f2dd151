/**
 * Process supervision for the loopback end-to-end run.
 *
 * Every child runs in its own process group (`detached: true`), so stopping it also stops
 * whatever it forked (runuser/setpriv wrappers, Synapse's reactor threads, postgres backends).
 * Each child carries MP_E2E_RUN=<run dir> in its environment; a later run uses that marker to
 * reap children a crashed earlier run left behind, without ever touching unrelated processes.
 */
import { spawn, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export interface ProcSpec {
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
  cwd?: string;
  /** Signal that asks the program to shut down cleanly (postgres: SIGINT = fast shutdown). */
  stopSignal?: NodeJS.Signals;
}

export interface Proc {
  spec: ProcSpec;
  child: ChildProcess;
  pid: number;
  logFile: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  exitInfo?: { code: number | null; signal: NodeJS.Signals | null };
}

const RUN_PREFIX = "mp-e2e-";
const MARKER = "MP_E2E_RUN";

/** Whether a process with this PID exists (signal 0 probes without delivering anything). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether any live (non-zombie) process is in the group. kill(-pgid, 0) is not enough: killed
 * grandchildren are re-parented to PID 1, which in a container may never reap them, and a
 * zombie still "exists" for kill().
 */
export function groupAlive(pgid: number): boolean {
  for (const d of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) === pgid && fields[0] !== "Z") return true;
    } catch {
      /* exited while we looked */
    }
  }
  return false;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Retries `fn` until it returns a value, for at most `timeoutMs` (eventual consistency across
 * workers, health checks reacting); the error names what was awaited.
 */
export async function eventually<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 30_000, everyMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not seen within ${timeoutMs} ms`);
    await sleep(everyMs);
  }
}

/** True when /proc says the process was started by the run whose directory is `runDir`. */
function startedBy(pid: number, runDir: string): boolean {
  try {
    const env = fs.readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
    return env.includes(`${MARKER}=${runDir}`);
  } catch {
    return false;
  }
}

/**
 * Stops process groups left by earlier runs whose driver died (SIGKILL, OOM, CI time-out), and
 * removes their directories. Only processes whose environment carries that run's marker are signalled.
 */
export function reapStaleRuns(base = os.tmpdir()): string[] {
  const reaped: string[] = [];
  for (const entry of fs.readdirSync(base)) {
    if (!entry.startsWith(RUN_PREFIX)) continue;
    const dir = path.join(base, entry);
    const ownerFile = path.join(dir, "owner.pid");
    if (!fs.existsSync(ownerFile)) continue; // not (yet) a supervised run directory
    const owner = Number(fs.readFileSync(ownerFile, "utf8").trim());
    if (owner && alive(owner)) continue; // a live run (this process's too): leave it alone
    // Every process that inherited the run's marker: group leaders, their children, and children
    // that outlived a leader (re-parented, in a group whose leader is gone).
    for (const d of fs.readdirSync("/proc")) {
      if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
      if (startedBy(Number(d), dir)) {
        try {
          process.kill(Number(d), "SIGKILL");
        } catch {
          /* already gone */
        }
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
    reaped.push(dir);
  }
  return reaped;
}

export class Supervisor {
  readonly procs: Proc[] = [];
  /** In-process helpers (listeners the e2e runs itself) to close when the run stops. */
  private readonly cleanups: (() => Promise<void>)[] = [];
  private stopping = false;
  private readonly onSignal = (sig: NodeJS.Signals) => {
    // Interrupted (Ctrl-C, CI time-out): stop everything, then die of the same signal.
    this.killAllNow();
    process.exit(sig === "SIGINT" ? 130 : 143);
  };
  private readonly onExit = () => this.killAllNow();

  /** `runDir` must be fresh: logs and the pid list for stale-run reaping live there. */
  constructor(readonly runDir: string) {
    fs.mkdirSync(path.join(runDir, "logs"), { recursive: true });
    fs.writeFileSync(path.join(runDir, "owner.pid"), `${process.pid}\n`);
    process.on("SIGINT", this.onSignal);
    process.on("SIGTERM", this.onSignal);
    process.on("exit", this.onExit);
  }

  /** Creates a fresh run directory under the system temp dir. */
  static freshRunDir(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), RUN_PREFIX));
    // Traversable by the unprivileged user postgres runs as when we are root.
    fs.chmodSync(dir, 0o755);
    return dir;
  }

  start(spec: ProcSpec): Proc {
    if (this.stopping) throw new Error(`supervisor is stopping; refusing to start ${spec.name}`);
    const logFile = path.join(this.runDir, "logs", `${spec.name}.log`);
    const fd = fs.openSync(logFile, "a");
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd ?? this.runDir,
      env: { ...process.env, ...spec.env, [MARKER]: this.runDir },
      stdio: ["ignore", fd, fd],
      detached: true,
    });
    fs.closeSync(fd);
    if (child.pid === undefined) throw new Error(`could not start ${spec.name} (${spec.command})`);
    fs.appendFileSync(path.join(this.runDir, "pids"), `${child.pid}\n`);
    const proc: Proc = {
      spec,
      child,
      pid: child.pid,
      logFile,
      exited: new Promise((resolve) => {
        child.on("exit", (code, signal) => {
          proc.exitInfo = { code, signal };
          resolve({ code, signal });
        });
      }),
    };
    // Not awaited by node's event loop: a hanging child must not keep the driver alive.
    child.unref();
    this.procs.push(proc);
    return proc;
  }

  /** Last lines of a process's log, for error messages. */
  tail(proc: Proc, lines = 30): string {
    try {
      return fs.readFileSync(proc.logFile, "utf8").split("\n").slice(-lines).join("\n");
    } catch {
      return "(no log)";
    }
  }

  /** Throws if any supervised process has exited: a dead worker makes every later assertion moot. */
  assertAllRunning(): void {
    const dead = this.procs.filter((p) => p.exitInfo);
    if (dead.length) {
      throw new Error(
        dead.map((p) => `${p.spec.name} exited (${JSON.stringify(p.exitInfo)}):\n${this.tail(p)}`).join("\n\n"),
      );
    }
  }

  /**
   * Stops one process on purpose (a test's simulated crash or restart): its group gets `signal`,
   * then SIGKILL after `graceMs`, and it leaves the supervised list, so `assertAllRunning` does
   * not count it as a failure. Start it again with `start(proc.spec)`.
   */
  async stop(proc: Proc, signal: NodeJS.Signals = proc.spec.stopSignal ?? "SIGTERM", graceMs = 10_000): Promise<void> {
    try {
      process.kill(-proc.pid, signal);
    } catch {
      /* gone already */
    }
    await Promise.race([proc.exited, sleep(graceMs)]);
    if (groupAlive(proc.pid)) {
      try {
        process.kill(-proc.pid, "SIGKILL");
      } catch {
        /* gone */
      }
      await proc.exited;
    }
    const i = this.procs.indexOf(proc);
    if (i >= 0) this.procs.splice(i, 1);
  }

  onStop(fn: () => Promise<void>): void {
    this.cleanups.push(fn);
  }

  /** Stops every group: the program's own stop signal, then SIGKILL after `graceMs`. Reverse start order. */
  async stopAll(graceMs = 10_000): Promise<void> {
    this.stopping = true;
    for (const fn of this.cleanups.splice(0)) {
      try {
        await fn();
      } catch {
        /* best effort: the processes still have to go */
      }
    }
    const running = [...this.procs].reverse().filter((p) => !p.exitInfo);
    for (const p of running) {
      try {
        process.kill(-p.pid, p.spec.stopSignal ?? "SIGTERM");
      } catch {
        /* gone already */
      }
    }
    const deadline = Date.now() + graceMs;
    for (const p of running) {
      const left = Math.max(0, deadline - Date.now());
      await Promise.race([p.exited, sleep(left)]);
    }
    // Group members can outlive the leader (postgres backends, wrapper children): kill what is left.
    for (const p of this.procs) {
      if (groupAlive(p.pid)) {
        try {
          process.kill(-p.pid, "SIGKILL");
        } catch {
          /* gone */
        }
      }
    }
    await sleep(200);
    process.off("SIGINT", this.onSignal);
    process.off("SIGTERM", this.onSignal);
    process.off("exit", this.onExit);
  }

  /** Synchronous last resort (process 'exit' handlers cannot await). */
  killAllNow(): void {
    for (const p of this.procs) {
      try {
        process.kill(-p.pid, "SIGKILL");
      } catch {
        /* gone */
      }
    }
  }

  /** Process groups still alive (for the "everything stopped" assertion). */
  survivors(): string[] {
    return this.procs.filter((p) => groupAlive(p.pid)).map((p) => p.spec.name);
  }
}

/** Polls `url` until it answers 2xx, a process dies, or the time runs out. */
export async function waitHttpOk(url: string, opts: { timeoutMs: number; proc?: Proc; sup?: Supervisor }): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    if (opts.proc?.exitInfo) {
      throw new Error(`${opts.proc.spec.name} exited while waiting for ${url}: ${JSON.stringify(opts.proc.exitInfo)}\n${opts.sup?.tail(opts.proc) ?? ""}`);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (e) {
      last = String((e as Error).message);
    }
    await sleep(250);
  }
  throw new Error(`timed out after ${opts.timeoutMs} ms waiting for ${url} (${last})${opts.proc && opts.sup ? `\n${opts.sup.tail(opts.proc)}` : ""}`);
}
