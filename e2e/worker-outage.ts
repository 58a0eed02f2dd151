/**
 * A worker that main cannot replace dies (the typing writer, killed like a crash): HAProxy stays
 * ready, that worker's routes answer 503 with Retry-After and a Matrix error, messages keep
 * flowing, and once the writer is back its routes are served again.
 */
import { randomBytes } from "crypto";
import { UNAVAILABLE_RETRY_AFTER_SECONDS } from "../render/haproxy";
import { login, MatrixHttp, registerWithSharedSecret } from "./client";
import { eventually, waitHttpOk } from "./procs";
import type { RunningTopology } from "./topology";

class OutageFailure extends Error {}

function check(cond: unknown, msg: string): asserts cond {
  if (!cond) throw new OutageFailure(`worker outage: ${msg}`);
}

export async function runWorkerOutage(topo: RunningTopology, log: (m: string) => void = () => undefined): Promise<string[]> {
  const { plan, sup } = topo;
  const writer = plan.processes.find((p) => p.type === "typing");
  check(writer, "the plan has no typing writer");
  const proc = topo.procs.get(writer.instance);
  check(proc, `no running process ${writer.instance}`);
  const http = new MatrixHttp(topo.clientUrl);
  http.adminHost = plan.haproxy.adminHost;
  const statsUrl = plan.haproxy.statsUrl;
  const suffix = randomBytes(3).toString("hex");
  const pw = "e2e-" + randomBytes(12).toString("hex");
  await registerWithSharedSecret(http, plan.registrationSecret, `carol${suffix}`, pw);
  await registerWithSharedSecret(http, plan.registrationSecret, `dave${suffix}`, pw);
  const carol = await login(http, `carol${suffix}`, pw);
  const dave = await login(http, `dave${suffix}`, pw);
  const room = (await http.call("POST", "/_matrix/client/v3/createRoom", { label: "createRoom", token: carol.accessToken, body: { preset: "private_chat", invite: [dave.userId] } })).json.room_id as string;
  const r = encodeURIComponent(room);
  await http.call("POST", `/_matrix/client/v3/rooms/${r}/join`, { label: "join", token: dave.accessToken, body: {} });
  let daveSince: string = (await http.call("GET", "/_matrix/client/v3/sync", { label: "initial sync", token: dave.accessToken, query: { timeout: "0" } })).json.next_batch;
  const typing = () =>
    http.call("PUT", `/_matrix/client/v3/rooms/${r}/typing/${encodeURIComponent(carol.userId)}`, { label: "typing", token: carol.accessToken, body: { typing: true, timeout: 5000 }, ok: [200, 502, 503] });
  check((await typing()).status === 200, "typing answered before the outage");

  // The crash: SIGKILL, no clean shutdown.
  await sup.stop(proc, "SIGKILL");
  log(`worker outage: killed ${writer.instance}`);
  const t0 = Date.now();
  // Until the health checks mark the writer down (fall 3 x inter 5s), HAProxy still tries it and
  // answers its own 502/503; from then on the stand-in answers. Every refusal must be a Matrix
  // error with Retry-After.
  const refusals: number[] = [];
  const refused = await eventually("the typing stand-in's 503", async () => {
    const res = await typing();
    if (res.status === 200) return undefined;
    refusals.push(res.status);
    check(res.headers.get("retry-after") === String(UNAVAILABLE_RETRY_AFTER_SECONDS), `HTTP ${res.status} with Retry-After ${res.headers.get("retry-after")}`);
    check(res.json?.errcode === "M_UNKNOWN", `HTTP ${res.status} body ${res.buf.toString("utf8").slice(0, 200)}`);
    return res.status === 503 && /typing service of this server is temporarily unavailable/.test(res.json.error) ? res : undefined;
  }, 40_000);
  const detectedMs = Date.now() - t0;
  check(refused.status === 503, "stand-in status");
  const ready = await fetch(`${statsUrl}/ready`);
  check(ready.status === 200, `HAProxy readiness answered ${ready.status} with the typing writer down`);

  const body = `still flowing ${suffix}`;
  await http.call("PUT", `/_matrix/client/v3/rooms/${r}/send/m.room.message/outage-${suffix}`, { label: "send", token: carol.accessToken, body: { msgtype: "m.text", body } });
  await eventually("carol's message in dave's /sync while typing is down", async () => {
    const s = await http.call("GET", "/_matrix/client/v3/sync", { label: "sync", token: dave.accessToken, query: { since: daveSince, timeout: "5000" } });
    daveSince = s.json.next_batch;
    const events = s.json?.rooms?.join?.[room]?.timeline?.events ?? [];
    return events.some((e: any) => e.content?.body === body) ? true : undefined;
  }, 30_000);

  // Back: the same process spec again; HAProxy needs `rise` good checks before it routes to it.
  const restarted = sup.start(proc.spec);
  topo.procs.set(writer.instance, restarted);
  await waitHttpOk(writer.healthUrl, { timeoutMs: 120_000, proc: restarted, sup });
  const t1 = Date.now();
  await eventually("typing served again after the writer returned", async () => ((await typing()).status === 200 ? true : undefined), 40_000);
  const recoveredMs = Date.now() - t1;
  log(`worker outage: typing refused after ${detectedMs} ms, served again ${recoveredMs} ms after the writer's /health answered`);
  return [
    `with the typing writer killed, typing answered 503 (Retry-After ${UNAVAILABLE_RETRY_AFTER_SECONDS}, M_UNKNOWN) after ${detectedMs} ms while HAProxy stayed ready and a message still reached the other user's /sync (refusals on the way: ${refusals.join(", ")}, each a Matrix error with Retry-After)`,
    `the restarted typing writer served typing again ${recoveredMs} ms after its /health answered`,
  ];
}
