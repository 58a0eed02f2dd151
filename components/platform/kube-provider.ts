/**
 * How every platform's Kubernetes provider applies objects, whatever reaches the cluster.
 *
 * - Server-side apply: the API server merges fields, so add-ons and operators that own fields of
 *   the same objects are not overwritten.
 * - ConfigMaps updated in place. By default the provider replaces a ConfigMap whose data changes;
 *   ours carry fixed names, so the replacement is delete-before-replace, and Pulumi then replaces
 *   everything that depends on it — a profile change (new pool sizes in homeserver.yaml) would
 *   delete and recreate every Synapse StatefulSet. Updated in place, the ConfigMap's readers roll
 *   instead, because each pod template carries a digest of the configuration it reads
 *   (`matrix-platform.io/config-checksum`, `matrix-platform.io/ca-checksum`).
 */
export const KUBE_PROVIDER_BEHAVIOUR = {
  enableServerSideApply: true,
  enableConfigMapMutable: true,
} as const;
