/**
 * The calls part of the loopback e2e.
 *
 * TURN: coturn runs with the config rendered for the stack (realm = server name, the shared
 * secret Synapse's rendered config reads), and a logged-in user's TURN credentials, fetched from
 * Synapse's `/voip/turnServer` through the generated HAProxy, make a real allocation and relay
 * through it; a tampered password is refused.
 *
 * LiveKit: the SFU and lk-jwt-service run with their rendered configs. A user's OpenID token from
 * Synapse (through HAProxy) is handed to lk-jwt-service, which checks it as it would in the
 * cluster: it resolves the token's server name by `.well-known` delegation and asks
 * `/_matrix/federation/v1/openid/userinfo` on the host that names, over verified TLS, through the
 * Gateway's routes (e2e/gateway.ts) and HAProxy to the Synapse process the routing picks. With
 * the LiveKit token it returns, a client joins the room on the SFU and the SFU's server API lists
 * it; a forged OpenID token gets no LiveKit token, and a join token signed with another key is
 * refused by the SFU.
 */
import { randomBytes } from "crypto";
import * as path from "path";
import type { LoopbackPlan } from "./adapter";
import { PortAllocator } from "./ports";
import type { Supervisor } from "./procs";
import {
  joinLivekitRoom, livekitKeyPair, livekitToken, roomService, runUclient, startCoturn, startLivekit, startLkJwt, startTurnPeer,
  takeTcpUdpPort, takeUdpRange, TEST_RELAY_PORTS, type CoturnInstance, type LivekitInstance,
} from "./rtc";
import { startGatewayStandIn, type GatewayStandIn } from "./gateway";
import { expectedType } from "./routes";
import type { ScenarioContext } from "./scenario";
import type { PlatformSpec } from "../config/spec";
import { matrixRoutes } from "../components/matrix";
import { HAPROXY_SERVICE } from "../components/matrix/haproxy";
import { federationEndpoint, STATIC_SITE_PORT, WEB_SERVICES } from "../components/matrix/web";
import { HAPROXY_PORTS } from "../render/haproxy";
import { renderWellKnownServer } from "../render/wellknown";

export interface RtcForScenario {
  coturn: CoturnInstance;
  /** UDP echo peer (turnutils_peer) the relay sends to. */
  peerPort: number;
  livekit: LivekitInstance;
  lkJwtUrl: string;
  gateway: GatewayStandIn;
  /** Where the server name's delegation sends federation (and the OpenID check). */
  federationEndpoint: string;
}

/** LiveKit media ports of the loopback SFU (one client, no media sent). */
const TEST_MEDIA_PORTS = 20;

export async function startRtcForScenario(sup: Supervisor, plan: LoopbackPlan, spec: PlatformSpec): Promise<RtcForScenario> {
  if (!plan.turnSharedSecret) throw new Error("the loopback plan has no known TURN secret: the RTC checks need it (e2e/run.ts testSecrets)");
  const ports = new PortAllocator();
  const peerPort = await startTurnPeer(sup, ports);
  const relayPorts = await takeUdpRange(ports, TEST_RELAY_PORTS);
  const coturn = await startCoturn(sup, {
    port: await takeTcpUdpPort(ports), tlsPort: await takeTcpUdpPort(ports), relayPorts,
    realm: plan.serverName, sharedSecret: plan.turnSharedSecret,
    // The relay's only peer here is on loopback, which the deployed denied ranges forbid.
    loopbackPeers: true,
  });

  const livekit = await startLivekit(sup, {
    port: await takeTcpUdpPort(ports), tcpPort: await takeTcpUdpPort(ports), metricsPort: await ports.take(), udpPorts: await takeUdpRange(ports, TEST_MEDIA_PORTS),
  });
  // The Gateway's routes for the Matrix hosts: delegation on the server name, the client and
  // federation API (HAProxy) on the homeserver host.
  const routes = matrixRoutes(spec, { className: "e2e", name: "gateway", namespace: "gateway" }, "matrix").map((r) => r.spec);
  const serverDoc = JSON.stringify(renderWellKnownServer({ homeserverUrl: `https://${spec.hosts.matrix}`, federationEndpoint: federationEndpoint(spec) }));
  const gateway = await startGatewayStandIn({
    dir: path.join(sup.runDir, "gateway"),
    routes,
    backends: {
      [`${WEB_SERVICES.wellKnown}:${STATIC_SITE_PORT}`]: {
        handle: (_req, res, p) => {
          if (p.split("?")[0] === "/.well-known/matrix/server") res.writeHead(200, { "content-type": "application/json" }).end(serverDoc);
          else res.writeHead(404).end();
        },
      },
      [`${HAPROXY_SERVICE}:${HAPROXY_PORTS.client}`]: { origin: plan.haproxy.clientUrl },
    },
  });
  const lkJwt = await startLkJwt(sup, {
    port: await ports.take(), livekitUrl: livekit.url, apiKey: livekit.apiKey, apiSecret: livekit.apiSecret, serverName: plan.serverName,
    // Its trust store is the test CA alone; its /etc/hosts maps the public names to the stand-in.
    extraEnv: { SSL_CERT_FILE: gateway.caFile, SSL_CERT_DIR: path.dirname(gateway.caFile) },
    launcher: gateway.launcher,
  });
  sup.onStop(() => gateway.close());
  return { coturn, peerPort, livekit, lkJwtUrl: lkJwt.url, gateway, federationEndpoint: federationEndpoint(spec) };
}

