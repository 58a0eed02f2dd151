/**
 * Resource options for a StatefulSet with volumeClaimTemplates. Kubernetes makes the templates
 * immutable, so Pulumi would answer a changed volume size (a larger CCU profile) by replacing the
 * StatefulSet: every pod restarted at once and the claims left to be re-adopted. The templates
 * are therefore read only at creation; a grown profile's size is applied by expanding the
 * existing claims (README, "Changing the profile"), which the StorageClass must allow.
 */
export const IMMUTABLE_CLAIM_TEMPLATES = { ignoreChanges: ["spec.volumeClaimTemplates"] };
