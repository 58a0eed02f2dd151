/**
 * The pinned Amazon RDS roots (catalog/amazon-rds-roots.ts) are what their comment says: each PEM
 * is a self-signed CA certificate whose subject and DER SHA-256 are the listed ones, none expires
 * before 2061, and every commercial AWS region the config accepts but the two the copies predate
 * gets its three G1 roots.
 */
import { strict as assert } from "assert";
import { X509Certificate } from "crypto";
import { AMAZON_RDS_ROOTS, amazonRdsRootsPem } from "../../catalog/amazon-rds-roots";
import { AWS_REGIONS } from "../../catalog/regions";

describe("Amazon RDS roots (catalog/amazon-rds-roots.ts)", () => {
  it("each entry is a self-signed CA named and fingerprinted as listed, valid until 2061 or later", () => {
    assert.equal(AMAZON_RDS_ROOTS.length, 102);
    const seen = new Set<string>();
    for (const r of AMAZON_RDS_ROOTS) {
      const c = new X509Certificate(r.pem);
      assert.equal(c.fingerprint256, r.sha256, r.name);
      assert.ok(!seen.has(r.sha256), `${r.name} listed once`);
      seen.add(r.sha256);
      assert.match(c.subject, new RegExp(`^CN=${r.name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`, "m"), r.name);
      assert.equal(c.issuer, c.subject, `${r.name} is a root`);
      assert.ok(c.ca, `${r.name} is a CA`);
      assert.ok(c.verify(c.publicKey), `${r.name}: its self-signature verifies`);
      assert.ok(new Date(c.validTo) > new Date("2061-01-01"), `${r.name} valid to ${c.validTo}`);
    }
  });

  it("a region's PEM holds its RSA2048, RSA4096 and ECC384 G1 roots; GovCloud and ap-east-2 get none", () => {
    const uncovered = ["us-gov-east-1", "us-gov-west-1", "ap-east-2"];
    for (const region of AWS_REGIONS) {
      const pem = amazonRdsRootsPem(region);
      const names = AMAZON_RDS_ROOTS.filter((r) => pem.includes(r.pem)).map((r) => r.name).sort();
      if (uncovered.includes(region)) {
        assert.equal(pem, "", region);
        continue;
      }
      assert.deepEqual(names, ["ECC384", "RSA2048", "RSA4096"].map((k) => `Amazon RDS ${region} Root CA ${k} G1`), region);
    }
    // The Beta and Preview endpoints' roots are not a region's.
    assert.ok(!amazonRdsRootsPem("us-east-1").includes(AMAZON_RDS_ROOTS.find((r) => r.name.startsWith("Amazon RDS Beta"))!.pem));
  });
});
