/**
 * The key vault's fixed facts and the pieces other renderers take from it (pure): its Service
 * name and port, the URL Synapse's module calls, the module's `modules:` entry, and the
 * environment key_vault's container reads (images/key-vault/keyvault/settings.py).
 */

/** Name of key_vault's Deployment, Service and labels (in the Matrix namespace). */
export const KEY_VAULT_NAME = "key-vault";
/** The port gunicorn listens on (images/key-vault/Dockerfile). */
export const KEY_VAULT_PORT = 8000;
/** The image's user (images/key-vault/Dockerfile `USER`). */
export const KEY_VAULT_UID = 10993;
/** Where Synapse's clients store a key, and where they read the public key to encrypt it with. */
export const STORE_KEY_PATH = "/_synapse/client/v1/li/store_key";
export const PUBLIC_KEY_PATH = "/_synapse/client/v1/li/public_key";
/** The Synapse module (images/synapse/modules/li-key-store). */
export const LI_KEY_STORE_MODULE = "li_key_store.LiKeyStore";
/** How clients must encrypt a payload with the published key. */
export const KEY_ENCRYPTION = "RSA-OAEP-SHA256";

/** key_vault's base URL inside the cluster. */
export function keyVaultUrl(namespace: string, clusterDomain = "cluster.local"): string {
  return `http://${KEY_VAULT_NAME}.${namespace}.svc.${clusterDomain}:${KEY_VAULT_PORT}`;
}

export interface LiKeyStoreModuleInput {
  /** key_vault's base URL (keyVaultUrl). */
  keyVaultUrl: string;
  /** File holding the service token (a Secret mounted in every Synapse process). */
  serviceTokenPath: string;
  /** PEM of the LI officers' RSA public key, served to clients at PUBLIC_KEY_PATH. */
  publicKeyPem: string;
}

/** The `modules:` entry of homeserver.yaml (no secret in it: the token is a file path). */
export function renderLiKeyStoreModule(input: LiKeyStoreModuleInput): Record<string, unknown> {
  return {
    module: LI_KEY_STORE_MODULE,
    config: { key_vault_url: input.keyVaultUrl, service_token_path: input.serviceTokenPath, public_key_pem: input.publicKeyPem },
  };
}

export interface KeyVaultDatabaseEnv {
  host: string;
  port: number;
  database: string;
  user: string;
  sslMode: "disable" | "require" | "verify-ca" | "verify-full";
  /** The server's CA file in the pod, libpq's `sslrootcert` under verify-ca and verify-full. */
  caFile?: string;
}

/** Plain (non-secret) environment of key_vault's container; the secrets are `*_FILE` paths. */
export function keyVaultEnv(db: KeyVaultDatabaseEnv, secretsDir: string): Record<string, string> {
  const verifies = db.sslMode === "verify-ca" || db.sslMode === "verify-full";
  if (verifies && !db.caFile) throw new Error(`key_vault's database: ${db.sslMode} needs the server's CA file`);
  return {
    DJANGO_SETTINGS_MODULE: "keyvault.settings",
    KEY_VAULT_DB_HOST: db.host,
    KEY_VAULT_DB_PORT: String(db.port),
    KEY_VAULT_DB_NAME: db.database,
    KEY_VAULT_DB_USER: db.user,
    KEY_VAULT_DB_SSLMODE: db.sslMode,
    ...(verifies ? { KEY_VAULT_DB_SSLROOTCERT: db.caFile! } : {}),
    KEY_VAULT_DB_PASSWORD_FILE: `${secretsDir}/db_password`,
    KEY_VAULT_SERVICE_TOKEN_FILE: `${secretsDir}/service_token`,
    KEY_VAULT_DJANGO_SECRET_KEY_FILE: `${secretsDir}/django_secret_key`,
  };
}
