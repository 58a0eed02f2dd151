/**
 * The real mautrix bridges (Telegram, WhatsApp; v26.08, built by scripts/provision.d/50-bridges.sh)
 * against the generated topology on loopback: Synapse main and its appservice worker behind the
 * generated HAProxy, PostgreSQL holding each bridge's own database, Redis, S3. Each bridge gets
 * the config the stack renders (render/bridges), from the same registration input as the file
 * Synapse loads; only addresses, ports and the database endpoint are loopback ones, as for
 * Synapse (e2e/adapter.ts). Encryption and double puppeting are on, as rendered.
 *
 * What cannot run here: logging in to Telegram or WhatsApp (no internet, no accounts), so
 * nothing crosses to the networks; the Matrix side of each bridge runs for real.
 */
import * as path from "path";
import { randomBytes } from "crypto";
import { DEFAULT_BACKFILL, renderBridgeConfig } from "../render/bridges";
import { appserviceFileName, bridgeAppservice, renderAppserviceRegistration, toYaml, type AppserviceInput, type BridgeName } from "../render/synapse";
import type { PlatformSpec } from "../config/spec";
import { LOOPBACK, type LoopbackPlan } from "./adapter";
import { bridgeBinary } from "./bridge-binaries";
import { login, MatrixHttp, registerWithSharedSecret, type Session } from "./client";
import { Supervisor, waitHttpOk, type Proc } from "./procs";
import { stackInputs, type StackInputs } from "./render";
import { makePlan } from "./run";
import type { RunningTopology } from "./topology";

export const BRIDGES: readonly BridgeName[] = ["telegram", "whatsapp"];

/** A bridge planned on loopback: its registration input, config file and port. */
export interface LoopbackBridge {
  network: BridgeName;
  appservice: AppserviceInput;
  configFile: string;
  port: number;
  /** Database the loopback PostgreSQL creates for it. */
  database: { dbname: string; user: string; password: string };
}

/**
 * The topology for the bridges: main, the appservice worker (it pushes transactions and answers
 * pings, catalog/workers.ts) and HAProxy; every other route goes to main. Lighter than the full
 * one-of-each run, which tests/e2e/e2e.test.ts already covers.
 */
export function bridgeStackInputs(): StackInputs {
  return stackInputs({ appservice: 1 });
}

/**
 * Who may use the bridges in the run: alice is the admin, one other server's users may log in,
 * and every other local user (bob) is outside the permissions.
 */
export function e2ePermissions(serverName: string): PlatformSpec["bridges"]["permissions"] {
  return { admins: [`@alice:${serverName}`], users: ["partner.example.org"] };
}

/** Adds the bridges to a loopback plan: their registrations, configs and databases. */
export function planBridges(plan: LoopbackPlan, nextPort: () => number, spec: PlatformSpec): LoopbackBridge[] {
  const out: LoopbackBridge[] = [];
  const appserviceDir = plan.input.paths.appserviceDir;
  for (const network of BRIDGES) {
    const port = nextPort();
    const secret = () => randomBytes(24).toString("hex");
    // As MatrixStack makes it, with the loopback URL in place of the Service's.
    const appservice: AppserviceInput = {
      ...bridgeAppservice(network, { serverName: plan.serverName, namespace: "e2e", asToken: secret(), hsToken: secret(), senderLocalpart: `${network}sender${secret().slice(0, 8)}` }),
      url: `http://${LOOPBACK}:${port}`,
    };
    plan.files[path.join(appserviceDir, appserviceFileName(network))] = toYaml(renderAppserviceRegistration(appservice));
    const database = { dbname: `mautrix_${network}`, user: `mautrix_${network}`, password: secret() };
    plan.postgres.databases.push(database);
    const configFile = path.join(plan.runDir, "bridges", network, "config.yaml");
    plan.files[configFile] = toYaml(renderBridgeConfig({
      network,
      registration: appservice,
      homeserverUrl: plan.haproxy.clientUrl,
      bindAddress: LOOPBACK,
      database: { host: LOOPBACK, port: plan.postgres.port, database: database.dbname, user: database.user, password: database.password, sslMode: "disable", maxOpenConns: 10 },
      permissions: e2ePermissions(plan.serverName),
      doublePuppetAsToken: plan.doublePuppetToken,
      pickleKey: secret(),
      provisioningSecret: secret(),
      backfill: DEFAULT_BACKFILL,
      // Shaped like my.telegram.org's; Telegram is never contacted here.
      telegramApi: spec.bridges.telegram.telegramApi ?? { apiId: 123456, apiHash: randomBytes(16).toString("hex") },
      logLevel: "debug",
    }));
    out.push({ network, appservice, configFile, port, database });
  }
  // The real bridges answer at their own URLs: no stand-in listener.
  plan.appservices = [];
  return out;
}

