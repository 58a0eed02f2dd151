/**
 * Writes what a preset stack's deployment renders into a directory, laid out as in the pods:
 * homeserver.yaml, one file per worker instance, log config, appservice registrations, the
 * signing key (converted from an Ed25519 PKCS#8 PEM as the stack does) and test secrets at every
 * `*_path`. The render input comes from the builder the Kubernetes component calls
 * (synapseDeploymentInput) with the preset's spec, its sizing, the instances that sizing plans and
 * endpoints shaped like the platform's, so the real-program checks run on what a deployment gets;
 * only the file paths move under the temporary directory.
 */
import { execFile } from "child_process";
import { generateKeyPairSync } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { parseSpec } from "../../config/parse";
import type { PlatformSpec } from "../../config/spec";
import {
  appserviceFilesFor,
  renderDoublePuppetRegistration,
  bridgeAppservice,
  instanceCountsFromSizing,
  planInstances,
  renderAppserviceRegistration,
  renderSynapse,
  synapseSigningKey,
  toYaml,
  type BridgeName,
  type SynapsePaths,
  type SynapseRenderInput,
} from "../../render/synapse";
import { synapseDeploymentInput, type ResolvedEndpoints } from "../../render/synapse/deployment";
import { size } from "../../sizing";
import type { Sizing } from "../../sizing/types";
import { parsePresetName, presetConfig } from "../../stacks/presets";
import { pathsUnder } from "../render/fixtures";
import { TOOL_CACHE } from "../../scripts/tool-cache";
import { isDeployed } from "../../catalog/components";

export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");
export const SYNAPSE_PYTHON = path.join(TOOL_CACHE, "synapse-venv", "bin", "python");

export function requireSynapseVenv(): void {
  if (!fs.existsSync(SYNAPSE_PYTHON)) throw new Error(`${SYNAPSE_PYTHON} is missing: run scripts/provision.sh (provision.d/20-synapse.sh)`);
}

