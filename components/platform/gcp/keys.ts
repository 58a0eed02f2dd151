import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";

/** 90 days, as the security specification's key rotation policy asks. */
export const GCP_KEY_ROTATION = "7776000s";

export interface GcpKey {
  key: gcp.kms.CryptoKey;
  /** The service agents' grants: what uses the key must wait for them. */
  grants: gcp.kms.CryptoKeyIAMMember[];
}

export interface GcpKeysArgs {
  /** Resource name prefix (the platform's name). */
  name: string;
  /** Key ring name prefix. */
  prefix: string;
  /** Region of the key ring of regional services. */
  region: string;
  /** Location of the storage key's ring: a bucket's CMEK key must live in the bucket's location. */
  storageLocation: string;
  /** Project number, which names the service agents. */
  projectNumber: pulumi.Input<string>;
  /** Cloud SQL's service identity: its grant must wait for it. */
  sqlAgent: pulumi.Resource;
  /** Keep the keys from `pulumi destroy` (environment preset `deletionProtection`). */
  protect: boolean;
  /** The enabled APIs. */
  dependsOn: pulumi.Resource[];
}

/** Keys rotated every 90 days; each service agent may use only its own key. */
export function createGcpKeys(a: GcpKeysArgs, opts: { parent: pulumi.Resource; provider: gcp.Provider }) {
  const { name, prefix } = a;
  const agent = (domain: string) => pulumi.interpolate`serviceAccount:service-${a.projectNumber}@${domain}`;
  const keyRing = new gcp.kms.KeyRing(`${name}-keys`, { name: `${prefix}-keys`, location: a.region }, { ...opts, dependsOn: a.dependsOn });
  const storageRing = a.storageLocation.toLowerCase() !== a.region.toLowerCase()
    ? new gcp.kms.KeyRing(`${name}-storage-keys`, { name: `${prefix}-storage-keys`, location: a.storageLocation.toLowerCase() }, { ...opts, dependsOn: a.dependsOn })
    : keyRing;
  const cryptoKey = (purpose: string, ring: gcp.kms.KeyRing, users: pulumi.Input<string>[], deps: pulumi.Resource[] = []): GcpKey => {
    const key = new gcp.kms.CryptoKey(`${name}-${purpose}`, {
      name: purpose,
      keyRing: ring.id,
      purpose: "ENCRYPT_DECRYPT",
      rotationPeriod: GCP_KEY_ROTATION,
    }, { ...opts, protect: a.protect });
    const grants = users.map((member, i) => new gcp.kms.CryptoKeyIAMMember(`${name}-${purpose}-user-${i}`, {
      cryptoKeyId: key.id,
      role: "roles/cloudkms.cryptoKeyEncrypterDecrypter",
      member,
    }, { ...opts, dependsOn: deps }));
    return { key, grants };
  };
  return {
    gke: cryptoKey("gke-secrets", keyRing, [agent("container-engine-robot.iam.gserviceaccount.com")]),
    disks: cryptoKey("disks", keyRing, [agent("compute-system.iam.gserviceaccount.com")]),
    sql: cryptoKey("cloudsql", keyRing, [agent("gcp-sa-cloud-sql.iam.gserviceaccount.com")], [a.sqlAgent]),
    storage: cryptoKey("storage", storageRing, [agent("gs-project-accounts.iam.gserviceaccount.com")]),
    redis: cryptoKey("redis", keyRing, [agent("cloud-redis.iam.gserviceaccount.com")]),
  };
}
