/**
 * What the internet must reach on the RTC nodes, and nothing else: LiveKit's media (UDP range and
 * the ICE/TCP fallback) and coturn's TURN ports and relay range. Signalling and tokens go through
 * the shared Gateway (HTTPS), so no HTTP port is here. The platforms turn this list into security
 * group rules (AWS), firewall rules (GCP) or the ports an existing cluster's operator opens.
 */
import type { RtcSpec } from "../../config/spec";
import { RTC_PORTS } from "./ports";

export interface PublicPortRule {
  protocol: "udp" | "tcp";
  from: number;
  to: number;
  /** Which program listens there and why it is public. */
  description: string;
}

export function rtcPublicPorts(rtc: Pick<RtcSpec, "livekitUdpPorts" | "turnRelayPorts">): PublicPortRule[] {
  return [
    { protocol: "udp", from: rtc.livekitUdpPorts.start, to: rtc.livekitUdpPorts.end, description: "LiveKit WebRTC media (UDP)" },
    { protocol: "tcp", from: RTC_PORTS.livekitTcp, to: RTC_PORTS.livekitTcp, description: "LiveKit ICE/TCP fallback" },
    { protocol: "udp", from: RTC_PORTS.turn, to: RTC_PORTS.turn, description: "coturn TURN/STUN (UDP)" },
    { protocol: "tcp", from: RTC_PORTS.turn, to: RTC_PORTS.turn, description: "coturn TURN (TCP)" },
    { protocol: "tcp", from: RTC_PORTS.turns, to: RTC_PORTS.turns, description: "coturn TURN over TLS (turns:)" },
    { protocol: "udp", from: RTC_PORTS.turns, to: RTC_PORTS.turns, description: "coturn TURN over DTLS" },
    { protocol: "udp", from: rtc.turnRelayPorts.start, to: rtc.turnRelayPorts.end, description: "coturn relay allocations (UDP)" },
  ];
}
