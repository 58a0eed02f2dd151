import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { NAMESPACES } from "../../catalog/namespaces";
import { standardLabels } from "./labels";
import type { CrdProviders } from "../contracts";
import { customResource } from "./custom-resource";

/** ClusterIssuer of the in-cluster CA that signs the data services' server certificates. */
export const INTERNAL_CA_ISSUER = "matrix-internal-ca";
/** Secret (cert-manager namespace) holding the internal CA's certificate and key. */
export const INTERNAL_CA_SECRET = "matrix-internal-ca";
/** The key under which cert-manager writes the issuing CA into every certificate Secret. */
export const CA_KEY = "ca.crt";

/**
 * The cert-manager Certificate a namespace's clients read the internal CA from.
 *
 * Without trust-manager the CA reaches other namespaces only as `ca.crt` in the Secrets
 * cert-manager writes for each Certificate it issues there; a namespace that only needs to trust
 * the CA gets this small client certificate, and pods project just `ca.crt` out of its Secret
 * (the key never reaches them). cert-manager keeps `ca.crt` current across renewals.
 */
export function trustCertificate(name: string, a: { namespace: pulumi.Input<string>; secretName: string; issuer: string }, opts: pulumi.CustomResourceOptions, crds: CrdProviders): k8s.apiextensions.CustomResource {
  return customResource(name, {
    apiVersion: "cert-manager.io/v1",
    kind: "Certificate",
    metadata: { name: a.secretName, namespace: a.namespace, labels: standardLabels(a.secretName, "ca-trust", "platform") },
    spec: {
      secretName: a.secretName,
      commonName: a.secretName,
      duration: "2160h",
      renewBefore: "720h",
      usages: ["client auth"],
      privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
      issuerRef: { name: a.issuer, kind: "ClusterIssuer", group: "cert-manager.io" },
    },
  }, opts, crds);
}

/** A projected volume with only `ca.crt` of a cert-manager Secret. */
export function caVolume(volumeName: string, secretName: pulumi.Input<string>): k8s.types.input.core.v1.Volume {
  return { name: volumeName, secret: { secretName, items: [{ key: CA_KEY, path: CA_KEY }], defaultMode: 0o444 } };
}

export interface InternalCaArgs {
  provider: k8s.Provider;
  /** The stack's domain, named in the CA's subject. */
  domain: string;
  /** The cert-manager release (its CRDs): every Certificate and ClusterIssuer here depends on it. */
  crds: CrdProviders;
  /** The cert-manager release. */
  dependsOn: pulumi.Resource[];
}

/**
 * The cluster's internal CA: a self-signed ClusterIssuer bootstraps a CA Certificate (ECDSA P-256,
 * ten years, renewed a year ahead) in cert-manager's namespace, and a CA ClusterIssuer signs the
 * in-cluster servers' certificates with it (MinIO; the HAProxy<->Synapse certificates). The CA key
 * is cert-manager's alone: Pulumi never sees it, and clients learn the CA from `ca.crt`.
 */
export class InternalCa extends pulumi.ComponentResource {
  readonly issuer: string = INTERNAL_CA_ISSUER;
  /** The CA ClusterIssuer: certificates issued by it wait for this. */
  readonly ready: pulumi.Resource[];

  constructor(name: string, args: InternalCaArgs, opts?: pulumi.ComponentResourceOptions) {
    super("matrix-platform:platform:InternalCa", name, {}, opts);
    const labels = standardLabels("cert-manager", "internal-ca", "platform");
    const child = (dependsOn: pulumi.Resource[]): pulumi.CustomResourceOptions => ({ parent: this, provider: args.provider, dependsOn });
    const crds = args.crds;
    const bootstrap = customResource(`${name}-bootstrap`, {
      apiVersion: "cert-manager.io/v1",
      kind: "ClusterIssuer",
      metadata: { name: `${INTERNAL_CA_ISSUER}-bootstrap`, labels },
      spec: { selfSigned: {} },
    }, child(args.dependsOn), crds);
    const ca = customResource(`${name}-certificate`, {
      apiVersion: "cert-manager.io/v1",
      kind: "Certificate",
      metadata: { name: INTERNAL_CA_SECRET, namespace: NAMESPACES.certManager, labels },
      spec: {
        isCA: true,
        commonName: `${args.domain} internal CA`,
        secretName: INTERNAL_CA_SECRET,
        duration: "87600h",
        renewBefore: "8760h",
        // Renewal keeps the key: servers' certificates and clients' ca.crt stay valid across it.
        privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Never" },
        issuerRef: { name: `${INTERNAL_CA_ISSUER}-bootstrap`, kind: "ClusterIssuer", group: "cert-manager.io" },
      },
    }, child([...args.dependsOn, bootstrap]), crds);
    const issuer = customResource(`${name}-issuer`, {
      apiVersion: "cert-manager.io/v1",
      kind: "ClusterIssuer",
      metadata: { name: INTERNAL_CA_ISSUER, labels },
      spec: { ca: { secretName: INTERNAL_CA_SECRET } },
    }, child([...args.dependsOn, ca]), crds);
    this.ready = [issuer];
    this.registerOutputs({ issuer: this.issuer });
  }
}
