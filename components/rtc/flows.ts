/**
 * The RTC system's network flows (pure). LiveKit and coturn run with host networking, so their
 * traffic is the node's: NetworkPolicies do not select it, the node firewall does (the platform's
 * security group or firewall rules from render/rtc/exposure.ts admit only the media and TURN
 * ports). What policies can hold is declared here: the Gateway reaches lk-jwt-service and the
 * SFU's signalling port on the nodes, lk-jwt-service reaches homeservers' federation API (OpenID
 * checks) and the public SFU URL (room creation), and in-cluster Redis admits the RTC nodes.
 */
import type { NetworkPeer } from "../contracts";
import { EDGE_PODS, INTERNET, PRIVATE_RANGES, type External, type FlowSpec, type Workload } from "../k8s/network";
import { RTC_PORTS } from "../../render/rtc";
import { RTC_NAMES, rtcSelector } from "./names";

/** The nodes' own addresses, where host-network pods listen (private address space). */
export const RTC_NODES: External = { kind: "cidr", name: "rtc-nodes", cidrs: PRIVATE_RANGES };

export interface RtcWorkloads {
  lkJwt: Workload;
  livekit: Workload;
  coturn: Workload;
}

export function rtcWorkloads(matrixNamespace: string, mediaNamespace: string): RtcWorkloads {
  return {
    lkJwt: { namespace: matrixNamespace, podLabels: rtcSelector(RTC_NAMES.lkJwt), name: RTC_NAMES.lkJwt },
    livekit: { namespace: mediaNamespace, podLabels: rtcSelector(RTC_NAMES.livekit), name: RTC_NAMES.livekit },
    coturn: { namespace: mediaNamespace, podLabels: rtcSelector(RTC_NAMES.coturn), name: RTC_NAMES.coturn },
  };
}

export function rtcFlows(w: RtcWorkloads, redis: NetworkPeer | undefined): FlowSpec[] {
  const flows: FlowSpec[] = [
    { from: EDGE_PODS, to: w.lkJwt, ports: [RTC_PORTS.lkJwt], description: "Gateway -> lk-jwt-service (/livekit/jwt/)" },
    { from: EDGE_PODS, to: RTC_NODES, ports: [RTC_PORTS.livekitHttp], description: "Gateway -> LiveKit signalling on the RTC nodes (/livekit/sfu/, host networking)" },
    { from: w.lkJwt, to: INTERNET, ports: [443, 8448], description: "lk-jwt-service -> homeservers' federation API (OpenID userinfo) and the public SFU URL (room creation)" },
  ];
  // Distributed LiveKit dials Redis from the node's address: an in-cluster Redis must admit the
  // nodes (a managed Redis is the platform's security group's to open).
  if (redis?.kind === "pods") flows.push({ from: RTC_NODES, to: redis, description: "LiveKit (host networking) -> Redis (distributed mode)" });
  return flows;
}
