/**
 * Issue 10 item 3: credentials never leak. Credential-shaped values (kubeconfig content with a
 * token or a client key, on several lines or on one, a bare bearer token) go through every key,
 * misspelt keys and namespaces and every error path; none of them may appear in an error, and
 * where a value is accepted (the kubeconfig) none may appear in the plan's summary, its files or
 * the stack outputs, and the provider gets it as a secret input.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CONFIG_KEY_NAMES, ConfigValidationError, parseSpec } from "../../config";
import { isSecretKey } from "../../config/parse";
import { assertDeployable } from "../../sizing/deployable";
import { size } from "../../sizing";
import { isSecretValue, redactSecrets, runWithMocks } from "../../stacks/mock-engine";
import { plan } from "../../stacks/plan";
import { parseStackFile, StackFileError } from "../../stacks/stack-file";

const P = "matrix-platform";
const TOKEN = "tokZq8x3RkP1mWc9Vb2Ln7Ht4Yd";
const KEY_BODY = "MHcCAQEEIPrivKeyMaterialQ1w2e3r4t5y6u7i8o9p0";
const JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW0ifQ.c2lnbmF0dXJlU0VDUkVUdmFsdWU";
const SECRETS = [TOKEN, KEY_BODY, JWT.split(".")[2]];

const CREDENTIALS: Record<string, string> = {
  "kubeconfig YAML with a token": `apiVersion: v1\nkind: Config\nusers:\n- name: admin\n  user:\n    token: ${TOKEN}\n`,
  "kubeconfig on one line (JSON) with a token": JSON.stringify({ apiVersion: "v1", users: [{ name: "admin", user: { token: TOKEN } }] }),
  "kubeconfig with a client key": `users:\n- user:\n    client-key-data: ${Buffer.from(`-----BEGIN EC PRIVATE KEY-----\n${KEY_BODY}\n-----END EC PRIVATE KEY-----`).toString("base64")}\n    client-key: |\n      -----BEGIN EC PRIVATE KEY-----\n      ${KEY_BODY}\n      -----END EC PRIVATE KEY-----\n`,
  "a client key on one line": `-----BEGIN EC PRIVATE KEY----- ${KEY_BODY} -----END EC PRIVATE KEY-----`,
  "a bare bearer token": JWT,
  "token: field on one line": `token: ${TOKEN}`,
};

function leaked(text: string, value: string): string[] {
  const secrets = [...SECRETS, ...(value.length < 400 && !value.includes("\n") ? [value] : [])];
  // The one-line kubeconfig's base64 form of the key is also a credential.
  const b64 = /client-key-data: (\S+)/.exec(value)?.[1];
  return [...secrets, ...(b64 ? [b64] : [])].filter((s) => text.includes(s));
}

function errorOf(raw: Record<string, string>, secretKeys: string[] = []): string | undefined {
  try {
    assertDeployable(parseSpec(raw, "t", { secretKeys }));
    return undefined;
  } catch (e) {
    assert.ok(e instanceof ConfigValidationError, `not a config error: ${e}`);
    return e.message;
  }
}

describe("credentials never leak: every key, every error path", () => {
  const misspelt = [`${P}:kubeconfg`, `${P}:Kubeconfig`, `${P}:kube_config`, "matrix-plaform:kubeconfig", "kubernetes:kubeconfig", `${P}:token`];
  const keys = [...CONFIG_KEY_NAMES.map((k) => `${P}:${k}`), ...misspelt];
  for (const [what, value] of Object.entries(CREDENTIALS)) {
    it(`${what}: under any key, on any platform, the error never carries it`, () => {
      for (const key of keys) {
        const platforms: Record<string, string>[] = [{}, { [`${P}:platform`]: "aws", [`${P}:tlsIssuer`]: "selfsigned" }];
        for (const base of platforms) {
          for (const secretKeys of [[], [key]]) {
            const message = errorOf({ ...base, [key]: value }, secretKeys);
            if (message === undefined) {
              // Accepted: only a credential key may take it (the kubeconfig, the alert receivers' secrets).
              assert.ok(key.startsWith(`${P}:`) && isSecretKey(key.slice(P.length + 1)), `${key} accepted ${what}`);
              continue;
            }
            assert.deepEqual(leaked(message, value), [], `${key} (${JSON.stringify(base)}): ${message}`);
          }
        }
      }
    });
  }

  it("a stack file with credentials and a YAML error does not echo them", () => {
    for (const value of Object.values(CREDENTIALS)) {
      const text = `config:\n  ${P}:kubeconfig: ${JSON.stringify(value)}\n  ${P}:kubeconfig: ${JSON.stringify(value)}\n\t${P}:ccu: 1\n`;
      try {
        parseStackFile(text, "Pulumi.x.yaml");
        assert.fail("accepted");
      } catch (e) {
        assert.ok(e instanceof StackFileError);
        assert.deepEqual(leaked(e.message, value), [], e.message);
      }
    }
  });
});

describe("credentials never leak: an accepted kubeconfig stays secret all the way", function () {
  this.timeout(300_000);
  const cwd = process.cwd();
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "cred-stack-"));
    process.chdir(dir);
  });
  after(() => {
    process.chdir(cwd);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("the plan's summary, resources.json, manifests and sizing hold no part of it; the provider input is secret", async () => {
    const value = CREDENTIALS["kubeconfig YAML with a token"];
    fs.writeFileSync(path.join(dir, "Pulumi.creds.yaml"), `config:\n  ${P}:domain: example.org\n  ${P}:kubeconfig: ${JSON.stringify(value)}\n`);
    const out = path.join(dir, "out");
    const summary = await plan("creds", out);
    assert.deepEqual(leaked(summary, value), []);
    const files = fs.readdirSync(path.join(out, "creds"), { recursive: true }).map(String).filter((f) => fs.statSync(path.join(out, "creds", f)).isFile());
    assert.ok(files.includes("resources.json"));
    for (const f of files) assert.deepEqual(leaked(fs.readFileSync(path.join(out, "creds", f), "utf8"), value), [], f);
    const resources = JSON.parse(fs.readFileSync(path.join(out, "creds", "resources.json"), "utf8"));
    const provider = resources.find((r: { type: string }) => r.type === "pulumi:providers:kubernetes");
    assert.equal(provider.inputs.kubeconfig, "[secret]");
  });

  it("the stack outputs hold no part of it, and the provider gets it as a secret input", async () => {
    const value = CREDENTIALS["kubeconfig on one line (JSON) with a token"];
    const config = { [`${P}:domain`]: "example.org", [`${P}:kubeconfig`]: value };
    const spec = parseSpec(config, "creds");
    const { program } = await import("../../program");
    const run = await runWithMocks({ project: P, stack: "creds", config, program: () => program(spec, size(spec)) });
    assert.deepEqual(leaked(JSON.stringify(redactSecrets(run.outputs)), value), []);
    const provider = run.resources.find((r) => r.type === "pulumi:providers:kubernetes")!;
    assert.ok(isSecretValue(provider.inputs.kubeconfig), "kubeconfig is a secret input of the Kubernetes provider");
    // Outside secrets, nothing registered carries it.
    assert.deepEqual(leaked(JSON.stringify(run.resources.map((r) => redactSecrets(r.inputs))), value), []);
  });

  it("a secure: kubeconfig is known as a secret and planned without its value", async () => {
    fs.writeFileSync(path.join(dir, "Pulumi.secure.yaml"), `config:\n  ${P}:domain: example.org\n  ${P}:kubeconfig:\n    secure: AAABAHNlY3VyZWNpcGhlcnRleHRPTkxZ\n`);
    const summary = await plan("secure", path.join(dir, "out"));
    const resources = fs.readFileSync(path.join(dir, "out", "secure", "resources.json"), "utf8");
    for (const text of [summary, resources]) assert.ok(!text.includes("AAABAHNlY3VyZWNpcGhlcnRleHRPTkxZ"), "ciphertext passed on as a value");
    const provider = JSON.parse(resources).find((r: { type: string }) => r.type === "pulumi:providers:kubernetes");
    assert.equal(provider.inputs.kubeconfig, "[secret]");
  });
});
