/**
 * Antivirus in the whole program (mock engine): what it deploys (clamd with freshclam, the scan
 * workers, their Service, HPA, token Secret), sized from the registry; restricted pods; Synapse's
 * main and media workers load the scan module and no other worker does; the flows admit exactly
 * media pods -> scan workers -> clamd -> mirror; `antivirus: false` leaves no trace; bad values of
 * the new keys are refused by name.
 */
import { strict as assert } from "assert";
import { parse } from "yaml";
import { NAMESPACES } from "../../catalog/namespaces";
import { WORKER_TYPES } from "../../catalog/workers";
import { isFlowAllowed, type NetworkPolicyManifest } from "../../components/k8s/network";
import { synapseLabels } from "../../components/matrix/synapse";
import { podSecurityViolations, podSpecOf } from "../../components/k8s/pod-security-check";
import { CLAMD_NAME, SCAN_WORKER_NAME } from "../../components/antivirus/names";
import { ANTIVIRUS_MODULE, ANTIVIRUS_PORTS, scanWorkerUrl } from "../../render/antivirus";
import { LI_KEY_STORE_MODULE } from "../../render/key-vault";
import { isSecretValue, unwrapSecrets, type RecordedResource } from "../../stacks/mock-engine";
import { size } from "../../sizing";
import { refusalOf } from "../helpers/config-refusal";
import { ofType, runStack, type StackRun } from "../helpers/run-stack";

type Obj = Record<string, any>;
const NS = NAMESPACES.antivirus;
const named = (run: StackRun, type: string, name: string, namespace?: string): RecordedResource | undefined =>
  ofType(run, type).find((r) => (r.inputs.metadata as Obj)?.name === name && (namespace === undefined || (r.inputs.metadata as Obj)?.namespace === namespace));
const configMap = (run: StackRun, name: string): Obj => unwrapSecrets(named(run, "kubernetes:core/v1:ConfigMap", name)!.inputs.data) as Obj;
const policiesOf = (run: StackRun): NetworkPolicyManifest[] =>
  ofType(run, "kubernetes:networking.k8s.io/v1:NetworkPolicy").map((r) => unwrapSecrets(r.inputs) as unknown as NetworkPolicyManifest);
const synapse = (type: string) => ({ namespace: NAMESPACES.matrix, labels: synapseLabels(type) });
const pod = (name: string) => ({ namespace: NS, labels: { "app.kubernetes.io/name": name, "app.kubernetes.io/instance": "main", "app.kubernetes.io/component": "antivirus", "app.kubernetes.io/part-of": "matrix-platform", "app.kubernetes.io/managed-by": "pulumi" } });