export async function rtcScenario(ctx: ScenarioContext, rtc: RtcForScenario): Promise<void> {
  await turnChecks(ctx, rtc);
  await livekitChecks(ctx, rtc);
}

async function turnChecks(ctx: ScenarioContext, rtc: RtcForScenario): Promise<void> {
  const { http, alice, checks } = ctx;
  const turn = await http.call("GET", "/_matrix/client/v3/voip/turnServer", { label: "voip turnServer", token: alice.accessToken });
  const { username, password, uris, ttl } = turn.json as { username: string; password: string; uris: string[]; ttl: number };
  if (!uris?.some((u) => u.startsWith("turn:")) || !uris.some((u) => u.startsWith("turns:"))) throw new Error(`/voip/turnServer gave no turn: and turns: URIs: ${JSON.stringify(uris)}`);
  if (!username?.endsWith(`:${alice.userId}`) || !(ttl > 0)) throw new Error(`/voip/turnServer gave no TURN REST credentials: ${JSON.stringify(turn.json)}`);

  const ok = await runUclient({ turnPort: rtc.coturn.port, username, password, peerPort: rtc.peerPort, messages: 5 });
  if (ok.code !== 0 || ok.received === 0) throw new Error(`a TURN allocation with Synapse's credentials failed (exit ${ok.code}, ${ok.received} echoed):\n${ok.output.slice(-1500)}`);
  // One character changed, always to a different one (a base64 HMAC starts with "x" one time in 64).
  const tamperedPassword = `${password.startsWith("x") ? "y" : "x"}${password.slice(1)}`;
  const tampered = await runUclient({ turnPort: rtc.coturn.port, username, password: tamperedPassword, peerPort: rtc.peerPort, messages: 2 });
  if (tampered.code === 0 || tampered.received > 0 || !/Cannot complete Allocation/.test(tampered.output)) {
    throw new Error(`coturn accepted a tampered TURN password (exit ${tampered.code}):\n${tampered.output.slice(-1500)}`);
  }
  checks.push(`TURN credentials from /voip/turnServer (${uris.length} URIs, turn: and turns:) allocated on coturn and relayed ${ok.received} messages; a tampered password was refused`);
}

/** A LiveKit token's participant identity (`sub`, as LiveKit's SDKs set it beside `identity`) and grant. */
function jwtClaims(jwt: string): { sub?: string; video?: { room?: string; roomJoin?: boolean } } {
  const c = JSON.parse(Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString("utf8")) as { sub?: string; identity?: string; video?: { room?: string; roomJoin?: boolean } };
  return { sub: c.sub ?? c.identity, video: c.video };
}

