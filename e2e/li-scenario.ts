/**
 * The lawful-intercept part of the e2e scenario, through main's generated HAProxy routes. Evidence
 * (liEvidenceScenario): what main redacts and purges is read back on synapse-li after the sync.
 * The key store (keyStoreScenario): key_vault
 * runs as its pods run it (e2e/key-vault.ts: `manage.py migrate`, then gunicorn, on its own
 * database of the run's PostgreSQL, with the service token main's key-store module reads from the
 * rendered token path), and a client stores a key payload at STORE_KEY_PATH. Two identical calls
 * leave one row in key_vault; a call without an access token, or for another user, is refused and
 * stores nothing. The routing check of the scenario holds every one of these requests to the
 * catalogue (main serves /_synapse/client/).
 */
import { createHash, randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";
import type { LoopbackPlan } from "./adapter";
import { MatrixHttp, registerWithSharedSecret } from "./client";
import { startLiInstance, type LiInstance } from "./li-instance";
import { keyVaultEnv, keyVaultManage, startKeyVault } from "./key-vault";
import { PortAllocator } from "./ports";
import { eventually, type Supervisor } from "./procs";
import type { PgInstance } from "./services";
import type { ScenarioContext } from "./scenario";
import { PUBLIC_KEY_PATH, STORE_KEY_PATH } from "../render/key-vault";
import { E2E_LI_PUBLIC_KEY_PEM } from "./render";

export interface KeyVaultForScenario {
  dbname: string;
}

/** key_vault on the plan's port, migrated first; undefined when the plan renders no LI. */
export async function startKeyVaultForScenario(sup: Supervisor, plan: LoopbackPlan): Promise<KeyVaultForScenario | undefined> {
  const kv = plan.keyVault;
  if (!kv) return undefined;
  const env = keyVaultEnv({ host: "127.0.0.1", port: plan.postgres.port, ...kv.database }, kv.token, path.join(plan.runDir, "key-vault-secrets"));
  await keyVaultManage(env, ["migrate", "--noinput"]);
  await startKeyVault(sup, kv.port, env);
  return { dbname: kv.database.dbname };
}

class Failure extends Error {}
function check(cond: unknown, msg: string): asserts cond {
  if (!cond) throw new Failure(msg);
}

export async function keyStoreScenario(ctx: ScenarioContext, kv: KeyVaultForScenario): Promise<void> {
  const { http, alice, bob, checks, topo, log } = ctx;
  const rows = (user: string) => Number(topo.pg.sql(`SELECT count(*) FROM recovery_key WHERE user_id = '${user.replace(/'/g, "''")}'`, kv.dbname).trim());
  const payload = Buffer.from(`an RSA-OAEP ciphertext of ${alice.userId}'s recovery key`).toString("base64");

  const key = await http.call("GET", PUBLIC_KEY_PATH, { label: "li public key", token: alice.accessToken });
  check(key.json.public_key_pem === E2E_LI_PUBLIC_KEY_PEM, `the module serves the rendered LI public key, got ${JSON.stringify(key.json).slice(0, 120)}`);

  const first = await http.call("POST", STORE_KEY_PATH, { label: "li store key", token: alice.accessToken, body: { encrypted_key: payload } });
  check(first.json.created === true, `first store: ${JSON.stringify(first.json)}`);
  const second = await http.call("POST", STORE_KEY_PATH, { label: "li store key again", token: alice.accessToken, body: { encrypted_key: payload } });
  check(second.json.created === false && second.json.sha256 === first.json.sha256, `second store: ${JSON.stringify(second.json)}`);
  check(rows(alice.userId) === 1, `key_vault holds ${rows(alice.userId)} rows for ${alice.userId} after two identical calls`);
  checks.push("key store through HAProxy -> main's key-store module -> key_vault: two identical calls, one row");

  const anonymous = await http.call("POST", STORE_KEY_PATH, { label: "li store key without token", body: { encrypted_key: payload }, ok: [401] });
  check(anonymous.json.errcode === "M_MISSING_TOKEN", `no token: ${JSON.stringify(anonymous.json)}`);
  const forBob = await http.call("POST", STORE_KEY_PATH, { label: "li store key for another user", token: alice.accessToken, body: { user_id: bob.userId, encrypted_key: payload }, ok: [403] });
  check(forBob.json.errcode === "M_FORBIDDEN", `for another user: ${JSON.stringify(forBob.json)}`);
  check(rows(bob.userId) === 0, `key_vault holds ${rows(bob.userId)} rows for ${bob.userId} after refused calls`);
  checks.push("key store refused without an access token (401) and for another user (403); nothing stored");
  log("li: key store through HAProxy, once per payload, refused without token or for another user");
}

/**
 * Evidence main deletes stays readable on LI: the sync's archive is set up before any message
 * (`li-sync ensure`: the subscription keeps every insert from then on), a message is sent and
 * redacted through HAProxy and its room's history purged with the admin API (gone from main's
 * tables); a file uploaded through HAProxy reaches LI's bucket (the tenant's replication rule)
 * and is then deleted on main with the media admin API and purged from main's bucket. Then
 * `li-sync refresh` clones main and merges the archive back, and an investigator on synapse-li
 * (its rendered config, on the refreshed database and LI's bucket) reads the original body
 * through the fetch_event admin API and downloads the file with identical bytes; main's own
 * password does not log in there.
 */
export async function liEvidenceScenario(ctx: ScenarioContext, li: LiInstance): Promise<void> {
  const { http, checks, topo, log } = ctx;
  const plan = topo.plan;
  const suffix = randomBytes(3).toString("hex");
  const pw = "e2e-li-" + randomBytes(12).toString("hex");
  const officer = await registerWithSharedSecret(http, plan.registrationSecret, `officer${suffix}`, pw, true);
  const auth = { token: officer.accessToken };
  const room = (await http.call("POST", "/_matrix/client/v3/createRoom", { ...auth, label: "li evidence room", body: { name: "evidence" } })).json.room_id as string;
  const r = encodeURIComponent(room);
  const original = `the original, redacted and purged ${suffix}`;
  const eventId = (await http.call("PUT", `/_matrix/client/v3/rooms/${r}/send/m.room.message/li-${suffix}-1`, { ...auth, label: "li send", body: { msgtype: "m.text", body: original } })).json.event_id as string;
  await http.call("PUT", `/_matrix/client/v3/rooms/${r}/redact/${encodeURIComponent(eventId)}/li-${suffix}-2`, { ...auth, label: "li redact", body: { reason: "gone" } });
  // The purge keeps the room's latest event: one more after the redaction.
  await http.call("PUT", `/_matrix/client/v3/rooms/${r}/send/m.room.message/li-${suffix}-3`, { ...auth, label: "li send after", body: { msgtype: "m.text", body: "a later message the purge keeps" } });
  const purge = await http.call("POST", `/_synapse/admin/v1/purge_history/${r}`, { ...auth, label: "li purge history", body: { delete_local_events: true, purge_up_to_ts: Date.now() } });
  await eventually("the purge", async () => {
    const { json } = await http.call("GET", `/_synapse/admin/v1/purge_history_status/${purge.json.purge_id}`, { ...auth, label: "li purge status" });
    return json.status === "complete" ? true : undefined;
  }, 60_000);
  const mainDb = plan.postgres.databases[0].dbname;
  const onMain = (table: string) => topo.pg.sql(`SELECT count(*) FROM ${table} WHERE event_id = '${eventId}'`, mainDb).trim();
  check(onMain("events") === "0" && onMain("event_json") === "0", `main still has ${eventId} after the purge`);
  checks.push(`LI: a message sent, redacted and purged through HAProxy (purge_history ${purge.json.purge_id}) is gone from main's events and event_json`);
  const media = await mediaDeletedOnMain(ctx, li, auth);

  await eventually("the archive to hold the original", async () => (li.archive(`SELECT json FROM event_json WHERE event_id = '${eventId}'`).includes(original) ? true : undefined), 60_000);
  await eventually("the archive to hold the deleted media's row", async () => (li.archive(`SELECT count(*) FROM local_media_repository WHERE media_id = '${media.id}'`) === "1" ? true : undefined), 60_000);
  const out = await li.sync("refresh");
  check(li.archive("SELECT status FROM li_sync_runs ORDER BY id DESC LIMIT 1") === "ok", `refresh: ${out.slice(-400)}`);
  const liUrl = await li.startSynapseLi();
  const lhttp = new MatrixHttp(liUrl);
  const mainLogin = await lhttp.call("POST", "/_matrix/client/v3/login", { label: "li: main's password", body: { type: "m.login.password", identifier: { type: "m.id.user", user: `officer${suffix}` }, password: pw }, ok: [403] });
  check(mainLogin.status === 403, "main's password does not log in on synapse-li");
  const investigator = await registerWithSharedSecret(lhttp, li.registrationSecret, `investigator${suffix}`, pw + "-li", true);
  const { json } = await lhttp.call("GET", `/_synapse/admin/v1/fetch_event/${encodeURIComponent(eventId)}`, { token: investigator.accessToken, label: "li fetch_event" });
  check(json.event?.content?.body === original, `fetch_event on synapse-li: ${JSON.stringify(json).slice(0, 300)}`);
  checks.push(`LI: after li-sync refresh, synapse-li's fetch_event returns the original body of the purged, redacted ${eventId}; main's password is refused there`);
  log("li: the purged, redacted message is read back on synapse-li");

  // The file main deleted: synapse-li has no local copy (the provider streams from the bucket
  // without keeping one), so its bytes can come only from LI's bucket.
  const local = path.join(li.mediaStore, media.key);
  const noLocalCopy = () => check(!fs.existsSync(local), `synapse-li's media store holds ${local}: the download did not have to come from s3://${li.mediaBucket}`);
  noLocalCopy();
  const down = await lhttp.call("GET", `/_matrix/client/v1/media/download/${media.server}/${media.id}`, { token: investigator.accessToken, label: "li: download main's deleted media" });
  check(down.buf.equals(media.bytes), `synapse-li served ${down.buf.length} bytes (sha256 ${sha256(down.buf)}) for ${media.mxc}; the upload was ${media.bytes.length} bytes (sha256 ${sha256(media.bytes)})`);
  noLocalCopy();
  checks.push(`LI: synapse-li serves ${media.mxc}, deleted on main and purged from its bucket, to an investigator from s3://${li.mediaBucket} with identical bytes (${media.bytes.length} bytes, sha256 ${sha256(media.bytes).slice(0, 16)}...)`);
  log("li: the file deleted on main is downloaded from synapse-li");
}

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/**
 * An upload through main's HAProxy, replicated into LI's bucket, then deleted on main: the media
 * admin API (DELETE /_synapse/admin/v1/media/{server}/{id}) removes its row and local file, and
 * main no longer serves it. Synapse leaves the storage provider's copy in main's bucket (its
 * storage providers have no delete), so the bucket's copy is purged too, every version, as a
 * clean-up of the bucket would: the case the replication rule exists for, since a rule that
 * carried deletes would take LI's copy with it.
 */
async function mediaDeletedOnMain(ctx: ScenarioContext, li: LiInstance, auth: { token: string }): Promise<{ mxc: string; server: string; id: string; key: string; bytes: Buffer }> {
  const { http, checks, topo, log } = ctx;
  const store = topo.objectStore;
  const mainBucket = topo.plan.s3?.buckets[0];
  if (!store || !mainBucket) throw new Failure("LI's media check needs the run's object store");
  const bytes = randomBytes(24 * 1024);
  const up = await http.call("POST", "/_matrix/media/v3/upload", { ...auth, label: "li upload media", raw: bytes, contentType: "application/octet-stream", query: { filename: "evidence.bin" } });
  const mxc = String(up.json.content_uri);
  const [server, id] = mxc.replace("mxc://", "").split("/");
  // Synapse's media layout, in its media store and (prefix "") in the bucket.
  const key = `local_content/${id.slice(0, 2)}/${id.slice(2, 4)}/${id.slice(4)}`;
  await eventually(`${key} replicated into s3://${li.mediaBucket}`, async () => {
    try {
      return (await store.read(li.mediaBucket, key)).equals(bytes) ? true : undefined;
    } catch {
      return undefined;
    }
  }, 60_000, 500);
  checks.push(`LI: ${mxc} uploaded through HAProxy is stored in s3://${mainBucket} and replicated into s3://${li.mediaBucket} by the tenant's rule`);

  const del = await http.call("DELETE", `/_synapse/admin/v1/media/${server}/${id}`, { ...auth, label: "li delete media on main" });
  check(del.json.total === 1 && (del.json.deleted_media as string[]).includes(id), `media delete: ${JSON.stringify(del.json)}`);
  const gone = await http.call("GET", `/_matrix/client/v1/media/download/${server}/${id}`, { ...auth, label: "li download deleted media on main", ok: [404] });
  check(gone.status === 404, `main still serves ${mxc}: HTTP ${gone.status}`);
  const mainFile = path.join(topo.plan.input.paths.mediaStore, key);
  check(!fs.existsSync(mainFile), `main's media store still holds ${mainFile}`);
  await store.purge(mainBucket, key);
  const left = await store.versions(mainBucket, key);
  check(left.length === 0, `s3://${mainBucket}/${key} still has ${left.length} version(s) after the purge`);
  checks.push(`LI: ${mxc} deleted on main with the media admin API (main answers 404, its media store no longer has the file) and every version purged from s3://${mainBucket}`);
  log("li: media replicated to LI's bucket, then deleted on main and purged from main's bucket");
  return { mxc, server, id, key, bytes };
}

/** LI's server, the sync's archive and subscription (before any message the scenario checks); undefined without LI. */
export async function startLiForScenario(sup: Supervisor, plan: LoopbackPlan, mainPg: PgInstance): Promise<LiInstance | undefined> {
  if (!plan.keyVault) return undefined;
  const ports = new PortAllocator();
  const li = await startLiInstance(sup, plan, mainPg, { pgPort: await ports.take(), httpPort: await ports.take(), metricsPort: await ports.take() });
  await li.sync("ensure");
  await eventually("the LI subscription's apply worker", async () => (li.archive("SELECT count(*) FROM pg_stat_subscription WHERE pid IS NOT NULL") === "1" ? true : undefined), 60_000);
  return li;
}
