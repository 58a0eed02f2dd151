/**
 * The key vault under the mock engine: KeyVaultCredentials, the Matrix stack and KeyVault wired
 * as program.ts wires them (dev stack with li on, on a fake platform), and the whole program with
 * li off. What it deploys, where each secret lives (the private key nowhere in the cluster), the
 * Synapse module's config, the flows its policies allow, and that li: false leaves no trace.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { kubeconform, kubernetesVersionsFor, kubeScore, readKubeScoreFlags, readKubeScoreIgnores } from "../../scripts/validate";
import { manifestYaml, manifestsFrom, type KubeObject } from "../../stacks/manifests";
import { PROJECT, parseSpec } from "../../config";
import { loadStackConfig } from "../../stacks/stack-config";
import { size } from "../../sizing";
import { NAMESPACES } from "../../catalog/namespaces";
import { isFlowAllowed, NetworkFlows, type NetworkPolicyManifest } from "../../components/k8s/network";
import { MatrixStack } from "../../components/matrix";
import { synapseLabels, synapseSelector } from "../../components/matrix/synapse";
import { KeyVault, KEY_VAULT_SECRETS_DIR } from "../../components/li/key-vault";
import { KeyVaultCredentials, LI_RSA_BITS } from "../../components/li/key-vault-credentials";
import { KEY_VAULT_MIGRATE } from "../../components/li/key-vault-flows";
import { podSecurityViolations, podSpecOf } from "../../components/k8s/pod-security-check";
import { standardLabels } from "../../components/k8s/labels";
import { KEY_VAULT_NAME, KEY_VAULT_PORT, LI_KEY_STORE_MODULE, keyVaultUrl } from "../../render/key-vault";
import { isSecretValue, runWithMocks, unwrapSecrets, type MockRun, type RecordedResource } from "../../stacks/mock-engine";
import { fakePlatform } from "../helpers/fake-platform";
import { ofType, runStack, type StackRun } from "../helpers/run-stack";

type Obj = Record<string, any>;
const NS = NAMESPACES.matrix;
const named = (run: MockRun, type: string, name: string): RecordedResource | undefined =>
  ofType(run, type).find((r) => (r.inputs.metadata as Obj)?.name === name);
const homeserver = (run: MockRun): Obj => parse(String((unwrapSecrets(named(run, "kubernetes:core/v1:ConfigMap", "synapse-config")!.inputs) as Obj).data["homeserver.yaml"]));
const policiesOf = (run: MockRun): NetworkPolicyManifest[] =>
  ofType(run, "kubernetes:networking.k8s.io/v1:NetworkPolicy").map((r) => unwrapSecrets(r.inputs) as unknown as NetworkPolicyManifest);

/** KeyVaultCredentials -> MatrixStack -> KeyVault, as program.ts wires them, with li on. */
async function liOn(): Promise<MockRun> {
  const config = { ...loadStackConfig("dev"), [`${PROJECT}:li`]: "true", [`${PROJECT}:liInvestigatorCidrs`]: "203.0.113.0/24" };
  const spec = parseSpec(config, "dev");
  const sizing = size(spec);
  return runWithMocks({
    project: PROJECT, stack: "dev", config, program: async () => {
      const platform = fakePlatform();
      const flows = new NetworkFlows();
      const creds = new KeyVaultCredentials("key-vault-credentials");
      const matrix = new MatrixStack("matrix", { spec, sizing, platform, flows, keyVault: { serviceToken: creds.serviceToken, publicKeyPem: creds.publicKeyPem } });
      new KeyVault("key-vault", {
        image: "registry.example/matrix-platform/key-vault:test", namespace: matrix.namespace.name, namespaceName: NS,
        sizing: sizing.components.keyVault, database: platform.databases.keyVault!, credentials: creds, platform, flows,
        callers: { namespace: NS, podLabels: synapseSelector("main"), name: "synapse-main" },
      });
      flows.materialize({ providers: [platform.provider] });
      // The mock engine hands outputs back resolved: whether each is secret is read off the Output.
      const isSecret = (o: unknown) => (o as { isSecret: Promise<boolean> }).isSecret;
      const secrecy = { privateKeyPem: await isSecret(creds.privateKeyPem), serviceToken: await isSecret(creds.serviceToken), publicKeyPem: await isSecret(creds.publicKeyPem) };
      return { privateKeyPem: creds.privateKeyPem, publicKeyPem: creds.publicKeyPem, token: creds.serviceToken, secrecy };
    },
  });
}

