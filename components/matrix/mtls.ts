/**
 * The Kubernetes side of the HAProxy <-> Synapse mutual TLS (`internalMtls`): certificates from the
 * internal CA, the proxy sidecar every Synapse pod runs, and the volumes both ends mount. The proxy's
 * config is render/haproxy/mtls-proxy.ts.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { MTLS_PROXY_RESOURCES, ROUTER_CLIENT_NAME } from "../../catalog/internal-tls";
import { MTLS_PROXY_FILES, ROUTER_TLS_FILES, certReloadingHaproxyCommand, renderMtlsProxyConfig } from "../../render/haproxy";
import { SYNAPSE_PORTS } from "../../render/synapse";
import { standardLabels } from "../k8s/labels";
import { CA_KEY } from "../k8s/internal-ca";
import { httpProbe, resourcesOf, restrictedContainer } from "../k8s/pod-spec";
import { customResource } from "../k8s/custom-resource";
import type { CrdProviders } from "../contracts";

/** Secret of the router's client certificate. */
export const ROUTER_CLIENT_SECRET = "haproxy-router-mtls";
/** Secret of a Service's server certificate (`<service>-mtls`). */
export function serverCertificateSecret(service: string): string {
  return `${service}-mtls`;
}

/** The one haproxy.cfg every Synapse pod's proxy runs (the same ports and files in every pod). */
export function mtlsProxyConfig(): string {
  return renderMtlsProxyConfig({
    bindAddress: "0.0.0.0",
    tlsPort: SYNAPSE_PORTS.mtls,
    healthPort: SYNAPSE_PORTS.proxyHealth,
    upstream: { host: "127.0.0.1", port: SYNAPSE_PORTS.http },
    files: { caFile: MTLS_PROXY_FILES.caFile, certFile: MTLS_PROXY_FILES.certFile },
  });
}

/**
 * A Certificate from the internal CA: ECDSA P-256, 90 days renewed 30 days ahead with a new key.
 * The proxies reload on renewal (certReloadingHaproxyCommand).
 */
export function internalCertificate(name: string, a: { namespace: pulumi.Input<string>; secretName: string; issuer: string; commonName: string; dnsNames?: string[]; usage: "server auth" | "client auth"; component: string }, opts: pulumi.CustomResourceOptions, crds: CrdProviders): k8s.apiextensions.CustomResource {
  return customResource(name, {
    apiVersion: "cert-manager.io/v1",
    kind: "Certificate",
    metadata: { name: a.secretName, namespace: a.namespace, labels: standardLabels(a.secretName, a.component) },
    spec: {
      secretName: a.secretName,
      commonName: a.commonName,
      ...(a.dnsNames ? { dnsNames: a.dnsNames } : {}),
      duration: "2160h",
      renewBefore: "720h",
      usages: ["digital signature", a.usage],
      privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
      issuerRef: { name: a.issuer, kind: "ClusterIssuer", group: "cert-manager.io" },
    },
  }, opts, crds);
}

/** The router's client certificate, with the name the proxies admit. */
export function routerClientCertificate(name: string, a: { namespace: pulumi.Input<string>; issuer: string }, opts: pulumi.CustomResourceOptions, crds: CrdProviders): k8s.apiextensions.CustomResource {
  return internalCertificate(name, { ...a, secretName: ROUTER_CLIENT_SECRET, commonName: ROUTER_CLIENT_NAME, usage: "client auth", component: "router" }, opts, crds);
}

/**
 * A certificate Secret as HAProxy reads it: the certificate, its key beside it as `<cert>.key`
 * (HAProxy's default for a certificate file without a key), and the CA.
 */
export function haproxyTlsVolume(volumeName: string, secretName: pulumi.Input<string>): k8s.types.input.core.v1.Volume {
  return {
    name: volumeName,
    secret: {
      secretName,
      defaultMode: 0o440,
      items: [
        { key: "tls.crt", path: "tls.crt" },
        { key: "tls.key", path: "tls.crt.key" },
        { key: CA_KEY, path: CA_KEY },
      ],
    },
  };
}

/** Directory a HAProxy TLS file sits in (the volume's mount point). */
export function dirOf(file: string): string {
  return file.replace(/\/[^/]+$/, "");
}

/** The router's mount of its client certificate. */
export const ROUTER_TLS_MOUNT = { dir: dirOf(ROUTER_TLS_FILES.certFile), watched: [ROUTER_TLS_FILES.certFile, ROUTER_TLS_FILES.caFile] } as const;

/**
 * The proxy container of a Synapse pod: TLS on `mtls` (the router's only way in), `/health` in
 * plain HTTP on `proxy-health` (the probes'), both forwarded to Synapse on 127.0.0.1. Runs as the
 * pod's user; the image's files are world-readable.
 */
export function mtlsProxyContainer(a: { image: pulumi.Input<string>; uid: number; configVolume: string; tlsVolume: string }): k8s.types.input.core.v1.Container {
  const configFile = `${MTLS_PROXY_FILES.configDir}/haproxy.cfg`;
  return restrictedContainer({
    name: "mtls-proxy",
    image: a.image,
    command: certReloadingHaproxyCommand(configFile, [MTLS_PROXY_FILES.certFile, MTLS_PROXY_FILES.caFile]),
    ports: [
      { name: "mtls", containerPort: SYNAPSE_PORTS.mtls },
      { name: "proxy-health", containerPort: SYNAPSE_PORTS.proxyHealth },
    ],
    resources: resourcesOf(MTLS_PROXY_RESOURCES, 1),
    volumeMounts: [
      { name: a.configVolume, mountPath: MTLS_PROXY_FILES.configDir, readOnly: true },
      { name: a.tlsVolume, mountPath: dirOf(MTLS_PROXY_FILES.certFile), readOnly: true },
      { name: "tmp", mountPath: "/tmp" },
    ],
    // The proxy itself: its TLS port accepts connections. Synapse's own state is the synapse
    // container's probes (through this proxy's health port).
    livenessProbe: { tcpSocket: { port: "mtls" }, periodSeconds: 15, failureThreshold: 4, timeoutSeconds: 3 },
    readinessProbe: httpProbe("/health?probe=proxy", "proxy-health", { period: 10, failures: 3 }),
  }, a.uid);
}
