/**
 * Synapse signing key from an Ed25519 private key in PKCS#8 PEM (what `@pulumi/tls`
 * `PrivateKey({algorithm: "ED25519"}).privateKeyPem` and `openssl genpkey -algorithm ed25519`
 * produce). Synapse's file format is one line: `ed25519 <key id> <unpadded base64 of the seed>`.
 */
import { createHash, createPrivateKey, createPublicKey } from "crypto";

/** DER prefix of an Ed25519 PKCS#8 PrivateKeyInfo (RFC 8410): SEQ, version 0, OID 1.3.101.112, OCTET STRING(OCTET STRING(32)). */
const ED25519_PKCS8_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");

function pemBody(pem: string, label: string): Buffer {
  const m = new RegExp(`-----BEGIN ${label}-----([\\s\\S]*?)-----END ${label}-----`).exec(pem);
  if (!m) throw new Error(`not a PEM ${label}`);
  return Buffer.from(m[1].replace(/\s+/g, ""), "base64");
}

/** The 32-byte Ed25519 seed: the last 32 bytes of the PKCS#8 DER, after checking the structure. */
export function ed25519SeedFromPkcs8Pem(pem: string): Buffer {
  const der = pemBody(pem, "PRIVATE KEY");
  if (der.length !== ED25519_PKCS8_PREFIX.length + 32 || !der.subarray(0, ED25519_PKCS8_PREFIX.length).equals(ED25519_PKCS8_PREFIX)) {
    throw new Error("PRIVATE KEY is not an Ed25519 PKCS#8 key (expected 48 bytes with the RFC 8410 prefix)");
  }
  return der.subarray(ED25519_PKCS8_PREFIX.length);
}

/** Unpadded standard base64, as Synapse (unpaddedbase64) writes it. */
export function unpaddedBase64(bytes: Buffer): string {
  return bytes.toString("base64").replace(/=+$/, "");
}

/** Raw 32-byte public key of an Ed25519 PKCS#8 PEM. */
export function ed25519PublicKey(pem: string): Buffer {
  const spki = createPublicKey(createPrivateKey(pem)).export({ format: "der", type: "spki" });
  return Buffer.from(spki.subarray(spki.length - 32));
}

/**
 * Key version `a_XXXX`: four letters derived from the public key, so the ID is stable for a key
 * and changes when the key does (Synapse itself picks four random letters).
 */
export function signingKeyVersion(pem: string): string {
  const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  const digest = createHash("sha256").update(ed25519PublicKey(pem)).digest();
  return "a_" + Array.from(digest.subarray(0, 4), (b) => letters[b % letters.length]).join("");
}

/** The signing key file's content (with trailing newline). */
export function synapseSigningKey(pem: string, version = signingKeyVersion(pem)): string {
  if (!/^a_[A-Za-z0-9_]+$/.test(version)) throw new Error(`signing key version ${version} is not of the form a_XXXX`);
  return `ed25519 ${version} ${unpaddedBase64(ed25519SeedFromPkcs8Pem(pem))}\n`;
}

/** The published key ID, e.g. `ed25519:a_AbCd`. */
export function signingKeyId(pem: string): string {
  return `ed25519:${signingKeyVersion(pem)}`;
}
