/**
 * Settings that are valid but probably not what the stack meant: printed by the plan and logged
 * by the program as warnings, so they are never silently accepted.
 */
import { PROJECT } from "./parse";
import type { PlatformSpec } from "./spec";

export function configWarnings(spec: PlatformSpec): string[] {
  const out: string[] = [];
  const counted = (["telegram", "whatsapp"] as const).filter((b) => spec.bridges[b].accounts > 0);
  if (!spec.features.bridges && counted.length > 0) {
    out.push(`${PROJECT}:bridges is false, so ${counted.map((b) => `${PROJECT}:${b}Accounts = ${spec.bridges[b].accounts}`).join(" and ")} deploys nothing; set bridges to true to deploy ${counted.length > 1 ? "them" : "it"}, or the count${counted.length > 1 ? "s" : ""} to 0`);
  }
  if (spec.environment === "prod" && spec.tls.issuer === "selfsigned") {
    out.push(`${PROJECT}:tlsIssuer = selfsigned on a prod stack: browsers and federating servers will not trust its certificates; use acme (with acmeEmail) for production`);
  }
  if (spec.environment === "prod" && spec.platform === "existing" && spec.existing.storageEncrypted !== true) {
    out.push(`${PROJECT}:encryptedStorageClass is not set on a prod existing-cluster stack: PostgreSQL, Redis and MinIO's drives use ${spec.existing.storageClass === undefined ? "the default StorageClass (storageClass unset)" : `StorageClass ${spec.existing.storageClass}`}, which is not known to encrypt at rest; set encryptedStorageClass to a class that does (LUKS/dm-crypt, an encrypting CSI driver, self-encrypting drives)`);
  }
  return out;
}
