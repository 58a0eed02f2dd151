/**
 * Sygnal on loopback, for its validator test and the e2e's push scenario: throw-away push
 * credentials (a fresh EC P-256 APNs auth key, a service-account JSON holding a fresh RSA key),
 * the rendered sygnal.yaml with loopback addresses and paths, the process itself (from the venv
 * scripts/provision.d/50-sygnal.sh builds) and a stub HTTPS proxy that every APNs/FCM
 * connection is sent to, so no notification ever reaches Apple or Google.
 */
import { generateKeyPairSync, randomBytes } from "crypto";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { IMAGES } from "../catalog/images";
import type { PushApp } from "../config/spec";
import { renderSygnalConfig, sygnalCredentialFiles, withoutCredential, PUSH_NOTIFY_PATH } from "../render/sygnal";
import { toYaml } from "../render/synapse";
import { TOOL_CACHE } from "../scripts/tool-cache";
import { waitHttpOk, type Proc, type Supervisor } from "./procs";

/** The venv 50-sygnal.sh installs, keyed by the image's version. */
export function sygnalPython(): string {
  const version = IMAGES.sygnal.tag.replace(/^v/, "");
  const py = path.join(process.env.MP_SYGNAL_VENV ?? path.join(TOOL_CACHE, `sygnal-${version}-locked`), "bin", "python");
  if (!fs.existsSync(py)) throw new Error(`${py} missing: run scripts/provision.sh (50-sygnal.sh installs Sygnal ${version})`);
  return py;
}

/** App IDs of the throw-away apps. */
export const TEST_APPS = { apns: "org.example.platform.ios", fcm: "org.example.platform.android" } as const;

/** Stack config for push with throw-away credentials (key names without the project prefix). */
export function throwawayPushConfig(): Record<string, string> {
  const apnsKey = generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey.export({ format: "pem", type: "pkcs8" }).toString();
  const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "pem", type: "pkcs8" }).toString();
  const projectId = "platform-e2e-push";
  const serviceAccount = {
    type: "service_account",
    project_id: projectId,
    private_key_id: randomBytes(20).toString("hex"),
    private_key: rsa,
    client_email: `sygnal@${projectId}.iam.gserviceaccount.com`,
    client_id: String(100000000000000000000n + BigInt(`0x${randomBytes(8).toString("hex")}`)),
    auth_uri: "https://accounts.google.com/o/oauth2/auth",
    token_uri: "https://oauth2.googleapis.com/token",
  };
  return {
    push: "true",
    pushApnsAppId: TEST_APPS.apns,
    pushApnsTopic: "org.example.platform",
    pushApnsKeyId: "ABCDE12345",
    pushApnsTeamId: "TEAM123456",
    pushApnsPlatform: "sandbox",
    pushApnsKey: apnsKey,
    pushFcmAppId: TEST_APPS.fcm,
    pushFcmProjectId: projectId,
    pushFcmServiceAccount: JSON.stringify(serviceAccount, null, 2),
  };
}

/** A Sygnal laid out on loopback. */
export interface SygnalPlan {
  dir: string;
  configFile: string;
  httpPort: number;
  metricsPort: number;
  /** The stub proxy's port (the rendered `proxy`). */
  proxyPort: number;
  /** Where pushers post: the push gateway API on loopback. */
  notifyUrl: string;
  /** The app IDs it serves. */
  appIds: string[];
  files: Record<string, string>;
}

/**
 * The rendered sygnal.yaml with loopback addresses, ports and paths, its credential files, and
 * the stub proxy as Sygnal's `proxy` (the renderer's own option, not an edit of its output).
 */
export function planSygnal(apps: readonly PushApp[], dir: string, ports: { http: number; metrics: number; proxy: number }, opts: { proxy?: boolean } = {}): SygnalPlan {
  const credentialsDir = path.join(dir, "credentials");
  const config = renderSygnalConfig({
    apps: apps.map(withoutCredential),
    bindAddresses: ["127.0.0.1"],
    httpPort: ports.http,
    metricsPort: ports.metrics,
    credentialsDir,
    ...(opts.proxy === false ? {} : { proxy: `http://127.0.0.1:${ports.proxy}` }),
    behindProxy: false,
  });
  const configFile = path.join(dir, "sygnal.yaml");
  const files: Record<string, string> = { [configFile]: toYaml(config) };
  for (const [name, content] of Object.entries(sygnalCredentialFiles(apps))) files[path.join(credentialsDir, name)] = content;
  return { dir, configFile, httpPort: ports.http, metricsPort: ports.metrics, proxyPort: ports.proxy, notifyUrl: `http://127.0.0.1:${ports.http}${PUSH_NOTIFY_PATH}`, appIds: apps.map((a) => a.appId), files };
}

/**
 * Stands in for the internet behind Sygnal's `proxy`: records each CONNECT target (host:port)
 * and refuses it, so a delivery attempt is visible and goes nowhere.
 */
export class StubProxy {
  readonly connects: string[] = [];
  private readonly server = net.createServer((sock) => {
    let head = "";
    sock.on("data", (chunk) => {
      head += chunk.toString("latin1");
      if (!head.includes("\r\n\r\n")) return;
      const m = /^CONNECT (\S+) HTTP\/1\.[01]\r\n/.exec(head);
      if (m) this.connects.push(m[1]);
      sock.end("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    });
    sock.on("error", () => undefined);
  });
  constructor(readonly port: number) {}
  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(this.port, "127.0.0.1", () => resolve());
    });
  }
  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** Writes the plan's files (credentials 0600) and starts Sygnal, waiting for its /health. */
export async function startSygnal(sup: Supervisor, plan: SygnalPlan, name = "sygnal", timeoutMs = 60_000): Promise<Proc> {
  for (const [file, content] of Object.entries(plan.files)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content, { mode: file === plan.configFile ? 0o644 : 0o600 });
  }
  const proc = sup.start({ name, command: sygnalPython(), args: ["-m", "sygnal.sygnal"], env: { SYGNAL_CONF: plan.configFile, PYTHONDONTWRITEBYTECODE: "1" }, cwd: plan.dir });
  await waitHttpOk(`http://127.0.0.1:${plan.httpPort}/health`, { timeoutMs, proc, sup });
  return proc;
}

/** Sygnal's per-app counter (`sygnal_per_pushkin_type`, labelled with the app ID) from its metrics port. */
export async function pushesForApp(metricsPort: number, appId: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith("sygnal_per_pushkin_type") && !l.includes("_created") && l.includes(`pushkin="${appId}"`));
  return line ? Number(line.trim().split(/\s+/).pop()) : 0;
}

/** A Push Gateway API notification as Synapse's pusher sends it, for one device. */
export function notifyBody(appId: string, pushkey: string): Record<string, unknown> {
  return {
    notification: {
      event_id: `$e2e-${randomBytes(6).toString("hex")}`,
      room_id: "!room:example.org",
      type: "m.room.message",
      sender: "@alice:example.org",
      prio: "high",
      counts: { unread: 1 },
      devices: [{ app_id: appId, pushkey, pushkey_ts: Math.floor(Date.now() / 1000), data: {} }],
    },
  };
}
