/**
 * The policy pack's checks on what every gate stack registers under the mock engine (each stack
 * rendered once), and for each check a stack changed so it violates that check.
 */
import * as assert from "assert";
import { CHECKS, imageProblem, projectImageAllowed, runChecks, type Check, type PolicyContext, type Violation } from "../../policy/checks";
import { PACK_POLICIES } from "../../policy/pack";
import { checkedStack, resourcesFromPreviewJson, type CheckedStack } from "../../policy/resources";
import { allGateStacks } from "../../scripts/validate";
import { runStack, type StackRun } from "../helpers/run-stack";
import { unwrapSecrets, type RecordedResource } from "../../stacks/mock-engine";

type Obj = Record<string, any>;

const runs = new Map<string, StackRun>();
const contextOf = (run: StackRun): PolicyContext => ({ production: run.spec.environment === "prod", registry: run.spec.imageRegistry, prebuiltImages: Object.values(run.spec.projectImages.prebuilt) });

/** A deep copy of a rendered stack's resources, changed by `edit`, checked again. */
function mutated(stack: string, edit: (resources: Obj[]) => void): CheckedStack {
  const resources = structuredClone(runs.get(stack)!.resources) as Obj[];
  edit(resources);
  return checkedStack(resources as never);
}
const one = (resources: Obj[], type: string, name?: string): Obj => {
  const r = resources.find((x) => x.type === type && (!name || x.name === name));
  assert.ok(r, `no ${type} ${name ?? ""} in the stack`);
  return r;
};
function expectViolation(check: Check, stack: CheckedStack, ctx: PolicyContext, resource: RegExp, message: RegExp): void {
  const found = check.run(stack, ctx);
  assert.ok(found.some((v) => resource.test(v.resource) && message.test(v.message)), `${check.name} did not report ${resource} / ${message}; got ${JSON.stringify(found.slice(0, 5))}`);
}
const PROD: PolicyContext = { production: true };

