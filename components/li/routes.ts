/**
 * The LI hosts' routes on the shared Gateway and the policy that admits only the investigators'
 * source ranges to them (pure; tested without Pulumi). Envoy Gateway's SecurityPolicy
 * `authorization` denies every request whose client address is not in `clientCIDRs`; the edge
 * Service keeps client addresses (externalTrafficPolicy: Local, components/platform/addons.ts).
 */
import { gatewayListenerName, type Hosts } from "../../config/spec";
import type { Platform } from "../contracts";
import { STATIC_SITE_PORT } from "../../render/wellknown";
import { LI_SYNAPSE_PORTS } from "../../render/li";
import { LI_WEB, SYNAPSE_LI } from "./names";


export interface LiRoute {
  name: string;
  spec: Record<string, unknown>;
}

/** HTTPRoutes of liMatrix (client API), liElement (Element LI) and liAdmin (admin API and Ketesa LI). */
export function liRoutes(hosts: Pick<Hosts, "liMatrix" | "liElement" | "liAdmin">, gateway: Platform["gateway"], namespace: string): LiRoute[] {
  const parent = (key: "liMatrix" | "liElement" | "liAdmin") => [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: gateway.name, namespace: gateway.namespace, sectionName: gatewayListenerName(key) }];
  const backend = (name: string, port: number) => [{ group: "", kind: "Service", name, namespace, port }];
  const synapse = backend(SYNAPSE_LI, LI_SYNAPSE_PORTS.http);
  return [
    {
      name: "li-matrix",
      // The client API only: synapse-li has no federation listener and serves no .well-known.
      spec: {
        parentRefs: parent("liMatrix"),
        hostnames: [hosts.liMatrix],
        rules: [{ matches: [{ path: { type: "PathPrefix", value: "/_matrix/client" } }, { path: { type: "PathPrefix", value: "/_matrix/media" } }, { path: { type: "PathPrefix", value: "/_synapse/client" } }], backendRefs: synapse, timeouts: { request: "180s" } }],
      },
    },
    {
      name: "li-element",
      spec: { parentRefs: parent("liElement"), hostnames: [hosts.liElement], rules: [{ matches: [{ path: { type: "PathPrefix", value: "/" } }], backendRefs: backend(LI_WEB.element, STATIC_SITE_PORT) }] },
    },
    {
      name: "li-admin",
      // The admin API (fetch_event, room and user inspection) is served on this host only, as on main.
      spec: {
        parentRefs: parent("liAdmin"),
        hostnames: [hosts.liAdmin],
        rules: [
          { matches: [{ path: { type: "PathPrefix", value: "/_synapse/admin" } }, { path: { type: "PathPrefix", value: "/_matrix/client" } }], backendRefs: synapse },
          { matches: [{ path: { type: "PathPrefix", value: "/" } }], backendRefs: backend(LI_WEB.admin, STATIC_SITE_PORT) },
        ],
      },
    },
  ];
}

/** Envoy Gateway SecurityPolicy: the LI routes answer only clients in `cidrs`; everyone else gets 403. */
export function liInvestigatorPolicy(routeNames: readonly string[], cidrs: readonly string[]): Record<string, unknown> {
  if (cidrs.length === 0) throw new Error("the LI routes need at least one investigator source range (liInvestigatorCidrs)");
  return {
    targetRefs: routeNames.map((name) => ({ group: "gateway.networking.k8s.io", kind: "HTTPRoute", name })),
    authorization: {
      defaultAction: "Deny",
      rules: [{ name: "investigators", action: "Allow", principal: { clientCIDRs: [...cidrs] } }],
    },
  };
}
