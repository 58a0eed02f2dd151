/**
 * The push part of the e2e scenario: bob registers two pushers through HAProxy, one for the
 * APNs app Sygnal serves and one for an app ID it does not know; a message from alice makes
 * Synapse's pusher worker post both notifications to the running Sygnal. Sygnal hands the first
 * to its APNs app (its per-app counter names the app ID; the connection goes to the stub proxy),
 * and answers the second with its pushkey in `rejected`, on which Synapse deletes that pusher.
 */
import * as fs from "fs";
import type { MatrixHttp, Session } from "./client";
import { pushesForApp } from "./sygnal";
import type { RunningTopology } from "./topology";
import { eventually as eventuallyWithin } from "./procs";

/** Pushes pass the pusher worker and Sygnal: allow a minute, as before. */
const eventually = <T>(what: string, fn: () => Promise<T | undefined>) => eventuallyWithin(what, fn, 60_000);


/** App ID no Sygnal app has. */
export const UNKNOWN_APP_ID = "org.example.platform.unknown";

export async function pushScenario(topo: RunningTopology, http: MatrixHttp, alice: Session, bob: Session, roomId: string, suffix: string): Promise<string[]> {
  const sygnal = topo.sygnal;
  if (!sygnal) throw new Error("the push scenario needs the loopback Sygnal (push deployed)");
  const checks: string[] = [];
  const appId = sygnal.plan.appIds[0];
  const goodKey = `a1b2c3d4e5f6${Buffer.from(suffix).toString("hex")}`.padEnd(64, "0");
  const badKey = `pk-unknown-${suffix}`;
  const pusher = (app: string, pushkey: string) => ({
    kind: "http", app_id: app, pushkey, app_display_name: "e2e", device_display_name: `e2e ${app}`, lang: "en",
    data: { url: sygnal.plan.notifyUrl },
  });
  await http.call("POST", "/_matrix/client/v3/pushers/set", { label: "set pusher (Sygnal app)", token: bob.accessToken, body: pusher(appId, goodKey) });
  await http.call("POST", "/_matrix/client/v3/pushers/set", { label: "set pusher (unknown app)", token: bob.accessToken, body: pusher(UNKNOWN_APP_ID, badKey) });
  const listed = await http.call("GET", "/_matrix/client/v3/pushers", { label: "list pushers", token: bob.accessToken });
  const keys = (j: any): string[] => (j.pushers ?? []).map((p: any) => p.pushkey);
  if (!(keys(listed.json).includes(goodKey) && keys(listed.json).includes(badKey))) throw new Error(`bob's pushers after registering: ${keys(listed.json).join(", ")}`);

  const before = await pushesForApp(sygnal.plan.metricsPort, appId);
  await http.call("PUT", `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.message/txn-${suffix}-push`, {
    label: "send message (push)", token: alice.accessToken, body: { msgtype: "m.text", body: `push me ${suffix}` },
  });

  const count = await eventually(`Sygnal counting a push for ${appId}`, async () => {
    const n = await pushesForApp(sygnal.plan.metricsPort, appId);
    return n > before ? n : undefined;
  });
  await eventually("the APNs connection at the stub proxy", async () => (sygnal.proxy.connects.some((c) => /push\.apple\.com:443$/.test(c)) ? true : undefined));
  checks.push(`Sygnal handed the notification to its ${appId} app (sygnal_per_pushkin_type{pushkin="${appId}"} ${before} -> ${count}), whose APNs connection went to the stub (${sygnal.proxy.connects.find((c) => /apple/.test(c))})`);

  const log = () => fs.readFileSync(sygnal.proc.logFile, "utf8");
  await eventually("Sygnal logging the unknown app ID", async () => (log().includes(`Got notification for unknown app ID ${UNKNOWN_APP_ID}`) ? true : undefined));
  const after = await eventually("Synapse dropping the rejected pusher", async () => {
    const r = await http.call("GET", "/_matrix/client/v3/pushers", { label: "list pushers (after push)", token: bob.accessToken });
    return keys(r.json).includes(badKey) ? undefined : keys(r.json);
  });
  if (!after.includes(goodKey)) throw new Error(`the pusher of the served app was dropped too: ${after.join(", ")}`);
  checks.push(`Sygnal rejected the pushkey of unknown app ${UNKNOWN_APP_ID} and Synapse dropped that pusher; the ${appId} pusher stays`);

  // Which process posted: Synapse's pusher worker logs the rejection it acted on.
  const pusherProc = topo.plan.processes.find((p) => p.type === "pusher");
  const pusherLog = pusherProc ? fs.readFileSync(topo.procs.get(pusherProc.instance)!.logFile, "utf8") : "";
  if (!pusherLog.includes(badKey)) throw new Error(`the pusher worker's log does not mention the rejected pushkey ${badKey}`);
  checks.push(`the pusher worker (${pusherProc!.instance}) delivered to Sygnal and removed the rejected pusher`);
  return checks;
}