describe("policy pack: every check on every gate stack", function () {
  this.timeout(900_000);

  before(async () => {
    for (const stack of allGateStacks()) runs.set(stack, await runStack(stack));
  });

  it("every gate stack passes every check", () => {
    const failures: string[] = [];
    for (const [stack, run] of runs) {
      for (const [check, violations] of Object.entries(runChecks(checkedStack(run.resources), contextOf(run)))) {
        for (const v of violations) failures.push(`${stack} ${check}: ${v.resource}: ${v.message}`);
      }
    }
    assert.deepEqual(failures, []);
  });

  it("the checks see the resources they judge (not a pass by finding nothing)", () => {
    const all = [...runs.values()].flatMap((r) => r.resources.map((x) => x.type));
    for (const type of [
      "aws:rds/instance:Instance", "aws:s3/bucket:Bucket", "aws:eks/cluster:Cluster", "gcp:sql/databaseInstance:DatabaseInstance", "gcp:storage/bucket:Bucket",
      "kubernetes:core/v1:Namespace", "kubernetes:networking.k8s.io/v1:NetworkPolicy", "kubernetes:policy/v1:PodDisruptionBudget", "kubernetes:postgresql.cnpg.io/v1:Cluster",
    ]) assert.ok(all.includes(type), `no gate stack registers ${type}`);
  });

  it("no-public-database: a publicly accessible RDS instance, Cloud SQL with a public IP, a LoadBalancer in front of PostgreSQL", () => {
    const check = CHECKS.find((c) => c.name === "no-public-database")!;
    expectViolation(check, mutated("prod", (rs) => (one(rs, "aws:rds/instance:Instance", "platform-pg-main").inputs.publiclyAccessible = true)), PROD, /platform-pg-main$/, /publiclyAccessible/);
    expectViolation(check, mutated("prod-gcp-5k", (rs) => (one(rs, "gcp:sql/databaseInstance:DatabaseInstance", "platform-pg-main").inputs.settings.ipConfiguration.ipv4Enabled = true)), PROD, /platform-pg-main$/, /ipv4Enabled/);
    const lb = mutated("dev", (rs) => rs.push({ type: "kubernetes:core/v1:Service", name: "pg-public", custom: true, inputs: { metadata: { name: "pg-public", namespace: "matrix-data" }, spec: { type: "LoadBalancer", ports: [{ port: 5432 }] } } }));
    expectViolation(check, lb, PROD, /pg-public$/, /LoadBalancer.*5432/);
  });

  it("no-public-bucket: an S3 bucket without its public access block, a GCS bucket open to allUsers", () => {
    const check = CHECKS.find((c) => c.name === "no-public-bucket")!;
    const s3 = mutated("prod", (rs) => (one(rs, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "platform-media").inputs.restrictPublicBuckets = false));
    expectViolation(check, s3, PROD, /aws:s3\/bucket:Bucket::platform-media$/, /BucketPublicAccessBlock/);
    const gcs = mutated("prod-gcp-5k", (rs) => (one(rs, "gcp:storage/bucketIAMMember:BucketIAMMember").inputs.member = "allUsers"));
    expectViolation(check, gcs, PROD, /BucketIAMMember/, /allUsers/);
    const pap = mutated("prod-gcp-5k", (rs) => (one(rs, "gcp:storage/bucket:Bucket", "platform-media").inputs.publicAccessPrevention = "inherited"));
    expectViolation(check, pap, PROD, /platform-media$/, /publicAccessPrevention/);
  });

  it("encryption-at-rest: unencrypted RDS storage, an EBS storage class without encryption, GCS without CMEK", () => {
    const check = CHECKS.find((c) => c.name === "encryption-at-rest")!;
    expectViolation(check, mutated("prod", (rs) => (one(rs, "aws:rds/instance:Instance", "platform-pg-main").inputs.storageEncrypted = false)), PROD, /platform-pg-main$/, /storageEncrypted/);
    expectViolation(check, mutated("prod", (rs) => (one(rs, "kubernetes:storage.k8s.io/v1:StorageClass").inputs.parameters.encrypted = "false")), PROD, /StorageClass/, /EBS storage class/);
    expectViolation(check, mutated("prod-gcp-5k", (rs) => delete one(rs, "gcp:storage/bucket:Bucket", "platform-media").inputs.encryption), PROD, /platform-media$/, /CMEK/);
    expectViolation(check, mutated("prod", (rs) => rs.splice(rs.indexOf(one(rs, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "platform-backups")), 1)), PROD, /Bucket::platform-backups$/, /SSE-KMS/);
  });

  it("production-protection: RDS without deletion protection, a CNPG cluster without scheduled backups; nothing asked of a non-production stack", () => {
    const check = CHECKS.find((c) => c.name === "production-protection")!;
    const rds = mutated("prod", (rs) => (one(rs, "aws:rds/instance:Instance", "platform-pg-main").inputs.deletionProtection = false));
    expectViolation(check, rds, PROD, /platform-pg-main$/, /deletionProtection/);
    assert.deepEqual(check.run(rds, { production: false }), []);
    const noBackups = mutated("prod-existing-5k", (rs) => {
      for (const b of rs.filter((x) => x.type === "kubernetes:postgresql.cnpg.io/v1:ScheduledBackup")) b.inputs.spec.cluster.name = "another";
    });
    expectViolation(check, noBackups, PROD, /postgresql.cnpg.io\/v1:Cluster/, /ScheduledBackup/);
    expectViolation(check, mutated("prod-gcp-5k", (rs) => (one(rs, "gcp:sql/databaseInstance:DatabaseInstance", "platform-pg-main").inputs.settings.backupConfiguration.pointInTimeRecoveryEnabled = false)), PROD, /platform-pg-main$/, /point-in-time/);
  });

  it("restricted-pod-security: a privileged container, a namespace at baseline without a reason", () => {
    const check = CHECKS.find((c) => c.name === "restricted-pod-security")!;
    const priv = mutated("dev", (rs) => (one(rs, "kubernetes:apps/v1:Deployment").inputs.spec.template.spec.containers[0].securityContext.privileged = true));
    expectViolation(check, priv, PROD, /Deployment/, /privileged/);
    const ns = mutated("dev", (rs) => {
      const n = one(rs, "kubernetes:core/v1:Namespace");
      n.inputs.metadata.labels["pod-security.kubernetes.io/enforce"] = "baseline";
      delete (n.inputs.metadata.annotations ?? {})["matrix-platform/pod-security-reason"];
    });
    expectViolation(check, ns, PROD, /Namespace/, /enforce is baseline without/);
    const hostNet = mutated("dev", (rs) => (one(rs, "kubernetes:apps/v1:Deployment").inputs.spec.template.spec.hostNetwork = true));
    expectViolation(check, hostNet, PROD, /Deployment/, /hostNetwork is true/);
  });

  it("default-deny-network-policy: a namespace whose deny-all policy is gone, objects in a namespace the stack does not create", () => {
    const check = CHECKS.find((c) => c.name === "default-deny-network-policy")!;
    const gone = mutated("dev", (rs) => {
      const deny = rs.find((x) => x.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy" && !Object.keys(x.inputs.spec.podSelector?.matchLabels ?? {}).length && !(x.inputs.spec.ingress ?? []).length && !(x.inputs.spec.egress ?? []).length);
      assert.ok(deny, "dev has a deny-all policy to remove");
      rs.splice(rs.indexOf(deny), 1);
    });
    expectViolation(check, gone, PROD, /Namespace/, /no default-deny/);
    const foreign = mutated("dev", (rs) => rs.push({ type: "kubernetes:core/v1:ConfigMap", name: "stray", custom: true, inputs: { metadata: { name: "stray", namespace: "default" }, data: {} } }));
    expectViolation(check, foreign, PROD, /^namespace\/default$/, /does not create/);
  });

  it("no-secret-in-configmap-or-env: a generated password copied into a ConfigMap, a password as an env literal", () => {
    const check = CHECKS.find((c) => c.name === "no-secret-in-configmap-or-env")!;
    const stack = checkedStack(runs.get("dev")!.resources);
    const secret = [...stack.secretValues].find((s) => s.length >= 16);
    assert.ok(secret, "dev has generated secret values");
    const leak = mutated("dev", (rs) => (one(rs, "kubernetes:core/v1:ConfigMap").inputs.data["leak.yaml"] = `password: ${secret}\n`));
    expectViolation(check, leak, PROD, /ConfigMap/, /data\.leak\.yaml holds a value that is marked secret/);
    const env = mutated("dev", (rs) => one(rs, "kubernetes:apps/v1:Deployment").inputs.spec.template.spec.containers[0].env = [{ name: "DB_PASSWORD", value: "hunter2hunter2" }]);
    expectViolation(check, env, PROD, /Deployment/, /DB_PASSWORD is a literal under a secret name/);
  });

  it("no-secret-in-configmap-or-env: a basic-auth Secret's password is secret, its user name is not", () => {
    const basicAuth = (rs: RecordedResource[]) => rs.find((r) => r.type === "kubernetes:core/v1:Secret" && (unwrapSecrets(r.inputs) as any).type === "kubernetes.io/basic-auth" && String((unwrapSecrets(r.inputs) as any).stringData?.username ?? "").length >= 8);
    const found = basicAuth(runs.get("prod-existing-100")!.resources);
    assert.ok(found, "prod-existing-100 has a basic-auth Secret with a user name of 8 characters or more");
    const { username, password } = (unwrapSecrets(found.inputs) as any).stringData as Record<string, string>;
    const stack = checkedStack(runs.get("prod-existing-100")!.resources);
    assert.ok(stack.secretValues.has(password));
    assert.ok(!stack.secretValues.has(username), username);
  });

  it("pinned-images: a latest tag, an image from a registry that is not the configured one", () => {
    const check = CHECKS.find((c) => c.name === "pinned-images")!;
    const latest = mutated("dev", (rs) => (one(rs, "kubernetes:apps/v1:Deployment").inputs.spec.template.spec.containers[0].image = "ghcr.io/element-hq/synapse:latest"));
    expectViolation(check, latest, PROD, /Deployment/, /not pinned/);
    expectViolation(check, checkedStack(runs.get("dev")!.resources), { production: false, registry: "registry.internal:5000/mirror" }, /Deployment|StatefulSet/, /not pulled from the configured registry/);
    assert.equal(imageProblem("registry.internal:5000/mirror/element-hq/synapse:v1.163.2", "registry.internal:5000/mirror"), undefined);
    assert.equal(imageProblem("ghcr.io/element-hq/synapse@sha256:0123", undefined), undefined);
    assert.match(imageProblem("evil.example/synapse:v1", undefined) ?? "", /not a registry of catalog/);
    assert.match(imageProblem("redis", undefined) ?? "", /not pinned/);
  });

  it("pinned-images: the project's images are the tags the stack's builds push, pinned by digest, or the prebuilt references config names", () => {
    const check = CHECKS.find((c) => c.name === "pinned-images")!;
    const dev = runs.get("dev")!;
    const [tag] = one(dev.resources.map((r) => ({ ...r, inputs: unwrapSecrets(r.inputs) as Obj })), "docker-build:index:Image").inputs.tags as string[];
    assert.ok(tag, "dev builds the Synapse image");
    const digest = `@sha256:${"c".repeat(64)}`;
    assert.equal(projectImageAllowed(`${tag}${digest}`, new Set([tag])), true);
    assert.equal(projectImageAllowed(tag, new Set([tag])), false, "a pushed tag without its digest can move");
    assert.equal(projectImageAllowed(`${tag}x${digest}`, new Set([tag])), false, "a tag no build of the stack pushes");
    assert.equal(projectImageAllowed(`r.example/s:t${digest}`, new Set(), [`r.example/s:t${digest}`]), true);
    const unpinned = mutated("dev", (rs) => (one(rs, "kubernetes:apps/v1:Deployment", "matrix-synapse-main").inputs.spec.template.spec.containers[0].image = tag));
    expectViolation(check, unpinned, { production: false }, /Deployment/, /not a registry of catalog/);
  });

  it("requests-and-limits: a container without a memory limit, a CNPG cluster without limits", () => {
    const check = CHECKS.find((c) => c.name === "requests-and-limits")!;
    const noLimit = mutated("dev", (rs) => delete one(rs, "kubernetes:apps/v1:Deployment").inputs.spec.template.spec.containers[0].resources.limits.memory);
    expectViolation(check, noLimit, PROD, /Deployment/, /no limits\.memory/);
    const pg = mutated("dev", (rs) => delete one(rs, "kubernetes:postgresql.cnpg.io/v1:Cluster").inputs.spec.resources.limits);
    expectViolation(check, pg, PROD, /postgresql.cnpg.io/, /no limits\.cpu, limits\.memory/);
  });

  it("pdb-for-multi-replica: a scaled Deployment whose PDB is gone", () => {
    const check = CHECKS.find((c) => c.name === "pdb-for-multi-replica")!;
    const stack = mutated("prod", (rs) => {
      const d = rs.find((x) => x.type === "kubernetes:apps/v1:Deployment" && x.inputs.spec.replicas > 1);
      assert.ok(d, "prod has a multi-replica Deployment");
      const labels = d.inputs.spec.template.metadata.labels;
      for (const p of rs.filter((x) => x.type === "kubernetes:policy/v1:PodDisruptionBudget" && x.inputs.metadata.namespace === d.inputs.metadata.namespace)) {
        if (Object.entries(p.inputs.spec.selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v)) rs.splice(rs.indexOf(p), 1);
      }
    });
    expectViolation(check, stack, PROD, /Deployment/, /no PodDisruptionBudget/);
  });

  it("the pack's policies report through CrossGuard's reportViolation, with their config", async () => {
    const rds = mutated("prod", (rs) => (one(rs, "aws:rds/instance:Instance", "platform-pg-main").inputs.deletionProtection = false));
    const policy = PACK_POLICIES.find((p) => p.name === "production-protection")!;
    assert.equal(policy.enforcementLevel, "mandatory");
    const report = async (config: object): Promise<string[]> => {
      const got: string[] = [];
      const args = { resources: rds.resources.map((r) => ({ type: r.type, name: r.name, props: r.inputs, urn: `urn:pulumi:prod::matrix-platform::${r.type}::${r.name}` })), stackTags: new Map(), getConfig: () => config, notApplicable: () => { throw new Error("n/a"); } };
      await policy.validateStack(args as never, (message: string, urn?: string) => got.push(`${urn}: ${message}`));
      return got;
    };
    assert.ok((await report({ production: true })).some((m) => /Instance::platform-pg-main: deletionProtection/.test(m)));
    assert.deepEqual(await report({ production: false }), []);
    assert.equal(PACK_POLICIES.length, CHECKS.length);
  });

  it("reads `pulumi preview --json` steps: new states are checked, deletions are not", () => {
    const preview = {
      steps: [
        { op: "create", urn: "urn:pulumi:s::p::aws:rds/instance:Instance::db", newState: { type: "aws:rds/instance:Instance", urn: "urn:pulumi:s::p::aws:rds/instance:Instance::db", inputs: { publiclyAccessible: true } } },
        { op: "delete", urn: "urn:pulumi:s::p::aws:rds/instance:Instance::old", oldState: { type: "aws:rds/instance:Instance" } },
      ],
    };
    const found: Violation[] = CHECKS.find((c) => c.name === "no-public-database")!.run(checkedStack(resourcesFromPreviewJson(preview)), PROD);
    assert.deepEqual(found.map((v) => v.resource), ["aws:rds/instance:Instance::db"]);
  });
});
