/**
 * The key vault's generated secrets, made before the Matrix stack because Synapse needs two of
 * them: the service token (Synapse's module sends it, key_vault checks it) and the LI officers'
 * RSA key pair (clients encrypt with the public key; the private key stays in the Pulumi state as
 * a secret stack output and is never written to any Kubernetes object).
 */
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";

/** Length of the generated service token and Django secret key (letters and digits). */
export const KEY_VAULT_SECRET_LENGTH = 64;
/** The LI key pair: RSA, 4096 bits. */
export const LI_RSA_BITS = 4096;

export class KeyVaultCredentials extends pulumi.ComponentResource {
  /** Bearer token key_vault requires on every call (secret). */
  readonly serviceToken: pulumi.Output<string>;
  /** Django's SECRET_KEY (secret; key_vault signs nothing with it, Django refuses to start without one). */
  readonly djangoSecretKey: pulumi.Output<string>;
  /** PEM of the LI public key, published to clients through Synapse's module (public). */
  readonly publicKeyPem: pulumi.Output<string>;
  /** PEM of the LI private key: for the LI officers only, a secret stack output (secret). */
  readonly privateKeyPem: pulumi.Output<string>;

  constructor(name: string, opts: pulumi.ComponentResourceOptions = {}) {
    super("matrix-platform:li:KeyVaultCredentials", name, {}, opts);
    const secret = (key: string) => pulumi.secret(new random.RandomPassword(`${name}-${key}`, { length: KEY_VAULT_SECRET_LENGTH, special: false }, { parent: this }).result);
    this.serviceToken = secret("service-token");
    this.djangoSecretKey = secret("django-secret-key");
    // Not protected, so `li: false` can remove it with the rest of LI; the officers keep the
    // private key from the stack output (README: export it before switching LI off).
    const pair = new tls.PrivateKey(`${name}-li-rsa`, { algorithm: "RSA", rsaBits: LI_RSA_BITS }, { parent: this, additionalSecretOutputs: ["privateKeyPem", "privateKeyOpenssh", "privateKeyPemPkcs8"] });
    this.publicKeyPem = pulumi.unsecret(pair.publicKeyPem);
    this.privateKeyPem = pulumi.secret(pair.privateKeyPem);
    this.registerOutputs({ publicKeyPem: this.publicKeyPem });
  }
}
