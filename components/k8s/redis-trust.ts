import type * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import type { CrdProviders, RedisEndpoint } from "../contracts";
import { CA_KEY, trustCertificate } from "./internal-ca";
import { standardLabels } from "./labels";

/** What a client pod needs to verify the platform's Redis: a projection that puts the CA at `file`. */
export interface RedisTrust {
  /** A projected-volume source holding the CA as `file`. */
  source: k8s.types.input.core.v1.VolumeProjection;
  /** The ConfigMap or trust Certificate the source reads (pods wait for it). */
  resource: pulumi.Resource;
}

/**
 * The private CA of the platform's Redis, in the client's namespace, whatever the platform: a
 * ConfigMap from the PEM it hands over (Memorystore), or a trust Certificate from its issuer (the
 * in-cluster Redis). Undefined where there is no private CA to trust (TLS chains to public roots).
 */
export function redisTrust(
  name: string,
  redis: Pick<RedisEndpoint, "caCertificate" | "caIssuer">,
  a: { namespace: pulumi.Input<string>; objectName: string; file: string; component: string },
  opts: pulumi.CustomResourceOptions,
  crds: CrdProviders,
): RedisTrust | undefined {
  if (redis.caCertificate !== undefined) {
    const map = new k8s.core.v1.ConfigMap(name, {
      metadata: { name: a.objectName, namespace: a.namespace, labels: standardLabels(a.objectName, a.component) },
      data: { [CA_KEY]: redis.caCertificate },
    }, opts);
    return { source: { configMap: { name: a.objectName, items: [{ key: CA_KEY, path: a.file }] } }, resource: map };
  }
  if (redis.caIssuer !== undefined) {
    const cert = trustCertificate(name, { namespace: a.namespace, secretName: a.objectName, issuer: redis.caIssuer }, opts, crds);
    // Only ca.crt: the trust certificate's own key never reaches the pod.
    return { source: { secret: { name: a.objectName, items: [{ key: CA_KEY, path: a.file }] } }, resource: cert };
  }
  return undefined;
}
