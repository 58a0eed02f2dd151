import { strict as assert } from "assert";
import { createPrivateKey, createPublicKey, publicEncrypt, privateDecrypt } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { mockRsaKey } from "../../stacks/mock-rsa-keys";

describe("mock engine: RSA keys kept per clone", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "mock-keys-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const only = () => {
    const files = fs.readdirSync(dir);
    assert.equal(files.length, 1, files.join(", "));
    return path.join(dir, files[0]);
  };

  it("makes a working key pair of the asked size and keeps it, readable by its owner only", () => {
    const pems = mockRsaKey("li-rsa", 1024, dir);
    const key = createPrivateKey(pems.privateKeyPem);
    assert.equal(key.asymmetricKeyDetails?.modulusLength, 1024);
    const sealed = publicEncrypt(createPublicKey(pems.publicKeyPem), Buffer.from("hello"));
    assert.equal(privateDecrypt(createPrivateKey(pems.privateKeyPemPkcs8), sealed).toString(), "hello");
    assert.match(pems.privateKeyPem, /^-----BEGIN RSA PRIVATE KEY-----/);
    assert.equal(fs.statSync(only()).mode & 0o777, 0o600);
  });

  it("a later process of the same clone gets the same key from the cache", () => {
    const first = mockRsaKey("li-rsa", 1024, dir);
    // Another folder holding the same file is what a new process sees: nothing in memory.
    const other = fs.mkdtempSync(path.join(os.tmpdir(), "mock-keys-"));
    try {
      fs.copyFileSync(only(), path.join(other, path.basename(only())));
      assert.deepEqual(mockRsaKey("li-rsa", 1024, other), first);
      assert.notDeepEqual(mockRsaKey("other-rsa", 1024, other), first, "one key per resource name");
    } finally {
      fs.rmSync(other, { recursive: true, force: true });
    }
  });

  it("replaces a cached key that is unreadable, of another size or whose PEMs disagree", () => {
    const good = mockRsaKey("k", 1024, dir);
    const file = only();
    const variants = [
      "not json",
      JSON.stringify({ ...good, privateKeyPem: "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n" }),
      JSON.stringify({ ...mockRsaKey("small", 512, dir), privateKeyPemPkcs8: good.privateKeyPemPkcs8 }),
      JSON.stringify({ ...good, publicKeyPem: mockRsaKey("third", 1024, dir).publicKeyPem }),
    ];
    for (const [i, content] of variants.entries()) {
      const fresh = fs.mkdtempSync(path.join(os.tmpdir(), "mock-keys-"));
      try {
        const copy = path.join(fresh, path.basename(file));
        fs.writeFileSync(copy, content);
        const pems = mockRsaKey("k", 1024, fresh);
        assert.equal(createPrivateKey(pems.privateKeyPem).asymmetricKeyDetails?.modulusLength, 1024, `variant ${i}`);
        assert.equal(createPublicKey(pems.privateKeyPem).export({ format: "pem", type: "spki" }).toString(), pems.publicKeyPem, `variant ${i}`);
        assert.deepEqual(JSON.parse(fs.readFileSync(copy, "utf8")), pems, `variant ${i}: the cache holds the new key`);
      } finally {
        fs.rmSync(fresh, { recursive: true, force: true });
      }
    }
  });
});
