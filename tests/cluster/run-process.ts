import * as fs from "fs";
import { spawn } from "child_process";

export interface ProcessResult {
  code: number;
  stdout: string;
  stderr: string;
  seconds: number;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string;
  /** Kill the process and everything it started (its process group) after this many seconds. */
  killAfterSeconds?: number;
  /** Append the command, its exit and its output to this file. */
  log?: string;
}

/**
 * Runs a command asynchronously (the test process keeps serving the volume provisioner meanwhile)
 * and resolves with its exit code and output; it rejects only when the command cannot start.
 */
export function runProcess(command: string, args: string[], options: RunOptions = {}): Promise<ProcessResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const killable = options.killAfterSeconds !== undefined;
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ["pipe", "pipe", "pipe"], detached: killable });
    const timer = killable ? setTimeout(() => process.kill(-child.pid!, "SIGKILL"), options.killAfterSeconds! * 1000) : undefined;
    let stdout = "", stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.stdin.end(options.input ?? "");
    child.on("close", (code) => {
      if (timer) clearTimeout(timer);
      const seconds = (Date.now() - started) / 1000;
      if (options.log) fs.appendFileSync(options.log, `\n$ ${command} ${args.join(" ")}   (exit ${code}, ${seconds.toFixed(1)} s)\n${stdout}\n${stderr}\n`);
      resolve({ code: code ?? 1, stdout, stderr, seconds });
    });
  });
}
