/**
 * The calls part of the loopback e2e: coturn runs with the config rendered for the stack (realm =
 * server name, the shared secret Synapse's rendered config reads), and a logged-in user's TURN
 * credentials, fetched from Synapse's `/voip/turnServer` through the generated HAProxy, make a
 * real allocation and relay through it; a tampered password is refused.
 */
import type { LoopbackPlan } from "./adapter";
import { PortAllocator } from "./ports";
import type { Supervisor } from "./procs";
import { runUclient, startCoturn, startTurnPeer, takeTcpUdpPort, takeUdpRange, TEST_RELAY_PORTS, type CoturnInstance } from "./rtc";
import type { ScenarioContext } from "./scenario";

export interface RtcForScenario {
  coturn: CoturnInstance;
  /** UDP echo peer (turnutils_peer) the relay sends to. */
  peerPort: number;
}

export async function startRtcForScenario(sup: Supervisor, plan: LoopbackPlan): Promise<RtcForScenario> {
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
  return { coturn, peerPort };
}

export async function rtcScenario(ctx: ScenarioContext, rtc: RtcForScenario): Promise<void> {
  const { http, alice, checks } = ctx;
  const turn = await http.call("GET", "/_matrix/client/v3/voip/turnServer", { label: "voip turnServer", token: alice.accessToken });
  const { username, password, uris, ttl } = turn.json as { username: string; password: string; uris: string[]; ttl: number };
  if (!uris?.some((u) => u.startsWith("turn:")) || !uris.some((u) => u.startsWith("turns:"))) throw new Error(`/voip/turnServer gave no turn: and turns: URIs: ${JSON.stringify(uris)}`);
  if (!username?.endsWith(`:${alice.userId}`) || !(ttl > 0)) throw new Error(`/voip/turnServer gave no TURN REST credentials: ${JSON.stringify(turn.json)}`);

  const ok = await runUclient({ turnPort: rtc.coturn.port, username, password, peerPort: rtc.peerPort, messages: 5 });
  if (ok.code !== 0 || ok.received === 0) throw new Error(`a TURN allocation with Synapse's credentials failed (exit ${ok.code}, ${ok.received} echoed):\n${ok.output.slice(-1500)}`);
  const tampered = await runUclient({ turnPort: rtc.coturn.port, username, password: `x${password.slice(1)}`, peerPort: rtc.peerPort, messages: 2 });
  if (tampered.code === 0 || tampered.received > 0 || !/Cannot complete Allocation/.test(tampered.output)) {
    throw new Error(`coturn accepted a tampered TURN password (exit ${tampered.code}):\n${tampered.output.slice(-1500)}`);
  }
  checks.push(`TURN credentials from /voip/turnServer (${uris.length} URIs, turn: and turns:) allocated on coturn and relayed ${ok.received} messages; a tampered password was refused`);
}
