/**
 * The end-to-end scenario: two users talking through HAProxy, every request checked against
 * the process type the catalogue routes it to (HAProxy's log names the server that answered).
 */
import { createHash, randomBytes } from "crypto";
import { login, MatrixHttp, registerWithSharedSecret, type Session } from "./client";
import { runEdgeChecks, type EdgeObservation } from "./edge";
import { expectedType, MAIN } from "./routes";
import { pushScenario } from "./push-scenario";
import type { RunningTopology } from "./topology";
import { eventually } from "./procs";

export interface RoutedRequest {
  label: string;
  method: string;
  path: string;
  status: number;
  backend: string;
  server: string;
  /** Instance that answered (from the adapter's server map). */
  servedBy: string;
  servedType: string;
  expectedType: string;
}

export interface ScenarioReport {
  requests: RoutedRequest[];
  /** Requests the frontend answered itself (edge rules), with who answered. */
  edge: EdgeObservation[];
  /** Facts checked beyond routing (message delivered, media round-trip, ...). */
  checks: string[];
}

class Failure extends Error {}

function check(cond: unknown, msg: string): asserts cond {
  if (!cond) throw new Failure(msg);
}


function timelineBodies(sync: any, roomId: string): string[] {
  const events = sync?.rooms?.join?.[roomId]?.timeline?.events ?? [];
  return events.filter((e: any) => e.type === "m.room.message").map((e: any) => e.content?.body);
}

/** What the scenario hands an extension (the RTC checks): its clients, sessions and check list. */
export interface ScenarioContext {
  topo: RunningTopology;
  http: MatrixHttp;
  alice: Session;
  bob: Session;
  checks: string[];
  log: (m: string) => void;
}

