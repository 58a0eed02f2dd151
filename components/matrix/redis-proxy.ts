/**
 * The verifying Redis proxy container of every Synapse pod (render/redis/synapse-redis-proxy.ts
 * says why Synapse does not dial Redis's TLS itself): HAProxy on loopback, the platform's Redis
 * CA projected at REDIS_PROXY_FILES.caFile.
 */
import * as pulumi from "@pulumi/pulumi";
import type * as k8s from "@pulumi/kubernetes";
import { REDIS_PROXY_RESOURCES } from "../../catalog/internal-tls";
import { SYNAPSE_REDIS_PROXY, renderSynapseRedisProxyConfig } from "../../render/redis/synapse-redis-proxy";
import type { RedisEndpoint } from "../contracts";
import { httpProbe, resourcesOf, restrictedContainer } from "../k8s/pod-spec";

export const REDIS_PROXY_FILES = {
  configDir: "/usr/local/etc/haproxy-redis",
  caDir: "/etc/redis-proxy/ca",
  caFile: "/etc/redis-proxy/ca/ca.crt",
} as const;

/** The proxy's haproxy.cfg for the platform's Redis. */
export function synapseRedisProxyConfig(redis: Pick<RedisEndpoint, "host" | "port" | "certificateNamesHost">): pulumi.Output<string> {
  return pulumi.all([pulumi.unsecret(redis.host), pulumi.unsecret(redis.port)]).apply(([host, port]) => renderSynapseRedisProxyConfig({
    upstream: { host, port },
    caFile: REDIS_PROXY_FILES.caFile,
    ...(redis.certificateNamesHost ? { verifyName: host } : {}),
  }));
}

export function redisProxyContainer(a: { image: pulumi.Input<string>; uid: number; configVolume: string; caVolume: string }): k8s.types.input.core.v1.Container {
  return restrictedContainer({
    name: "redis-proxy",
    image: a.image,
    command: ["haproxy", "-W", "-db", "-f", `${REDIS_PROXY_FILES.configDir}/haproxy.cfg`],
    ports: [{ name: "redis-proxy", containerPort: SYNAPSE_REDIS_PROXY.healthPort }],
    resources: resourcesOf(REDIS_PROXY_RESOURCES, 1),
    volumeMounts: [
      { name: a.configVolume, mountPath: REDIS_PROXY_FILES.configDir, readOnly: true },
      { name: a.caVolume, mountPath: REDIS_PROXY_FILES.caDir, readOnly: true },
      { name: "tmp", mountPath: "/tmp" },
    ],
    // The proxy's own state: its health frontend answers. Whether Redis is reachable is Synapse's
    // concern (it reconnects), so a Redis outage does not restart every Synapse pod's proxy.
    livenessProbe: { tcpSocket: { port: "redis-proxy" }, periodSeconds: 15, failureThreshold: 4, timeoutSeconds: 3 },
    readinessProbe: httpProbe("/healthz", "redis-proxy", { period: 10, failures: 3 }),
  }, a.uid);
}
