/**
 * No secret value of any stack the validation gate covers (dev, prod and every prod preset)
 * appears in a ConfigMap, a container env literal, command or args, an annotation, or, unless
 * marked secret, in Helm values, a non-Kubernetes resource's inputs or a stack output
 * (DESIGN: "Secrets only in Secrets").
 */
import { strict as assert } from "assert";
import { allGateStacks } from "../../scripts/validate";
import { runStack } from "../helpers/run-stack";
import { SECRET_OUTPUTS, findLeaks, secretValues } from "./secrets-scan";
import type { MockRun, RecordedResource } from "../../stacks/mock-engine";
import { mockRandom, mockState } from "../../stacks/mock-outputs";
import { unwrapSecrets } from "../../stacks/mock-engine";

const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const wrap = (value: unknown) => ({ [SIG_KEY]: SECRET_SIG, value });

for (const stack of allGateStacks()) {
  describe(`secrets stay in Secrets: ${stack}`, function () {
    // The first test of a stack renders it under the mock engine (a few seconds); the second reuses the run.
    it("has secrets to look for (generated passwords and values marked secret)", async () => {
      const run = await runStack(stack);
      const generated = run.resources.filter((r) => r.type === "random:index/randomPassword:RandomPassword");
      assert.ok(generated.length > 0, "the stack generates passwords");
      const secrets = secretValues(run.resources);
      for (const r of generated) {
        assert.ok(secrets.has(mockRandom(r.name, Number(r.inputs.length ?? 32))), `${r.name}'s result is among the secrets`);
      }
      // Every secret output of every generator (TLS keys, cloud credentials...) is searched for.
      for (const r of run.resources.filter((x) => SECRET_OUTPUTS[x.type])) {
        const state = mockState(r.type, r.name, unwrapSecrets(r.inputs) as Record<string, unknown>);
        for (const f of SECRET_OUTPUTS[r.type]) {
          if (typeof state[f] === "string" && (state[f] as string).length >= 8) assert.ok(secrets.has(state[f] as string), `${r.type} ${r.name}.${f}`);
        }
      }
    });

    it("no secret in any ConfigMap, env literal, command, annotation, or unmarked Helm value, cloud input or stack output", async () => {
      const run = await runStack(stack);
      const leaks = findLeaks(run);
      assert.deepEqual(leaks.map((l) => `${l.where}: ${l.secret.slice(0, 4)}…`), []);
    });
  });
}

describe("secrets scan finds leaks", () => {
  const pw: RecordedResource = { type: "random:index/randomPassword:RandomPassword", name: "db", custom: true, inputs: { length: 32 } };
  const pwValue = mockRandom("db", 32);
  const cm = (data: Record<string, unknown>): RecordedResource => ({
    type: "kubernetes:core/v1:ConfigMap", name: "cfg", custom: true, inputs: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cfg" }, data },
  });
  const run = (resources: RecordedResource[], outputs: Record<string, unknown> = {}): MockRun => ({ resources: [pw, ...resources], outputs });

  it("in a ConfigMap, plain or base64, inside a larger file", () => {
    assert.equal(findLeaks(run([cm({ "homeserver.yaml": `database:\n  password: ${pwValue}\n` })])).length, 1);
    assert.equal(findLeaks(run([cm({ auth: `Basic ${Buffer.from(pwValue).toString("base64")}` })])).length, 1);
    assert.deepEqual(findLeaks(run([cm({ "homeserver.yaml": "database:\n  password_file: /secrets/db\n" })])), []);
  });

  it("in an env literal and in pod annotations, and a wrapped secret placed there", () => {
    const dep: RecordedResource = {
      type: "kubernetes:apps/v1:Deployment", name: "web", custom: true,
      inputs: { metadata: { name: "web", annotations: { "checksum/config": "abc" } }, spec: { template: { metadata: { annotations: { x: pwValue } }, spec: { containers: [{ name: "c", env: [{ name: "DB_PASSWORD", value: pwValue }, { name: "TOKEN", value: wrap("0123456789abcdef") }] }] } } } },
    };
    const wheres = findLeaks(run([dep])).map((l) => l.where);
    assert.ok(wheres.some((w) => /env DB_PASSWORD/.test(w)), wheres.join("\n"));
    assert.ok(wheres.some((w) => /pod template annotations/.test(w)), wheres.join("\n"));
    assert.ok(wheres.some((w) => /env TOKEN.*marked secret/.test(w)), wheres.join("\n"));
  });

  it("in a container command or args, marked secret or not", () => {
    const job: RecordedResource = {
      type: "kubernetes:batch/v1:Job", name: "boot", custom: true,
      inputs: { metadata: { name: "boot" }, spec: { template: { spec: { containers: [{ name: "c", command: ["sh", "-c", `psql -p ${pwValue}`], args: [wrap("0123456789abcdef")] }] } } } },
    };
    const wheres = findLeaks(run([job])).map((l) => l.where);
    assert.ok(wheres.some((w) => /containers\[c\] command/.test(w)), wheres.join("\n"));
    assert.ok(wheres.some((w) => /containers\[c\] args.*marked secret/.test(w)), wheres.join("\n"));
  });

  it("in Helm values and cloud resource inputs unless marked secret", () => {
    const release = (values: unknown): RecordedResource => ({ type: "kubernetes:helm.sh/v3:Release", name: "grafana", custom: true, inputs: { chart: "grafana", values } });
    const bucket = (tags: unknown): RecordedResource => ({ type: "aws:s3/bucketV2:BucketV2", name: "media", custom: true, inputs: { bucket: "media", tags } });
    assert.deepEqual(findLeaks(run([release({ adminPassword: pwValue })])).map((l) => l.where), ["helm values grafana.adminPassword"]);
    assert.deepEqual(findLeaks(run([bucket({ note: `pw=${pwValue}` })])).map((l) => l.where), ["inputs aws:s3/bucketV2:BucketV2 media.tags.note"]);
    // Pulumi encrypts values marked secret in state, so those may stand there.
    assert.deepEqual(findLeaks(run([release({ adminPassword: wrap(pwValue) }), bucket({ owner: "matrix" })])), []);
  });

  it("in a plain stack output but not in one marked secret", () => {
    assert.equal(findLeaks(run([], { dbPassword: pwValue })).length, 1);
    assert.deepEqual(findLeaks(run([], { dbPassword: wrap(pwValue) })), []);
  });

  it("takes secret-named fields of wrapped maps as secrets, not their user names", () => {
    const secret: RecordedResource = { type: "kubernetes:core/v1:Secret", name: "s", custom: true, inputs: { stringData: wrap({ username: "synapse_user", password: "S3cretValue-xyz" }) } };
    const found = secretValues([secret]);
    assert.ok(found.has("S3cretValue-xyz"));
    assert.ok(!found.has("synapse_user"));
  });
});
