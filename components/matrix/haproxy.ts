/**
 * SynapseHaproxy: the HAProxy Deployment that routes client and federation traffic to the Synapse
 * workers, with its config rendered by render/haproxy from the worker catalogue.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { imageRef } from "../../catalog/images";
import type { PlatformSpec } from "../../config/spec";
import type { Sizing } from "../../sizing/types";
import { HAPROXY_PORTS, buildHaproxyModel, haproxyDeploymentInput, renderHaproxyConfig } from "../../render/haproxy";
import type { SynapseInstance } from "../../render/synapse";
import { selectorLabels, standardLabels } from "../k8s/labels";
import type { Platform } from "../contracts";
import { checksum, httpProbe, resourcesOf, restrictedContainer, restrictedPod } from "../k8s/pod-spec";
import { internalMtlsOn } from "../../catalog/internal-tls";
import { certReloadingHaproxyCommand } from "../../render/haproxy";
import { ROUTER_CLIENT_SECRET, ROUTER_TLS_MOUNT, haproxyTlsVolume, routerClientCertificate } from "./mtls";
import { disruptionBudgetSpec } from "../k8s/disruption-budget";

/** HAProxy's user (the image's files are world-readable; a high UID keeps clear of host users). */
export const HAPROXY_UID = 10099;
export const HAPROXY_SERVICE = "haproxy";

export interface SynapseHaproxyArgs {
  /** Validated platform spec (upload limit, environment, image registry). */
  spec: PlatformSpec;
  /** Sizing: `components.haproxy` replicas and resources. */
  sizing: Sizing;
  /** Platform: placement and Kubernetes provider. */
  platform: Platform;
  /** Namespace (the StackNamespace's name output). */
  namespace: pulumi.Input<string>;
  /** Plain namespace name for cluster DNS names. */
  namespaceName: string;
  /** Synapse worker instances the routing covers (pool slots follow sizing's HPA ceilings). */
  instances: readonly SynapseInstance[];
}

export class SynapseHaproxy extends pulumi.ComponentResource {
  /** Service name: client 8008, federation 8448, stats/metrics/readiness 8404. */
  readonly serviceName: string = HAPROXY_SERVICE;
  /** The rendered haproxy.cfg. */
  readonly config: string;
  readonly replicas: number;

  constructor(name: string, args: SynapseHaproxyArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("matrix-platform:matrix:SynapseHaproxy", name, {}, opts);
    const child = { parent: this, provider: args.platform.provider };
    const sized = args.sizing.components.haproxy;
    // Sizing already holds production to two routers (the registry's HA floor).
    this.replicas = sized.replicas;
    const model = buildHaproxyModel(haproxyDeploymentInput({ spec: args.spec, sizing: args.sizing, instances: args.instances, namespace: args.namespaceName }));
    this.config = renderHaproxyConfig(model);
    const labels = standardLabels("haproxy", "router");
    const selector = selectorLabels("haproxy");
    const meta = { name: HAPROXY_SERVICE, namespace: args.namespace, labels };

    const cm = new k8s.core.v1.ConfigMap(`${name}-config`, { metadata: meta, data: { "haproxy.cfg": this.config } }, child);
    // Mutual TLS to Synapse: the router's client certificate from the internal CA (the config's
    // server lines name its files, render/haproxy ROUTER_TLS_FILES).
    const mtls = internalMtlsOn(args.spec);
    if (mtls && args.platform.internalCaIssuer === undefined) throw new Error("internalMtls is on, but the platform runs no internal CA to issue HAProxy's client certificate");
    const clientCertificate = mtls
      ? routerClientCertificate(`${name}-client-mtls`, { namespace: args.namespace, issuer: args.platform.internalCaIssuer! }, { ...child, dependsOn: args.platform.ready }, args.platform.crdProviders)
      : undefined;
    const configFile = "/usr/local/etc/haproxy/haproxy.cfg";
    const sa = new k8s.core.v1.ServiceAccount(`${name}-sa`, { metadata: meta, automountServiceAccountToken: false }, child);
    new k8s.apps.v1.Deployment(`${name}`, {
      metadata: meta,
      spec: {
        replicas: this.replicas,
        strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
        selector: { matchLabels: selector },
        template: {
          metadata: { labels, annotations: { "matrix-platform.io/config-checksum": checksum(this.config) } },
          spec: restrictedPod({
            uid: HAPROXY_UID,
            placement: args.platform.placement("edge"),
            selector,
            serviceAccountName: HAPROXY_SERVICE,
            // Let long-polling syncs finish on a rolling update (hard-stop-after 60s in the config).
            terminationGracePeriodSeconds: 75,
            volumes: [{ name: "config", configMap: { name: cm.metadata.name } }, ...(mtls ? [haproxyTlsVolume("internal-tls", ROUTER_CLIENT_SECRET)] : [])],
            containers: [restrictedContainer({
              name: "haproxy",
              image: imageRef("haproxy", args.spec.imageRegistry),
              // With mutual TLS the client certificate is renewed under HAProxy: reload when it is.
              command: mtls ? certReloadingHaproxyCommand(configFile, ROUTER_TLS_MOUNT.watched) : ["haproxy", "-W", "-db", "-f", configFile],
              ports: [
                { name: "client", containerPort: HAPROXY_PORTS.client },
                { name: "federation", containerPort: HAPROXY_PORTS.federation },
                { name: "stats", containerPort: HAPROXY_PORTS.stats },
              ],
              resources: resourcesOf(sized.resources, 1),
              volumeMounts: [
                { name: "config", mountPath: "/usr/local/etc/haproxy", readOnly: true },
                { name: "tmp", mountPath: "/tmp" },
                ...(mtls ? [{ name: "internal-tls", mountPath: ROUTER_TLS_MOUNT.dir, readOnly: true }] : []),
              ],
              livenessProbe: httpProbe(model.stats.livenessPath, "stats", { period: 10, failures: 3 }),
              // Ready only when main and every worker type without a main fallback has a server up:
              // the rollout waits for Synapse, and no request is accepted that would surely fail.
              readinessProbe: httpProbe(model.stats.readinessPath, "stats", { period: 5, failures: 2 }),
            }, HAPROXY_UID)],
          }),
        },
      },
    }, { ...child, dependsOn: [sa, ...(clientCertificate ? [clientCertificate] : [])] });
    new k8s.core.v1.Service(`${name}`, {
      metadata: meta,
      spec: {
        type: "ClusterIP",
        selector,
        ports: [
          { name: "client", port: HAPROXY_PORTS.client, targetPort: "client" },
          { name: "federation", port: HAPROXY_PORTS.federation, targetPort: "federation" },
          { name: "stats", port: HAPROXY_PORTS.stats, targetPort: "stats" },
        ],
      },
    }, child);
    new k8s.policy.v1.PodDisruptionBudget(`${name}`, {
      metadata: meta,
      spec: disruptionBudgetSpec(selector),
    }, child);
    this.registerOutputs({ serviceName: this.serviceName, replicas: this.replicas });
  }
}
