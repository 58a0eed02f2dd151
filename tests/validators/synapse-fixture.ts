/**
 * Writes what the renderers produce for a profile into a directory, laid out as in the pods:
 * homeserver.yaml, one file per worker instance, log config, appservice registrations, the
 * signing key (converted from an Ed25519 PKCS#8 PEM as the stack does) and test secrets at every
 * `*_path`. Used by the real-program checks; everything comes from the same renderers the
 * components use.
 */
import { execFile } from "child_process";
import { generateKeyPairSync } from "crypto";
import * as fs from "fs";
import * as path from "path";
import type { ProfileName } from "../../config/keys";
import {
  appserviceFileName,
  bridgeAppservice,
  renderAppserviceRegistration,
  renderSynapse,
  synapseSigningKey,
  toYaml,
  type SynapsePaths,
  type SynapseRenderInput,
} from "../../render/synapse";
import { fixtureRenderInput, pathsUnder } from "../render/fixtures";

export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");
export const SYNAPSE_PYTHON = path.join(PROJECT_ROOT, ".cache", "synapse-venv", "bin", "python");

export function requireSynapseVenv(): void {
  if (!fs.existsSync(SYNAPSE_PYTHON)) throw new Error(`${SYNAPSE_PYTHON} is missing: run scripts/provision.sh (provision.d/20-synapse.sh)`);
}

export interface WrittenTree {
  dir: string;
  paths: SynapsePaths;
  input: SynapseRenderInput;
  homeserver: string;
  workers: { name: string; type: string; file: string }[];
  appservices: string[];
  signingKeyPem: string;
}

function write(file: string, content: string, mode = 0o644): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content, { mode });
}

export function writeSynapseTree(
  dir: string,
  profile: ProfileName,
  opts: { pathStyle?: boolean; objectStore?: boolean; mutate?: (input: SynapseRenderInput) => SynapseRenderInput } = {},
): WrittenTree {
  const paths = pathsUnder(dir);
  const appserviceFiles = [appserviceFileName("telegram"), appserviceFileName("whatsapp")];
  let input = fixtureRenderInput(profile, { paths, pathStyle: opts.pathStyle, objectStore: opts.objectStore, appservices: appserviceFiles });
  if (opts.mutate) input = opts.mutate(input);
  const rendered = renderSynapse(input);
  const homeserver = path.join(paths.configDir, "homeserver.yaml");
  write(homeserver, rendered.homeserver.text);
  write(paths.logConfig, rendered.log.text);
  const workers = [...rendered.workers.values()].map((w) => {
    const file = path.join(paths.configDir, "workers", `${w.instance.name}.yaml`);
    write(file, w.text);
    return { name: w.instance.name, type: w.instance.type!.name, file };
  });
  const pem = generateKeyPairSync("ed25519").privateKey.export({ format: "pem", type: "pkcs8" }).toString();
  write(paths.signingKey, synapseSigningKey(pem), 0o600);
  for (const key of ["macaroonSecretKey", "registrationSharedSecret", "formSecret", "workerReplicationSecret", "redisPassword", "turnSharedSecret"] as const) {
    write(paths[key], `test-${key}-value`, 0o600);
  }
  write(paths.pgpass, `*:*:*:synapse:test-db-password\n`, 0o600);
  const appservices = (["telegram", "whatsapp"] as const).map((b, i) => {
    const file = path.join(paths.appserviceDir, appserviceFiles[i]);
    const reg = renderAppserviceRegistration(bridgeAppservice(b, {
      serverName: input.serverName, namespace: "matrix", asToken: `as-token-${b}`, hsToken: `hs-token-${b}`, senderLocalpart: `sender${b}xyz`,
    }));
    write(file, toYaml(reg), 0o600);
    return file;
  });
  return { dir, paths, input, homeserver, workers, appservices, signingKeyPem: pem };
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: string[], cwd?: string): Promise<ExecResult> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1" } }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as NodeJS.ErrnoException & { code?: unknown }).code === "number" ? ((err as unknown as { code: number }).code) : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** Runs jobs with at most `limit` at once (the machine has two cores shared with others). */
export async function limited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  }));
  return out;
}

/** `python -m synapse.config -c <files...>`, the real CLI. */
export function synapseConfigCli(files: string[], cwd: string): Promise<ExecResult> {
  return run(SYNAPSE_PYTHON, ["-m", "synapse.config", ...files.flatMap((f) => ["-c", f])], cwd);
}

/** Synapse's config check for many file sets in one interpreter (tests/validators/synapse-batch.py). */
export async function synapseConfigBatch(jobs: { name: string; files: string[] }[], workDir: string): Promise<{ name: string; exit: number; output: string }[]> {
  const jobFile = path.join(workDir, `batch-${process.pid}-${Date.now()}.json`);
  fs.writeFileSync(jobFile, JSON.stringify(jobs));
  const r = await run(SYNAPSE_PYTHON, [path.join(__dirname, "synapse-batch.py"), jobFile], workDir);
  if (r.code !== 0) throw new Error(`batch config check crashed (${r.code}): ${r.stderr.slice(-3000)}`);
  const lines = r.stdout.trim().split("\n");
  return JSON.parse(lines[lines.length - 1]);
}
