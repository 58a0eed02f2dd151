/**
 * The loopback Gateway stand-in (e2e/gateway.ts) routes as the Gateway API says, on the routes
 * the components register: hostname (port ignored), longest path prefix, prefix rewrite.
 */
import { strict as assert } from "assert";
import { matrixRoutes } from "../../components/matrix";
import { rtcRoutes } from "../../components/rtc/routes";
import { routeRequest, type RouteSpec } from "../../e2e/gateway";
import { devSpecAndSizing } from "../../e2e/render";

describe("e2e gateway stand-in: Gateway API routing", () => {
  const { spec } = devSpecAndSizing();
  const gateway = { className: "e2e", name: "gateway", namespace: "gateway" };
  const routes: RouteSpec[] = [
    ...matrixRoutes(spec, gateway, "matrix").map((r) => r.spec),
    rtcRoutes({ host: spec.hosts.rtc, gateway, matrixNamespace: "matrix", mediaNamespace: "media" }).route.spec,
  ];

  it("serves delegation on the server name and nothing else there", () => {
    assert.deepEqual(routeRequest(routes, spec.serverName, "/.well-known/matrix/server"), { backend: "well-known:8080", path: "/.well-known/matrix/server" });
    assert.equal(routeRequest(routes, spec.serverName, "/_matrix/federation/v1/openid/userinfo"), undefined);
  });

  it("sends the homeserver host's API to HAProxy, the Host's port ignored, the query kept; the longest prefix wins", () => {
    assert.deepEqual(routeRequest(routes, `${spec.hosts.matrix}:443`, "/_matrix/federation/v1/openid/userinfo?access_token=x"), { backend: "haproxy:8008", path: "/_matrix/federation/v1/openid/userinfo?access_token=x" });
    assert.equal(routeRequest(routes, spec.hosts.matrix.toUpperCase(), "/.well-known/matrix/client")?.backend, "well-known:8080");
    assert.equal(routeRequest(routes, "other.example.net", "/_matrix/client/versions"), undefined);
  });

  it("strips the rtc prefixes (URLRewrite ReplacePrefixMatch), and only on a path-segment boundary", () => {
    assert.deepEqual(routeRequest(routes, spec.hosts.rtc, "/livekit/jwt/get_token"), { backend: "lk-jwt-service:8080", path: "/get_token" });
    assert.deepEqual(routeRequest(routes, spec.hosts.rtc, "/livekit/sfu/rtc?access_token=t"), { backend: "livekit:7880", path: "/rtc?access_token=t" });
    assert.deepEqual(routeRequest(routes, spec.hosts.rtc, "/livekit/jwt"), { backend: "lk-jwt-service:8080", path: "/" });
    assert.equal(routeRequest(routes, spec.hosts.rtc, "/livekit/jwtx"), undefined);
  });
});
