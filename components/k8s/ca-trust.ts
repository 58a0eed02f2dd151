import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import type { CrdProviders } from "../contracts";
import { CA_KEY, trustCertificate } from "./internal-ca";
import { standardLabels } from "./labels";
import { checksum } from "./pod-spec";

/** What a client pod needs to verify a platform server (Redis, PostgreSQL): a projection that puts the CA at `file`. */
export interface CaTrust {
  /** A projected-volume source holding the CA as `file`. */
  source: k8s.types.input.core.v1.VolumeProjection;
  /** The ConfigMap or trust Certificate the source reads (pods wait for it). */
  resource: pulumi.Resource;
  /**
   * A digest of the CA a ConfigMap holds, for the pod template (the provider updates ConfigMaps in
   * place, so a new CA reaches running processes only through a rollout). Undefined for a trust
   * Certificate: cert-manager keeps its Secret current and the kubelet refreshes the projection.
   */
  checksum?: pulumi.Output<string>;
}

/** The pod-template annotation that rolls a client's pods when a CA it trusts changes ({} when none can). */
export function caTrustAnnotations(...trusts: (CaTrust | undefined)[]): Record<string, pulumi.Output<string>> {
  const sums = trusts.flatMap((t) => (t?.checksum ? [t.checksum] : []));
  return sums.length ? { "matrix-platform.io/ca-checksum": pulumi.all(sums).apply((s) => checksum(...s)) } : {};
}

/** A server's CA handed over as PEM, in a ConfigMap of the client's namespace. */
export function caConfigMapTrust(
  name: string,
  pem: pulumi.Input<string>,
  a: { namespace: pulumi.Input<string>; objectName: string; file: string; component: string },
  opts: pulumi.CustomResourceOptions,
): CaTrust {
  const map = new k8s.core.v1.ConfigMap(name, {
    metadata: { name: a.objectName, namespace: a.namespace, labels: standardLabels(a.objectName, a.component) },
    data: { [CA_KEY]: pem },
  }, opts);
  return { source: { configMap: { name: a.objectName, items: [{ key: CA_KEY, path: a.file }] } }, resource: map, checksum: pulumi.output(pem).apply((c) => checksum(c)) };
}

/**
 * The CA of a platform server (Redis, PostgreSQL) in the client's namespace, whatever the
 * platform: a ConfigMap from the PEM it hands over (Memorystore, ElastiCache's public roots, Cloud
 * SQL), or a trust Certificate from its issuer (the in-cluster servers' internal CA). Undefined
 * where the server names no CA.
 */
export function privateCaTrust(
  name: string,
  server: { caCertificate?: pulumi.Output<string>; caIssuer?: string },
  a: { namespace: pulumi.Input<string>; objectName: string; file: string; component: string },
  opts: pulumi.CustomResourceOptions,
  crds: CrdProviders,
): CaTrust | undefined {
  if (server.caCertificate !== undefined) return caConfigMapTrust(name, server.caCertificate, a, opts);
  if (server.caIssuer !== undefined) {
    const cert = trustCertificate(name, { namespace: a.namespace, secretName: a.objectName, issuer: server.caIssuer }, opts, crds);
    // Only ca.crt: the trust certificate's own key never reaches the pod.
    return { source: { secret: { name: a.objectName, items: [{ key: CA_KEY, path: a.file }] } }, resource: cert };
  }
  return undefined;
}
