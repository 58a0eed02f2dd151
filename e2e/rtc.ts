/**
 * The MatrixRTC programs on loopback, each started with the configuration the renderers in
 * render/rtc produce (the deployed inputs, with loopback addresses and small port ranges): the
 * LiveKit SFU and lk-jwt-service built by scripts/provision.d/50-rtc.sh, Debian's coturn. Plus the
 * clients the checks need: LiveKit access tokens (HS256 JWTs, as LiveKit's SDKs make them), its
 * Twirp server API, TURN REST API credentials and turnutils_uclient.
 */
import { spawn, spawnSync } from "child_process";
import * as crypto from "crypto";
import * as dgram from "dgram";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { IMAGES } from "../catalog/images";
import type { PortRange } from "../config/spec";
import { TOOL_CACHE } from "../scripts/tool-cache";
import { renderCoturnConfig, renderLivekitConfig, renderLivekitKeyFile, renderLkJwtEnv, TURN_QUOTAS, type LivekitConfigInput } from "../render/rtc";
import { toYaml } from "../render/synapse/yaml";
import type { PortAllocator } from "./ports";
import { sleep, waitHttpOk, type Proc, type Supervisor } from "./procs";

export const LIVEKIT_BIN = path.join(TOOL_CACHE, `livekit-server-${IMAGES.livekit.tag}`, "livekit-server");
export const LK_JWT_BIN = path.join(TOOL_CACHE, `lk-jwt-service-${IMAGES.lkJwt.tag}`, "lk-jwt-service");

/** Fails with what to run when a provisioned binary is missing. */
export function requireRtcTools(): void {
  for (const bin of [LIVEKIT_BIN, LK_JWT_BIN]) {
    if (!fs.existsSync(bin)) throw new Error(`${bin} is missing: run bash scripts/provision.sh (scripts/provision.d/50-rtc.sh builds it)`);
  }
  for (const tool of ["turnserver", "turnutils_uclient", "turnutils_peer"]) {
    if (!fs.existsSync(`/usr/bin/${tool}`)) throw new Error(`${tool} is missing: run bash scripts/provision.sh (Debian's coturn package)`);
  }
}

// ----- LiveKit

export interface LivekitInstance {
  proc: Proc;
  url: string;
  apiKey: string;
  apiSecret: string;
  config: Record<string, unknown>;
}

/** A fresh API key pair of the deployed shape (lk + 16 characters; a 48-character secret). */
export function livekitKeyPair(): { apiKey: string; apiSecret: string } {
  return { apiKey: `lk${crypto.randomBytes(8).toString("hex")}`, apiSecret: crypto.randomBytes(36).toString("base64url").slice(0, 48) };
}

export async function startLivekit(sup: Supervisor, args: {
  port: number; tcpPort: number; metricsPort: number; udpPorts: PortRange;
  redis?: LivekitConfigInput["redis"]; keys?: { apiKey: string; apiSecret: string }; name?: string;
}): Promise<LivekitInstance> {
  const name = args.name ?? "livekit";
  const dir = path.join(sup.runDir, name);
  fs.mkdirSync(dir, { recursive: true });
  const { apiKey, apiSecret } = args.keys ?? livekitKeyPair();
  const keyFile = path.join(dir, "keys.yaml");
  // LiveKit refuses a key file that others may read (the deployed Secret is mounted 0400).
  fs.writeFileSync(keyFile, renderLivekitKeyFile(apiKey, apiSecret), { mode: 0o600 });
  const config = renderLivekitConfig({
    port: args.port, bindAddresses: ["127.0.0.1"], tcpPort: args.tcpPort, udpPorts: args.udpPorts, metricsPort: args.metricsPort,
    // `node` with NODE_IP: the air-gapped path; `stun` would ask a public STUN server.
    nodeAddress: "node", keyFile, redis: args.redis, loopback: true,
  });
  const configFile = path.join(dir, "config.yaml");
  fs.writeFileSync(configFile, toYaml(config));
  const proc = sup.start({ name, command: LIVEKIT_BIN, args: ["--config", configFile], env: { NODE_IP: "127.0.0.1" } });
  const url = `http://127.0.0.1:${args.port}`;
  await waitHttpOk(`${url}/`, { timeoutMs: 60_000, proc, sup });
  return { proc, url, apiKey, apiSecret, config };
}

