/**
 * RSA keys for the mock engine's `tls:index/privateKey:PrivateKey` (stacks/mock-outputs.ts).
 * Node's crypto cannot derive an RSA key from a seed, so the key is random; making one costs
 * 0.3-3 CPU-s at 4,096 bits (the LI key pair), more than the rest of a prod plan's program run.
 * A key is therefore made once per resource name and size in a clone and kept in
 * node_modules/.cache/ (never committed; `npm ci` starts afresh), not once per process.
 *
 * These are stand-ins for what the tls provider makes at `pulumi up`; no deployment uses them.
 * Anything unreadable in the cache, or not a key of the asked size, is replaced by a fresh key.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync } from "crypto";
import * as fs from "fs";
import * as path from "path";

export interface RsaKeyPems {
  /** PKCS#1, as the tls provider's privateKeyPem. */
  privateKeyPem: string;
  privateKeyPemPkcs8: string;
  publicKeyPem: string;
}

/** node_modules/.cache/matrix-platform-mock-keys of the clone this module runs in. */
export const MOCK_KEY_DIR = path.join(path.resolve(require.resolve("@pulumi/pulumi/package.json"), "../../.."), ".cache", "matrix-platform-mock-keys");

const inProcess = new Map<string, RsaKeyPems>();

function generate(bits: number): RsaKeyPems {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: bits });
  return {
    privateKeyPem: privateKey.export({ format: "pem", type: "pkcs1" }).toString(),
    privateKeyPemPkcs8: privateKey.export({ format: "pem", type: "pkcs8" }).toString(),
    publicKeyPem: publicKey.export({ format: "pem", type: "spki" }).toString(),
  };
}

/** The cached key if it is a whole RSA key of `bits` whose PEMs agree with each other. */
function readCached(file: string, bits: number): RsaKeyPems | undefined {
  try {
    const pems = JSON.parse(fs.readFileSync(file, "utf8")) as RsaKeyPems;
    const key = createPrivateKey(pems.privateKeyPem);
    if (key.asymmetricKeyType !== "rsa" || key.asymmetricKeyDetails?.modulusLength !== bits) return undefined;
    const agree = key.export({ format: "pem", type: "pkcs8" }).toString() === pems.privateKeyPemPkcs8 && createPublicKey(key).export({ format: "pem", type: "spki" }).toString() === pems.publicKeyPem;
    return agree ? pems : undefined;
  } catch {
    return undefined;
  }
}

/** Written whole or not at all (several processes may make the same key at once; the last rename wins). */
function writeCached(file: string, pems: RsaKeyPems): void {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(pems), { mode: 0o600 });
    fs.renameSync(tmp, file);
  } catch {
    // A read-only tree only loses the reuse.
  }
}

/** The mock's RSA key for a resource: the same within a clone until its cache is cleared. */
export function mockRsaKey(name: string, bits: number, dir = MOCK_KEY_DIR): RsaKeyPems {
  const id = `${name}-${bits}`;
  const file = path.join(dir, `${id.replace(/[^A-Za-z0-9._-]/g, "_")}.json`);
  let pems = inProcess.get(file) ?? readCached(file, bits);
  if (!pems) {
    pems = generate(bits);
    writeCached(file, pems);
  }
  inProcess.set(file, pems);
  return pems;
}
