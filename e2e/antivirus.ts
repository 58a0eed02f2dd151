/**
 * ClamAV and the scan worker on loopback, for the antivirus validator tests and the e2e's
 * antivirus scenario: a signature database the test generates (one .hdb line: the EICAR test
 * file's MD5 and size, as `sigtool --md5` prints it), Debian's clamd on the rendered clamd.conf
 * (loopback address and temp-dir paths are the renderer's own inputs), and the scan worker from
 * its venv (scripts/provision.d/25-scan-worker.sh) with a throw-away token.
 */
import { createHash, randomBytes } from "crypto";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { renderClamdConf, SCAN_PATH } from "../render/antivirus";
import { TOOL_CACHE } from "../scripts/tool-cache";
import { eventually, type Proc, type Supervisor } from "./procs";

/** The EICAR anti-virus test file (eicar.org): harmless, detected by every scanner. */
export const EICAR = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";
/** The name the generated database gives it (clamd appends `.UNOFFICIAL` to non-ClamAV signatures). */
export const TEST_SIGNATURE = "MatrixPlatform.Test.EICAR";

export const CLAMD = process.env.MP_CLAMD ?? "/usr/sbin/clamd";

export function scanWorkerPython(): string {
  const py = path.join(process.env.MP_SCAN_WORKER_VENV ?? path.join(TOOL_CACHE, "scan-worker-venv"), "bin", "python");
  if (!fs.existsSync(py)) throw new Error(`${py} missing: run scripts/provision.sh (25-scan-worker.sh)`);
  return py;
}

export const SCAN_WORKER_DIR = path.resolve(__dirname, "..", "images", "scan-worker");

/** Writes `<dir>/test.hdb`: MD5:size:name of the EICAR file. */
export function writeTestSignatures(dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  const md5 = createHash("md5").update(EICAR).digest("hex");
  const file = path.join(dir, "test.hdb");
  fs.writeFileSync(file, `${md5}:${Buffer.byteLength(EICAR)}:${TEST_SIGNATURE}\n`);
  return file;
}

export interface ClamdPlan {
  dir: string;
  confFile: string;
  port: number;
  databaseDirectory: string;
}

export function planClamd(dir: string, port: number, streamMaxBytes: number): ClamdPlan {
  const databaseDirectory = path.join(dir, "db");
  const temporaryDirectory = path.join(dir, "tmp");
  fs.mkdirSync(temporaryDirectory, { recursive: true });
  writeTestSignatures(databaseDirectory);
  const confFile = path.join(dir, "clamd.conf");
  fs.writeFileSync(confFile, renderClamdConf({ tcpAddr: "127.0.0.1", tcpPort: port, databaseDirectory, temporaryDirectory, streamMaxBytes, maxThreads: 4, selfCheckSeconds: 600 }));
  return { dir, confFile, port, databaseDirectory };
}

/** One clamd command (`zPING`, ...) over TCP; the NUL-terminated reply. */
export function clamdCommand(port: number, command: string, body?: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, "127.0.0.1");
    let reply = "";
    sock.on("connect", () => {
      sock.write(`z${command}\0`);
      if (body) {
        const len = Buffer.alloc(4);
        len.writeUInt32BE(body.length);
        sock.write(Buffer.concat([len, body, Buffer.alloc(4)]));
      }
    });
    sock.on("data", (d) => {
      reply += d.toString("utf8");
      if (reply.includes("\0")) {
        sock.end();
        resolve(reply.replace(/\0.*$/s, ""));
      }
    });
    sock.on("error", reject);
    sock.setTimeout(10_000, () => sock.destroy(new Error(`clamd ${command}: no reply within 10 s`)));
  });
}

/**
 * An INSTREAM session that goes over clamd's StreamMaxLength: half the limit in real bytes, then
 * the header of a chunk one byte larger than what is left, and nothing after it. clamd checks each
 * header against the remaining quota, answers "INSTREAM size limit exceeded" and closes. Sending
 * the oversized chunk's bytes as well would race that close: data still in flight makes the kernel
 * reset the connection, and the reply is lost to EPIPE/ECONNRESET (most of the time under load).
 */
