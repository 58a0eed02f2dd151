/**
 * RtcStack: MatrixRTC calls. LiveKit SFU (one per edge node, host networking, distributed over
 * the platform's Redis above one replica), lk-jwt-service (OpenID token -> LiveKit token, the
 * only one that creates rooms) and coturn (a DaemonSet on the edge nodes, host networking), the
 * `rtc.<domain>` routes and the flows. Synapse's side (TURN URIs and secret, `matrix_rtc`) and the
 * clients' (.well-known, Element) are rendered by the Matrix stack from the same registry switch.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as random from "@pulumi/random";
import { imageRef } from "../../catalog/images";
import { NAMESPACES } from "../../catalog/namespaces";
import type { RtcSpec } from "../../config/spec";
import type { WorkloadSizing } from "../../sizing/types";
import { RTC_PORTS, TURN_QUOTAS, renderCoturnConfig, renderLivekitConfig, renderLivekitKeyFile, renderLkJwtEnv } from "../../render/rtc";
import { toYaml } from "../../render/synapse/yaml";
import type { Platform } from "../contracts";
import { standardLabels } from "../k8s/labels";
import { StackNamespace } from "../k8s/namespace";
import { caTrustAnnotations, privateCaTrust } from "../k8s/ca-trust";
import type { NetworkFlows } from "../k8s/network";
import { rtcFlows, rtcWorkloads } from "./flows";
import { RTC_NAMES, rtcSelector } from "./names";
import { RTC_PATHS_IN_POD, coturnPodSpec, livekitPodSpec, lkJwtPodSpec } from "./pods";
import { RTC_PATHS, rtcRoutes } from "./routes";
import { cpuAutoscalerSpec } from "../k8s/autoscaling";
import { customResource } from "../k8s/custom-resource";
import { disruptionBudgetSpec } from "../k8s/disruption-budget";

export { RTC_PATHS, rtcRoutes } from "./routes";
export { rtcFlows, rtcWorkloads, RTC_NODES } from "./flows";
export { livekitPodSpec, lkJwtPodSpec, coturnPodSpec, RTC_PATHS_IN_POD } from "./pods";
export { RTC_NAMES } from "./names";

/** Why the media namespace is `privileged` (recorded on the Namespace). */
export const MEDIA_POD_SECURITY_REASON =
  "LiveKit and coturn use host networking: WebRTC and TURN hand clients the node's address and a port of a wide UDP range, which no Service can forward. " +
  "Their pods still run as non-root with every capability dropped and a read-only root filesystem; nothing else runs in this namespace.";

/** lk-jwt-service's LiveKit URL: the public SFU websocket behind the Gateway. */
export function livekitPublicUrl(rtcHost: string): string {
  return `wss://${rtcHost}${RTC_PATHS.sfu}`;
}

export interface RtcStackArgs {
  /** Matrix server name: coturn's realm and lk-jwt-service's only full-access homeserver. */
  serverName: string;
  /** Public hosts: `rtc` (Gateway: tokens and signalling) and `turn` (coturn's certificate). */
  hosts: { rtc: string; turn: string };
  /** Media port ranges and how LiveKit finds its public address. */
  media: RtcSpec;
  /** Sizing of the three workloads (sizing.components). */
  sizing: { livekit: WorkloadSizing; lkJwt: WorkloadSizing; coturn: WorkloadSizing };
  /** What the stack uses of the platform. */
  platform: Pick<Platform, "provider" | "placement" | "redis" | "gateway" | "clusterIssuer" | "ready" | "crdProviders">;
  /** The Matrix namespace (its StackNamespace's name, so lk-jwt-service waits for it). */
  matrixNamespace: pulumi.Input<string>;
  /** TURN shared secret (secret output): the one Synapse signs TURN credentials with. */
  turnSharedSecret: pulumi.Output<string>;
  /** Image registry override (air-gapped sites). */
  imageRegistry?: string;
  /** The stack's flow registry. */
  flows: NetworkFlows;
}