/** Makes the plan with the bridges added (the adapter's plan, then planBridges). */
export function makeBridgePlan(inputs: StackInputs, onBridges: (b: LoopbackBridge[]) => void): (runDir: string, nextPort: () => number) => LoopbackPlan {
  const base = makePlan(inputs);
  return (runDir, nextPort) => {
    const plan = base(runDir, nextPort);
    onBridges(planBridges(plan, nextPort, inputs.spec));
    return plan;
  };
}

/**
 * Starts each bridge on its rendered config (read-only use: -n, as in the cluster) and waits for
 * its readiness endpoint: it has checked the homeserver, registered its bot and pinged itself
 * through Synapse by then.
 */
export async function startBridges(sup: Supervisor, bridges: LoopbackBridge[], _topo: RunningTopology): Promise<Map<BridgeName, Proc>> {
  const procs = new Map<BridgeName, Proc>();
  for (const b of bridges) {
    const proc = sup.start({ name: `mautrix-${b.network}`, command: bridgeBinary(b.network), args: ["-n", "-c", b.configFile], cwd: path.dirname(b.configFile), stopSignal: "SIGTERM" });
    procs.set(b.network, proc);
  }
  for (const b of bridges) await waitHttpOk(`http://${LOOPBACK}:${b.port}/_matrix/mau/ready`, { timeoutMs: 120_000, proc: procs.get(b.network), sup });
  return procs;
}

/** What the run saw of one bridge. */
export interface BridgeObservation {
  network: BridgeName;
  ping: { status: number; durationMs?: number; servedBy: string };
  botExists: boolean;
  /** Devices of the bot with uploaded identity keys (encryption on: it logged in a device). */
  botKeyedDevices: number;
  /** The bot's answer to alice's `help` in her DM, as /sync delivered it. */
  helpAnswer?: { msgtype: string; body: string };
  /** What the bot did with bob's DM invite. */
  refusal?: { membership: string; reason?: string };
  bobGotAnswer: boolean;
}

type TimelineEvent = { type: string; sender: string; event_id: string; state_key?: string; content: Record<string, any> };

/** Incremental /sync for one user until `pick` finds something in `roomId`, or the deadline. */
async function syncUntil<T>(http: MatrixHttp, token: string, roomId: string, pick: (events: TimelineEvent[]) => T | undefined, timeoutMs = 90_000): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  let since: string | undefined;
  const seen: TimelineEvent[] = [];
  while (Date.now() < deadline) {
    const query: Record<string, string> = { timeout: "5000" };
    if (since) query.since = since;
    const { json } = await http.call("GET", "/_matrix/client/v3/sync", { label: "sync", token, query, timeoutMs: 30_000 });
    since = json.next_batch;
    const room = json.rooms?.join?.[roomId] ?? json.rooms?.leave?.[roomId];
    seen.push(...((room?.timeline?.events ?? []) as TimelineEvent[]), ...((room?.state?.events ?? []) as TimelineEvent[]));
    const found = pick(seen);
    if (found !== undefined) return found;
  }
  return undefined;
}

