/**
 * TLS between the in-cluster processes: whether HAProxy and the Synapse processes talk mutual
 * TLS, and the facts both ends of that link share (the router's certificate identity, the
 * proxy sidecar's requests).
 */
import type { PlatformSpec } from "../config/spec";
import { environmentPreset } from "./environments";

/** Mutual TLS between HAProxy and Synapse: the `internalMtls` key, else the environment preset. */
export function internalMtlsOn(spec: Pick<PlatformSpec, "internalMtls" | "environment">): boolean {
  return spec.internalMtls ?? environmentPreset(spec.environment).internalMtls;
}

/**
 * Common name of the router's client certificate: the Synapse pods' proxies admit a client
 * certificate of the internal CA only with this name, because the CA also signs other clients'
 * certificates (the namespaces' CA-trust certificates).
 */
export const ROUTER_CLIENT_NAME = "haproxy-router";

/**
 * Requests and limits of the TLS proxy beside each Synapse process (an HAProxy forwarding to
 * 127.0.0.1): TLS termination of the router's keep-alive connections is a small fraction of what
 * Synapse spends on the same requests. Node packing adds the requests to every Synapse pod.
 */
export const MTLS_PROXY_RESOURCES = { cpuRequestMillis: 25, cpuLimitMillis: 500, memoryRequestMi: 32, memoryLimitMi: 128 } as const;

/**
 * Requests and limits of the verifying Redis proxy beside each Synapse process
 * (render/redis/synapse-redis-proxy.ts): two long-lived connections carrying the replication
 * stream, a few percent of Synapse's own work. Node packing adds the requests to every Synapse
 * pod wherever Redis speaks TLS.
 */
export const REDIS_PROXY_RESOURCES = { cpuRequestMillis: 10, cpuLimitMillis: 250, memoryRequestMi: 16, memoryLimitMi: 64 } as const;
