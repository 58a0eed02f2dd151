/**
 * Issue 10: bad input never deploys something else. Stack files the CLI would misread, keys in
 * the wrong namespace, provider settings the program would ignore, identities that default, and
 * values that pass their key's check but break what they become.
 */
import { strict as assert } from "assert";
import { inspect } from "util";
import { ConfigValidationError, configWarnings, parseSpec, type PlatformSpec } from "../../config";
import { identityChangeProblems } from "../../config/identity";
import { configSecretKeys } from "../../config";
import { assertDeployable } from "../../sizing/deployable";
import { parseStackFile, StackFileError, UNDECRYPTED_SECRET } from "../../stacks/stack-file";

const P = "matrix-platform";
const cfg = (o: Record<string, string>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k.includes(":") ? k : `${P}:${k}`, v]));

function rejected(raw: Record<string, string>, options = {}): ConfigValidationError {
  try {
    const spec = parseSpec(cfg(raw), "t", options);
    assertDeployable(spec);
  } catch (e) {
    if (e instanceof ConfigValidationError) return e;
    throw e;
  }
  assert.fail(`expected ${JSON.stringify(raw)} to be rejected`);
}

function stackFileError(text: string): StackFileError {
  try {
    parseStackFile(text, "Pulumi.x.yaml");
  } catch (e) {
    if (e instanceof StackFileError) return e;
    throw e;
  }
  assert.fail(`expected the stack file to be refused:\n${text}`);
}

describe("config: nothing in a stack file is silently ignored (item 1)", () => {
  const shapes: [string, string, RegExp][] = [
    ["an empty file", "", /^Pulumi\.x\.yaml: the file is empty; expected a map with a config: section/],
    ["a file of comments only", "# nothing here\n", /the file is empty/],
    ["a list", "- matrix-platform:ccu: 100\n", /^Pulumi\.x\.yaml:1: found a list at the top level; expected a map/],
    ["a scalar", "prod\n", /found a string at the top level/],
    ["a misspelt config section", "conifg:\n  matrix-platform:ccu: 100\n", /^Pulumi\.x\.yaml:1: unknown top-level section "conifg" \(did you mean config:\?\)/],
    ["config: null", "config:\n", /^Pulumi\.x\.yaml:1: config: is empty \(null\); expected a map/],
    ["config: ~ after other sections", "encryptionsalt: v1:abc\nconfig: ~\n", /^Pulumi\.x\.yaml:2: config: is empty \(null\)/],
    ["config: a list", "config:\n  - ccu\n", /config: is a list/],
    ["no config section", "encryptionsalt: v1:abc\n", /no config: section/],
  ];
  for (const [name, text, re] of shapes) {
    it(`refuses ${name}`, () => assert.match(stackFileError(text).message, re));
  }

  it("refuses keys under a misspelt project namespace, naming the key it meant", () => {
    const err = rejected({ "matrix-plaform:ccu": "5000" });
    assert.match(err.message, /matrix-plaform:ccu = "5000" is not allowed: unknown namespace matrix-plaform \(did you mean matrix-platform:ccu\?\)/);
  });

  it("refuses provider settings the program overrides, pointing at its own key", () => {
    const err = rejected({ platform: "aws", tlsIssuer: "selfsigned", "aws:region": "eu-west-1", "gcp:project": "x", "kubernetes:context": "c" });
    assert.match(err.message, /aws:region = "eu-west-1" is not allowed: not read: .*set matrix-platform:region instead/);
    assert.match(err.message, /gcp:project = "x" .*set matrix-platform:gcpProject instead/);
    assert.match(err.message, /kubernetes:context = "c" .*set matrix-platform:kubeContext instead/);
    assert.match(rejected({ "aws:profile": "ops" }).message, /aws:profile = "ops" is not allowed: not read: the program creates its own aws provider/);
  });

  it("warns when bridges are off but accounts are counted, and on prod with a self-signed issuer", () => {
    const spec = parseSpec(cfg({ telegramAccounts: "500", whatsappAccounts: "0" }), "d");
    assert.deepEqual(configWarnings(spec), [`${P}:bridges is false, so ${P}:telegramAccounts = 500 deploys nothing; set bridges to true to deploy it, or the count to 0`]);
    const prod = parseSpec(cfg({ environment: "prod", domain: "chat.example.org", tlsIssuer: "selfsigned", offsiteBackupWaived: "true", projectImageRegistry: "registry.example.org/matrix-platform" }), "p");
    assert.match(configWarnings(prod).join("\n"), /tlsIssuer = selfsigned on a prod stack/);
    assert.deepEqual(configWarnings(parseSpec(cfg({ telegramAccounts: "5", bridges: "true", telegramApiId: "123456", telegramApiHash: "0123456789abcdef0123456789abcdef" }), "d")), []);
  });

  it("`~` / null leaves a key unset instead of the string \"null\"", () => {
    const { config } = parseStackFile("config:\n  matrix-platform:kubeContext: ~\n  matrix-platform:domain: null\n  matrix-platform:ccu: 200\n", "f");
    assert.deepEqual(config, { [`${P}:ccu`]: "200" });
    const spec = parseSpec(config, "d");
    assert.equal(spec.existing.kubeContext, undefined);
    assert.equal(spec.domain, "example.com");
  });
});

