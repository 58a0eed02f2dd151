/**
 * The static web front-ends: Element Web, Ketesa (synapse-admin) and the `.well-known/matrix`
 * delegation server. Each is a small nginx/static-server Deployment with its rendered config in a
 * ConfigMap, a Service and a PDB.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { imageRef, type ImageName } from "../../catalog/images";
import type { PlatformSpec } from "../../config/spec";
import type { Sizing, WorkloadSizing } from "../../sizing/types";
import { renderElementConfig, renderElementNginx, renderKetesaConfig, renderKetesaServerConfig } from "../../render/element";
import { renderWellKnownClient, renderWellKnownNginx, renderWellKnownServer, STATIC_SITE_PORT } from "../../render/wellknown";
import { BRIDGE_APPSERVICES } from "../../render/synapse";
import { selectorLabels, standardLabels } from "../k8s/labels";
import type { Platform } from "../contracts";
import { checksum, httpProbe, resourcesOf, restrictedContainer, restrictedPod } from "../k8s/pod-spec";
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

/** One static web front-end: its image, the files it serves or reads, its probes and sizing. */
export interface StaticApp {
  name: string;
  component: string;
  /** `app.kubernetes.io/instance` of its objects; default "main" (LI's are "li"). */
  instance?: string;
  image: ImageName;
  uid: number;
  /** Files mounted from the ConfigMap: key -> absolute path in the container. */
  files: Record<string, { path: string; content: string }>;
  command?: string[];
  env?: k8s.types.input.core.v1.EnvVar[];
  /** Liveness: the server answers. */
  healthPath: string;
  /** Readiness: the rendered content is served. */
  readyPath: string;
  sizing: WorkloadSizing;
}

/** Service names and the port all three listen on. */
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
    const wk = { homeserverUrl, federationEndpoint: `${spec.hosts.matrix}:443`, livekitServiceUrl: rtcUrl, ketesa: this.ketesaConfig };
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

/**
 * A static front-end's objects: its files in a ConfigMap, a Deployment of the restricted pod
 * mounting them, a Service on STATIC_SITE_PORT and a PDB (LI's web front-ends reuse it).
 */
export function staticAppWorkload(
  parent: pulumi.Resource,
  resourceName: string,
  app: StaticApp,
  where: { namespace: pulumi.Input<string>; platform: Pick<Platform, "placement" | "provider">; imageRegistry?: string },
): void {
  const child = { parent, provider: where.platform.provider };
  const labels = standardLabels(app.name, app.component, app.instance);
  const selector = selectorLabels(app.name, app.instance);
  const meta = { name: app.name, namespace: where.namespace, labels };
  const cm = new k8s.core.v1.ConfigMap(resourceName, {
    metadata: meta,
    data: Object.fromEntries(Object.entries(app.files).map(([k, f]) => [k, f.content])),
  }, child);
  // Sizing holds production to the registry's HA floor.
  const replicas = app.sizing.replicas;
  new k8s.apps.v1.Deployment(resourceName, {
    metadata: meta,
    spec: {
      replicas,
      selector: { matchLabels: selector },
      template: {
        metadata: { labels, annotations: { "matrix-platform.io/config-checksum": checksum(...Object.values(app.files).map((f) => f.content)) } },
        spec: restrictedPod({
          uid: app.uid,
          placement: where.platform.placement(app.sizing.tier),
          selector,
          volumes: [{ name: "config", configMap: { name: cm.metadata.name } }],
          containers: [restrictedContainer({
            name: app.name,
            image: imageRef(app.image, where.imageRegistry),
            ...(app.command ? { command: app.command } : {}),
            ...(app.env ? { env: app.env } : {}),
            ports: [{ name: "http", containerPort: STATIC_SITE_PORT }],
            resources: resourcesOf(app.sizing.resources),
            volumeMounts: [
              { name: "tmp", mountPath: "/tmp" },
              ...Object.entries(app.files).map(([k, f]) => ({ name: "config", mountPath: f.path, subPath: k, readOnly: true })),
            ],
            livenessProbe: httpProbe(app.healthPath, "http"),
            readinessProbe: httpProbe(app.readyPath, "http", { period: 5 }),
          }, app.uid)],
        }),
      },
    },
  }, child);
  new k8s.core.v1.Service(resourceName, {
    metadata: meta,
    spec: { type: "ClusterIP", selector, ports: [{ name: "http", port: STATIC_SITE_PORT, targetPort: "http" }] },
  }, child);
  new k8s.policy.v1.PodDisruptionBudget(resourceName, {
    metadata: meta,
    spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
  }, child);
}

/** Element Web as a static app named `name`, serving `configJson` (main's and LI's). */
export function elementApp(name: string, configJson: string, sizing: WorkloadSizing): StaticApp {
  return {
    name,
    component: "web-client",
    image: "elementWeb",
    uid: 10101,
    files: {
      "config.json": { path: "/app/config.json", content: configJson },
      "nginx.conf": { path: "/etc/element-nginx/nginx.conf", content: renderElementNginx("/app") },
    },
    // The image's entrypoint templates its nginx config into /etc (not writable here): run nginx on ours.
    command: ["nginx", "-c", "/etc/element-nginx/nginx.conf", "-g", "daemon off;"],
    healthPath: "/healthz",
    readyPath: "/config.json",
    sizing,
  };
}

/** Ketesa (synapse-admin) as a static app named `name`, serving `configJson` (main's and LI's). */
export function ketesaApp(name: string, configJson: string, sizing: WorkloadSizing): StaticApp {
  return {
    name,
    component: "admin-ui",
    image: "ketesa",
    uid: 10001,
    files: {
      "config.json": { path: "/home/sws/public/config.json", content: configJson },
      "sws.toml": { path: "/etc/sws/sws.toml", content: renderKetesaServerConfig() },
    },
    env: [
      { name: "SERVER_CONFIG_FILE", value: "/etc/sws/sws.toml" },
      { name: "SERVER_ROOT", value: "/home/sws/public" },
      { name: "SERVER_FALLBACK_PAGE", value: "/home/sws/public/index.html" },
      { name: "SERVER_PORT", value: String(STATIC_SITE_PORT) },
      { name: "SERVER_HEALTH", value: "true" },
    ],
    healthPath: "/health",
    readyPath: "/config.json",
    sizing,
  };
}
