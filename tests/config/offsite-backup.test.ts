/**
 * The off-site backup keys: a typed copy target from valid config; production on an existing
 * cluster refused without one (or its waiver); every bad, missing or misplaced key named, and no
 * credential echoed.
 */
import { strict as assert } from "assert";
import { parseSpec } from "../../config";
import { isEndpointUrl } from "../../config/offsite-backup-keys";
import { prefixedConfig, refusalOf } from "../helpers/config-refusal";

const cfg = prefixedConfig;
const PROD_EXISTING = { platform: "existing", environment: "prod", domain: "example.org", acmeEmail: "ops@example.org", projectImageRegistry: "registry.example.org/matrix-platform" };
const SECRET = "off-site-secret-access-key-1234";
const COPY = {
  offsiteBackupEndpoint: "https://backup.dc2.example.org:9000",
  offsiteBackupBucket: "matrix-offsite",
  offsiteBackupAccessKeyId: "OFFSITEKEYID",
  offsiteBackupSecretAccessKey: SECRET,
};


describe("config: off-site backup copy", () => {
  it("types the copy target, with the default region and the public internet as its place", () => {
    const spec = parseSpec(cfg({ ...PROD_EXISTING, ...COPY }), "test");
    assert.deepEqual(spec.existing.offsiteBackup, {
      endpoint: "https://backup.dc2.example.org:9000", bucket: "matrix-offsite", region: "us-east-1", cidrs: undefined,
      accessKeyId: "OFFSITEKEYID", secretAccessKey: SECRET,
    });
    const placed = parseSpec(cfg({ ...PROD_EXISTING, ...COPY, offsiteBackupRegion: "eu-central-1", offsiteBackupCidrs: "198.51.100.0/24, 203.0.113.8/32" }), "test");
    assert.equal(placed.existing.offsiteBackup?.region, "eu-central-1");
    assert.deepEqual(placed.existing.offsiteBackup?.cidrs, ["198.51.100.0/24", "203.0.113.8/32"]);
  });

  it("refuses production on an existing cluster without a copy, naming the keys and the waiver", () => {
    const message = refusalOf(PROD_EXISTING);
    assert.match(message, /matrix-platform:offsiteBackupEndpoint/);
    assert.match(message, /offsiteBackupWaived/);
  });

  it("accepts production without a copy when it is waived, and dev and staging without either", () => {
    assert.equal(parseSpec(cfg({ ...PROD_EXISTING, offsiteBackupWaived: "true" }), "test").existing.offsiteBackup, undefined);
    for (const environment of ["dev", "staging"]) {
      const spec = parseSpec(cfg({ platform: "existing", environment, domain: "example.org", acmeEmail: "ops@example.org", projectImageRegistry: "registry.example.org/matrix-platform" }), "test");
      assert.equal(spec.existing.offsiteBackup, undefined);
    }
  });

  it("refuses a waiver beside a configured copy (nothing to waive)", () => {
    assert.match(refusalOf({ ...PROD_EXISTING, ...COPY, offsiteBackupWaived: "true" }), /offsiteBackupWaived = "true" is not allowed: false or unset/);
  });

  for (const missing of ["offsiteBackupBucket", "offsiteBackupAccessKeyId", "offsiteBackupSecretAccessKey"] as const) {
    it(`refuses an endpoint without ${missing}`, () => {
      const raw: Record<string, string> = { ...PROD_EXISTING, ...COPY };
      delete raw[missing];
      assert.match(refusalOf(raw), new RegExp(`matrix-platform:${missing}.*needs it`));
    });
  }

  it("refuses the copy's other keys without an endpoint", () => {
    const message = refusalOf({ platform: "existing", environment: "staging", domain: "example.org", acmeEmail: "ops@example.org", offsiteBackupBucket: "matrix-offsite" });
    assert.match(message, /offsiteBackupBucket = "matrix-offsite" is not allowed: configures the off-site backup copy, which is configured only with offsiteBackupEndpoint set/);
  });

  it("refuses every off-site key on AWS and GCP, where the clouds copy to the secondary region", () => {
    for (const platform of ["aws", "gcp"]) {
      const message = refusalOf({ platform, environment: "dev", gcpProject: "matrix-dev", ...COPY });
      for (const k of Object.keys(COPY)) assert.match(message, new RegExp(`${k}.*only applies to the existing platform`));
    }
  });

  it("names bad values, and never echoes the secret key", () => {
    const message = refusalOf({
      ...PROD_EXISTING, ...COPY,
      offsiteBackupEndpoint: "https://user:pw@backup.example.org/path",
      offsiteBackupBucket: "Bad_Bucket",
      offsiteBackupCidrs: "0.0.0.0/0",
      offsiteBackupSecretAccessKey: "short",
    });
    assert.match(message, /offsiteBackupEndpoint = .* is not allowed: an http\(s\):\/\/ URL/);
    assert.match(message, /offsiteBackupBucket = "Bad_Bucket" is not allowed: an S3 bucket name/);
    assert.match(message, /offsiteBackupCidrs = "0\.0\.0\.0\/0" is not allowed/);
    assert.match(message, /offsiteBackupSecretAccessKey = <secret, 5 characters> is not allowed/);
  });

  it("takes only a bare endpoint URL: scheme, host, optional port", () => {
    for (const ok of ["https://s3.amazonaws.com", "http://10.0.0.5:9000", "https://[2001:db8::1]:9000"]) assert.ok(isEndpointUrl(ok), ok);
    for (const bad of ["s3.amazonaws.com", "ftp://x.org", "https://x.org/", "https://x.org/bucket", "https://a:b@x.org", "https://x.org?x=1", "https://x.org#f", "https://X.org"]) {
      assert.ok(!isEndpointUrl(bad), bad);
    }
  });
});
