/**
 * Pod specs of the RTC workloads (pure: plain Pulumi input shapes, tested without Pulumi).
 *
 * LiveKit and coturn use host networking: WebRTC and TURN hand clients the address and port they
 * must send media to, so each pod must own its node's address and a wide UDP range (a Service
 * can neither forward a range nor keep the address a client was given). They run one per node on
 * the edge tier and still drop every capability, run as non-root with a read-only root filesystem;
 * only the Pod Security level of their namespace (`privileged`, for hostNetwork) differs.
 * lk-jwt-service is an ordinary restricted pod.
 */
import type * as k8s from "@pulumi/kubernetes";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../k8s/security-context";
import type { Placement } from "../contracts";
import type { RtcSpec } from "../../config/spec";
import type { ResourceShape } from "../../sizing/types";
import { RTC_PORTS } from "../../render/rtc";
import { RTC_NAMES, rtcSelector } from "./names";

type PodSpec = k8s.types.input.core.v1.PodSpec;
type Container = k8s.types.input.core.v1.Container;

/** Mount points inside the containers. */
export const RTC_PATHS_IN_POD = {
  livekitConfig: "/etc/livekit/config.yaml",
  livekitKeyFile: "/etc/livekit/keys.yaml",
  /** The private CA of the platform's Redis (Memorystore, the in-cluster Redis), projected beside the config. */
  livekitRedisCa: "/etc/livekit/redis-ca.crt",
  lkJwtKey: "/etc/lk-jwt-service/livekit_key",
  lkJwtSecret: "/etc/lk-jwt-service/livekit_secret",
  coturnConfig: "/etc/coturn/turnserver.conf",
  coturnTlsDir: "/etc/coturn/tls",
  coturnStateDir: "/var/lib/coturn",
} as const;

/** UIDs: LiveKit's image has no fixed user; coturn's image runs as nobody (65534). */
const UIDS = { livekit: 10001, lkJwt: 10001, coturn: 65534 } as const;

export function resources(r: ResourceShape, ephemeralMi = 256): k8s.types.input.core.v1.ResourceRequirements {
  return {
    requests: { cpu: `${r.cpuRequestMillis}m`, memory: `${r.memoryRequestMi}Mi`, "ephemeral-storage": `${Math.max(64, ephemeralMi / 4)}Mi` },
    limits: { cpu: `${r.cpuLimitMillis}m`, memory: `${r.memoryLimitMi}Mi`, "ephemeral-storage": `${ephemeralMi}Mi` },
  };
}

/** One replica per node: two host-network pods of one program would fight over its ports. */
function onePerNode(name: string): k8s.types.input.core.v1.Affinity {
  return { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: rtcSelector(name) } }] } };
}

function hostNetworkPod(uid: number, placement: Placement): Pick<PodSpec, "hostNetwork" | "dnsPolicy" | "securityContext" | "automountServiceAccountToken" | "enableServiceLinks" | "nodeSelector" | "tolerations"> {
  return {
    hostNetwork: true,
    // Host-network pods still resolve cluster names (the Redis Service) through cluster DNS.
    dnsPolicy: "ClusterFirstWithHostNet",
    securityContext: restrictedPodSecurityContext(uid),
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    nodeSelector: placement.nodeSelector,
    tolerations: placement.tolerations,
  };
}

export interface LivekitPodArgs {
  image: string;
  placement: Placement;
  resources: ResourceShape;
  nodeAddress: RtcSpec["nodeAddress"];
  udpPorts: RtcSpec["livekitUdpPorts"];
  /** Projection of the private CA of the platform's Redis as `redis-ca.crt` beside the config (components/k8s/ca-trust.ts); absent = none. */
  redisCaSource?: k8s.types.input.core.v1.VolumeProjection;
}