export function clamdInstreamOverLimit(port: number, streamMaxBytes: number): Promise<string> {
  const first = Math.floor(streamMaxBytes / 2);
  const header = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  };
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, "127.0.0.1");
    let reply = "";
    sock.on("connect", () => sock.write(Buffer.concat([Buffer.from("zINSTREAM\0"), header(first), Buffer.alloc(first, 0x61), header(streamMaxBytes - first + 1)])));
    sock.on("data", (d) => {
      reply += d.toString("utf8");
      if (reply.includes("\0")) {
        sock.end();
        resolve(reply.replace(/\0.*$/s, ""));
      }
    });
    sock.on("error", reject);
    sock.setTimeout(10_000, () => sock.destroy(new Error("clamd INSTREAM over the limit: no reply within 10 s")));
  });
}

export async function startClamd(sup: Supervisor, plan: ClamdPlan, name = "clamd"): Promise<Proc> {
  const proc = sup.start({ name, command: CLAMD, args: [`--config-file=${plan.confFile}`], cwd: plan.dir });
  await eventually(`${name} answers PING`, async () => {
    if (proc.exitInfo) throw new Error(`${name} exited ${JSON.stringify(proc.exitInfo)}:\n${sup.tail(proc)}`);
    return (await clamdCommand(plan.port, "PING").catch(() => "")) === "PONG" ? true : undefined;
  }, 60_000, 250);
  return proc;
}

export interface ScanWorkerPlan {
  tokenFile: string;
  token: string;
  port: number;
  metricsPort: number;
  scanUrl: string;
  env: Record<string, string>;
}

export function planScanWorker(dir: string, ports: { http: number; metrics: number; clamd: number }, maxBytes: number, timeoutSeconds = 30): ScanWorkerPlan {
  fs.mkdirSync(dir, { recursive: true });
  const token = randomBytes(32).toString("hex");
  const tokenFile = path.join(dir, "scan-worker-token");
  fs.writeFileSync(tokenFile, token, { mode: 0o600 });
  return {
    tokenFile,
    token,
    port: ports.http,
    metricsPort: ports.metrics,
    scanUrl: `http://127.0.0.1:${ports.http}${SCAN_PATH}`,
    env: {
      SCAN_WORKER_TOKEN_FILE: tokenFile,
      CLAMD_HOST: "127.0.0.1",
      CLAMD_PORT: String(ports.clamd),
      SCAN_MAX_BYTES: String(maxBytes),
      SCAN_TIMEOUT_SECONDS: String(timeoutSeconds),
      LISTEN_HOST: "127.0.0.1",
      LISTEN_PORT: String(ports.http),
      METRICS_PORT: String(ports.metrics),
      PYTHONDONTWRITEBYTECODE: "1",
    },
  };
}

export async function startScanWorker(sup: Supervisor, plan: ScanWorkerPlan, name = "scan-worker"): Promise<Proc> {
  const proc = sup.start({ name, command: scanWorkerPython(), args: ["-m", "scan_worker"], env: plan.env, cwd: SCAN_WORKER_DIR });
  await eventually(`${name} listens`, async () => {
    if (proc.exitInfo) throw new Error(`${name} exited ${JSON.stringify(proc.exitInfo)}:\n${sup.tail(proc)}`);
    const r = await fetch(`http://127.0.0.1:${plan.port}/healthz`).catch(() => undefined);
    return r?.ok ? true : undefined;
  }, 30_000, 250);
  return proc;
}

/** A counter's value from a Prometheus text page (0 when absent). */
export function counter(text: string, name: string, labels = ""): number {
  const line = text.split("\n").find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ""} `));
  return line ? Number(line.trim().split(/\s+/).pop()) : 0;
}
