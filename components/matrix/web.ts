/**
 * The static web front-ends: Element Web, Ketesa (synapse-admin) and the `.well-known/matrix`
 * delegation server. Each is a small nginx/static-server Deployment with its rendered config in a
 * ConfigMap, a Service and a PDB.
 */
import * as pulumi from "@pulumi/pulumi";
import type { PlatformSpec } from "../../config/spec";
import type { Sizing } from "../../sizing/types";
import { renderElementConfig, renderKetesaConfig } from "../../render/element";
import { renderWellKnownClient, renderWellKnownNginx, renderWellKnownServer, STATIC_SITE_PORT } from "../../render/wellknown";
import { BRIDGE_APPSERVICES } from "../../render/synapse";
import type { Platform } from "../contracts";
import { elementApp, ketesaApp, staticAppWorkload, type StaticApp } from "../k8s/static-site";
import { isDeployed } from "../../catalog/components";

export interface MatrixWebArgs {
  /** Validated platform spec: hosts, server name, features, image registry. */
  spec: PlatformSpec;
  /** Sizing: `components.element` and `components.admin` replicas and resources. */
  sizing: Sizing;
  /** Platform: placement and Kubernetes provider. */
  platform: Platform;
  /** Namespace (the StackNamespace's name output). */
  namespace: pulumi.Input<string>;
}

/** Service names and the port all three listen on. */
/**
 * Where `/.well-known/matrix/server` sends federation (and lk-jwt-service's OpenID checks): the
 * homeserver host on the Gateway's HTTPS port.
 */
export function federationEndpoint(spec: Pick<PlatformSpec, "hosts">): string {
  return `${spec.hosts.matrix}:443`;
}

export const WEB_SERVICES = { element: "element-web", admin: "ketesa", wellKnown: "well-known" } as const;
export { STATIC_SITE_PORT };

export class MatrixWeb extends pulumi.ComponentResource {
  readonly elementConfig: Record<string, unknown>;
  readonly ketesaConfig: Record<string, unknown>;
  readonly wellKnownClient: Record<string, unknown>;
  readonly wellKnownServer: Record<string, unknown>;

  constructor(name: string, args: MatrixWebArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("matrix-platform:matrix:MatrixWeb", name, {}, opts);
    const { spec, sizing, platform } = args;
    const homeserverUrl = `https://${spec.hosts.matrix}`;
    const rtcUrl = isDeployed("rtc", spec) ? `https://${spec.hosts.rtc}/livekit/jwt` : undefined;

    this.ketesaConfig = renderKetesaConfig({
      // The admin API is served only on the admin host, so Ketesa's homeserver is that host.
      homeserverUrl: `https://${spec.hosts.admin}`,
      serverName: spec.serverName,
      managedUserPrefixes: Object.entries(BRIDGE_APPSERVICES)
        .filter(([bridge]) => spec.bridges[bridge as keyof typeof BRIDGE_APPSERVICES].enabled)
        .flatMap(([, b]) => [b.userPrefix, b.botLocalpart]),
    });
    this.elementConfig = renderElementConfig({ serverName: spec.serverName, homeserverUrl, elementUrl: `https://${spec.hosts.element}`, rtc: isDeployed("rtc", spec) });
    const wk = { homeserverUrl, federationEndpoint: federationEndpoint(spec), livekitServiceUrl: rtcUrl, ketesa: this.ketesaConfig };
    this.wellKnownClient = renderWellKnownClient(wk);
    this.wellKnownServer = renderWellKnownServer(wk);
    const json = (o: unknown) => JSON.stringify(o, null, 2) + "\n";

    const edge = (n: keyof Sizing["components"]) => sizing.components[n];
    const apps: StaticApp[] = [
      elementApp(WEB_SERVICES.element, json(this.elementConfig), edge("element")),
      ketesaApp(WEB_SERVICES.admin, json(this.ketesaConfig), edge("admin")),
      {
        name: WEB_SERVICES.wellKnown,
        component: "delegation",
        image: "nginxUnprivileged",
        uid: 10101,
        files: {
          "client.json": { path: "/srv/well-known/client.json", content: json(this.wellKnownClient) },
          "server.json": { path: "/srv/well-known/server.json", content: json(this.wellKnownServer) },
          "nginx.conf": { path: "/etc/well-known-nginx/nginx.conf", content: renderWellKnownNginx("/srv/well-known") },
        },
        command: ["nginx", "-c", "/etc/well-known-nginx/nginx.conf", "-g", "daemon off;"],
        healthPath: "/healthz",
        readyPath: "/.well-known/matrix/server",
        sizing: edge("element"),
      },
    ];

    for (const app of apps) staticAppWorkload(this, `${name}-${app.name}`, app, { namespace: args.namespace, platform, imageRegistry: spec.imageRegistry });
    this.registerOutputs({});
  }
}