describe("config: no silent identity (item 2)", () => {
  for (const environment of ["staging", "prod"]) {
    it(`${environment} without a domain or server name is refused`, () => {
      const waiver: Record<string, string> = { projectImageRegistry: "registry.example.org/matrix-platform", ...(environment === "prod" ? { offsiteBackupWaived: "true" } : {}) };
      assert.match(rejected({ environment, acmeEmail: "ops@example.org", ...waiver }).message, new RegExp(`${P}:domain is required: ${environment} stacks need an explicit domain \\(or serverName\\)`));
      assert.equal(parseSpec(cfg({ environment, acmeEmail: "ops@example.org", serverName: "example.org", ...waiver }), "s").serverName, "example.org");
    });
  }

  it("a deployed server name may not change unless allowIdentityChange is set, with the reason", () => {
    const spec = parseSpec(cfg({ domain: "new.example.org" }), "d");
    const [p] = identityChangeProblems({ serverName: "old.example.org" }, spec);
    assert.equal(p.key, `${P}:serverName`);
    assert.equal(p.value, "new.example.org");
    assert.match(p.allowed, /the deployed server name old\.example\.org: it is permanent .*set matrix-platform:allowIdentityChange to true/);
    assert.deepEqual(identityChangeProblems({ serverName: "new.example.org" }, spec), []);
    assert.deepEqual(identityChangeProblems(undefined, spec), []);
    assert.deepEqual(identityChangeProblems({ serverName: "old.example.org" }, parseSpec(cfg({ domain: "new.example.org", allowIdentityChange: "true" }), "d")), []);
  });
});

describe("config: secure values are secrets, not values (item 3)", () => {
  it("the stack file's secure: values are listed as secret keys, never passed on as their ciphertext", () => {
    const parsed = parseStackFile("config:\n  matrix-platform:kubeconfig:\n    secure: AAABADd0ZXN0LWNpcGhlcnRleHQ=\n", "f");
    assert.deepEqual(parsed.secretKeys, [`${P}:kubeconfig`]);
    assert.equal(parsed.config[`${P}:kubeconfig`], UNDECRYPTED_SECRET);
    const spec = parseSpec(parsed.config, "d", { secretKeys: parsed.secretKeys });
    assert.deepEqual(spec.secretConfig, ["kubeconfig"]);
  });

  it("a secure: value for a key that is not a credential is refused without showing it", () => {
    const err = rejected({ domain: "AAABAsecretciphertext" }, { secretKeys: [`${P}:domain`] });
    assert.match(err.message, /matrix-platform:domain = <secret value, withheld> is not allowed: .*must not be a secure: value/);
    assert.doesNotMatch(err.message, /AAABAsecretciphertext/);
  });

  it("printing the error the way Node prints an uncaught one shows no refused secret", () => {
    const err = rejected({ domain: "AAABAsecretciphertext" }, { secretKeys: [`${P}:domain`] });
    // util.inspect is what Node writes for an uncaught error: the message, the stack and every
    // enumerable field, so the problems list (which holds the raw values) must not be one.
    assert.doesNotMatch(inspect(err), /AAABAsecretciphertext/);
    assert.equal(err.problems.length, 1);
  });

  it("reads the CLI's list of secret keys", () => {
    assert.deepEqual(configSecretKeys(JSON.stringify([`${P}:kubeconfig`])), [`${P}:kubeconfig`]);
    assert.deepEqual(configSecretKeys(undefined), []);
    assert.deepEqual(configSecretKeys("not json"), []);
  });
});

