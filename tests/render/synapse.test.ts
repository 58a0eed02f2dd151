import { strict as assert } from "assert";
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from "crypto";
import { parse } from "yaml";
import { WORKER_TYPES } from "../../catalog/workers";
import {
  DEFAULT_SYNAPSE_PATHS,
  dbPoolSize,
  ed25519SeedFromPkcs8Pem,
  renderAppserviceRegistration,
  renderHomeserverConfig,
  renderSynapse,
  renderWorkerConfig,
  signingKeyVersion,
  synapseSigningKey,
  bridgeAppservice,
  processBudgetFromSizing,
} from "../../render/synapse";
import { fixtureRenderInput, fixtureSizing } from "./fixtures";

describe("Synapse signing key conversion", () => {
  it("takes the 32-byte seed from the PKCS#8 DER and writes Synapse's one-line format", () => {
    const { privateKey } = generateKeyPairSync("ed25519");
    const pem = privateKey.export({ format: "pem", type: "pkcs8" }).toString();
    const seed = ed25519SeedFromPkcs8Pem(pem);
    assert.equal(seed.length, 32);
    // The seed rebuilds the same key: sign with the rebuilt key, verify with the original's public key.
    const der = Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), seed]);
    const rebuilt = createPrivateKey({ key: der, format: "der", type: "pkcs8" });
    const sig = sign(null, Buffer.from("msg"), rebuilt);
    assert.ok(verify(null, Buffer.from("msg"), createPublicKey(privateKey), sig));
    const line = synapseSigningKey(pem);
    assert.match(line, /^ed25519 a_[A-Za-z]{4} [A-Za-z0-9+/]{43}\n$/);
    assert.equal(line.trim().split(" ")[2], seed.toString("base64").replace(/=+$/, ""));
    assert.equal(signingKeyVersion(pem), signingKeyVersion(pem), "stable for one key");
  });

  it("rejects keys that are not Ed25519", () => {
    const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey.export({ format: "pem", type: "pkcs8" }).toString();
    assert.throws(() => synapseSigningKey(rsa), /not an Ed25519 PKCS#8 key/);
    assert.throws(() => ed25519SeedFromPkcs8Pem("garbage"), /not a PEM/);
  });
});

describe("database pool sizing", () => {
  it("fits every process's pool in max_connections with headroom", () => {
    for (const [max, procs] of [[100, 3], [400, 30], [2000, 188], [5000, 40]]) {
      const p = dbPoolSize(max, procs);
      assert.ok(p.total <= max * 0.8 - 10, `${max}/${procs}: ${p.total}`);
      assert.ok(p.cp_min >= 1 && p.cp_min <= p.cp_max && p.cp_max <= 10);
    }
    assert.equal(dbPoolSize(5000, 40).cp_max, 10, "no more than Synapse's default per process");
    assert.throws(() => dbPoolSize(100, 200), /cannot give 200 Synapse processes/);
  });

  it("counts pools at their HPA ceiling", () => {
    const sizing = fixtureSizing("20k");
    const budget = processBudgetFromSizing(sizing);
    const atReplicas = 1 + Object.values(sizing.synapse.workers).reduce((a, w) => a + w.replicas, 0);
    assert.ok(budget > atReplicas);
    const hs = renderHomeserverConfig(fixtureRenderInput("20k"));
    const args = (hs.database as { args: { cp_max: number } }).args;
    assert.ok(args.cp_max * budget <= 0.8 * sizing.database.maxConnections);
  });
});