export async function runScenario(topo: RunningTopology, log: (m: string) => void = () => undefined, extension?: (ctx: ScenarioContext) => Promise<void>): Promise<ScenarioReport> {
  const plan = topo.plan;
  const hp = plan.haproxy;
  if (!hp || !topo.haproxyLog) throw new Error("the scenario needs HAProxy in front");
  const http = new MatrixHttp(topo.clientUrl);
  http.adminHost = hp.adminHost;
  const fed = new MatrixHttp(topo.federationUrl);
  const checks: string[] = [];
  const edgeObservations: EdgeObservation[] = [];
  const server = plan.serverName;
  const suffix = randomBytes(3).toString("hex");
  const pw = "e2e-" + randomBytes(12).toString("hex");

  // --- accounts
  await http.call("GET", "/_matrix/client/versions", { label: "versions" });
  await registerWithSharedSecret(http, plan.registrationSecret, `alice${suffix}`, pw);
  await registerWithSharedSecret(http, plan.registrationSecret, `bob${suffix}`, pw);
  const alice: Session = await login(http, `alice${suffix}`, pw);
  const bob: Session = await login(http, `bob${suffix}`, pw);
  check(alice.userId === `@alice${suffix}:${server}`, `login returned ${alice.userId}`);
  const who = await http.call("GET", "/_matrix/client/v3/account/whoami", { label: "whoami", token: bob.accessToken });
  check(who.json.user_id === bob.userId, "whoami names bob");
  checks.push("shared-secret registration and password login for two users");

  // --- room, invite, join
  const created = await http.call("POST", "/_matrix/client/v3/createRoom", {
    label: "createRoom",
    token: alice.accessToken,
    body: { preset: "private_chat", name: `e2e ${suffix}` },
  });
  const roomId: string = created.json.room_id;
  const r = encodeURIComponent(roomId);
  await http.call("POST", `/_matrix/client/v3/rooms/${r}/invite`, { label: "invite", token: alice.accessToken, body: { user_id: bob.userId } });
  await http.call("POST", `/_matrix/client/v3/rooms/${r}/join`, { label: "join", token: bob.accessToken, body: {} });
  await http.call("PUT", `/_matrix/client/v3/profile/${encodeURIComponent(bob.userId)}/displayname`, {
    label: "set displayname",
    token: bob.accessToken,
    body: { displayname: "Bob E2E" },
  });

  // --- initial syncs (no `since`)
  const bobInitial = await http.call("GET", "/_matrix/client/v3/sync", { label: "initial sync (bob)", token: bob.accessToken, query: { timeout: "0" } });
  check(bobInitial.json.rooms?.join?.[roomId], "bob's initial sync lists the room he joined");
  const aliceInitial = await http.call("GET", "/_matrix/client/v3/sync", { label: "initial sync (alice)", token: alice.accessToken, query: { timeout: "0" } });
  let bobSince: string = bobInitial.json.next_batch;
  let aliceSince: string = aliceInitial.json.next_batch;

  // --- a message from alice reaches bob's incremental sync
  const body = `hello bob ${suffix}`;
  const sent = await http.call("PUT", `/_matrix/client/v3/rooms/${r}/send/m.room.message/txn-${suffix}-1`, {
    label: "send message",
    token: alice.accessToken,
    body: { msgtype: "m.text", body },
  });
  const eventId: string = sent.json.event_id;
  await eventually("alice's message in bob's incremental /sync", async () => {
    const s = await http.call("GET", "/_matrix/client/v3/sync", { label: "incremental sync (bob)", token: bob.accessToken, query: { since: bobSince, timeout: "5000" } });
    bobSince = s.json.next_batch;
    return timelineBodies(s.json, roomId).includes(body) ? true : undefined;
  });
  checks.push("a message sent by alice reached bob's incremental /sync");

  const msgs = await http.call("GET", `/_matrix/client/v3/rooms/${r}/messages`, { label: "messages", token: bob.accessToken, query: { dir: "b", limit: "10" } });
  check(msgs.json.chunk.some((e: any) => e.event_id === eventId && e.content?.body === body), "/messages returns the message");
  const ev = await http.call("GET", `/_matrix/client/v3/rooms/${r}/event/${encodeURIComponent(eventId)}`, { label: "get event", token: bob.accessToken });
  check(ev.json.content?.body === body, "/event returns the message");
  const members = await http.call("GET", `/_matrix/client/v3/rooms/${r}/joined_members`, { label: "joined_members", token: alice.accessToken });
  check(Object.keys(members.json.joined).sort().join() === [alice.userId, bob.userId].sort().join(), "both users are joined");
  checks.push("/messages, /event and /joined_members agree with what was sent");

  // Which process persisted the event: the events stream belongs to the event persisters.
  const persistedBy = topo.pg.sql(`SELECT instance_name FROM events WHERE event_id = '${eventId.replace(/'/g, "''")}'`, plan.postgres.databases[0].dbname).trim();
  const persisterTypes = plan.processes.filter((p) => p.instance === persistedBy).map((p) => p.type);
  check(persisterTypes[0] === "event-persister", `message event persisted by ${persistedBy || "(null)"}, not by an event-persister`);
  checks.push(`the message event was persisted by ${persistedBy} (events stream writer)`);

  // --- ephemeral: typing and receipts reach the other user
  await http.call("PUT", `/_matrix/client/v3/rooms/${r}/typing/${encodeURIComponent(bob.userId)}`, {
    label: "typing",
    token: bob.accessToken,
    body: { typing: true, timeout: 30000 },
  });
  await http.call("POST", `/_matrix/client/v3/rooms/${r}/receipt/m.read/${encodeURIComponent(eventId)}`, { label: "read receipt", token: bob.accessToken, body: {} });
  await http.call("POST", `/_matrix/client/v3/rooms/${r}/read_markers`, {
    label: "read markers",
    token: bob.accessToken,
    body: { "m.fully_read": eventId, "m.read": eventId },
  });
  const seen = { typing: false, receipt: false };
  await eventually("bob's typing and read receipt in alice's /sync", async () => {
    const s = await http.call("GET", "/_matrix/client/v3/sync", { label: "incremental sync (alice)", token: alice.accessToken, query: { since: aliceSince, timeout: "5000" } });
    aliceSince = s.json.next_batch;
    for (const e of s.json.rooms?.join?.[roomId]?.ephemeral?.events ?? []) {
      if (e.type === "m.typing" && e.content.user_ids.includes(bob.userId)) seen.typing = true;
      if (e.type === "m.receipt" && e.content[eventId]?.["m.read"]?.[bob.userId]) seen.receipt = true;
    }
    return seen.typing && seen.receipt ? true : undefined;
  });
  checks.push("bob's typing notification and read receipt reached alice's /sync");

  // --- presence
  await http.call("PUT", `/_matrix/client/v3/presence/${encodeURIComponent(alice.userId)}/status`, {
    label: "set presence",
    token: alice.accessToken,
    body: { presence: "online", status_msg: `e2e ${suffix}` },
  });
  const pres = await http.call("GET", `/_matrix/client/v3/presence/${encodeURIComponent(alice.userId)}/status`, { label: "get presence", token: bob.accessToken });
  check(pres.json.presence === "online", `alice's presence is ${pres.json.presence}`);
  checks.push("presence set by alice is read back by bob");

  // --- account data, room tags
  const adType = "org.example.e2e";
  await http.call("PUT", `/_matrix/client/v3/user/${encodeURIComponent(alice.userId)}/account_data/${adType}`, {
    label: "set account data",
    token: alice.accessToken,
    body: { run: suffix },
  });
  const ad = await http.call("GET", `/_matrix/client/v3/user/${encodeURIComponent(alice.userId)}/account_data/${adType}`, { label: "get account data", token: alice.accessToken });
  check(ad.json.run === suffix, "account data reads back");
  await http.call("PUT", `/_matrix/client/v3/user/${encodeURIComponent(alice.userId)}/rooms/${r}/tags/u.e2e`, {
    label: "set room tag",
    token: alice.accessToken,
    body: { order: 0.5 },
  });
  checks.push("account data written and read back");

  // --- push rules
  const ruleId = `e2e-${suffix}`;
  await http.call("PUT", `/_matrix/client/v3/pushrules/global/override/${ruleId}`, {
    label: "set push rule",
    token: alice.accessToken,
    body: { actions: ["notify"], conditions: [{ kind: "event_match", key: "content.body", pattern: "*urgent*" }] },
  });
  const rules = await http.call("GET", "/_matrix/client/v3/pushrules/", { label: "get push rules", token: alice.accessToken });
  check(rules.json.global.override.some((x: any) => x.rule_id === ruleId), "the new push rule is listed");
  checks.push("push rule created and listed");

  // --- to-device and device keys
  await http.call("PUT", `/_matrix/client/v3/sendToDevice/org.example.e2e/txn-${suffix}`, {
    label: "send to-device",
    token: alice.accessToken,
    body: { messages: { [bob.userId]: { [bob.deviceId]: { hello: suffix } } } },
  });
  const deviceKeys = {
    user_id: alice.userId,
    device_id: alice.deviceId,
    algorithms: ["m.olm.v1.curve25519-aes-sha2", "m.megolm.v1.aes-sha2"],
    keys: { [`curve25519:${alice.deviceId}`]: randomBytes(32).toString("base64").replace(/=+$/, ""), [`ed25519:${alice.deviceId}`]: randomBytes(32).toString("base64").replace(/=+$/, "") },
    signatures: {},
  };
  await http.call("POST", "/_matrix/client/v3/keys/upload", { label: "upload device keys", token: alice.accessToken, body: { device_keys: deviceKeys } });
  const kq = await http.call("POST", "/_matrix/client/v3/keys/query", { label: "query keys", token: bob.accessToken, body: { device_keys: { [alice.userId]: [] } } });
  check(kq.json.device_keys?.[alice.userId]?.[alice.deviceId], "bob sees alice's uploaded device keys");
  const devs = await http.call("GET", "/_matrix/client/v3/devices", { label: "list devices", token: alice.accessToken });
  check(devs.json.devices.some((d: any) => d.device_id === alice.deviceId), "alice's device is listed");
  await eventually("to-device message in bob's /sync", async () => {
    const s = await http.call("GET", "/_matrix/client/v3/sync", { label: "incremental sync (bob)", token: bob.accessToken, query: { since: bobSince, timeout: "5000" } });
    bobSince = s.json.next_batch;
    return (s.json.to_device?.events ?? []).some((e: any) => e.type === "org.example.e2e" && e.content.hello === suffix) ? true : undefined;
  });
  checks.push("device keys uploaded and queried; a to-device message reached bob");

  // --- thread subscriptions (MSC4306): the endpoint exists only with Synapse's experimental
  // switch, which the rendered config does not set; the request still shows that HAProxy
  // sends the prefix to the thread-subscriptions writer, which answers (404 M_UNRECOGNIZED).
  const ts = await http.call("PUT", `/_matrix/client/unstable/io.element.msc4306/rooms/${r}/thread/${encodeURIComponent(eventId)}/subscription`, {
    label: "thread subscription (MSC4306)",
    token: bob.accessToken,
    body: {},
    ok: [200, 404],
  });
  checks.push(`thread subscription request answered ${ts.status}${ts.json?.errcode ? ` ${ts.json.errcode}` : ""}`);

  // --- media: upload, download, and the object store holds it
  const blob = randomBytes(64 * 1024);
  const up = await http.call("POST", "/_matrix/media/v3/upload", {
    label: "upload media",
    token: alice.accessToken,
    raw: blob,
    contentType: "application/octet-stream",
    query: { filename: "e2e.bin" },
  });
  const mxc: string = up.json.content_uri;
  const [mediaServer, mediaId] = mxc.replace("mxc://", "").split("/");
  const down = await http.call("GET", `/_matrix/client/v1/media/download/${mediaServer}/${mediaId}`, { label: "download media", token: bob.accessToken });
  check(down.buf.equals(blob), "downloaded media equals the upload");
  checks.push(`media round-trip (${blob.length} bytes) through the media repository`);
  // --- the frontend's own rules: upload limit on uploads only, admin API only on the admin host
  const edge = await runEdgeChecks(plan, http, { localpart: `alice${suffix}`, password: pw, session: alice }, `matrix.${server}`);
  checks.push(...edge.checks);
  edgeObservations.push(...edge.observations);
  if (plan.s3 && topo.objectStore) {
    // Synapse's media layout: local_content/<2 chars>/<2 chars>/<rest of the media ID>.
    const key = `local_content/${mediaId.slice(0, 2)}/${mediaId.slice(2, 4)}/${mediaId.slice(4)}`;
    const bucket = plan.s3.buckets[0];
    const obj = await eventually(`uploaded media at s3://${bucket}/${key}`, async () => (await topo.objectStore!.objects(bucket)).find((o) => o.key === key), 20_000);
    const md5 = createHash("md5").update(blob).digest("hex");
    check(obj.size === blob.length && obj.etag === md5, `s3://${bucket}/${key} holds ${obj.size} bytes, ETag ${obj.etag}; the upload was ${blob.length} bytes, MD5 ${md5}`);
    checks.push(`synapse-s3-storage-provider stored the upload at s3://${bucket}/${key} (size and MD5 match)`);
  }

  // --- user directory (filled in the background by its worker)
  await eventually("bob in alice's user directory search", async () => {
    const s = await http.call("POST", "/_matrix/client/v3/user_directory/search", { label: "user directory search", token: alice.accessToken, body: { search_term: `bob${suffix}`, limit: 5 } });
    return s.json.results.some((u: any) => u.user_id === bob.userId) ? true : undefined;
  }, 60_000, 1000);
  checks.push("user directory search finds bob");

  // --- federation API
  const fv = await fed.call("GET", "/_matrix/federation/v1/version", { label: "federation version" });
  check(typeof fv.json.server?.version === "string", "federation version answers with a server version");
  checks.push(`federation version endpoint answers (${fv.json.server.name} ${fv.json.server.version})`);
  // An unsigned inbound transaction: no remote server runs here to sign one, so Synapse must
  // refuse it (401) — from the inbound-federation pool the catalogue sends /send to.
  const ft = await fed.call("PUT", `/_matrix/federation/v1/send/e2e-${suffix}`, { label: "federation send (unsigned)", body: { origin: "remote.invalid", pdus: [], edus: [] }, ok: [401] });
  check(ft.json?.errcode === "M_UNAUTHORIZED", `unsigned federation transaction answered ${JSON.stringify(ft.json)}`);
  const keys = await fed.call("GET", "/_matrix/key/v2/server", { label: "server signing keys" });
  check(Object.keys(keys.json.verify_keys ?? {}).some((k) => k.startsWith("ed25519:")), "the server publishes its ed25519 signing key");
  checks.push("an unsigned federation transaction is refused (401); the server's signing key is published");

  // --- bridges: the appservice worker pushes the bot's invite to the (loopback) bridge
  const bridge = plan.appservices[0];
  if (bridge && topo.appserviceSink) {
    const botId = `@${bridge.botLocalpart}:${server}`;
    const reg = await http.call("POST", "/_matrix/client/v3/register", {
      label: "appservice registers its bot",
      token: bridge.asToken,
      body: { type: "m.login.application_service", username: bridge.botLocalpart, inhibit_login: true },
    });
    check(reg.json.user_id === botId, `appservice registration returned ${reg.json.user_id}`);
    await http.call("POST", `/_matrix/client/v3/rooms/${r}/invite`, { label: "invite bridge bot", token: alice.accessToken, body: { user_id: botId } });
    const txn = await eventually(`the invite of ${botId} pushed to the ${bridge.id} bridge`, async () =>
      topo.appserviceSink!.transactions.find((t) => t.appservice === bridge.id && t.events.some((e) => e.type === "m.room.member" && e.state_key === botId && e.content?.membership === "invite")),
    );
    const sender = plan.processes.find((p) => topo.procs.get(p.instance)?.pid === txn.senderPid);
    check(sender?.type === "appservice", `the appservice transaction came from ${sender?.instance ?? `pid ${txn.senderPid}`}, not from the appservice worker`);
    check(topo.appserviceSink.rejected.length === 0, `requests with a wrong hs_token: ${topo.appserviceSink.rejected.join(", ")}`);
    checks.push(`the ${bridge.id} bridge received the bot's invite in transaction ${txn.txnId}, pushed by ${sender.instance}`);
  }

  // --- push: pushers registered through HAProxy, delivered by the pusher worker to Sygnal
  if (topo.sygnal) {
    for (const c of await pushScenario(topo, http, alice, bob, roomId, suffix)) checks.push(c);
    log("push: delivered to Sygnal, rejected pusher dropped");
  }
  // Requests the extension sends go through the same HAProxy and the same routing check below.
  if (extension) await extension({ topo, http, alice, bob, checks, log });

  // --- every request: which process answered, and is it the one the catalogue routes it to?
  const requests: RoutedRequest[] = [];
  const problems: string[] = [];
  for (const s of [...http.sent, ...fed.sent]) {
    const entry = await topo.haproxyLog.waitFor(s.tag);
    const served = hp.servers[`${entry.backend}/${entry.server}`];
    const want = expectedType({ method: s.method, path: s.path, query: s.query });
    const servedType = served?.type ?? `(unknown ${entry.backend}/${entry.server})`;
    requests.push({
      label: s.label,
      method: s.method,
      path: s.path,
      status: s.status,
      backend: entry.backend,
      server: entry.server,
      servedBy: served?.instance ?? "?",
      servedType,
      expectedType: want,
    });
    if (servedType !== want) problems.push(`${s.label} (${s.method} ${s.path}) was served by ${entry.backend}/${entry.server} (${servedType}); the catalogue routes it to ${want}`);
    if (entry.status !== s.status) problems.push(`${s.label}: HAProxy logged ${entry.status}, the client saw ${s.status}`);
  }
  if (problems.length) throw new Failure(`routing differs from the catalogue:\n  ${problems.join("\n  ")}`);
  const types = new Set(requests.map((x) => x.servedType));
  log(`${requests.length} requests routed as the catalogue says, over ${types.size} process types (${[...types].join(", ")})`);
  check(types.has(MAIN), "at least one request reached main");
  return { requests, checks, edge: edgeObservations };
}
