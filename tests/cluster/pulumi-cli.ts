import * as fs from "fs";
import * as path from "path";
import { execFileSync } from "child_process";
import { runProcess, type ProcessResult } from "./run-process";

export type CliResult = ProcessResult;

/**
 * The real Pulumi CLI on one stack of a project copy, with a local file backend and the engine's
 * plugins from PATH (nothing is downloaded). Runs are asynchronous: the test process keeps
 * serving the simulated volume provisioner while `up` waits for pods. Every run's output is
 * appended to `<dir>/cli.log`, so a failure can be read whole after the test.
 */
export class PulumiCli {
  readonly env: NodeJS.ProcessEnv;
  readonly log: string;

  constructor(readonly projectDir: string, readonly dir: string, readonly stack: string, bin: string, kubeconfig: string) {
    fs.mkdirSync(path.join(dir, "state"), { recursive: true });
    this.log = path.join(dir, "cli.log");
    this.env = {
      ...process.env,
      PATH: `${bin}:${process.env.PATH ?? ""}`,
      PULUMI_HOME: path.join(dir, "pulumi-home"),
      PULUMI_BACKEND_URL: `file://${path.join(dir, "state")}`,
      // The file backend's secrets are encrypted with a passphrase; this one guards test state only.
      PULUMI_CONFIG_PASSPHRASE: "real-engine-test",
      PULUMI_SKIP_UPDATE_CHECK: "1",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
      KUBECONFIG: kubeconfig,
      // tsc type-checks in the test command; the language host only transpiles.
      TS_NODE_TRANSPILE_ONLY: "true",
    };
  }

  /**
   * `pulumi <args> --stack <stack> --non-interactive`; resolves with the exit code, never rejects
   * on one. With `killAfterSeconds`, the CLI and everything it started (language host, program,
   * plugins) are killed then, as a CI runner that dies mid-update would leave them.
   */
  run(args: string[], input?: string, options: { killAfterSeconds?: number; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
    const full = [...args, "--stack", this.stack, "--non-interactive"];
    return runProcess("pulumi", full, { cwd: this.projectDir, env: { ...this.env, ...options.env }, input, killAfterSeconds: options.killAfterSeconds, log: this.log });
  }

  /** Like run, but rejects with the tail of the output when the command fails. */
  async ok(args: string[], input?: string, options: { env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
    const r = await this.run(args, input, options);
    if (r.code !== 0) throw new Error(`pulumi ${args.join(" ")} exited ${r.code} after ${r.seconds.toFixed(0)} s (whole output in ${this.log}):\n${tail(r.stdout + "\n" + r.stderr, 60)}`);
    return r;
  }
}

export function tail(text: string, lines: number): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}

/**
 * A copy of the project as the checkout holds it (tracked and untracked files git does not
 * ignore), with node_modules linked: each stack gets its own Pulumi.<stack>.yaml there, so the
 * tests never touch the checkout's stack files.
 */
export function copyProject(root: string, into: string): string {
  const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "-z"], { cwd: root, encoding: "utf8" }).split("\0").filter(Boolean);
  for (const f of files) {
    if (/^Pulumi\.[^/]+\.yaml$/.test(f)) continue;
    const from = path.join(root, f);
    if (!fs.existsSync(from)) continue; // deleted in the working tree
    fs.mkdirSync(path.dirname(path.join(into, f)), { recursive: true });
    fs.copyFileSync(from, path.join(into, f));
  }
  fs.symlinkSync(path.join(root, "node_modules"), path.join(into, "node_modules"));
  return into;
}

/** The project as a commit holds it, with node_modules linked when its lock file is the checkout's (else installed). */
export function copyCommit(root: string, commit: string, into: string): string {
  fs.mkdirSync(into, { recursive: true });
  execFileSync("bash", ["-c", `git -C "$0" archive "$1" | tar -x -C "$2"`, root, commit, into]);
  for (const f of fs.readdirSync(into)) if (/^Pulumi\.[^/]+\.yaml$/.test(f)) fs.rmSync(path.join(into, f));
  const sameLock = fs.readFileSync(path.join(root, "package-lock.json"), "utf8") === fs.readFileSync(path.join(into, "package-lock.json"), "utf8");
  if (sameLock) fs.symlinkSync(path.join(root, "node_modules"), path.join(into, "node_modules"));
  else execFileSync("npm", ["ci", "--no-audit", "--no-fund", "--prefer-offline"], { cwd: into, stdio: "ignore" });
  return into;
}

/** Paths whose change is not a change of the program (tests, docs, CI). */
const NOT_PROGRAM = [":!tests", ":!docs", ":!e2e", ":!scripts", ":!.ci", ":!*.md"];

/**
 * The release to upgrade from: the newest tag before HEAD, else the newest commit on HEAD's
 * first-parent line (one landing per commit) whose program differs from HEAD's.
 */
export function upgradeBase(root: string): { commit: string; why: string } {
  const git = (...args: string[]) => execFileSync("git", args, { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  try {
    const tag = git("describe", "--tags", "--abbrev=0", "HEAD^");
    return { commit: git("rev-parse", `${tag}^{commit}`), why: `release tag ${tag}` };
  } catch {
    // no tag before HEAD
  }
  for (const commit of git("rev-list", "--first-parent", "--max-count=200", "HEAD^").split("\n").filter(Boolean)) {
    try {
      execFileSync("git", ["diff", "--quiet", commit, "HEAD", "--", ".", ...NOT_PROGRAM], { cwd: root, stdio: "ignore" });
    } catch {
      return { commit, why: `the previous landing that changed the program (${git("log", "-1", "--format=%h %s", commit).slice(0, 70)})` };
    }
  }
  throw new Error("no earlier commit changes the program: nothing to upgrade from");
}