export class RtcStack extends pulumi.ComponentResource {
  /** The media namespace (LiveKit, coturn). */
  readonly mediaNamespace: StackNamespace;

  constructor(name: string, args: RtcStackArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("matrix-platform:rtc:RtcStack", name, {}, opts);
    const { platform, sizing, media } = args;
    const child = { parent: this, provider: platform.provider };
    const mediaNs = NAMESPACES.turn;
    const matrixNs = NAMESPACES.matrix;

    this.mediaNamespace = new StackNamespace(`${name}-namespace`, {
      name: mediaNs, component: "rtc", podSecurity: "privileged", podSecurityReason: MEDIA_POD_SECURITY_REASON, flows: args.flows,
    }, { parent: this, providers: [platform.provider], dependsOn: platform.ready });
    const ns = this.mediaNamespace.name;

    // LiveKit API key and secret. The secret is HMAC-SHA256 key material: 48 characters, well
    // above the 32 LiveKit demands.
    const apiKey = new random.RandomString(`${name}-livekit-api-key`, { length: 16, special: false, upper: false }, { parent: this }).result.apply((k) => `lk${k}`);
    const apiSecret = new random.RandomPassword(`${name}-livekit-api-secret`, { length: 48, special: false }, { parent: this }).result;

    // ----- LiveKit
    const distributed = sizing.livekit.replicas > 1;
    const turnHost = args.hosts.turn;
    const livekitLabels = standardLabels(RTC_NAMES.livekit, "rtc");
    // The Redis server's private CA (Memorystore's PEM, the in-cluster Redis's issuer), projected
    // beside the config; ElastiCache chains to public roots and needs none.
    const redisCa = distributed
      ? privateCaTrust(`${name}-livekit-redis-ca`, platform.redis, { namespace: ns, objectName: "livekit-redis-ca", file: RTC_PATHS_IN_POD.livekitRedisCa.split("/").pop()!, component: "rtc" }, child, platform.crdProviders)
      : undefined;
    const livekitConfig = pulumi.secret(pulumi.all([apiKey, args.turnSharedSecret, platform.redis.host, platform.redis.port, platform.redis.password]).apply(([key, turnSecret, rHost, rPort, rPassword]) =>
      toYaml(renderLivekitConfig({
        port: RTC_PORTS.livekitHttp,
        tcpPort: RTC_PORTS.livekitTcp,
        udpPorts: media.livekitUdpPorts,
        metricsPort: RTC_PORTS.livekitMetrics,
        nodeAddress: media.nodeAddress,
        keyFile: RTC_PATHS_IN_POD.livekitKeyFile,
        // A private CA is verified from the file beside the config; ElastiCache chains to public roots.
        ...(distributed ? { redis: { address: `${rHost}:${rPort}`, password: rPassword, useTls: platform.redis.tls, ...(redisCa ? { caCertFile: RTC_PATHS_IN_POD.livekitRedisCa } : {}) } } : {}),
        // Clients that cannot reach the SFU's UDP range directly relay through coturn.
        turnServers: [
          { host: turnHost, port: RTC_PORTS.turns, protocol: "tls", secret: turnSecret, ttlSeconds: 3600 },
          { host: turnHost, port: RTC_PORTS.turn, protocol: "udp", secret: turnSecret, ttlSeconds: 3600 },
        ],
      }), "LiveKit SFU config, rendered by matrix-platform (render/rtc/livekit.ts)")));
    new k8s.core.v1.Secret(`${name}-livekit`, {
      metadata: { name: RTC_NAMES.livekitSecret, namespace: ns, labels: standardLabels(RTC_NAMES.livekit, "rtc") },
      type: "Opaque",
      stringData: {
        "config.yaml": livekitConfig,
        "keys.yaml": pulumi.secret(pulumi.all([apiKey, apiSecret]).apply(([k, s]) => renderLivekitKeyFile(k, s))),
      },
    }, child);
    new k8s.apps.v1.Deployment(`${name}-livekit`, {
      metadata: { name: RTC_NAMES.livekit, namespace: ns, labels: livekitLabels },
      spec: {
        replicas: sizing.livekit.replicas,
        selector: { matchLabels: rtcSelector(RTC_NAMES.livekit) },
        // One per node on host ports: a new pod can only start where an old one has left.
        strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } },
        template: {
          metadata: { labels: livekitLabels, annotations: caTrustAnnotations(redisCa) },
          spec: livekitPodSpec({ image: imageRef("livekit", args.imageRegistry), placement: platform.placement(sizing.livekit.tier), resources: sizing.livekit.resources, nodeAddress: media.nodeAddress, udpPorts: media.livekitUdpPorts, ...(redisCa ? { redisCaSource: redisCa.source } : {}) }),
        },
      },
    }, child);
    new k8s.core.v1.Service(`${name}-livekit`, {
      metadata: { name: RTC_NAMES.livekit, namespace: ns, labels: livekitLabels },
      spec: { type: "ClusterIP", selector: rtcSelector(RTC_NAMES.livekit), ports: [{ name: "http", port: RTC_PORTS.livekitHttp, targetPort: RTC_PORTS.livekitHttp }] },
    }, child);
    new k8s.policy.v1.PodDisruptionBudget(`${name}-livekit`, {
      metadata: { name: RTC_NAMES.livekit, namespace: ns, labels: livekitLabels },
      spec: disruptionBudgetSpec(rtcSelector(RTC_NAMES.livekit)),
    }, child);

    // ----- lk-jwt-service (Matrix namespace, restricted)
    const lkJwtLabels = standardLabels(RTC_NAMES.lkJwt, "rtc");
    new k8s.core.v1.Secret(`${name}-lk-jwt-keys`, {
      metadata: { name: RTC_NAMES.lkJwtSecret, namespace: args.matrixNamespace, labels: lkJwtLabels },
      type: "Opaque",
      stringData: { livekit_key: pulumi.secret(apiKey), livekit_secret: apiSecret },
    }, child);
    const lkJwtEnv = renderLkJwtEnv({
      livekitUrl: livekitPublicUrl(args.hosts.rtc),
      fullAccessHomeservers: [args.serverName],
      bind: `:${RTC_PORTS.lkJwt}`,
      keyFile: RTC_PATHS_IN_POD.lkJwtKey,
      secretFile: RTC_PATHS_IN_POD.lkJwtSecret,
    });
    new k8s.apps.v1.Deployment(`${name}-lk-jwt-service`, {
      metadata: { name: RTC_NAMES.lkJwt, namespace: args.matrixNamespace, labels: lkJwtLabels },
      spec: {
        // The HPA owns the count when the workload autoscales.
        ...(sizing.lkJwt.autoscaling ? {} : { replicas: sizing.lkJwt.replicas }),
        selector: { matchLabels: rtcSelector(RTC_NAMES.lkJwt) },
        template: {
          metadata: { labels: lkJwtLabels },
          spec: lkJwtPodSpec({ image: imageRef("lkJwt", args.imageRegistry), placement: platform.placement(sizing.lkJwt.tier), resources: sizing.lkJwt.resources, env: lkJwtEnv }),
        },
      },
    }, child);
    new k8s.core.v1.Service(`${name}-lk-jwt-service`, {
      metadata: { name: RTC_NAMES.lkJwt, namespace: args.matrixNamespace, labels: lkJwtLabels },
      spec: { type: "ClusterIP", selector: rtcSelector(RTC_NAMES.lkJwt), ports: [{ name: "http", port: RTC_PORTS.lkJwt, targetPort: "http" }] },
    }, child);
    new k8s.policy.v1.PodDisruptionBudget(`${name}-lk-jwt-service`, {
      metadata: { name: RTC_NAMES.lkJwt, namespace: args.matrixNamespace, labels: lkJwtLabels },
      spec: disruptionBudgetSpec(rtcSelector(RTC_NAMES.lkJwt)),
    }, child);
    const lkJwtScaling = sizing.lkJwt.autoscaling;
    if (lkJwtScaling) {
      new k8s.autoscaling.v2.HorizontalPodAutoscaler(`${name}-lk-jwt-service`, {
        metadata: { name: RTC_NAMES.lkJwt, namespace: args.matrixNamespace, labels: lkJwtLabels },
        spec: cpuAutoscalerSpec(RTC_NAMES.lkJwt, lkJwtScaling),
      }, child);
    }

    // ----- coturn (DaemonSet on the edge nodes)
    const turnCert = customResource(`${name}-turn-tls`, {
      apiVersion: "cert-manager.io/v1",
      kind: "Certificate",
      metadata: { name: RTC_NAMES.turnTls, namespace: ns, labels: standardLabels(RTC_NAMES.coturn, "rtc") },
      spec: {
        secretName: RTC_NAMES.turnTls,
        dnsNames: [turnHost],
        privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
        issuerRef: { name: platform.clusterIssuer, kind: "ClusterIssuer", group: "cert-manager.io" },
      },
    }, child, platform.crdProviders);
    const coturnConfig = pulumi.secret(args.turnSharedSecret.apply((secret) => renderCoturnConfig({
      realm: args.serverName,
      sharedSecret: secret,
      listeningPort: RTC_PORTS.turn,
      tlsListeningPort: RTC_PORTS.turns,
      relayPorts: media.turnRelayPorts,
      tls: { certFile: `${RTC_PATHS_IN_POD.coturnTlsDir}/tls.crt`, keyFile: `${RTC_PATHS_IN_POD.coturnTlsDir}/tls.key` },
      metricsPort: RTC_PORTS.coturnMetrics,
      quotas: TURN_QUOTAS,
      logFile: "stdout",
      stateDir: RTC_PATHS_IN_POD.coturnStateDir,
    })));
    new k8s.core.v1.Secret(`${name}-coturn`, {
      metadata: { name: RTC_NAMES.coturnSecret, namespace: ns, labels: standardLabels(RTC_NAMES.coturn, "rtc") },
      type: "Opaque",
      stringData: { "turnserver.conf": coturnConfig },
    }, child);
    const coturnLabels = standardLabels(RTC_NAMES.coturn, "rtc");
    new k8s.apps.v1.DaemonSet(`${name}-coturn`, {
      metadata: { name: RTC_NAMES.coturn, namespace: ns, labels: coturnLabels },
      spec: {
        selector: { matchLabels: rtcSelector(RTC_NAMES.coturn) },
        updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1 } },
        template: {
          metadata: { labels: coturnLabels },
          spec: coturnPodSpec({ image: imageRef("coturn", args.imageRegistry), placement: platform.placement(sizing.coturn.tier), resources: sizing.coturn.resources, nodeAddress: media.nodeAddress }),
        },
      },
    }, { ...child, dependsOn: [turnCert] });

    // ----- routes on the shared Gateway
    const routes = rtcRoutes({ host: args.hosts.rtc, gateway: platform.gateway, matrixNamespace: matrixNs, mediaNamespace: mediaNs });
    customResource(`${name}-route`, {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "HTTPRoute",
      metadata: { name: routes.route.name, namespace: args.matrixNamespace, labels: standardLabels("rtc", "route") },
      spec: routes.route.spec,
    }, child, platform.crdProviders);
    customResource(`${name}-reference-grant`, {
      apiVersion: "gateway.networking.k8s.io/v1beta1",
      kind: "ReferenceGrant",
      metadata: { name: routes.referenceGrant.name, namespace: ns, labels: standardLabels("rtc", "route") },
      spec: routes.referenceGrant.spec,
    }, child, platform.crdProviders);

    // ----- flows and scrapes
    const workloads = rtcWorkloads(matrixNs, mediaNs);
    args.flows.allowAll(rtcFlows(workloads, distributed ? platform.redis.network : undefined), { namePrefix: "rtc", parent: this, resourceName: `${name}-flows` });
    // Scrapes are the registry entry's (catalog/components.ts `scrape`, host networking): the
    // monitoring component opens Prometheus's egress to the nodes on the metrics ports.

    this.registerOutputs({ mediaNamespace: ns });
  }
}