export interface WrittenTree {
  dir: string;
  /** The preset stack the tree was built from. */
  stack: string;
  spec: PlatformSpec;
  sizing: Sizing;
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

/**
 * Data-service endpoints as the platform component of the preset's kind hands them over (host
 * names are placeholders; kinds, TLS, path style and max_connections are the platform's). The
 * database max_connections is `sizing.database.maxConnections`, which every platform both sets
 * on the server and reports to Synapse.
 */
export function platformEndpoints(spec: PlatformSpec, sizing: Sizing): ResolvedEndpoints {
  const maxConnections = sizing.database.maxConnections;
  switch (spec.platform) {
    case "existing":
      // CloudNativePG, in-cluster Redis, MinIO (path-style addressing).
      return {
        database: { host: "synapse-pg-rw.matrix-data.svc.cluster.local", port: 5432, database: "synapse", user: "synapse", sslMode: "require", maxConnections },
        redis: { host: "redis.matrix-data.svc.cluster.local", port: 6379, tls: false, privateCa: false },
        objectStore: { bucket: "synapse-media", endpoint: "http://minio.matrix-data.svc.cluster.local:9000", region: "us-east-1", forcePathStyle: true },
      };
    case "aws":
      // RDS (TLS enforced), ElastiCache with in-transit encryption, S3 virtual-hosted.
      return {
        database: { host: "synapse.cluster-abc.us-east-1.rds.amazonaws.com", port: 5432, database: "synapse", user: "synapse", sslMode: "require", maxConnections },
        redis: { host: "master.redis.abc.use1.cache.amazonaws.com", port: 6379, tls: true, privateCa: false },
        objectStore: { bucket: "synapse-media", endpoint: "https://s3.us-east-1.amazonaws.com", region: "us-east-1", forcePathStyle: false },
      };
    case "gcp":
      // Cloud SQL over the private network, Memorystore with its own CA, GCS through its S3 API.
      return {
        database: { host: "10.10.0.5", port: 5432, database: "synapse", user: "synapse", sslMode: "require", maxConnections },
        redis: { host: "10.10.0.6", port: 6378, tls: true, privateCa: true },
        objectStore: { bucket: "synapse-media", endpoint: "https://storage.googleapis.com", region: "auto", forcePathStyle: true },
      };
  }
}

/**
 * Renders a preset stack (e.g. "prod-existing-100") with the deployment builder and writes it.
 * `mutate` lets a test derive a variant from the deployment input (stated in the test).
 */
export function writeSynapseTree(
  dir: string,
  stack: string,
  opts: { mutate?: (input: SynapseRenderInput) => SynapseRenderInput } = {},
): WrittenTree {
  const preset = parsePresetName(stack);
  if (!preset) throw new Error(`${stack} is not a preset stack name`);
  // Every system that changes Synapse's config on (bridges: appservice registrations; calls: TURN; push: the whitelist),
  // so real Synapse checks the config those stacks will render, not only today's defaults.
  const spec = parseSpec({ ...presetConfig(preset), "matrix-platform:bridges": "true", "matrix-platform:rtc": "true", "matrix-platform:telegramApiId": "123456", "matrix-platform:telegramApiHash": "0123456789abcdef0123456789abcdef" }, stack);
  const sizing = size(spec);
  const bridges = (["telegram", "whatsapp"] as const).filter((b) => spec.bridges[b].enabled) as BridgeName[];
  const appserviceFiles = appserviceFilesFor(bridges);
  const deployed = synapseDeploymentInput({
    spec,
    sizing,
    instances: planInstances(instanceCountsFromSizing(sizing)),
    namespace: "matrix",
    endpoints: platformEndpoints(spec, sizing),
    appserviceFiles,
    turn: spec.features.rtc,
    // Push: the address the API server gives Sygnal's Service, whitelisted for the pushers.
    pushGatewayAddress: "10.96.0.50",
    // LI: the public key the key-store module serves (the stack's comes from @pulumi/tls).
    keyVaultPublicKeyPem: isDeployed("keyVault", spec) ? generateKeyPairSync("rsa", { modulusLength: 4096 }).publicKey.export({ format: "pem", type: "spki" }).toString() : undefined,
  });
  const paths = pathsUnder(dir);
  // Only the file locations change: the pods mount them at DEFAULT_SYNAPSE_PATHS, the test under dir.
  let input: SynapseRenderInput = { ...deployed, paths };
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
  for (const key of ["macaroonSecretKey", "registrationSharedSecret", "formSecret", "workerReplicationSecret", "redisPassword", "turnSharedSecret", "scanWorkerToken"] as const) {
    write(paths[key], `test-${key}-value`, 0o600);
  }
  write(paths.pgpass, `*:*:*:synapse:test-db-password\n`, 0o600);
  if (input.liKeyStore) write(paths.keyVaultToken, "test-key-vault-token-".padEnd(64, "k"), 0o600);
  const appservices = bridges.map((b, i) => {
    const file = path.join(paths.appserviceDir, appserviceFiles[i]);
    const reg = renderAppserviceRegistration(bridgeAppservice(b, {
      serverName: input.serverName, namespace: "matrix", asToken: `as-token-${b}`, hsToken: `hs-token-${b}`, senderLocalpart: `sender${b}xyz`,
    }));
    write(file, toYaml(reg), 0o600);
    return file;
  });
  // The double-puppeting registration the bridges share, listed last (appserviceFilesFor).
  const doublePuppet = path.join(paths.appserviceDir, appserviceFiles[appserviceFiles.length - 1]);
  write(doublePuppet, toYaml(renderDoublePuppetRegistration({ asToken: "as-token-dp", hsToken: "hs-token-dp", senderLocalpart: "senderdpxyz", serverName: input.serverName })), 0o600);
  appservices.push(doublePuppet);
  return { dir, stack, spec, sizing, paths, input, homeserver, workers, appservices, signingKeyPem: pem };
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