describe("config: YAML errors are config errors (item 4)", () => {
  const yamlErrors: [string, string, RegExp][] = [
    ["a duplicate key", "config:\n  matrix-platform:ccu: 100\n  matrix-platform:ccu: 200\n", /^Pulumi\.x\.yaml:3: invalid YAML: Map keys must be unique$/],
    ["an unterminated quote", "config:\n  matrix-platform:domain: \"example.com\n", /^Pulumi\.x\.yaml:\d+: invalid YAML: Missing closing "quote$/],
    ["a stray quote", "config:\n  matrix-platform:domain: 'exa'mple'\n", /^Pulumi\.x\.yaml:2: invalid YAML: /],
    ["tab indentation", "config:\n\tmatrix-platform:ccu: 100\n", /^Pulumi\.x\.yaml:2: invalid YAML: Tabs are not allowed as indentation$/],
    ["an alias bomb", "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\nconfig:\n  matrix-platform:domain: *d\n", /^Pulumi\.x\.yaml:2: invalid YAML: aliases expand to more than 100 nodes/],
  ];
  for (const [name, text, re] of yamlErrors) {
    it(`${name}: one line naming the file, the line and the problem`, () => {
      const message = stackFileError(text).message;
      assert.match(message, re);
      assert.equal(message.split("\n").length, 1);
    });
  }
});

describe("config: accepted values stay valid all the way down (item 5)", () => {
  const cases: [string, Record<string, string>, string, RegExp][] = [
    ["a domain whose hosts exceed 253 characters", { domain: `${"a".repeat(60)}.${"b".repeat(60)}.${"c".repeat(60)}.${"d".repeat(60)}.com` }, "domain", /host names built from it stay within 253 characters \(matrix\.a+\.b+\.c+\.d+\.com is 254\)/],
    ["a region that does not exist on AWS", { platform: "aws", region: "us-east-7", tlsIssuer: "selfsigned" }, "region", /a region of AWS, one of us-east-1, /],
    ["a GCP region that does not exist", { platform: "gcp", gcpProject: "matrix-test", region: "europe-west99", tlsIssuer: "selfsigned" }, "region", /a region of GCP, one of us-central1/],
    ["a secondary region that does not exist", { platform: "aws", secondaryRegion: "eu-west-9", tlsIssuer: "selfsigned" }, "secondaryRegion", /a region of AWS/],
    ["a registry port of 0", { imageRegistry: "registry.local:0" }, "imageRegistry", /port \(1-65535\)/],
    ["a registry port above 65535", { imageRegistry: "registry.local:70000/mirror" }, "imageRegistry", /port \(1-65535\)/],
    ["a registry path with an empty component", { imageRegistry: "registry.local//mirror" }, "imageRegistry", /registry host/],
    ["a registry path component ending in a separator", { imageRegistry: "registry.local/mirror-" }, "imageRegistry", /registry host/],
    ["a registry with upper-case path", { imageRegistry: "registry.local/Mirror" }, "imageRegistry", /lower-case/],
    ["a chart repository with credentials in it", { chartRepository: "https://user:pass@charts.local/" }, "chartRepository", /no user name or password/],
    ["a StorageClass name with an empty label", { storageClass: "fast..ssd" }, "storageClass", /DNS subdomain/],
    ["a StorageClass name with a label ending in '-'", { storageClass: "fast-.ssd" }, "storageClass", /DNS subdomain/],
    ["a StorageClass name over 253 characters", { storageClass: `${"a".repeat(63)}.`.repeat(4) + "a" }, "storageClass", /DNS subdomain/],
    ["an upload limit of zero", { maxUploadSize: "0M" }, "maxUploadSize", /from 1K to 64G/],
    ["an upload limit beyond what the edge compares", { maxUploadSize: "9999999G" }, "maxUploadSize", /from 1K to 64G/],
    ["an upload limit with a leading zero", { maxUploadSize: "050M" }, "maxUploadSize", /from 1K to 64G/],
    ["an admin source range that is not a CIDR", { adminSourceRanges: "10.0.0.0/33" }, "adminSourceRanges", /comma-separated list of CIDRs/],
  ];
  for (const [name, raw, key, allowed] of cases) {
    it(`refuses ${name}`, () => {
      const err = rejected(raw);
      const problem = err.problems.find((p) => p.key === `${P}:${key}`);
      assert.ok(problem, err.message);
      assert.match(problem.allowed, allowed);
    });
  }

  it("accepts the edge of each range and renders the upload limit as whole bytes", () => {
    const spec: PlatformSpec = parseSpec(cfg({ maxUploadSize: "64G", imageRegistry: "registry.internal:65535/a__b/c-d.e", storageClass: "fast.ssd-1", adminSourceRanges: "10.0.0.0/8, 2001:db8::/32" }), "d");
    assert.equal(spec.synapse.maxUploadBytes, 64 * 1024 ** 3);
    assert.deepEqual(spec.admin.sourceRanges, ["10.0.0.0/8", "2001:db8::/32"]);
    assert.equal(parseSpec(cfg({ maxUploadSize: "1K" }), "d").synapse.maxUploadBytes, 1024);
    assert.deepEqual(parseSpec({}, "d").admin.sourceRanges, [], "no source range by default: none outside the cluster");
  });
});
