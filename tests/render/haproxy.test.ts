import { strict as assert } from "assert";
import { WORKER_TYPES } from "../../catalog/workers";
import { frontendRefusal, isReady, parseSynapseSize, renderHaproxyConfig, roomHashKey, routeRequest, userHashKey } from "../../render/haproxy";
import { fixtureHaproxyModel, fixtureSizing } from "./fixtures";

describe("HAProxy model and config", () => {
  const model = fixtureHaproxyModel("20k");
  const text = renderHaproxyConfig(model);

  it("discovers pool pods through headless Services with server-template slots up to the HPA ceiling", () => {
    const sizing = fixtureSizing("20k");
    const sync = model.backends.find((b) => b.name === "synchrotron")!;
    assert.deepEqual(sync.servers, [{ kind: "template", prefix: "pod", count: sizing.synapse.workers.synchrotron.maxReplicas, host: "synchrotron.matrix.svc.cluster.local", port: 8008 }]);
    assert.match(text, /server-template pod 32 synchrotron\.matrix\.svc\.cluster\.local:8008/);
    assert.match(text, /resolvers kubedns\n    parse-resolv-conf/);
    assert.match(text, /default-server init-addr none check inter 5s fall 3 rise 2 resolvers kubedns/);
  });

  it("addresses stable-name instances one by one", () => {
    const media = model.backends.find((b) => b.name === "media-repository")!;
    assert.equal(media.servers.length, 8);
    assert.match(text, /server media-repository-7 media-repository-7\.media-repository\.matrix\.svc\.cluster\.local:8008/);
  });

  it("health-checks every backend with servers on /health and balances as the catalogue says", () => {
    const served = model.backends.filter((b) => !b.reply);
    for (const b of served) assert.equal(b.healthPath, "/health");
    assert.equal(text.match(/option httpchk GET \/health/g)!.length, served.length);
    assert.match(text, /backend synchrotron\n    balance hdr\(X-Matrix-Localpart\)\n    hash-type consistent/);
    assert.match(text, /backend federation-inbound\n    balance source\n    hash-type consistent/);
    assert.match(text, /backend room-messages\n    balance hdr\(X-Matrix-Room-Id\)\n    hash-type consistent/);
    assert.match(text, /backend event-creator\n    balance hdr\(X-Matrix-Room-Id\)\n    hash-type consistent/);
    assert.doesNotMatch(text, /balance uri/, "no pool hashes on the raw path");
    assert.match(text, /backend client-reader\n    balance roundrobin/);
  });

  it("has a backend for every routed worker type, a 503 stand-in for each that main cannot replace, and none for background workers", () => {
    const routed = WORKER_TYPES.filter((t) => t.routes.length > 0);
    assert.deepEqual(model.backends.filter((b) => !b.reply).map((b) => b.name).sort(), ["main", ...routed.map((t) => t.name)].sort());
    assert.deepEqual(model.backends.filter((b) => b.reply).map((b) => b.serves).sort(), routed.filter((t) => !t.mainFallback).map((t) => t.name).sort());
    for (const b of model.backends.filter((x) => x.reply)) assert.deepEqual(b.servers, [], `${b.name} has no servers`);
  });

  it("falls back to main only where the catalogue allows, and to the 503 stand-in elsewhere", () => {
    for (const t of WORKER_TYPES.filter((x) => x.routes.length > 0)) {
      const acl = `route_${t.name.replace(/-/g, "_")}_0`;
      const fallback = text.includes(`use_backend main if ${acl}`);
      assert.equal(fallback, t.mainFallback, t.name);
      const standIn = new RegExp(`use_backend ${t.name}-unavailable if ${acl}\\b.* \\{ nbsrv\\(${t.name}\\) eq 0 \\}\\n    use_backend ${t.name} if ${acl}\\b`);
      assert.equal(standIn.test(text), !t.mainFallback, `${t.name}: stand-in rule right before the type's own`);
    }
  });

  it("is ready while main is up, whichever workers are down", () => {
    assert.deepEqual(model.stats.readyBackends, ["main"]);
    assert.equal(isReady(model, () => 1), true);
    assert.equal(isReady(model, (b) => (b === "typing" ? 0 : 1)), true, "a dead typing writer keeps the edge ready");
    assert.equal(isReady(model, () => 0), false);
    assert.equal(isReady(model, (b) => (b === "main" ? 0 : 1)), false);
    assert.match(text, /http-request return status 503 content-type text\/plain string main-down if \{ path \/ready \} \{ nbsrv\(main\) eq 0 \}/);
    assert.doesNotMatch(text, /string typing-down/);
    assert.match(text, /http-request use-service prometheus-exporter if \{ path \/metrics \}/);
  });

  it("answers a down writer's routes with 503, Retry-After and a Matrix error, and routes everything else as before", () => {
    const typingDown = (b: string) => (b === "typing" ? 0 : 1);
    const typing = { method: "PUT", path: "/_matrix/client/v3/rooms/!r:example.com/typing/@a:example.com" };
    const r = routeRequest(model, typing, typingDown);
    assert.equal(r.backend, "typing-unavailable");
    assert.equal(r.reply?.status, 503);
    assert.equal(r.reply?.retryAfterSeconds, 10);
    assert.deepEqual(JSON.parse(r.reply!.body), { errcode: "M_UNKNOWN", error: "The typing service of this server is temporarily unavailable; retry in a few seconds." });
    assert.equal(routeRequest(model, typing).backend, "typing", "served again once a server is up");
    const send = { method: "PUT", path: "/_matrix/client/v3/rooms/!r:example.com/send/m.room.message/t1" };
    assert.deepEqual(routeRequest(model, send, typingDown), routeRequest(model, send), "sending a message is unaffected");
    assert.match(text, /backend typing-unavailable\n    http-request return status 503 content-type application\/json hdr Retry-After 10 string '\{"errcode":"M_UNKNOWN","error":"The typing service of this server is temporarily unavailable; retry in a few seconds\."\}'\n/);
    // A pool type main can stand in for still falls back to main.
    const sync = { method: "GET", path: "/_matrix/client/v3/sync", query: "since=s1", headers: { authorization: "Bearer syt_YWxpY2U_x_y" } };
    assert.equal(routeRequest(model, sync, (b) => (b === "synchrotron" ? 0 : 1)).backend, "main");
  });

  it("answers the errors HAProxy generates itself (502, 503, 504) as Matrix errors with Retry-After", () => {
    for (const status of [502, 503, 504]) {
      const m = new RegExp(`^    http-error status ${status} content-type application/json hdr Retry-After 10 string '(.*)'$`, "m").exec(text);
      assert.ok(m, `http-error ${status}`);
      const body = JSON.parse(m![1]);
      assert.equal(body.errcode, "M_UNKNOWN");
      assert.match(body.error, /retry in a few seconds/);
    }
    // In defaults, so every frontend and backend has them.
    assert.ok(text.indexOf("http-error status 503") > text.indexOf("\ndefaults\n") && text.indexOf("http-error status 503") < text.indexOf("\nfrontend "));
  });

  it("limits the body to max_upload_size and keeps long-poll timeouts", () => {
    assert.equal(parseSynapseSize("100M"), 104857600);
    assert.equal(parseSynapseSize("1G"), 1073741824);
    // Uploads only, compared as a 64-bit integer (req.hdr_val would parse 32 bits and wrap).
    assert.ok(text.includes("    acl media_upload path_reg -i '^/_matrix/media/(r0|v1|v3|unstable)/upload(/|$)'"), text);
    assert.ok(text.includes("    http-request deny deny_status 413 if media_upload { req.hdr(content-length) -m int gt 104857600 }"));
    assert.doesNotMatch(text, /hdr_val\(content-length\)/);
    assert.match(text, /timeout server 180s/);
    assert.match(text, /set-header X-Forwarded-For %\[src\]/);
    assert.match(text, /set-header X-Forwarded-Proto http if !\{ req\.hdr\(x-forwarded-proto\) -m found \}/);
  });

  it("derives the user and room hash keys the way the rendered rules do", () => {
    assert.equal(userHashKey({ method: "GET", path: "/", headers: { Authorization: "Bearer syt_YWxpY2U_abc_123" } }), "YWxpY2U");
    assert.equal(userHashKey({ method: "GET", path: "/", query: "access_token=syt_Ym9i_x_y" }), "Ym9i");
    assert.equal(userHashKey({ method: "GET", path: "/", headers: { authorization: "Bearer mat_opaque123" } }), "Bearer mat_opaque123");
    const r = routeRequest(model, { method: "GET", path: "/_matrix/client/v3/rooms/!r:e.com/messages" });
    assert.equal(r.hashKey, "!r:e.com");
  });

  it("hashes rooms on the decoded room ID, whatever the API version prefix or encoding", () => {
    const messagesR0 = routeRequest(model, { method: "GET", path: "/_matrix/client/r0/rooms/!a:x/messages" });
    const messagesV3 = routeRequest(model, { method: "GET", path: "/_matrix/client/v3/rooms/%21a%3Ax/messages" });
    const sendV1 = routeRequest(model, { method: "PUT", path: "/_matrix/client/api/v1/rooms/!a:x/send/m.room.message/1" });
    assert.deepEqual([messagesR0.backend, messagesV3.backend, sendV1.backend], ["room-messages", "room-messages", "event-creator"]);
    assert.deepEqual([messagesR0.hashKey, messagesV3.hashKey, sendV1.hashKey], ["!a:x", "!a:x", "!a:x"]);
    const other = routeRequest(model, { method: "GET", path: "/_matrix/client/v3/rooms/!b:x/messages" });
    assert.equal(other.hashKey, "!b:x");
    assert.notEqual(other.hashKey, messagesR0.hashKey);
    // Joining by path and by /rooms/<id>/join stick together; an alias stays an alias.
    assert.equal(routeRequest(model, { method: "POST", path: "/_matrix/client/v3/join/%21a%3Ax" }).hashKey, "!a:x");
    assert.equal(routeRequest(model, { method: "POST", path: "/_matrix/client/v3/rooms/!a:x/join" }).hashKey, "!a:x");
    assert.equal(roomHashKey(model, "/_matrix/client/v3/join/%23general%3Ax"), "#general:x");
    assert.equal(roomHashKey(model, "/_matrix/client/v3/sync"), undefined);
  });

  it("renders the frontend rules that set the room key from the path", () => {
    assert.match(text, /http-request del-header X-Matrix-Room-Id\n    acl has_room_key path_reg -i '\^\/_matrix\/client\/\(api\/v1\|r0\|v3\|unstable\)\/\(rooms\|join\|knock\|profile\)\/\(\[\^\/\]\+\)'/);
    assert.ok(text.includes(`http-request set-header X-Matrix-Room-Id %[path,'regsub("^/_matrix/client/(api/v1|r0|v3|unstable)/(rooms|join|knock|profile)/([^/]+).*$","\\3",i)',url_dec] if has_room_key`));
  });

  it("applies the upload limit to media uploads only", () => {
    const big = { "content-length": String(104857600 + 1) };
    assert.equal(frontendRefusal(model, { method: "POST", path: "/_matrix/media/v3/upload", headers: big }), 413);
    assert.equal(frontendRefusal(model, { method: "PUT", path: "/_matrix/media/v3/upload/example.com/abc", headers: big }), 413);
    assert.equal(frontendRefusal(model, { method: "POST", path: "/_matrix/media/v3/upload", headers: { "content-length": "104857600" } }), undefined);
    assert.equal(frontendRefusal(model, { method: "POST", path: "/_matrix/client/v3/login", headers: big }), undefined);
    assert.equal(frontendRefusal(model, { method: "PUT", path: "/_matrix/client/v3/rooms/!a:x/send/m.room.message/1", headers: big }), undefined);
  });

  it("serves the admin API only on the admin host, through the edge only from the source ranges", () => {
    const admin = "/_synapse/admin/v1/users/@a:example.com";
    assert.equal(frontendRefusal(model, { method: "GET", path: admin, headers: { host: "matrix.example.com", "x-forwarded-for": "192.0.2.1" } }), 404);
    assert.equal(frontendRefusal(model, { method: "GET", path: "/_synapse/%61dmin/v1/register", headers: { host: "matrix.example.com" } }), 404);
    assert.equal(frontendRefusal(model, { method: "GET", path: admin, headers: { host: "admin.example.com", "x-forwarded-for": "198.51.100.1" } }), 403);
    assert.equal(frontendRefusal(model, { method: "GET", path: admin, headers: { host: "admin.example.com", "x-forwarded-for": "192.0.2.1" } }), undefined);
    assert.equal(frontendRefusal(model, { method: "GET", path: admin, headers: { host: "admin.example.com" } }), undefined, "in-cluster callers need only the host");
    assert.match(text, /http-request deny deny_status 404 if admin_api !admin_host/);
    assert.match(text, /acl admin_source src 192\.0\.2\.0\/24/);
    // By default nobody outside the cluster reaches it.
    const closed = fixtureHaproxyModel("100", "100M", { hosts: ["admin.example.com"], sourceRanges: [] });
    assert.equal(frontendRefusal(closed, { method: "GET", path: admin, headers: { host: "admin.example.com", "x-forwarded-for": "192.0.2.1" } }), 403);
    assert.match(renderHaproxyConfig(closed), /http-request deny deny_status 403 if admin_api \{ var\(txn\.via_edge\) -m bool \}\n/);
  });
});