async function livekitChecks(ctx: ScenarioContext, rtc: RtcForScenario): Promise<void> {
  const { http, alice, checks, topo } = ctx;
  const openid = await http.call("POST", `/_matrix/client/v3/user/${encodeURIComponent(alice.userId)}/openid/request_token`, { label: "openid request_token", token: alice.accessToken, body: {} });
  const token = openid.json as { access_token: string; token_type: string; matrix_server_name: string; expires_in: number };
  if (!token?.access_token || token.matrix_server_name !== topo.plan.serverName) throw new Error(`no OpenID token for ${topo.plan.serverName}: ${JSON.stringify(openid.json)}`);

  const roomId = `!call-${randomBytes(4).toString("hex")}:${topo.plan.serverName}`;
  const deviceId = alice.deviceId;
  const ask = (openidToken: typeof token) => fetch(`${rtc.lkJwtUrl}/get_token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ room_id: roomId, slot_id: "m.call#ROOM", openid_token: openidToken, member: { id: `member-${deviceId}`, claimed_user_id: alice.userId, claimed_device_id: deviceId } }),
  });
  const servedBefore = rtc.gateway.served.length;
  const granted = await ask(token);
  const grantedBody = await granted.text();
  if (granted.status !== 200) throw new Error(`lk-jwt-service refused Synapse's OpenID token: HTTP ${granted.status} ${grantedBody}`);
  const { url, jwt } = JSON.parse(grantedBody) as { url: string; jwt: string };
  const claims = jwtClaims(jwt);
  const lkRoom = claims.video?.room;
  if (!lkRoom || !claims.video?.roomJoin || !claims.sub || url !== rtc.livekit.url) throw new Error(`lk-jwt-service's LiveKit token is not a join token for ${rtc.livekit.url}: ${JSON.stringify(claims)} at ${url}`);

  // The check went the way a federating server's does: delegation on the server name, then the
  // userinfo endpoint on the host it names, each through the Gateway's routes.
  const via = rtc.gateway.served.slice(servedBefore);
  const delegation = via.find((s) => s.path === "/.well-known/matrix/server");
  const userinfo = via.find((s) => s.path.startsWith("/_matrix/federation/v1/openid/userinfo?"));
  if (!delegation || delegation.host.replace(/:\d+$/, "") !== topo.plan.serverName || delegation.status !== 200) throw new Error(`lk-jwt-service did not resolve ${topo.plan.serverName} by delegation through the Gateway: ${JSON.stringify(via)}`);
  if (!userinfo || userinfo.status !== 200 || userinfo.backend !== `${HAPROXY_SERVICE}:${HAPROXY_PORTS.client}`) throw new Error(`lk-jwt-service's userinfo request did not reach HAProxy through the Gateway: ${JSON.stringify(via)}`);
  // HAProxy sent it to the process the catalogue routes it to.
  const expected = expectedType({ method: "GET", path: "/_matrix/federation/v1/openid/userinfo" });
  topo.haproxyLog!.poll();
  const logged = topo.haproxyLog!.entries.filter((e) => e.uri.startsWith("/_matrix/federation/v1/openid/userinfo")).at(-1);
  if (!logged || logged.status !== 200) throw new Error(`no HAProxy log line for lk-jwt-service's userinfo request`);
  const servedBy = topo.plan.haproxy.servers[`${logged.backend}/${logged.server}`]?.type;
  if (servedBy !== expected) throw new Error(`HAProxy sent the userinfo request to ${logged.backend}/${logged.server} (${servedBy}), the catalogue says ${expected}`);

  // With the token, a client joins the room lk-jwt-service created; the server API lists it.
  const admin = livekitToken(rtc.livekit.apiKey, rtc.livekit.apiSecret, "e2e-admin", { roomAdmin: true, room: lkRoom });
  const joined = await joinLivekitRoom(url, jwt, async () => roomService(rtc.livekit.url, "ListParticipants", admin, { room: lkRoom }));
  const identities = (joined.value?.body?.participants ?? []).map((p: { identity: string }) => p.identity);
  if (!joined.joined || !identities.includes(claims.sub)) throw new Error(`the client did not join with lk-jwt-service's token (${joined.detail}); participants: ${JSON.stringify(joined.value?.body)}`);

  // A forged OpenID token gets no LiveKit token.
  const forged = await ask({ ...token, access_token: randomBytes(12).toString("base64url") });
  const forgedBody = await forged.text();
  if (forged.status !== 401 || forgedBody.includes("jwt")) throw new Error(`lk-jwt-service answered a forged OpenID token with HTTP ${forged.status} ${forgedBody}`);
  // A join token for the same room signed with another key is refused by the SFU.
  const otherKey = livekitToken(rtc.livekit.apiKey, livekitKeyPair().apiSecret, claims.sub, { roomJoin: true, room: lkRoom });
  const refused = await joinLivekitRoom(url, otherKey, async () => undefined);
  if (refused.joined) throw new Error(`the SFU let in a join token signed with another key: ${refused.detail}`);

  checks.push(
    `Synapse's OpenID token (via HAProxy) got a LiveKit token from lk-jwt-service, which checked it through the Gateway routes `
    + `(delegation on ${topo.plan.serverName}, userinfo on ${rtc.federationEndpoint} -> HAProxy -> ${expected}) over verified TLS; `
    + `the client joined the SFU room and ListParticipants listed it; a forged OpenID token got HTTP 401 and no token; a join token signed with another key was refused`,
  );
}

