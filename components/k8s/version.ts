/**
 * Kubernetes versions the stack is written, validated and admitted against.
 *
 * - OLDEST_KUBERNETES is the oldest cluster the stack supports (an existing cluster may run it;
 *   it equals ExistingClusterPlatform's minimum, which a test holds together). Pod Security
 *   admission labels pin their policy version to it, so every cluster, old or new, admits by the
 *   same rules and an upgrade never changes what the namespaces admit.
 * - VALIDATED_KUBERNETES_VERSIONS are the versions the gate (`npm run validate`) checks rendered
 *   objects against with kubeconform: the oldest supported one and the version EKS and GKE
 *   clusters are created with (a test holds them to the platforms' constants).
 *   scripts/provision.d/30-validators.sh builds the offline schemas for exactly these.
 */
export const OLDEST_KUBERNETES = "1.31";

export const VALIDATED_KUBERNETES_VERSIONS = ["1.31", "1.35"];

/** `v1.31`: the form Pod Security admission's `*-version` labels take. */
export const POD_SECURITY_VERSION = `v${OLDEST_KUBERNETES}`;
