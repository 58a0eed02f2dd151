import { strict as assert } from "assert";
import { ConfigValidationError, parseSpec, CONFIG_KEY_NAMES } from "../../config";

const P = "matrix-platform";
const cfg = (o: Record<string, string>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [`${P}:${k}`, v]));

function problemsOf(raw: Record<string, string>): ConfigValidationError {
  try {
    parseSpec(cfg(raw), "test");
  } catch (e) {
    if (e instanceof ConfigValidationError) return e;
    throw e;
  }
  assert.fail(`expected ${JSON.stringify(raw)} to be rejected`);
}

describe("config: parseSpec defaults", () => {
  it("an empty config is the dev existing-cluster stack at 100 CCU with every optional system off", () => {
    const spec = parseSpec({}, "dev");
    assert.equal(spec.platform, "existing");
    assert.equal(spec.environment, "dev");
    assert.equal(spec.ccu, 100);
    assert.equal(spec.highAvailability, false);
    assert.equal(spec.sizingModel, "profile");
    assert.equal(spec.tls.issuer, "selfsigned");
    assert.deepEqual(spec.features, { li: false, antivirus: false, monitoring: false, rtc: false, push: false, bridges: false });
    assert.equal(spec.cloud.region, undefined);
    assert.equal(spec.synapse.redactionRetentionPeriod, "7d");
  });

  it("derives hosts and server name from the domain", () => {
    const spec = parseSpec(cfg({ domain: "chat.example.org" }), "dev");
    assert.equal(spec.serverName, "chat.example.org");
    assert.equal(spec.hosts.matrix, "matrix.chat.example.org");
    assert.equal(spec.hosts.element, "chat.chat.example.org");
    assert.equal(parseSpec(cfg({ domain: "example.org", serverName: "example.net" }), "dev").serverName, "example.net");
  });

  it("maps a named profile to its CCU and integers arrive as strings", () => {
    assert.equal(parseSpec(cfg({ profile: "10k" }), "s").ccu, 10_000);
    assert.equal(parseSpec(cfg({ ccu: "2500" }), "s").ccu, 2_500);
    assert.equal(parseSpec(cfg({ ccu: "20_000" }), "s").ccu, 20_000);
  });

  it("applies cloud defaults per platform and production switches", () => {
    const aws = parseSpec(cfg({ platform: "aws", environment: "prod", acmeEmail: "ops@example.com", domain: "example.com" }), "prod");
    assert.deepEqual([aws.cloud.region, aws.cloud.secondaryRegion], ["us-east-1", "us-west-2"]);
    assert.equal(aws.highAvailability, true);
    assert.equal(aws.tls.issuer, "acme");
    const gcp = parseSpec(cfg({ platform: "gcp", gcpProject: "matrix-prod", tlsIssuer: "selfsigned" }), "g");
    assert.deepEqual([gcp.cloud.region, gcp.cloud.secondaryRegion], ["us-central1", "us-east1"]);
  });

  it("a bridge is on only with the feature switch and accounts > 0", () => {
    const on = parseSpec(cfg({ telegramAccounts: "5000", whatsappAccounts: "0", bridges: "true", telegramApiId: "123456", telegramApiHash: "0123456789abcdef0123456789abcdef" }), "d");
    assert.deepEqual(on.bridges.telegram, { enabled: true, accounts: 5000, telegramApi: { apiId: 123456, apiHash: "0123456789abcdef0123456789abcdef" } });
    assert.equal(on.bridges.whatsapp.enabled, false);
    assert.equal(parseSpec(cfg({ telegramAccounts: "5000", bridges: "false" }), "d").bridges.telegram.enabled, false);
    assert.equal(parseSpec(cfg({ telegramAccounts: "5000" }), "d").bridges.telegram.enabled, false, "bridges default to off");
  });

  it("refuses the Telegram bridge without its API ID and hash, naming both keys; never echoes the hash", () => {
    const err = (c: Record<string, string>) => {
      try {
        parseSpec(cfg(c), "d");
      } catch (e) {
        assert.ok(e instanceof ConfigValidationError);
        return e as ConfigValidationError;
      }
      assert.fail("accepted");
    };
    const missing = err({ bridges: "true", telegramAccounts: "10" });
    assert.deepEqual(missing.problems.map((p) => p.key), ["matrix-platform:telegramApiId", "matrix-platform:telegramApiHash"]);
    assert.match(missing.message, /my\.telegram\.org/);
    const bad = err({ bridges: "true", telegramAccounts: "10", telegramApiId: "1", telegramApiHash: "not-a-hash-but-secret" });
    assert.doesNotMatch(bad.message, /not-a-hash-but-secret/);
    assert.match(bad.message, /telegramApiHash = <secret, 21 characters> is not allowed: the 32 hexadecimal characters/);
    // WhatsApp needs none; Telegram off needs none.
    assert.equal(parseSpec(cfg({ bridges: "true", whatsappAccounts: "10" }), "d").bridges.whatsapp.enabled, true);
    assert.deepEqual(parseSpec(cfg({ bridges: "true", whatsappAccounts: "10", bridgeAdmins: "@ops:example.com", bridgeUsers: "example.com,@guest:partner.org" }), "d").bridges.permissions,
      { admins: ["@ops:example.com"], users: ["example.com", "@guest:partner.org"] });
    assert.deepEqual(err({ bridgeUsers: "example.com,,x" }).problems.map((p) => p.key), ["matrix-platform:bridgeUsers"]);
  });

  it("never prunes redactions when asked to", () => {
    assert.equal(parseSpec(cfg({ redactionRetentionPeriod: "never" }), "d").synapse.redactionRetentionPeriod, null);
  });

  it("leaves namespaces of other tools alone", () => {
    assert.equal(parseSpec({ "pulumi:template": "x", "acme-tool:setting": "y" }, "d").platform, "existing");
  });
});