describe("homeserver.yaml", () => {
  const input = fixtureRenderInput("100");
  const hs = renderHomeserverConfig(input);

  it("reads every secret from a file and never holds one inline", () => {
    for (const key of ["signing_key_path", "macaroon_secret_key_path", "registration_shared_secret_path", "form_secret_path", "worker_replication_secret_path", "turn_shared_secret_path"]) {
      assert.ok(String(hs[key]).startsWith("/etc/synapse/"), key);
    }
    for (const key of ["macaroon_secret_key", "registration_shared_secret", "form_secret", "worker_replication_secret", "turn_shared_secret"]) assert.equal(hs[key], undefined, key);
    const db = hs.database as { args: Record<string, unknown> };
    assert.equal(db.args.password, undefined);
    assert.equal(db.args.passfile, DEFAULT_SYNAPSE_PATHS.pgpass);
    const redis = hs.redis as Record<string, unknown>;
    assert.equal(redis.password, undefined);
    assert.equal(redis.password_path, DEFAULT_SYNAPSE_PATHS.redisPassword);
    assert.equal(redis.use_tls, true);
    const s3 = (hs.media_storage_providers as { config: Record<string, unknown> }[])[0].config;
    assert.equal(s3.access_key_id, undefined);
    assert.equal(s3.secret_access_key, undefined);
  });

  it("moves the media repository to the media workers, backed by the S3 provider", () => {
    assert.equal(hs.enable_media_repo, false);
    assert.equal(hs.media_instance_running_background_jobs, "media-repository-0");
    const provider = (hs.media_storage_providers as Record<string, unknown>[])[0];
    assert.equal(provider.module, "s3_storage_provider.S3StorageProviderBackend");
    assert.equal(provider.store_synchronous, true, "in the bucket before the upload returns, so the local cache may be pruned");
    assert.notEqual(hs.enable_local_media_storage, false, "the provider uploads from the local store; turning it off fails every upload");
    assert.equal(renderWorkerConfig(input, input.instances.find((i) => i.type?.name === "media-repository")!).enable_media_repo, true);
    assert.deepEqual((hs.stream_writers as Record<string, string[]>).quarantined_media_changes, ["media-repository-0"]);
  });

  it("assigns every duty to the worker the catalogue names", () => {
    assert.equal(hs.run_background_tasks_on, "background-0");
    assert.equal(hs.notify_appservices_from_worker, "appservice-0");
    assert.equal(hs.update_user_directory_from_worker, "user-directory-0");
    assert.deepEqual(hs.federation_sender_instances, ["federation-sender-0"]);
    assert.deepEqual(hs.pusher_instances, ["pusher-0"]);
    assert.deepEqual((hs.stream_writers as Record<string, string[]>).events, ["event-persister-0"]);
  });

  it("restricts outbound federation to the federation senders, each reachable on a replication listener", () => {
    assert.deepEqual(hs.outbound_federation_restricted_to, ["federation-sender-0"]);
    const map = hs.instance_map as Record<string, { port: number }>;
    for (const name of hs.outbound_federation_restricted_to as string[]) {
      const inst = input.instances.find((i) => i.name === name)!;
      assert.equal(map[name].port, input.network.addressOf(inst).replicationPort, `${name} in instance_map`);
      const ls = renderWorkerConfig(input, inst).worker_listeners as { port: number; resources?: { names: string[] }[] }[];
      const repl = ls.find((l) => l.resources?.some((r) => r.names.includes("replication")));
      assert.equal(repl?.port, map[name].port, `${name} serves replication where instance_map points`);
    }
  });

  it("has a metrics listener on every process and enable_metrics", () => {
    assert.equal(hs.enable_metrics, true);
    assert.ok((hs.listeners as { type: string }[]).some((l) => l.type === "metrics"));
    for (const inst of input.instances) {
      const w = renderWorkerConfig(input, inst);
      const ls = w.worker_listeners as { type: string; resources?: { names: string[] }[] }[];
      assert.ok(ls.some((l) => l.type === "metrics"), inst.name);
      const http = ls.filter((l) => l.type === "http");
      assert.ok(http.length >= 1, `${inst.name} has an HTTP listener for /health`);
      const replication = http.filter((l) => l.resources?.[0].names.includes("replication"));
      assert.equal(replication.length, inst.type!.resources.includes("replication") ? 1 : 0, inst.name);
      assert.equal(w.worker_name, inst.name);
    }
  });

  it("takes the retention period and upload limit from the spec", () => {
    assert.equal(hs.redaction_retention_period, "7d");
    assert.equal(hs.max_upload_size, 104857600, "whole bytes, the number HAProxy limits uploads to");
    const never = renderHomeserverConfig({ ...input, redactionRetentionPeriod: null });
    assert.equal(never.redaction_retention_period, null);
  });

  it("renders YAML text that parses back to the object", () => {
    const r = renderSynapse(input);
    assert.deepEqual(parse(r.homeserver.text), r.homeserver.object);
    assert.equal(r.workers.size, WORKER_TYPES.length);
    for (const w of r.workers.values()) assert.deepEqual(parse(w.text), w.object);
    assert.doesNotMatch(r.homeserver.text, /&a\d|\*a\d/, "no YAML anchors");
  });
});

describe("appservice registrations", () => {
  it("claims the bot and the puppets exclusively and refuses equal tokens", () => {
    const reg = renderAppserviceRegistration(bridgeAppservice("telegram", { serverName: "example.com", namespace: "matrix", asToken: "a", hsToken: "b", senderLocalpart: "xyz" }));
    assert.deepEqual((reg.namespaces as { users: unknown[] }).users, [
      { regex: "^@telegrambot:example\\.com$", exclusive: true },
      { regex: "^@telegram_.*:example\\.com$", exclusive: true },
    ]);
    assert.equal(reg.rate_limited, false);
    assert.throws(() => renderAppserviceRegistration(bridgeAppservice("whatsapp", { serverName: "e.com", namespace: "m", asToken: "a", hsToken: "a", senderLocalpart: "x" })), /must differ/);
  });
});
