import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { standardLabels } from "../k8s/labels";
import { NAMESPACES } from "../k8s/namespaces";

export interface DataNetworkPoliciesArgs {
  /** Kubernetes provider of the cluster. */
  provider: k8s.Provider;
  /** The data namespace the policies protect. */
  namespace: pulumi.Input<string>;
  /** Pod labels of the main PostgreSQL cluster. */
  mainDatabasePods: Record<string, string>;
  /** Pod labels of the LI PostgreSQL cluster. */
  liDatabasePods: Record<string, string>;
  /** Pod labels of the Redis front (what clients connect to). */
  redisPods: Record<string, string>;
  /** Pod labels of the MinIO servers. */
  objectStorePods: Record<string, string>;
}

const fromNamespaces = (names: string[]) => names.map((n) => ({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": n } } }));

/**
 * Network policies of the data namespace: deny all ingress by default, then admit exactly the
 * namespaces that use each service. The LI database admits only the LI namespace (and the
 * operators that manage it), so the main instance can never reach LI data; main's database and
 * Redis do not admit the LI namespace. Pods inside the data namespace may talk to each other
 * (replication, Sentinel, backups to MinIO), and monitoring may scrape everything.
 */
export class DataNetworkPolicies extends pulumi.ComponentResource {
  constructor(name: string, args: DataNetworkPoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("matrix-platform:data:DataNetworkPolicies", name, {}, opts);
    const childOpts: pulumi.CustomResourceOptions = { parent: this, provider: args.provider };
    const labels = standardLabels("data-network-policy", "network-policy", "platform");
    const sameNamespace = { podSelector: {} };
    const managers = fromNamespaces([NAMESPACES.operators, NAMESPACES.monitoring]);
    const policy = (suffix: string, podSelector: Record<string, string>, peers: object[], ports?: number[]) =>
      new k8s.networking.v1.NetworkPolicy(`${name}-${suffix}`, {
        metadata: { name: suffix, namespace: args.namespace, labels },
        spec: {
          podSelector: { matchLabels: podSelector },
          policyTypes: ["Ingress"],
          ingress: [
            { from: [sameNamespace, ...managers] },
            { from: peers, ...(ports ? { ports: ports.map((port) => ({ protocol: "TCP", port })) } : {}) },
          ],
        },
      }, childOpts);

    new k8s.networking.v1.NetworkPolicy(`${name}-default-deny`, {
      metadata: { name: "default-deny-ingress", namespace: args.namespace, labels },
      spec: { podSelector: {}, policyTypes: ["Ingress"] },
    }, childOpts);
    policy("postgres-main", args.mainDatabasePods, fromNamespaces([NAMESPACES.matrix]), [5432]);
    policy("postgres-li", args.liDatabasePods, fromNamespaces([NAMESPACES.li]), [5432]);
    policy("redis", args.redisPods, fromNamespaces([NAMESPACES.matrix]), [6379]);
    policy("object-store", args.objectStorePods, fromNamespaces([NAMESPACES.matrix, NAMESPACES.li]), [9000]);
    this.registerOutputs({});
  }
}
