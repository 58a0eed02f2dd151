/**
 * The encrypting StorageClass key: it becomes the class of every volume on an existing cluster,
 * is validated like any StorageClass name, applies to that platform only, cannot disagree with
 * storageClass, and production on an existing cluster without it is warned about by name.
 */
import { strict as assert } from "assert";
import { configWarnings, parseSpec } from "../../config";
import { prefixedConfig, refusalOf } from "../helpers/config-refusal";

const P = "matrix-platform";
const cfg = prefixedConfig;
const PROD_EXISTING = { platform: "existing", environment: "prod", domain: "example.org", acmeEmail: "ops@example.org", offsiteBackupWaived: "true", projectImageRegistry: "registry.example.org/matrix-platform" };


const storageWarning = (raw: Record<string, string>) => configWarnings(parseSpec(cfg(raw), "test")).filter((w) => w.includes("encryptedStorageClass"));

describe("config: encrypting StorageClass", () => {
  it("makes the encrypting class the class of every volume, and says it encrypts", () => {
    const spec = parseSpec(cfg({ ...PROD_EXISTING, encryptedStorageClass: "ceph-rbd.luks" }), "test");
    assert.equal(spec.existing.storageClass, "ceph-rbd.luks");
    assert.equal(spec.existing.storageEncrypted, true);
    const plain = parseSpec(cfg({ ...PROD_EXISTING, storageClass: "local-nvme" }), "test");
    assert.equal(plain.existing.storageClass, "local-nvme");
    assert.equal(plain.existing.storageEncrypted, false);
    // The same class under both keys says the same thing twice: accepted.
    assert.equal(parseSpec(cfg({ ...PROD_EXISTING, storageClass: "luks", encryptedStorageClass: "luks" }), "test").existing.storageClass, "luks");
  });

  for (const [what, value] of [
    ["upper-case letters", "Encrypted-SSD"],
    ["an underscore", "encrypted_ssd"],
    ["a label ending in '-'", "encrypted-.ssd"],
    ["an empty label", "encrypted..ssd"],
    ["more than 253 characters", `${"a".repeat(63)}.`.repeat(4) + "a"],
  ] as const) {
    it(`refuses a class name with ${what}, naming the key, the value and what is allowed`, () => {
      const message = refusalOf({ ...PROD_EXISTING, encryptedStorageClass: value });
      assert.ok(message.includes(`${P}:encryptedStorageClass = ${JSON.stringify(value)} is not allowed: a Kubernetes StorageClass name (a DNS subdomain`), message);
    });
  }

  it("reads an empty value as not set (the default Pulumi.yaml declares for every key)", () => {
    const spec = parseSpec(cfg({ ...PROD_EXISTING, encryptedStorageClass: "" }), "test");
    assert.deepEqual(spec, parseSpec(cfg(PROD_EXISTING), "test"));
  });

  it("refuses it on AWS and GCP, whose platforms bring their own encrypted class", () => {
    for (const platform of ["aws", "gcp"]) {
      const message = refusalOf({ platform, gcpProject: "matrix-test", encryptedStorageClass: "luks" });
      assert.match(message, new RegExp(`${P}:encryptedStorageClass = "luks" is not allowed: only applies to the existing platform, not ${platform}`));
    }
  });

  it("refuses a storageClass that differs from it: that class would be used by no volume", () => {
    const message = refusalOf({ ...PROD_EXISTING, storageClass: "local-nvme", encryptedStorageClass: "luks" });
    assert.match(message, /matrix-platform:storageClass = "local-nvme" is not allowed: unset, or the same as encryptedStorageClass \(luks\)/);
  });

  it("warns a production existing-cluster stack without it, naming the key and the class in use", () => {
    const [plainDefault] = storageWarning(PROD_EXISTING);
    assert.match(plainDefault, /^matrix-platform:encryptedStorageClass is not set on a prod existing-cluster stack/);
    assert.match(plainDefault, /the default StorageClass \(storageClass unset\)/);
    const [named] = storageWarning({ ...PROD_EXISTING, storageClass: "local-nvme" });
    assert.match(named, /use StorageClass local-nvme, which is not known to encrypt at rest/);
  });

  it("does not warn with it set, outside production, or on the clouds", () => {
    assert.deepEqual(storageWarning({ ...PROD_EXISTING, encryptedStorageClass: "luks" }), []);
    for (const environment of ["dev", "staging"]) {
      assert.deepEqual(storageWarning({ platform: "existing", environment, domain: "example.org", acmeEmail: "ops@example.org", projectImageRegistry: "registry.example.org/matrix-platform" }), []);
    }
    assert.deepEqual(storageWarning({ platform: "aws", environment: "prod", domain: "example.org", acmeEmail: "ops@example.org" }), []);
  });
});
