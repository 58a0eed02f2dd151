/**
 * The `rtc.<domain>` routes on the shared Gateway: `/livekit/jwt/` to lk-jwt-service and
 * `/livekit/sfu/` to LiveKit's signalling websocket, each with its prefix stripped (both programs
 * serve at `/`). Pure: plain objects, tested without Pulumi.
 */
import { gatewayListenerName } from "../../config/spec";
import type { Platform } from "../contracts";
import { RTC_PORTS } from "../../render/rtc";
import { RTC_NAMES } from "./names";

/** Public path prefixes (Synapse, .well-known and Element advertise the first). */
export const RTC_PATHS = { jwt: "/livekit/jwt", sfu: "/livekit/sfu" } as const;

export interface RtcRouteObjects {
  route: { name: string; namespace: string; spec: Record<string, unknown> };
  /** Lets the route in the Matrix namespace send to LiveKit's Service in the media namespace. */
  referenceGrant: { name: string; namespace: string; spec: Record<string, unknown> };
}

export function rtcRoutes(args: { host: string; gateway: Platform["gateway"]; matrixNamespace: string; mediaNamespace: string }): RtcRouteObjects {
  const stripPrefix = [{ type: "URLRewrite", urlRewrite: { path: { type: "ReplacePrefixMatch", replacePrefixMatch: "/" } } }];
  return {
    route: {
      name: "rtc",
      namespace: args.matrixNamespace,
      spec: {
        parentRefs: [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: args.gateway.name, namespace: args.gateway.namespace, sectionName: gatewayListenerName("rtc") }],
        hostnames: [args.host],
        rules: [
          {
            matches: [{ path: { type: "PathPrefix", value: RTC_PATHS.jwt } }],
            filters: stripPrefix,
            backendRefs: [{ group: "", kind: "Service", name: RTC_NAMES.lkJwt, namespace: args.matrixNamespace, port: RTC_PORTS.lkJwt }],
          },
          {
            // The signalling websocket lives as long as the call: no request timeout ("0s" turns
            // it off). Envoy Gateway upgrades websocket requests on HTTPRoutes by default.
            matches: [{ path: { type: "PathPrefix", value: RTC_PATHS.sfu } }],
            filters: stripPrefix,
            backendRefs: [{ group: "", kind: "Service", name: RTC_NAMES.livekit, namespace: args.mediaNamespace, port: RTC_PORTS.livekitHttp }],
            timeouts: { request: "0s" },
          },
        ],
      },
    },
    referenceGrant: {
      name: "rtc-route-to-livekit",
      namespace: args.mediaNamespace,
      spec: {
        from: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", namespace: args.matrixNamespace }],
        to: [{ group: "", kind: "Service", name: RTC_NAMES.livekit }],
      },
    },
  };
}