describe("the key vault (mock engine)", function () {
  let on: MockRun;
  let off: StackRun;
  let token: string;
  let privateKeyPem: string;

  before(async () => {
    on = await liOn();
    off = await runStack("dev");
    token = String(unwrapSecrets(on.outputs.token));
    privateKeyPem = String(unwrapSecrets(on.outputs.privateKeyPem));
  });

  it("runs key_vault with replicas, HPA and resources from sizing, under the restricted pod security standard", () => {
    const dep = named(on, "kubernetes:apps/v1:Deployment", KEY_VAULT_NAME)!;
    assert.ok(dep);
    const sizing = size(parseSpec({ ...loadStackConfig("dev"), [`${PROJECT}:li`]: "true", [`${PROJECT}:liInvestigatorCidrs`]: "203.0.113.0/24" }, "dev")).components.keyVault;
    const hpa = named(on, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler", KEY_VAULT_NAME);
    if (sizing.autoscaling) {
      assert.equal((hpa!.inputs.spec as Obj).minReplicas, sizing.autoscaling.minReplicas);
      assert.equal((hpa!.inputs.spec as Obj).maxReplicas, sizing.autoscaling.maxReplicas);
      assert.equal((dep.inputs.spec as Obj).replicas, undefined, "the HPA owns the count");
    } else {
      assert.equal(hpa, undefined);
      assert.equal((dep.inputs.spec as Obj).replicas, sizing.replicas);
    }
    const container = (dep.inputs.spec as Obj).template.spec.containers[0];
    assert.equal(container.resources.requests.cpu, `${sizing.resources.cpuRequestMillis}m`);
    assert.deepEqual(container.ports, [{ name: "http", containerPort: KEY_VAULT_PORT }]);
    assert.equal(container.readinessProbe.httpGet.path, "/health");
    assert.deepEqual(podSecurityViolations(podSpecOf({ kind: "Deployment", ...(unwrapSecrets(dep.inputs) as Obj) })!, "restricted"), []);
    const svc = named(on, "kubernetes:core/v1:Service", KEY_VAULT_NAME)!;
    assert.equal((svc.inputs.spec as Obj).type, "ClusterIP");
    assert.equal((svc.inputs.metadata as Obj).namespace, NS);
  });

  it("runs the migrations in a Job the Deployment waits for, with the same image and settings", () => {
    const job = ofType(on, "kubernetes:batch/v1:Job").find((j) => (j.inputs.metadata as Obj).labels["app.kubernetes.io/name"] === KEY_VAULT_MIGRATE)!;
    assert.ok(job, "a migration Job");
    const jobPod = unwrapSecrets(job.inputs) as Obj;
    const migrate = jobPod.spec.template.spec.containers[0];
    assert.deepEqual(migrate.command, ["python", "manage.py", "migrate", "--noinput"]);
    assert.deepEqual(podSecurityViolations(podSpecOf({ kind: "Job", ...jobPod })!, "restricted"), []);
    const dep = named(on, "kubernetes:apps/v1:Deployment", KEY_VAULT_NAME)!;
    assert.ok(dep.dependsOn?.includes(`${job.type}::${job.name}`), JSON.stringify(dep.dependsOn));
    const app = (unwrapSecrets(dep.inputs) as Obj).spec.template.spec.containers[0];
    assert.equal(migrate.image, app.image);
    assert.deepEqual(migrate.env, app.env);
  });

  it("keeps its secrets in a Secret (files), the service token in Synapse's Secret too, and none in any ConfigMap or env value", () => {
    assert.equal(token.length, 64);
    const secret = named(on, "kubernetes:core/v1:Secret", `${KEY_VAULT_NAME}-secrets`)!;
    assert.ok(isSecretValue(secret.inputs.stringData));
    const data = unwrapSecrets(secret.inputs.stringData) as Obj;
    assert.deepEqual(Object.keys(data).sort(), ["db_password", "django_secret_key", "service_token"]);
    assert.equal(data.service_token, token);
    const synapseSecrets = unwrapSecrets(named(on, "kubernetes:core/v1:Secret", "synapse-secrets")!.inputs.stringData) as Obj;
    assert.equal(synapseSecrets.key_vault_token, token);
    const env = (unwrapSecrets(named(on, "kubernetes:apps/v1:Deployment", KEY_VAULT_NAME)!.inputs) as Obj).spec.template.spec.containers[0].env as Obj[];
    assert.equal(env.find((e) => e.name === "KEY_VAULT_SERVICE_TOKEN_FILE")!.value, `${KEY_VAULT_SECRETS_DIR}/service_token`);
    for (const cm of ofType(on, "kubernetes:core/v1:ConfigMap")) assert.ok(!JSON.stringify(unwrapSecrets(cm.inputs)).includes(token), cm.name);
    for (const d of ofType(on, "kubernetes:apps/v1:Deployment")) assert.ok(!JSON.stringify(unwrapSecrets(d.inputs)).includes(token), d.name);
  });

  it("makes an RSA-4096 pair whose private key is a secret output and appears in no Kubernetes object", () => {
    const key = ofType(on, "tls:index/privateKey:PrivateKey").find((r) => r.name.endsWith("-li-rsa"))!;
    assert.deepEqual([key.inputs.algorithm, key.inputs.rsaBits], ["RSA", LI_RSA_BITS]);
    assert.deepEqual(on.outputs.secrecy, { privateKeyPem: true, serviceToken: true, publicKeyPem: false });
    assert.match(privateKeyPem, /PRIVATE KEY/);
    const body = privateKeyPem.split("\n").find((l) => l.length > 40 && !l.startsWith("-----"))!;
    for (const r of on.resources.filter((x) => x.type.startsWith("kubernetes:"))) assert.ok(!JSON.stringify(unwrapSecrets(r.inputs)).includes(body), `${r.type} ${r.name}`);
  });

  it("puts the key-store module in Synapse's config with key_vault's URL, the token's path and the public key", () => {
    const hs = homeserver(on);
    assert.deepEqual(hs.modules, [{
      module: LI_KEY_STORE_MODULE,
      config: { key_vault_url: keyVaultUrl(NS), service_token_path: "/etc/synapse/secrets/key_vault_token", public_key_pem: String(unwrapSecrets(on.outputs.publicKeyPem)) },
    }]);
  });

  it("admits only Synapse's main process on its port, and lets key_vault and its Job reach only their database", () => {
    const policies = policiesOf(on);
    const vault = { namespace: NS, labels: standardLabels(KEY_VAULT_NAME, "key-vault") };
    const migrate = { namespace: NS, labels: standardLabels(KEY_VAULT_MIGRATE, "key-vault-migration") };
    const synapse = (type: string) => ({ namespace: NS, labels: synapseLabels(type) });
    assert.equal(isFlowAllowed(policies, synapse("main"), vault, KEY_VAULT_PORT), true);
    assert.equal(isFlowAllowed(policies, synapse("main"), vault, 9000), false);
    for (const type of ["client-reader", "synchrotron", "event-persister", "media-repository"]) assert.equal(isFlowAllowed(policies, synapse(type), vault, KEY_VAULT_PORT), false, type);
    assert.equal(isFlowAllowed(policies, { namespace: NS, labels: { "app.kubernetes.io/name": "haproxy" } }, vault, KEY_VAULT_PORT), false, "HAProxy");
    assert.equal(isFlowAllowed(policies, { namespace: NAMESPACES.edge, labels: {} }, vault, KEY_VAULT_PORT), false, "the Gateway");
    assert.equal(isFlowAllowed(policies, { namespace: NAMESPACES.li, labels: {} }, vault, KEY_VAULT_PORT), false, "the LI namespace");
    // The fake platform's database range (10.10.0.0/16, port 5432).
    const database = { ip: "10.10.1.5" };
    for (const pod of [vault, migrate]) {
      assert.equal(isFlowAllowed(policies, pod, database, 5432), true);
      assert.equal(isFlowAllowed(policies, pod, database, 6379), false);
      assert.equal(isFlowAllowed(policies, pod, { ip: "1.1.1.1" }, 443), false, "no internet");
      assert.equal(isFlowAllowed(policies, pod, synapse("main"), 8008), false);
    }
  });

  it("its objects pass kubeconform -strict and kube-score like every gate stack's (the gate's stacks have li off)", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mp-key-vault-manifests-"));
    try {
      const isMine = (o: KubeObject) => {
        const labels = (o.metadata as Obj).labels ?? {};
        const name = String(labels["app.kubernetes.io/name"] ?? o.metadata.name);
        return name === KEY_VAULT_NAME || name === KEY_VAULT_MIGRATE || String(o.metadata.name).startsWith("key-vault");
      };
      const all = manifestsFrom(on.resources) as { object: KubeObject }[];
      const mine = all.filter((m) => isMine(m.object));
      assert.deepEqual([...new Set(mine.map((m) => m.object.kind))].sort(), ["Deployment", "HorizontalPodAutoscaler", "Job", "NetworkPolicy", "PodDisruptionBudget", "Secret", "Service"]);
      // Synapse main's Deployment too, so kube-score sees the pods main's egress policy selects.
      mine.push(all.find((m) => m.object.kind === "Deployment" && m.object.metadata.name === "synapse-main")!);
      const files = mine.map((m, i) => {
        const f = path.join(dir, `${i}-${m.object.kind}-${m.object.metadata.name ?? "job"}.yaml`);
        fs.writeFileSync(f, manifestYaml(m.object));
        return f;
      });
      for (const version of kubernetesVersionsFor("existing")) {
        const results = kubeconform(dir, version);
        assert.equal(results.length, mine.length);
        assert.deepEqual(results.filter((r) => r.status !== "statusValid").map((r) => `${r.kind}/${r.name}: ${r.msg}`), [], version);
      }
      assert.deepEqual(kubeScore(files, readKubeScoreIgnores().map((e) => e.id), readKubeScoreFlags().map((e) => e.id)), []);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("li: false deploys no key vault, no key pair, no module config, no token in Synapse's Secret and no LI output", () => {
    assert.equal(off.spec.features.li, false);
    for (const type of ["kubernetes:apps/v1:Deployment", "kubernetes:core/v1:Service", "kubernetes:core/v1:Secret"]) {
      assert.equal(off.resources.filter((r) => r.type === type && String((r.inputs.metadata as Obj)?.name ?? "").startsWith(KEY_VAULT_NAME)).length, 0, type);
    }
    assert.equal(ofType(off, "kubernetes:batch/v1:Job").filter((j) => (j.inputs.metadata as Obj).labels?.["app.kubernetes.io/name"] === KEY_VAULT_MIGRATE).length, 0);
    assert.equal(off.resources.filter((r) => r.type.startsWith("matrix-platform:li:")).length, 0);
    assert.equal(ofType(off, "tls:index/privateKey:PrivateKey").filter((r) => r.name.endsWith("-li-rsa")).length, 0);
    assert.equal(homeserver(off).modules, undefined);
    assert.equal((unwrapSecrets(named(off, "kubernetes:core/v1:Secret", "synapse-secrets")!.inputs.stringData) as Obj).key_vault_token, undefined);
    assert.equal(Object.keys(off.outputs).filter((k) => k.startsWith("liKeyVault")).length, 0);
    assert.equal(off.flows.policies().filter((p) => p.metadata.name.startsWith("key-vault")).length, 0);
  });
});