export async function runBridgeScenario(topo: RunningTopology, bridges: LoopbackBridge[]): Promise<BridgeObservation[]> {
  const plan = topo.plan;
  const http = new MatrixHttp(topo.clientUrl);
  // The admin API (shared-secret registration) is served only on the admin host.
  http.adminHost = plan.haproxy.adminHost;
  const server = plan.serverName;
  const pw = "e2e-" + randomBytes(12).toString("hex");
  // alice is the bridges' admin (e2ePermissions); bob is a local user outside the permissions.
  await registerWithSharedSecret(http, plan.registrationSecret, "alice", pw);
  await registerWithSharedSecret(http, plan.registrationSecret, "bob", pw);
  const alice: Session = await login(http, "alice", pw);
  const bob: Session = await login(http, "bob", pw);
  const out: BridgeObservation[] = [];

  for (const b of bridges) {
    const as = b.appservice;
    const bot = `@${as.botLocalpart}:${server}`;
    // The appservice ping: Synapse calls the bridge's /_matrix/app/v1/ping and answers with the time it took.
    const ping = await http.call("POST", `/_matrix/client/v1/appservice/${encodeURIComponent(as.id)}/ping`, {
      label: `${b.network} appservice ping`, token: as.asToken, body: { transaction_id: `e2e-${randomBytes(6).toString("hex")}` }, ok: [200, 502, 504],
    });
    const entry = await topo.haproxyLog.waitFor(ping.tag, 10_000);
    const servedBy = plan.haproxy.servers[`${entry.backend}/${entry.server}`]?.type ?? `${entry.backend}/${entry.server}`;

    const profile = await http.call("GET", `/_matrix/client/v3/profile/${encodeURIComponent(bot)}`, { label: `${b.network} bot profile`, token: alice.accessToken, ok: [200, 404] });
    const keys = await http.call("POST", "/_matrix/client/v3/keys/query", { label: `${b.network} bot device keys`, token: alice.accessToken, body: { device_keys: { [bot]: [] } } });
    const devices = Object.values((keys.json.device_keys?.[bot] ?? {}) as Record<string, { keys?: Record<string, string> }>);

    // alice opens a DM with the bot; the bot joins and takes the room as her management room.
    const aliceRoom = (await http.call("POST", "/_matrix/client/v3/createRoom", {
      label: `${b.network} alice DM`, token: alice.accessToken, body: { is_direct: true, invite: [bot], preset: "trusted_private_chat" },
    })).json.room_id as string;
    const joined = await syncUntil(http, alice.accessToken, aliceRoom, (evs) => evs.find((e) => e.type === "m.room.member" && e.state_key === bot && e.content.membership === "join"));
    let helpAnswer: BridgeObservation["helpAnswer"];
    if (joined) {
      const sent = await http.call("PUT", `/_matrix/client/v3/rooms/${encodeURIComponent(aliceRoom)}/send/m.room.message/help-${randomBytes(4).toString("hex")}`, {
        label: `${b.network} alice sends help`, token: alice.accessToken, body: { msgtype: "m.text", body: "help" },
      });
      const helpId = sent.json.event_id as string;
      helpAnswer = await syncUntil(http, alice.accessToken, aliceRoom, (evs) => {
        const at = evs.findIndex((e) => e.event_id === helpId);
        // The command list (the welcome notice may arrive around it).
        const answer = at < 0 ? undefined : evs.slice(at + 1).find((e) => e.type === "m.room.message" && e.sender === bot && /\*\*help\*\*/.test(String(e.content.body)));
        return answer ? { msgtype: String(answer.content.msgtype), body: String(answer.content.body) } : undefined;
      });
    }

    // bob, outside the permissions, tries the same: the bot refuses the invite.
    const bobRoom = (await http.call("POST", "/_matrix/client/v3/createRoom", {
      label: `${b.network} bob DM`, token: bob.accessToken, body: { is_direct: true, invite: [bot], preset: "trusted_private_chat" },
    })).json.room_id as string;
    const refused = await syncUntil(http, bob.accessToken, bobRoom, (evs) => evs.find((e) => e.type === "m.room.member" && e.state_key === bot && e.content.membership !== "invite"));
    let bobGotAnswer = false;
    if (refused?.content.membership === "join") {
      await http.call("PUT", `/_matrix/client/v3/rooms/${encodeURIComponent(bobRoom)}/send/m.room.message/help-${randomBytes(4).toString("hex")}`, {
        label: `${b.network} bob sends help`, token: bob.accessToken, body: { msgtype: "m.text", body: "help" },
      });
      bobGotAnswer = (await syncUntil(http, bob.accessToken, bobRoom, (evs) => evs.find((e) => e.type === "m.room.message" && e.sender === bot), 20_000)) !== undefined;
    }

    out.push({
      network: b.network,
      ping: { status: ping.status, durationMs: ping.json?.duration_ms, servedBy },
      botExists: profile.status === 200,
      botKeyedDevices: devices.filter((d) => Object.keys(d.keys ?? {}).some((k) => k.startsWith("ed25519:"))).length,
      helpAnswer,
      refusal: refused ? { membership: String(refused.content.membership), reason: refused.content.reason } : undefined,
      bobGotAnswer,
    });
  }
  return out;
}
