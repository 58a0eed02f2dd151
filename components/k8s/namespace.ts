/**
 * StackNamespace: every namespace the stack creates, closed by default.
 *
 * - Pod Security admission labels (enforce + audit + warn) at `restricted` unless the caller
 *   names a weaker level *and* says why (coturn's host networking is the expected case).
 * - A default-deny NetworkPolicy for ingress and egress, and one egress allow for cluster DNS.
 *   Everything else a pod may talk to comes from the flows components declare (./network/).
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { standardLabels } from "./labels";
import { defaultDenyPolicy, dnsEgressPolicy, type NetworkFlows, type NetworkPolicyManifest } from "./network";
import { POD_SECURITY_VERSION } from "./version";

export type PodSecurityLevel = "restricted" | "baseline" | "privileged";

export interface StackNamespaceArgs {
  /** Namespace name (use NAMESPACES.*). Defaults to the resource name. */
  name?: string;
  /** Pod Security Standard enforced on the namespace; `restricted` unless `podSecurityReason` explains otherwise. */
  podSecurity?: PodSecurityLevel;
  /** Required for anything weaker than `restricted`: why the namespace's pods cannot meet it. */
  podSecurityReason?: string;
  /** Extra labels on the Namespace object. */
  labels?: Record<string, string>;
  /** Component label value (defaults to "namespace"). */
  component?: string;
  /**
   * The stack's flow registry: the namespace is registered with it, so the policies of flows
   * that end here are written into it and wait for it (the registry writes none elsewhere).
   */
  flows?: NetworkFlows;
}

/** The labels Pod Security admission reads, pinned to the stack's Kubernetes version. */
export function podSecurityLabels(level: PodSecurityLevel): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const mode of ["enforce", "audit", "warn"] as const) {
    labels[`pod-security.kubernetes.io/${mode}`] = level;
    labels[`pod-security.kubernetes.io/${mode}-version`] = POD_SECURITY_VERSION;
  }
  // A namespace relaxed for one workload still audits and warns against `restricted`, so every
  // other pod that drifts from it is reported.
  if (level !== "restricted") {
    labels["pod-security.kubernetes.io/audit"] = "restricted";
    labels["pod-security.kubernetes.io/warn"] = "restricted";
  }
  return labels;
}

/** The Namespace manifest and its baseline policies, as plain objects (pure; tested without Pulumi). */
export function stackNamespaceManifests(args: Required<Pick<StackNamespaceArgs, "name">> & StackNamespaceArgs): {
  namespace: { apiVersion: "v1"; kind: "Namespace"; metadata: { name: string; labels: Record<string, string>; annotations?: Record<string, string> } };
  policies: NetworkPolicyManifest[];
} {
  const level = args.podSecurity ?? "restricted";
  if (level !== "restricted" && !args.podSecurityReason?.trim()) {
    throw new Error(`namespace ${args.name}: Pod Security level "${level}" needs a podSecurityReason (the stack's default is "restricted")`);
  }
  const labels = { ...standardLabels(args.name, args.component ?? "namespace"), ...(args.labels ?? {}), ...podSecurityLabels(level) };
  const base = { "app.kubernetes.io/instance": "main", "app.kubernetes.io/part-of": "matrix-platform", "app.kubernetes.io/managed-by": "pulumi" };
  return {
    namespace: {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: {
        name: args.name,
        labels,
        ...(level !== "restricted" ? { annotations: { "matrix-platform/pod-security-reason": args.podSecurityReason!.trim() } } : {}),
      },
    },
    policies: [defaultDenyPolicy(args.name, base), dnsEgressPolicy(args.name, base)],
  };
}

/** A namespace of the stack: Namespace + Pod Security labels + default-deny + DNS egress. */
export class StackNamespace extends pulumi.ComponentResource {
  readonly namespace: k8s.core.v1.Namespace;
  /** The namespace name, resolved once the Namespace exists (use it as metadata.namespace so children wait for it). */
  readonly name: pulumi.Output<string>;
  readonly podSecurity: PodSecurityLevel;
  readonly policies: k8s.networking.v1.NetworkPolicy[];

  constructor(name: string, args: StackNamespaceArgs = {}, opts: pulumi.ComponentResourceOptions = {}) {
    super("matrix-platform:k8s:StackNamespace", name, {}, opts);
    const nsName = args.name ?? name;
    const m = stackNamespaceManifests({ ...args, name: nsName });
    this.podSecurity = args.podSecurity ?? "restricted";
    this.namespace = new k8s.core.v1.Namespace(name, { metadata: m.namespace.metadata }, { parent: this });
    this.name = this.namespace.metadata.name;
    this.policies = m.policies.map(
      (p) =>
        new k8s.networking.v1.NetworkPolicy(
          `${nsName}-${p.metadata.name}`,
          { metadata: { ...p.metadata, namespace: this.name }, spec: p.spec as unknown as k8s.types.input.networking.v1.NetworkPolicySpec },
          { parent: this },
        ),
    );
    args.flows?.addNamespace(nsName, this);
    this.registerOutputs({ name: this.name });
  }
}
