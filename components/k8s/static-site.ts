/**
 * Static web front-ends as Kubernetes objects: a StaticApp (image, files, probes, sizing) becomes
 * a ConfigMap, a Deployment of a restricted pod, a Service and a PDB. Element Web and Ketesa are
 * built here once, for main's front-ends (components/matrix/web.ts) and LI's (components/li/).
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { imageRef, type ImageName } from "../../catalog/images";
import type { WorkloadSizing } from "../../sizing/types";
import { renderElementNginx, renderKetesaServerConfig } from "../../render/element";
import { STATIC_SITE_PORT } from "../../render/wellknown";
import type { Platform } from "../contracts";
import { selectorLabels, standardLabels } from "./labels";
import { checksum, httpProbe, resourcesOf, restrictedContainer, restrictedPod } from "./pod-spec";
import { disruptionBudgetSpec } from "./disruption-budget";

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
    spec: disruptionBudgetSpec(selector),
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