describe("config: bad input is rejected with key, value and what is allowed", () => {
  const cases: { name: string; raw: Record<string, string>; key: string; value?: string; allowed: RegExp }[] = [
    { name: "unknown platform", raw: { platform: "azure" }, key: "platform", value: "azure", allowed: /one of aws, gcp, existing/ },
    { name: "unknown environment", raw: { environment: "production" }, key: "environment", value: "production", allowed: /one of dev, staging, prod/ },
    { name: "CCU below the smallest profile", raw: { ccu: "50" }, key: "ccu", value: "50", allowed: /from 100 to 20000/ },
    { name: "CCU above the largest profile", raw: { ccu: "25000" }, key: "ccu", value: "25000", allowed: /from 100 to 20000/ },
    { name: "CCU not a number", raw: { ccu: "lots" }, key: "ccu", value: "lots", allowed: /whole number/ },
    { name: "fractional CCU", raw: { ccu: "1500.5" }, key: "ccu", value: "1500.5", allowed: /whole number/ },
    { name: "unknown profile", raw: { profile: "2k" }, key: "profile", value: "2k", allowed: /one of 100, 1k, 5k, 10k, 20k/ },
    { name: "both ccu and profile", raw: { ccu: "1000", profile: "1k" }, key: "profile", value: "1k", allowed: /either ccu or profile/ },
    { name: "domain with upper case and no dot", raw: { domain: "LOCALHOST" }, key: "domain", value: "LOCALHOST", allowed: /DNS name/ },
    { name: "negative bridged accounts", raw: { telegramAccounts: "-5" }, key: "telegramAccounts", value: "-5", allowed: /from 0 to 100000/ },
    { name: "boolean spelled yes", raw: { li: "yes" }, key: "li", value: "yes", allowed: /true or false/ },
    { name: "unknown sizing model", raw: { sizingModel: "linear" }, key: "sizingModel", value: "linear", allowed: /profile, seed-analysis/ },
    { name: "GCP region on AWS", raw: { platform: "aws", region: "us-central1", tlsIssuer: "selfsigned" }, key: "region", value: "us-central1", allowed: /AWS region such as us-east-1/ },
    { name: "region on the existing platform", raw: { region: "us-east-1" }, key: "region", value: "us-east-1", allowed: /only applies to the aws and gcp platforms/ },
    { name: "kubeconfig on a cloud platform", raw: { platform: "aws", kubeconfig: "~/.kube/config", tlsIssuer: "selfsigned" }, key: "kubeconfig", value: "~/.kube/config", allowed: /only applies to the existing platform/ },
    { name: "GCP without a project", raw: { platform: "gcp", tlsIssuer: "selfsigned" }, key: "gcpProject", allowed: /needs the GCP project ID/ },
    { name: "invalid GCP project ID", raw: { platform: "gcp", gcpProject: "My Project", tlsIssuer: "selfsigned" }, key: "gcpProject", value: "My Project", allowed: /6-30 lower-case/ },
    { name: "same primary and secondary region", raw: { platform: "aws", region: "eu-west-1", secondaryRegion: "eu-west-1", tlsIssuer: "selfsigned" }, key: "secondaryRegion", value: "eu-west-1", allowed: /other than the primary region eu-west-1/ },
    { name: "ACME without an e-mail", raw: { environment: "prod" }, key: "acmeEmail", allowed: /e-mail address for the ACME account/ },
    { name: "bad image registry", raw: { imageRegistry: "https://registry.local" }, key: "imageRegistry", value: "https://registry.local", allowed: /registry host/ },
    { name: "bad chart repository", raw: { chartRepository: "charts.local" }, key: "chartRepository", value: "charts.local", allowed: /http\(s\):\/\/ or oci:\/\// },
    { name: "bad retention period", raw: { redactionRetentionPeriod: "forever" }, key: "redactionRetentionPeriod", value: "forever", allowed: /7d, 30d or 1y, or never/ },
    { name: "bad upload size", raw: { maxUploadSize: "100MB" }, key: "maxUploadSize", value: "100MB", allowed: /50M or 1G/ },
  ];

  for (const c of cases) {
    it(`rejects ${c.name}`, () => {
      const err = problemsOf(c.raw);
      const problem = err.problems.find((p) => p.key === `${P}:${c.key}`);
      assert.ok(problem, `no problem reported for ${c.key}: ${err.message}`);
      assert.equal(problem.value, c.value);
      assert.match(problem.allowed, c.allowed);
      // The message a person reads names the key, the value and what is allowed.
      assert.ok(err.message.includes(`${P}:${c.key}`));
      if (c.value !== undefined) assert.ok(err.message.includes(JSON.stringify(c.value)));
      assert.match(err.message, c.allowed);
    });
  }

  it("rejects an unknown key and suggests the closest known one", () => {
    const err = problemsOf({ Ccu: "100" });
    assert.equal(err.problems[0].key, `${P}:Ccu`);
    assert.match(err.problems[0].allowed, /did you mean matrix-platform:ccu\?/);
    assert.match(problemsOf({ replicas: "3" }).message, /unknown key; known keys are platform, environment/);
  });

  it("describes kubeconfig content instead of echoing credentials", () => {
    const content = "apiVersion: v1\nusers:\n- name: admin\n  user: {token: s3cr3t-token}\n";
    const err = problemsOf({ platform: "aws", tlsIssuer: "selfsigned", kubeconfig: content });
    assert.doesNotMatch(err.message, /s3cr3t-token/);
    assert.match(err.message, /matrix-platform:kubeconfig = <kubeconfig content, \d+ characters, withheld> is not allowed: only applies to the existing platform/);
  });

  it("reports every problem at once, not just the first", () => {
    const err = problemsOf({ platform: "azure", ccu: "7", li: "maybe" });
    assert.deepEqual(err.problems.map((p) => p.key).sort(), [`${P}:ccu`, `${P}:li`, `${P}:platform`]);
  });

  it("every declared key has an allowed-values sentence used in its error", () => {
    for (const k of CONFIG_KEY_NAMES) {
      const err = (() => { try { parseSpec(cfg({ [k]: "\u0000not valid\u0000" }), "t"); } catch (e) { return e as ConfigValidationError; } return undefined; })();
      assert.ok(err instanceof ConfigValidationError, `key ${k} accepted a control-character value`);
      assert.ok(err.problems.some((p) => p.key === `${P}:${k}` && p.allowed.length > 5), `key ${k}`);
    }
  });
});
