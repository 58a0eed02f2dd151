/**
 * The Kubernetes minor version the stack is written, validated and admitted against.
 *
 * - Pod Security admission labels pin their policy version to it, so a cluster upgrade does not
 *   silently change what the namespaces admit.
 * - The validation gate (`npm run validate`) checks every rendered object against the built-in
 *   schemas of this version (kubeconform -kubernetes-version).
 * Platforms that create a cluster (EKS, GKE) should request this version; an existing cluster
 * must run it or a later one.
 */
export const KUBERNETES_VERSION = "1.34";

/** `v1.34`: the form Pod Security admission's `*-version` labels take. */
export const POD_SECURITY_VERSION = `v${KUBERNETES_VERSION}`;