/** LiveKit's video grant (the claims its SDKs put in access tokens). */
export interface VideoGrant {
  roomList?: boolean;
  roomCreate?: boolean;
  roomAdmin?: boolean;
  roomJoin?: boolean;
  room?: string;
}

/** An HS256 access token as LiveKit's server SDKs issue it. */
export function livekitToken(apiKey: string, apiSecret: string, identity: string, video: VideoGrant, ttlSeconds = 600): string {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const now = Math.floor(Date.now() / 1000);
  const body = `${b64({ alg: "HS256", typ: "JWT" })}.${b64({ iss: apiKey, sub: identity, nbf: now - 5, exp: now + ttlSeconds, video })}`;
  return `${body}.${crypto.createHmac("sha256", apiSecret).update(body).digest("base64url")}`;
}

/** One call of LiveKit's Twirp RoomService (the server API). */
export async function roomService(url: string, method: string, token: string, body: Record<string, unknown> = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(`${url}/twirp/livekit.RoomService/${method}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try { parsed = JSON.parse(text); } catch { /* not JSON: keep the text */ }
  return { status: res.status, body: parsed };
}

// ----- lk-jwt-service

export async function startLkJwt(sup: Supervisor, args: {
  port: number; livekitUrl: string; apiKey: string; apiSecret: string; serverName: string; extraEnv?: Record<string, string>;
  /** Wraps the command (e2e/gateway.ts: a mount namespace with the run's /etc/hosts). */
  launcher?: (command: string, args: string[]) => { command: string; args: string[] };
}): Promise<{ proc: Proc; url: string; env: Record<string, string> }> {
  const dir = path.join(sup.runDir, "lk-jwt-service");
  fs.mkdirSync(dir, { recursive: true });
  const keyFile = path.join(dir, "livekit_key");
  const secretFile = path.join(dir, "livekit_secret");
  fs.writeFileSync(keyFile, args.apiKey, { mode: 0o600 });
  fs.writeFileSync(secretFile, args.apiSecret, { mode: 0o600 });
  const env = renderLkJwtEnv({ livekitUrl: args.livekitUrl, fullAccessHomeservers: [args.serverName], bind: `127.0.0.1:${args.port}`, keyFile, secretFile });
  const launch = args.launcher ? args.launcher(LK_JWT_BIN, []) : { command: LK_JWT_BIN, args: [] };
  const proc = sup.start({ name: "lk-jwt-service", command: launch.command, args: launch.args, env: { ...env, ...(args.extraEnv ?? {}) } });
  const url = `http://127.0.0.1:${args.port}`;
  await waitHttpOk(`${url}/healthz`, { timeoutMs: 30_000, proc, sup });
  return { proc, url, env };
}

// ----- coturn

/** A throw-away self-signed ECDSA certificate for the TLS listener (openssl, from Debian). */
export function selfSignedCert(dir: string, host: string): { certFile: string; keyFile: string } {
  const certFile = path.join(dir, "tls.crt");
  const keyFile = path.join(dir, "tls.key");
  const r = spawnSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", keyFile, "-out", certFile, "-days", "1", "-subj", `/CN=${host}`], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`openssl req failed: ${r.stderr}`);
  return { certFile, keyFile };
}

export interface CoturnInstance {
  proc: Proc;
  port: number;
  tlsPort: number;
  configText: string;
}

/**
 * coturn with the rendered config. `loopbackPeers` is the one addition a loopback run needs (the
 * relay's only peers here are on 127.0.0.1, which the deployed config denies, as it must).
 */
export async function startCoturn(sup: Supervisor, args: { port: number; tlsPort: number; relayPorts: PortRange; realm: string; sharedSecret: string; loopbackPeers: boolean; name?: string }): Promise<CoturnInstance> {
  const name = args.name ?? "coturn";
  const dir = path.join(sup.runDir, name);
  fs.mkdirSync(dir, { recursive: true });
  const tls = selfSignedCert(dir, "turn.localhost");
  const configText = renderCoturnConfig({
    realm: args.realm, sharedSecret: args.sharedSecret, listeningPort: args.port, tlsListeningPort: args.tlsPort, relayPorts: args.relayPorts,
    tls, listeningIps: ["127.0.0.1"], quotas: TURN_QUOTAS, logFile: "stdout", stateDir: dir,
    ...(args.loopbackPeers ? { loopbackPeers: ["127.0.0.1"] } : {}),
    // Debian's build has no Prometheus exporter (the image's has): the option is left out here.
    ...(coturnHasPrometheus() ? { metricsPort: args.port + 1 } : {}),
  });
  const configFile = path.join(dir, "turnserver.conf");
  fs.writeFileSync(configFile, configText, { mode: 0o600 });
  const proc = sup.start({ name, command: "turnserver", args: ["-c", configFile] });
  await waitTcp(args.port, 20_000, () => (proc.exitInfo ? sup.tail(proc) : undefined));
  return { proc, port: args.port, tlsPort: args.tlsPort, configText };
}

/** Whether this turnserver was built with the Prometheus exporter. */
export function coturnHasPrometheus(): boolean {
  const r = spawnSync("turnserver", ["--help"], { encoding: "utf8" });
  return /--prometheus\b/.test(`${r.stdout}${r.stderr}`);
}

export async function waitTcp(port: number, timeoutMs: number, died: () => string | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const why = died();
    if (why !== undefined) throw new Error(`exited before listening on ${port}:\n${why}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: "127.0.0.1", port }, () => { s.destroy(); resolve(true); });
      s.once("error", () => resolve(false));
    });
    if (ok) return;
    await sleep(200);
  }
  throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
}

/** TURN REST API credentials (what Synapse's /voip/turnServer hands out): expiry:user, HMAC-SHA1. */
export function turnRestCredentials(sharedSecret: string, user: string, ttlSeconds = 3600): { username: string; password: string } {
  const username = `${Math.floor(Date.now() / 1000) + ttlSeconds}:${user}`;
  return { username, password: crypto.createHmac("sha1", sharedSecret).update(username).digest("base64") };
}

export interface UclientResult {
  code: number | null;
  output: string;
  sent: number;
  received: number;
}

/**
 * turnutils_uclient: allocates on the TURN server with the credentials, binds a channel to the
 * peer and sends `messages` UDP messages through the relay; the peer (turnutils_peer) echoes them.
 */
export async function runUclient(args: { turnPort: number; username: string; password: string; peerPort: number; messages?: number; timeoutMs?: number }): Promise<UclientResult> {
  // UDP on a loaded machine can lose a whole exchange: one more try before reporting a failure
  // (a refusal, by contrast, is immediate and the same every time).
  const first = await uclientOnce(args);
  if (first.code === 0 && first.received > 0) return first;
  if (/Cannot complete Allocation|Forbidden IP/.test(first.output)) return first;
  return uclientOnce(args);
}

async function uclientOnce(args: { turnPort: number; username: string; password: string; peerPort: number; messages?: number; timeoutMs?: number }): Promise<UclientResult> {
  const n = args.messages ?? 5;
  const child = spawn("turnutils_uclient", ["-u", args.username, "-w", args.password, "-p", String(args.turnPort), "-e", "127.0.0.1", "-r", String(args.peerPort), "-n", String(n), "-m", "1", "127.0.0.1"], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const timer = setTimeout(() => child.kill("SIGKILL"), args.timeoutMs ?? 45_000);
  const code = await new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
  clearTimeout(timer);
  const totals = /tot_send_msgs=(\d+), tot_recv_msgs=(\d+)\s*$/m.exec(output.split("\n").filter((l) => /start_mclient: tot_send_msgs=/.test(l)).at(-1) ?? "");
  return { code, output, sent: totals ? Number(totals[1]) : 0, received: totals ? Number(totals[2]) : 0 };
}

/**
 * Joins a LiveKit room over the signalling websocket as a client does (`/rtc?access_token=`),
 * in a child Node with the built-in WebSocket (Node 20 has it behind a flag), and holds the
 * connection while `during` runs. Resolves with what the SFU answered: the first signal message
 * arrived (joined), or the socket closed/failed before one did (refused).
 */
export async function joinLivekitRoom<T>(url: string, token: string, during: () => Promise<T>): Promise<{ joined: boolean; detail: string; value?: T }> {
  const wsUrl = `${url.replace(/^http/, "ws")}/rtc?access_token=${token}&protocol=16&sdk=js&auto_subscribe=1`;
  const script = [
    "const ws = new WebSocket(process.argv[1]);",
    "ws.binaryType = 'arraybuffer';",
    "ws.onmessage = (m) => { console.log('MESSAGE ' + (m.data.byteLength ?? m.data.length)); };",
    "ws.onerror = (e) => { console.log('ERROR ' + (e.message ?? 'error')); process.exit(2); };",
    "ws.onclose = (e) => { console.log('CLOSE ' + e.code); process.exit(3); };",
    "process.stdin.on('data', () => { ws.close(); process.exit(0); });",
  ].join("\n");
  const child = spawn(process.execPath, ["--experimental-websocket", "--no-warnings", "-e", script, wsUrl], { stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  const deadline = Date.now() + 15_000;
  while (!/MESSAGE|ERROR|CLOSE/.test(out) && Date.now() < deadline) await sleep(100);
  const joined = /MESSAGE/.test(out);
  let value: T | undefined;
  try {
    if (joined) value = await during();
  } finally {
    child.stdin.end("bye\n");
    setTimeout(() => child.kill("SIGKILL"), 3000).unref();
    await exited;
  }
  return { joined, detail: out.trim(), value };
}

/** Whether a UDP port on 127.0.0.1 can be bound now (PortAllocator checks TCP only). */
export function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = dgram.createSocket("udp4");
    sock.once("error", () => { sock.close(); resolve(false); });
    sock.bind({ port, address: "127.0.0.1", exclusive: true }, () => sock.close(() => resolve(true)));
  });
}

/** A port free for both TCP and UDP (TURN and LiveKit listen on both). */
export async function takeTcpUdpPort(alloc: PortAllocator): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const p = await alloc.take();
    if (await udpFree(p)) return p;
  }
  throw new Error("no loopback port free for both TCP and UDP");
}

/**
 * Relay ports for a test coturn. Each uclient run holds about six (an RTP/RTCP pair reserved
 * with EVEN-PORT stays held for 30 s after the client leaves); with 20, a retry found the pool
 * empty and uclient looped on "508 Cannot create socket" until it was killed.
 */
export const TEST_RELAY_PORTS = 100;

/**
 * Starts turnutils_peer, the UDP echo peer, on a reserved pair of ports: uclient sends to the
 * peer's port and the one above it (RTP and RTCP), so the one above must not be another
 * server's listening port. Resolves with the peer's (lower) port.
 */
export async function startTurnPeer(sup: Supervisor, alloc: PortAllocator): Promise<number> {
  const { start } = await takeUdpRange(alloc, 2);
  sup.start({ name: "turn-peer", command: "turnutils_peer", args: ["-L", "127.0.0.1", "-p", String(start)] });
  return start;
}

/** `n` consecutive ports, each taken from the allocator and free for UDP (media and relay ranges). */
export async function takeUdpRange(alloc: PortAllocator, n: number): Promise<PortRange> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const start = await takeTcpUdpPort(alloc);
    let end = start;
    while (end - start + 1 < n) {
      const p = await alloc.take();
      if (p !== end + 1 || !(await udpFree(p))) break;
      end = p;
    }
    if (end - start + 1 === n) return { start, end };
  }
  throw new Error(`no ${n} consecutive free UDP ports on loopback`);
}