export function livekitPodSpec(a: LivekitPodArgs): PodSpec {
  const container: Container = {
    name: "livekit",
    image: a.image,
    imagePullPolicy: "IfNotPresent",
    args: ["--config", RTC_PATHS_IN_POD.livekitConfig],
    // `node`: the node's own address is what clients reach; LiveKit asks no STUN server.
    env: a.nodeAddress === "node" ? [{ name: "NODE_IP", valueFrom: { fieldRef: { fieldPath: "status.hostIP" } } }] : [],
    ports: [
      { name: "http", containerPort: RTC_PORTS.livekitHttp, protocol: "TCP" },
      { name: "rtc-tcp", containerPort: RTC_PORTS.livekitTcp, protocol: "TCP" },
      { name: "metrics", containerPort: RTC_PORTS.livekitMetrics, protocol: "TCP" },
    ],
    // Ready once it answers "OK" at / (its node is registered); alive while its ICE/TCP port is.
    readinessProbe: { httpGet: { path: "/", port: "http" }, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
    livenessProbe: { tcpSocket: { port: "rtc-tcp" }, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 3, initialDelaySeconds: 10 },
    resources: resources(a.resources),
    securityContext: restrictedContainerSecurityContext(UIDS.livekit, true),
    volumeMounts: [
      { name: "config", mountPath: "/etc/livekit", readOnly: true },
      { name: "tmp", mountPath: "/tmp" },
    ],
  };
  return {
    ...hostNetworkPod(UIDS.livekit, a.placement),
    affinity: onePerNode(RTC_NAMES.livekit),
    // Calls on a draining node get time to move (clients reconnect to another SFU).
    terminationGracePeriodSeconds: 60,
    containers: [container],
    volumes: [
      // LiveKit refuses a key file that others can read: owner-only.
      a.redisCaSource
        ? { name: "config", projected: { defaultMode: 0o400, sources: [{ secret: { name: RTC_NAMES.livekitSecret } }, a.redisCaSource] } }
        : { name: "config", secret: { secretName: RTC_NAMES.livekitSecret, defaultMode: 0o400 } },
      { name: "tmp", emptyDir: { medium: "Memory", sizeLimit: "64Mi" } },
    ],
  };
}

export interface LkJwtPodArgs {
  image: string;
  placement: Placement;
  resources: ResourceShape;
  env: Record<string, string>;
}

export function lkJwtPodSpec(a: LkJwtPodArgs): PodSpec {
  const selector = rtcSelector(RTC_NAMES.lkJwt);
  return {
    securityContext: restrictedPodSecurityContext(UIDS.lkJwt),
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    nodeSelector: a.placement.nodeSelector,
    tolerations: a.placement.tolerations,
    topologySpreadConstraints: [
      { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: selector } },
      { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: selector } },
    ],
    containers: [{
      name: "lk-jwt-service",
      image: a.image,
      imagePullPolicy: "IfNotPresent",
      env: Object.entries(a.env).map(([name, value]) => ({ name, value })),
      ports: [{ name: "http", containerPort: RTC_PORTS.lkJwt, protocol: "TCP" }],
      readinessProbe: { httpGet: { path: "/healthz", port: "http" }, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
      // Ready while /healthz answers; restarted only when its port stops accepting at all.
      livenessProbe: { tcpSocket: { port: "http" }, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 3 },
      resources: resources(a.resources),
      securityContext: restrictedContainerSecurityContext(UIDS.lkJwt, true),
      volumeMounts: [{ name: "keys", mountPath: "/etc/lk-jwt-service", readOnly: true }, { name: "tmp", mountPath: "/tmp" }],
    }],
    volumes: [
      { name: "keys", secret: { secretName: RTC_NAMES.lkJwtSecret, defaultMode: 0o400 } },
      { name: "tmp", emptyDir: { medium: "Memory", sizeLimit: "16Mi" } },
    ],
  };
}

export interface CoturnPodArgs {
  image: string;
  placement: Placement;
  resources: ResourceShape;
  /**
   * `stun`: the nodes sit behind 1:1 NAT (cloud nodes' public addresses are not on their
   * interfaces), so coturn is told its public address, found at start by the image's
   * detect-external-ip. `node`: the node's own address is the public one; nothing is asked.
   */
  nodeAddress: RtcSpec["nodeAddress"];
}

export function coturnPodSpec(a: CoturnPodArgs): PodSpec {
  const args = ["-c", RTC_PATHS_IN_POD.coturnConfig];
  // The image's entrypoint evaluates its arguments, so this runs detect-external-ip at start
  // (Kubernetes leaves `$(...)` alone: it is no variable it defines).
  if (a.nodeAddress === "stun") args.push("--external-ip=$(detect-external-ip)");
  return {
    ...hostNetworkPod(UIDS.coturn, a.placement),
    terminationGracePeriodSeconds: 30,
    containers: [{
      name: "coturn",
      image: a.image,
      imagePullPolicy: "IfNotPresent",
      args,
      ports: [
        { name: "turn-udp", containerPort: RTC_PORTS.turn, protocol: "UDP" },
        { name: "turn-tcp", containerPort: RTC_PORTS.turn, protocol: "TCP" },
        { name: "turns-tcp", containerPort: RTC_PORTS.turns, protocol: "TCP" },
        { name: "turns-udp", containerPort: RTC_PORTS.turns, protocol: "UDP" },
        { name: "metrics", containerPort: RTC_PORTS.coturnMetrics, protocol: "TCP" },
      ],
      // Ready once TURN over TLS listens (the certificate loaded); alive while plain TURN does.
      readinessProbe: { tcpSocket: { port: RTC_PORTS.turns }, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
      livenessProbe: { tcpSocket: { port: RTC_PORTS.turn }, periodSeconds: 20, timeoutSeconds: 3, failureThreshold: 3 },
      resources: resources(a.resources),
      securityContext: restrictedContainerSecurityContext(UIDS.coturn, true),
      volumeMounts: [
        { name: "config", mountPath: "/etc/coturn/turnserver.conf", subPath: "turnserver.conf", readOnly: true },
        { name: "tls", mountPath: RTC_PATHS_IN_POD.coturnTlsDir, readOnly: true },
        { name: "state", mountPath: RTC_PATHS_IN_POD.coturnStateDir },
        { name: "tmp", mountPath: "/tmp" },
      ],
    }],
    volumes: [
      { name: "config", secret: { secretName: RTC_NAMES.coturnSecret, defaultMode: 0o400 } },
      { name: "tls", secret: { secretName: RTC_NAMES.turnTls, defaultMode: 0o400 } },
      { name: "state", emptyDir: { sizeLimit: "64Mi" } },
      { name: "tmp", emptyDir: { medium: "Memory", sizeLimit: "16Mi" } },
    ],
  };
}