describe("antivirus in the whole program", function () {
  let on: StackRun;
  let off: StackRun;
  let unmonitored: StackRun;
  before(async () => {
    on = await runStack("prod-aws-5k");
    off = await runStack("prod-aws-5k", { antivirus: "false" });
    unmonitored = await runStack("prod-aws-5k", { monitoring: "false" });
  });

  it("clamd (replicas from sizing, freshclam beside it) and the scan workers (HPA from sizing) in their restricted namespace", () => {
    const sizing = size(on.spec);
    const clamd = named(on, "kubernetes:apps/v1:Deployment", CLAMD_NAME, NS)!;
    assert.ok(clamd, "a clamd Deployment");
    const clamdSpec = unwrapSecrets(clamd.inputs.spec) as Obj;
    assert.equal(clamdSpec.replicas, sizing.components.clamav.replicas);
    assert.ok(sizing.components.clamav.replicas >= 2, "production runs at least two clamd");
    const podSpec = clamdSpec.template.spec;
    // The prod preset deploys monitoring: clamd's exporter runs beside it.
    assert.deepEqual(podSpec.containers.map((c: Obj) => c.name), ["clamd", "freshclam", "clamd-exporter"]);
    assert.deepEqual(podSpec.initContainers.map((c: Obj) => c.name), ["signatures"]);
    assert.deepEqual(podSpec.containers[0].readinessProbe.exec.command.slice(0, 1), ["clamdscan"]);
    assert.ok(podSpec.containers.slice(0, 2).every((c: Obj) => c.image.startsWith("docker.io/clamav/clamav-debian:")));
    for (const name of [CLAMD_NAME, SCAN_WORKER_NAME]) {
      const dep = named(on, "kubernetes:apps/v1:Deployment", name, NS)!;
      assert.deepEqual(podSecurityViolations(podSpecOf({ kind: "Deployment", ...(unwrapSecrets(dep.inputs) as Obj) })!, "restricted"), [], name);
      assert.ok(named(on, "kubernetes:core/v1:Service", name, NS), `${name} Service`);
      assert.ok(named(on, "kubernetes:policy/v1:PodDisruptionBudget", name, NS), `${name} PDB`);
    }
    const hpa = named(on, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler", SCAN_WORKER_NAME, NS)!;
    assert.equal((hpa.inputs.spec as Obj).minReplicas, sizing.components.scanWorker.autoscaling!.minReplicas);
    assert.equal((hpa.inputs.spec as Obj).maxReplicas, sizing.components.scanWorker.autoscaling!.maxReplicas);
    const env = Object.fromEntries(((unwrapSecrets(named(on, "kubernetes:apps/v1:Deployment", SCAN_WORKER_NAME, NS)!.inputs.spec) as Obj).template.spec.containers[0].env as Obj[]).map((e) => [e.name, e.value]));
    assert.equal(env.SCAN_MAX_BYTES, String(on.spec.synapse.maxUploadBytes), "the scan limit is Synapse's upload limit");
  });

  it("clamd.conf's StreamMaxLength is Synapse's max_upload_size; freshclam uses ClamAV's CDN by default", () => {
    const files = configMap(on, `${CLAMD_NAME}-config`);
    assert.match(files["clamd.conf"], new RegExp(`^StreamMaxLength ${on.spec.synapse.maxUploadBytes}$`, "m"));
    assert.match(files["freshclam.conf"], /^DatabaseMirror database\.clamav\.net$/m);
  });

  it("the scan token is random, secret, and the same in Synapse's Secret and the scan workers'", () => {
    const sw = named(on, "kubernetes:core/v1:Secret", `${SCAN_WORKER_NAME}-token`, NS)!;
    assert.ok(isSecretValue(sw.inputs.stringData), "marked secret");
    const token = (unwrapSecrets(sw.inputs.stringData) as Obj).token;
    const syn = unwrapSecrets(named(on, "kubernetes:core/v1:Secret", "synapse-secrets")!.inputs.stringData) as Obj;
    assert.equal(syn.scan_worker_token, token);
    for (const cm of ofType(on, "kubernetes:core/v1:ConfigMap")) assert.ok(!JSON.stringify(unwrapSecrets(cm.inputs)).includes(token), "not in a ConfigMap");
  });

  it("main and the media workers load the scan module; no other worker does", () => {
    const hs = parse(configMap(on, "synapse-config")["homeserver.yaml"]);
    // Main also serves LI's key-store route when the preset deploys LI.
    assert.deepEqual(hs.modules.map((m: Obj) => m.module), [ANTIVIRUS_MODULE, ...(on.spec.features.li ? [LI_KEY_STORE_MODULE] : [])]);
    assert.equal(hs.modules[0].config.scan_url, scanWorkerUrl(NS));
    assert.equal(hs.modules[0].config.fail_open, false);
    let media = 0;
    for (const t of WORKER_TYPES) {
      const cm = ofType(on, "kubernetes:core/v1:ConfigMap").find((r) => (r.inputs.metadata as Obj)?.name === `synapse-worker-${t.name}`);
      if (!cm) continue;
      for (const text of Object.values(unwrapSecrets(cm.inputs.data) as Obj)) {
        const names = (parse(String(text)).modules as Obj[]).map((m) => m.module);
        assert.deepEqual(names, t.mediaRepository ? [ANTIVIRUS_MODULE] : [], t.name);
        if (t.mediaRepository) media++;
      }
    }
    assert.ok(media > 0, "the preset runs media workers");
  });

  it("flows: only media pods reach the scan workers, only scan workers reach clamd, only clamd's pods reach the mirror", () => {
    const policies = policiesOf(on);
    const sw = pod(SCAN_WORKER_NAME);
    const clamd = pod(CLAMD_NAME);
    assert.equal(isFlowAllowed(policies, synapse("media-repository"), sw, ANTIVIRUS_PORTS.scanHttp), true);
    assert.equal(isFlowAllowed(policies, synapse("main"), sw, ANTIVIRUS_PORTS.scanHttp), true);
    for (const t of ["client-reader", "federation-sender", "event-persister"]) assert.equal(isFlowAllowed(policies, synapse(t), sw, ANTIVIRUS_PORTS.scanHttp), false, t);
    assert.equal(isFlowAllowed(policies, sw, clamd, ANTIVIRUS_PORTS.clamd), true);
    assert.equal(isFlowAllowed(policies, synapse("media-repository"), clamd, ANTIVIRUS_PORTS.clamd), false);
    const cdn = { ip: "104.16.218.84" };
    assert.equal(isFlowAllowed(policies, clamd, cdn, 443), true);
    assert.equal(isFlowAllowed(policies, sw, cdn, 443), false);
    assert.equal(isFlowAllowed(policies, clamd, { ip: "10.1.2.3" }, 443), false, "not into private ranges");
  });

  it("clamd's exporter (the scan worker image) serves on the port Prometheus's PodMonitor scrapes, and only with monitoring", () => {
    const spec = (run: StackRun) => (unwrapSecrets(named(run, "kubernetes:apps/v1:Deployment", CLAMD_NAME, NS)!.inputs.spec) as Obj).template.spec;
    const exporter = spec(on).containers.find((c: Obj) => c.name === "clamd-exporter");
    const scanWorker = (unwrapSecrets(named(on, "kubernetes:apps/v1:Deployment", SCAN_WORKER_NAME, NS)!.inputs.spec) as Obj).template.spec.containers[0];
    assert.equal(exporter.image, scanWorker.image);
    assert.deepEqual(exporter.command, ["python", "-m", "scan_worker.clamd_exporter"]);
    const monitor = unwrapSecrets(ofType(on, "kubernetes:monitoring.coreos.com/v1:PodMonitor").find((r) => (r.inputs.metadata as Obj).name === "clamd")!.inputs) as Obj;
    const port = exporter.ports.find((p: Obj) => p.name === monitor.spec.podMetricsEndpoints[0].port);
    assert.equal(port.containerPort, ANTIVIRUS_PORTS.clamdMetrics);
    const env = Object.fromEntries(exporter.env.map((e: Obj) => [e.name, e.value]));
    assert.equal(env.EXPORTER_PORT, String(port.containerPort));
    const prometheus = { namespace: NAMESPACES.monitoring, labels: { "app.kubernetes.io/name": "prometheus" } };
    assert.equal(isFlowAllowed(policiesOf(on), prometheus, pod(CLAMD_NAME), ANTIVIRUS_PORTS.clamdMetrics), true);
    assert.deepEqual(spec(unmonitored).containers.map((c: Obj) => c.name), ["clamd", "freshclam"]);
  });

  it("antivirus: false removes all of it and the module from Synapse's config", () => {
    for (const r of off.resources) assert.notEqual((r.inputs.metadata as Obj)?.namespace, NS, r.name);
    assert.equal(ofType(off, "kubernetes:core/v1:Namespace").some((r) => (r.inputs.metadata as Obj)?.name === NS), false);
    const hs = parse(configMap(off, "synapse-config")["homeserver.yaml"]);
    assert.deepEqual((hs.modules ?? []).map((m: Obj) => m.module), off.spec.features.li ? [LI_KEY_STORE_MODULE] : [], "no scan module");
    assert.ok(!JSON.stringify(off.resources.map((r) => unwrapSecrets(r.inputs))).includes("matrix_platform_antivirus"));
    assert.equal((unwrapSecrets(named(off, "kubernetes:core/v1:Secret", "synapse-secrets")!.inputs.stringData) as Obj).scan_worker_token, undefined);
  });
});

describe("antivirus config keys", () => {
  const base = { domain: "example.org", antivirus: "true" };
  it("refuses a bad mirror URL, naming the key and what is allowed", () => {
    for (const bad of ["database.clamav.net", "ftp://mirror.example/clamav", "https://user:pw@mirror.example/", "https://mirror.example/?x=1"]) {
      assert.match(refusalOf({ ...base, antivirusMirror: bad }), /matrix-platform:antivirusMirror = .* is not allowed: an http\(s\):\/\/ URL of a ClamAV database mirror/, bad);
    }
  });
  it("refuses bad mirror ranges and a fail-open that is not a boolean", () => {
    assert.match(refusalOf({ ...base, antivirusMirror: "https://m.example/c", antivirusMirrorCidrs: "10.0.0.1/8" }), /antivirusMirrorCidrs .* is not allowed: a comma-separated list of IPv4 CIDR blocks/);
    assert.match(refusalOf({ ...base, antivirusFailOpen: "sometimes" }), /antivirusFailOpen = "sometimes" is not allowed: true or false/);
  });
  it("refuses the keys with antivirus off, and mirror ranges without a mirror", () => {
    assert.match(refusalOf({ domain: "example.org", antivirusFailOpen: "true" }), /antivirusFailOpen .* only applies when antivirus is true/);
    assert.match(refusalOf({ ...base, antivirusMirrorCidrs: "10.20.0.0/16" }), /antivirusMirrorCidrs .* the ranges of a mirror named in antivirusMirror/);
  });
});
