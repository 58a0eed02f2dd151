/**
 * The rendered RTC configurations, accepted and obeyed by the real programs (built or installed by
 * scripts/provision.d/50-rtc.sh): LiveKit at the image's tag, lk-jwt-service from the vendored
 * source at the image's tag, Debian's coturn. Each is started on loopback with what the renderers
 * produce for the deployed inputs (addresses and port numbers swapped for loopback ones).
 */
import { strict as assert } from "assert";
import * as crypto from "crypto";
import * as fs from "fs";
import { PortAllocator } from "../../e2e/ports";
import { eventually, Supervisor } from "../../e2e/procs";
import { startRedis } from "../../e2e/services";
import {
  joinLivekitRoom, livekitKeyPair, takeTcpUdpPort, takeUdpRange, livekitToken, requireRtcTools, roomService, runUclient, startCoturn, startTurnPeer, TEST_RELAY_PORTS, startLivekit, startLkJwt, turnRestCredentials,
  type LivekitInstance,
} from "../../e2e/rtc";
import { DENIED_PEER_RANGES } from "../../render/rtc";
import { exposedNames } from "../../e2e/metrics";
import { deadQueriesOf, usedMetricNames } from "../../components/monitoring/metric-sources";

describe("RTC configs accepted by the real programs", function () {
  this.timeout(300_000);
  let sup: Supervisor;
  const ports = new PortAllocator();

  before(() => {
    requireRtcTools();
    sup = new Supervisor(Supervisor.freshRunDir());
  });
  after(async () => {
    await sup?.stopAll();
  });

  describe("LiveKit SFU", () => {
    let lk: LivekitInstance;
    before(async () => {
      lk = await startLivekit(sup, { port: await ports.take(), tcpPort: await ports.take(), metricsPort: await ports.take(), udpPorts: await takeUdpRange(ports, 20) });
    });

    it("starts with the rendered config and serves its Prometheus metrics", async () => {
      const metrics = await fetch(`http://127.0.0.1:${(lk.config as any).prometheus_port}/metrics`);
      assert.equal(metrics.status, 200);
      assert.match(await metrics.text(), /^livekit_/m);
      // No dead queries: every name the LiveKit alerts and dashboard read is served, idle as it is
      // (the node's packet counters appear with its first stats update, a few seconds in).
      assert.ok(usedMetricNames().some((u) => u.job === "livekit"));
      let dead: string[] = [];
      await eventually("every LiveKit name the monitoring reads", async () => {
        const text = await (await fetch(`http://127.0.0.1:${(lk.config as any).prometheus_port}/metrics`)).text();
        dead = deadQueriesOf("livekit", [...exposedNames(text)]);
        return dead.length === 0 ? true : undefined;
      }, 60_000).catch((e: Error) => assert.fail(`${e.message}: ${dead.join("; ")}`));
    });

    it("creates no room on a join token (room.auto_create off): only the server API does", async () => {
      const room = `room-${crypto.randomBytes(4).toString("hex")}`;
      const join = livekitToken(lk.apiKey, lk.apiSecret, "alice", { roomJoin: true, room });
      const before = await fetch(`${lk.url}/rtc/validate?access_token=${join}`);
      assert.equal(before.status, 404, `join before the room exists: ${await before.text()}`);
      const created = await roomService(lk.url, "CreateRoom", livekitToken(lk.apiKey, lk.apiSecret, "svc", { roomCreate: true }), { name: room });
      assert.equal(created.status, 200, JSON.stringify(created.body));
      const after = await fetch(`${lk.url}/rtc/validate?access_token=${join}`);
      assert.equal(after.status, 200, await after.text());
      const list = await roomService(lk.url, "ListRooms", livekitToken(lk.apiKey, lk.apiSecret, "svc", { roomList: true }));
      assert.ok(list.body.rooms.some((r: { name: string }) => r.name === room));
    });

    it("a client with a join token joins the room over the signalling websocket; the server API lists it", async () => {
      const room = `call-${crypto.randomBytes(4).toString("hex")}`;
      const admin = livekitToken(lk.apiKey, lk.apiSecret, "svc", { roomCreate: true, roomAdmin: true, room });
      assert.equal((await roomService(lk.url, "CreateRoom", admin, { name: room })).status, 200);
      const join = livekitToken(lk.apiKey, lk.apiSecret, "@alice:example.org", { roomJoin: true, room });
      const r = await joinLivekitRoom(lk.url, join, async () => roomService(lk.url, "ListParticipants", admin, { room }));
      assert.ok(r.joined, `the SFU answered the join: ${r.detail}`);
      assert.deepEqual(r.value!.body.participants.map((p: { identity: string }) => p.identity), ["@alice:example.org"]);
      const forged = livekitToken(lk.apiKey, livekitKeyPair().apiSecret, "@mallory:example.org", { roomJoin: true, room });
      const refused = await joinLivekitRoom(lk.url, forged, async () => undefined);
      assert.equal(refused.joined, false, `a join token signed with another key is refused: ${refused.detail}`);
    });

    it("refuses a token signed with another key", async () => {
      const other = livekitKeyPair();
      const forgedSecret = livekitToken(lk.apiKey, other.apiSecret, "mallory", { roomList: true });
      assert.equal((await roomService(lk.url, "ListRooms", forgedSecret)).status, 401);
      const unknownKey = livekitToken(other.apiKey, other.apiSecret, "mallory", { roomList: true });
      assert.equal((await roomService(lk.url, "ListRooms", unknownKey)).status, 401);
    });
  });

  it("LiveKit in distributed mode runs over Redis (the config rendered above one replica)", async () => {
    const redisPort = await ports.take();
    const password = crypto.randomBytes(16).toString("hex");
    await startRedis(sup, redisPort, password);
    const keys = livekitKeyPair();
    const a = await startLivekit(sup, { name: "livekit-distributed", port: await ports.take(), tcpPort: await ports.take(), metricsPort: await ports.take(), udpPorts: await takeUdpRange(ports, 10), keys, redis: { address: `127.0.0.1:${redisPort}`, password, useTls: false } });
    const log = fs.readFileSync(a.proc.logFile, "utf8");
    assert.match(log, /redis/i, "LiveKit connected to Redis");
    // A room created on this node is registered in Redis, where every node of the cluster finds it.
    const created = await roomService(a.url, "CreateRoom", livekitToken(keys.apiKey, keys.apiSecret, "svc", { roomCreate: true }), { name: "shared-room" });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const { spawnSync } = await import("child_process");
    const keysInRedis = spawnSync("redis-cli", ["-p", String(redisPort), "-a", password, "--no-auth-warning", "HKEYS", "rooms"], { encoding: "utf8" });
    assert.match(keysInRedis.stdout, /shared-room/, `rooms hash in Redis: ${keysInRedis.stdout}${keysInRedis.stderr}`);
  });

  it("LiveKit reaches a TLS Redis through a private CA (Memorystore's case) and refuses one it cannot verify", async () => {
    const dir = fs.mkdtempSync(`${sup.runDir}/redis-tls-`);
    const { execFileSync } = await import("child_process");
    const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
    // A throw-away CA and a server certificate for 127.0.0.1 signed by it; a second CA that signed nothing.
    for (const ca of ["ca", "other-ca"]) openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", `${ca}.key`, "-out", `${ca}.crt`, "-days", "1", "-subj", `/CN=${ca}`);
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1");
    fs.writeFileSync(`${dir}/ext`, "subjectAltName=IP:127.0.0.1\n");
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.crt", "-days", "1", "-extfile", "ext");
    const tlsPort = await ports.take();
    const password = crypto.randomBytes(16).toString("hex");
    const redis = sup.start({ name: "redis-tls", command: "redis-server", args: ["--port", "0", "--tls-port", String(tlsPort), "--tls-cert-file", `${dir}/server.crt`, "--tls-key-file", `${dir}/server.key`, "--tls-auth-clients", "no", "--requirepass", password, "--save", "", "--appendonly", "no"] });
    for (let i = 0; i < 50 && !fs.readFileSync(redis.logFile, "utf8").includes("Ready to accept"); i++) await new Promise((r) => setTimeout(r, 100));
    const keys = livekitKeyPair();
    const lk = await startLivekit(sup, { name: "livekit-redis-tls", port: await ports.take(), tcpPort: await ports.take(), metricsPort: await ports.take(), udpPorts: await takeUdpRange(ports, 10), keys, redis: { address: `127.0.0.1:${tlsPort}`, password, useTls: true, caCertFile: `${dir}/ca.crt` } });
    const created = await roomService(lk.url, "CreateRoom", livekitToken(keys.apiKey, keys.apiSecret, "svc", { roomCreate: true }), { name: "tls-room" });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const inRedis = execFileSync("redis-cli", ["--tls", "--cacert", `${dir}/ca.crt`, "-p", String(tlsPort), "-a", password, "--no-auth-warning", "HKEYS", "rooms"], { encoding: "utf8" });
    assert.match(inRedis, /tls-room/, "the room is registered in Redis over the verified TLS connection");
    // With a CA that did not sign the server's certificate, LiveKit does not come up on that Redis.
    await assert.rejects(startLivekit(sup, { name: "livekit-redis-wrong-ca", port: await ports.take(), tcpPort: await ports.take(), metricsPort: await ports.take(), udpPorts: await takeUdpRange(ports, 10), keys, redis: { address: `127.0.0.1:${tlsPort}`, password, useTls: true, caCertFile: `${dir}/other-ca.crt` } }));
  });

  describe("coturn", () => {
    const secret = crypto.randomBytes(32).toString("hex");
    let peerPort: number;
    let open: Awaited<ReturnType<typeof startCoturn>>;
    let deployed: Awaited<ReturnType<typeof startCoturn>>;
    before(async () => {
      peerPort = await startTurnPeer(sup, ports);
      open = await startCoturn(sup, { name: "coturn-loopback", port: await takeTcpUdpPort(ports), tlsPort: await takeTcpUdpPort(ports), relayPorts: await takeUdpRange(ports, TEST_RELAY_PORTS), realm: "example.org", sharedSecret: secret, loopbackPeers: true });
      deployed = await startCoturn(sup, { name: "coturn-deployed", port: await takeTcpUdpPort(ports), tlsPort: await takeTcpUdpPort(ports), relayPorts: await takeUdpRange(ports, TEST_RELAY_PORTS), realm: "example.org", sharedSecret: secret, loopbackPeers: false });
    });

    it("starts with the rendered config: every option understood, TLS loaded, every denied range read", () => {
      const log = fs.readFileSync(deployed.proc.logFile, "utf8");
      const bad = log.split("\n").filter((l) => /Bad configuration format|Unknown argument|CONFIG ERROR/i.test(l));
      assert.deepEqual(bad, [], "coturn rejected an option");
      assert.match(log, /Certificate file found/);
      assert.match(log, /Default realm: example\.org/);
      for (const r of DENIED_PEER_RANGES) assert.ok(log.includes(`Black listing: ${r}`), `coturn denies ${r}`);
    });

    it("relays with TURN REST credentials signed with the shared secret", async () => {
      const { username, password } = turnRestCredentials(secret, "@alice:example.org");
      const r = await runUclient({ turnPort: open.port, username, password, peerPort, messages: 5 });
      assert.equal(r.code, 0, r.output.slice(-2000));
      // UDP on a loaded machine may drop some; any echo proves the relay carried it both ways.
      assert.ok(r.received > 0, `messages relayed and echoed: sent ${r.sent}, received ${r.received}`);
    });

    it("refuses an allocation with a wrong password", async () => {
      const { username } = turnRestCredentials(secret, "@alice:example.org");
      const r = await runUclient({ turnPort: open.port, username, password: turnRestCredentials("not-the-secret", "@alice:example.org").password, peerPort });
      assert.notEqual(r.code, 0);
      assert.match(r.output, /Cannot complete Allocation/);
      assert.equal(r.received, 0);
    });

    it("the deployed config refuses to relay to a private address (loopback here)", async () => {
      const { username, password } = turnRestCredentials(secret, "@alice:example.org");
      const r = await runUclient({ turnPort: deployed.port, username, password, peerPort });
      assert.match(r.output, /403 \(Forbidden IP\)/);
      assert.equal(r.received, 0);
    });
  });

  it("lk-jwt-service starts with the rendered environment (key and secret from files) and answers /healthz", async () => {
    const keys = livekitKeyPair();
    const jwt = await startLkJwt(sup, { port: await ports.take(), livekitUrl: "ws://127.0.0.1:7880", apiKey: keys.apiKey, apiSecret: keys.apiSecret, serverName: "example.org" });
    assert.equal(jwt.env.LIVEKIT_KEY, undefined);
    assert.equal(jwt.env.LIVEKIT_SECRET, undefined);
    const log = fs.readFileSync(jwt.proc.logFile, "utf8");
    assert.match(log, /Using LiveKit API key from LIVEKIT_KEY_FROM_FILE/);
    assert.match(log, /Using LiveKit API secret from LIVEKIT_SECRET_FROM_FILE/);
    assert.match(log, /LIVEKIT_FULL_ACCESS_HOMESERVERS: \[example\.org\]/);
    assert.equal((await fetch(`${jwt.url}/healthz`)).status, 200);
    const malformed = await fetch(`${jwt.url}/get_token`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    assert.equal(malformed.status, 400);
    assert.ok(!log.includes(keys.apiSecret), "the secret is never logged");
  });
});
