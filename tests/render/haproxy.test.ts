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

  it("health-checks every backend on /health and balances as the catalogue says", () => {
    for (const b of model.backends) assert.equal(b.healthPath, "/health");
    assert.equal(text.match(/option httpchk GET \/health/g)!.length, model.backends.length);
    assert.match(text, /backend synchrotron\n    balance hdr\(X-Matrix-Localpart\)\n    hash-type consistent/);
    assert.match(text, /backend federation-inbound\n    balance source\n    hash-type consistent/);
    assert.match(text, /backend room-messages\n    balance hdr\(X-Matrix-Room-Id\)\n    hash-type consistent/);
    assert.match(text, /backend event-creator\n    balance hdr\(X-Matrix-Room-Id\)\n    hash-type consistent/);
    assert.doesNotMatch(text, /balance uri/, "no pool hashes on the raw path");
    assert.match(text, /backend client-reader\n    balance roundrobin/);
  });

  it("has a backend for every routed worker type and none for background workers", () => {
    const names = model.backends.map((b) => b.name).sort();
    const routed = WORKER_TYPES.filter((t) => t.routes.length > 0).map((t) => t.name);
    assert.deepEqual(names, ["main", ...routed].sort());
  });

  it("falls back to main only where the catalogue allows", () => {
    for (const t of WORKER_TYPES.filter((x) => x.routes.length > 0)) {
      const fallback = text.includes(`use_backend main if route_${t.name.replace(/-/g, "_")}_0`);
      assert.equal(fallback, t.mainFallback, t.name);
    }
  });

  it("is ready only when main and every non-fallback backend has a server", () => {
    assert.deepEqual(model.stats.readyBackends.sort(), ["main", ...WORKER_TYPES.filter((t) => t.routes.length > 0 && !t.mainFallback).map((t) => t.name)].sort());
    assert.equal(isReady(model, () => 1), true);
    assert.equal(isReady(model, (b) => (b === "typing" ? 0 : 1)), false);
    assert.equal(isReady(model, (b) => (b === "synchrotron" ? 0 : 1)), true);
    assert.match(text, /http-request use-service prometheus-exporter if \{ path \/metrics \}/);
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
