/**
 * MatrixStack under the mock engine, on a fake Platform with a hand-built Sizing: the workloads,
 * their sizes, security contexts, labels, secrets and routes.
 */
import { strict as assert } from "assert";
import { parse } from "yaml";
import { MatrixStack, matrixFlows } from "../../components/matrix";
import { synapseLabels } from "../../components/matrix/synapse";
import { defaultDenyPolicy, dnsEgressPolicy, isFlowAllowed, networkPoliciesFor } from "../../components/k8s/network";
import { SYNAPSE_PORTS } from "../../render/synapse";
import { podSecurityViolations, podSpecOf } from "../../components/k8s/pod-security-check";
import { WORKER_TYPES, hasStableNames } from "../../catalog/workers";
import { parseSpec } from "../../config";
import { presetConfig } from "../../stacks/presets";
import { runWithMocks, isSecretValue, unwrapSecrets, type MockRun, type RecordedResource } from "../../stacks/mock-engine";
import { FAKE_SECRETS, FAKE_SYNAPSE_IMAGE, fakePlatform } from "../helpers/fake-platform";
import { fixtureSizing } from "../render/fixtures";
import { imageRef } from "../../catalog/images";

type Obj = Record<string, any>;

const LABELS = ["app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/component", "app.kubernetes.io/part-of", "app.kubernetes.io/managed-by"];

async function runMatrix(stack: string, opts: { ha?: boolean } = {}): Promise<MockRun> {
  const m = /^(\w+)-(\w+)-(\w+)$/.exec(stack)!;
  // Bridges on: MatrixStack generates their registrations (the program refuses the switch until
  // the bridges themselves are built; the component under test does not ask).
  const config: Record<string, string> = { ...presetConfig({ environment: m[1] as "dev", platform: m[2] as "existing", profile: m[3] as "100" }), "matrix-platform:bridges": "true", "matrix-platform:telegramApiId": "123456", "matrix-platform:telegramApiHash": "0123456789abcdef0123456789abcdef" };
  // LI off: with it on, Synapse's key-store module needs the key vault's credentials, which the
  // program makes beside MatrixStack (tests/components/key-vault.test.ts covers that wiring).
  delete config["matrix-platform:liInvestigatorCidrs"];
  config["matrix-platform:li"] = "false";
  const spec = parseSpec(config, stack);
  return runWithMocks({
    project: "matrix-platform",
    stack,
    config,
    program: async () => {
      const platform = fakePlatform();
      new MatrixStack("matrix", { spec, sizing: fixtureSizing(spec.profile!, opts.ha ?? spec.highAvailability), platform });
      return {};
    },
  });
}

const k8sObjects = (run: MockRun) => run.resources.filter((r) => r.custom && r.type.startsWith("kubernetes:") && !r.type.startsWith("kubernetes:helm"));
const ofKind = (run: MockRun, type: string) => run.resources.filter((r) => r.type === type);
const byName = (run: MockRun, type: string, name: string): RecordedResource => {
  const r = ofKind(run, type).find((x) => (x.inputs.metadata as Obj)?.name === name);
  if (!r) throw new Error(`no ${type} named ${name}`);
  return r;
};

describe("MatrixStack (mock engine, fake platform)", function () {
  let run20k: MockRun;
  let run100: MockRun;

  before(async () => {
    run20k = await runMatrix("prod-existing-20k");
    run100 = await runMatrix("dev-existing-100");
  });

  it("runs main once and each worker type with the profile's counts: pools as Deployments + HPA, the rest as StatefulSets", () => {
    const sizing = fixtureSizing("20k", true);
    const main = byName(run20k, "kubernetes:apps/v1:Deployment", "synapse-main");
    assert.equal((main.inputs.spec as Obj).replicas, 1);
    assert.equal((main.inputs.spec as Obj).strategy.type, "Recreate");
    for (const t of WORKER_TYPES) {
      const w = sizing.synapse.workers[t.name];
      if (hasStableNames(t)) {
        const sts = byName(run20k, "kubernetes:apps/v1:StatefulSet", t.name);
        assert.equal((sts.inputs.spec as Obj).replicas, w.replicas, t.name);
        assert.equal((sts.inputs.spec as Obj).serviceName, t.name);
        const svc = byName(run20k, "kubernetes:core/v1:Service", t.name);
        assert.equal((svc.inputs.spec as Obj).clusterIP, "None");
      } else {
        const dep = byName(run20k, "kubernetes:apps/v1:Deployment", t.name);
        assert.equal((dep.inputs.spec as Obj).replicas, undefined, `${t.name}: the HPA owns the replica count`);
        const hpa = byName(run20k, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler", t.name);
        assert.deepEqual([(hpa.inputs.spec as Obj).minReplicas, (hpa.inputs.spec as Obj).maxReplicas], [w.minReplicas, w.maxReplicas], t.name);
        // The CPU target is sizing's (the fixture's 65 %), not one the component picks.
        assert.equal(JSON.stringify((hpa.inputs.spec as Obj).metrics).includes('"averageUtilization":65'), true, `${t.name}: HPA target from sizing`);
      }
      byName(run20k, "kubernetes:policy/v1:PodDisruptionBudget", t.name);
    }
    // The document's 20k table.
    const replicas = (type: string, name: string) => (byName(run20k, type, name).inputs.spec as Obj).replicas;
    const hpaMin = (name: string) => (byName(run20k, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler", name).inputs.spec as Obj).minReplicas;
    assert.equal(hpaMin("synchrotron"), 16);
    assert.equal(hpaMin("client-reader"), 16);
    assert.equal(hpaMin("federation-reader"), 8);
    assert.equal(replicas("kubernetes:apps/v1:StatefulSet", "event-persister"), 8);
    assert.equal(replicas("kubernetes:apps/v1:StatefulSet", "federation-sender"), 8);
    assert.equal(replicas("kubernetes:apps/v1:StatefulSet", "media-repository"), 8);
    assert.equal(replicas("kubernetes:apps/v1:StatefulSet", "typing"), 1);
  });

  it("labels every Kubernetes object with the five app.kubernetes.io labels", () => {
    for (const r of k8sObjects(run20k)) {
      const labels = ((r.inputs.metadata as Obj)?.labels ?? {}) as Record<string, string>;
      for (const l of LABELS) assert.ok(labels[l], `${r.type} ${r.name} lacks ${l}`);
    }
  });

  it("keeps every pod within the restricted Pod Security Standard, read-only root filesystem included", () => {
    let pods = 0;
    for (const r of k8sObjects(run20k)) {
      const pod = podSpecOf({ kind: r.type.split(":").pop(), spec: unwrapSecrets(r.inputs.spec) });
      if (!pod) continue;
      pods++;
      assert.deepEqual(podSecurityViolations(pod as Obj, "restricted"), [], `${r.type} ${r.name}`);
      for (const c of pod.containers as Obj[]) {
        assert.equal(c.securityContext.readOnlyRootFilesystem, true, `${r.name}/${c.name}`);
        assert.ok(c.resources?.requests && c.resources?.limits, `${r.name}/${c.name} resources`);
        assert.ok(c.livenessProbe && c.readinessProbe, `${r.name}/${c.name} probes`);
      }
      assert.ok((pod.volumes as Obj[]).some((v) => v.name === "tmp" && v.emptyDir), `${r.name} has an emptyDir /tmp`);
      assert.ok((pod.topologySpreadConstraints as Obj[]).some((t) => t.topologyKey === "topology.kubernetes.io/zone"), `${r.name} spreads over zones`);
    }
    assert.ok(pods > 25);
  });

  it("probes every Synapse process on /health and runs media workers with the synapse-media ServiceAccount", () => {
    // Prod runs the mutual-TLS proxy (preset): readiness reaches Synapse's listener through the proxy's health port.
    for (const [run, trafficPort] of [[run20k, "proxy-health"], [run100, "http"]] as const) {
      for (const r of [...ofKind(run, "kubernetes:apps/v1:Deployment"), ...ofKind(run, "kubernetes:apps/v1:StatefulSet")]) {
        const tpl = (r.inputs.spec as Obj).template;
        if (tpl.metadata.labels["app.kubernetes.io/component"] !== "synapse") continue;
        assert.equal(tpl.spec.containers[0].readinessProbe.httpGet.port, trafficPort, r.name);
        assert.equal(tpl.spec.containers[0].startupProbe.httpGet.port, trafficPort, r.name);
      }
    }
    for (const r of [...ofKind(run20k, "kubernetes:apps/v1:Deployment"), ...ofKind(run20k, "kubernetes:apps/v1:StatefulSet")]) {
      const tpl = (r.inputs.spec as Obj).template;
      if (tpl.metadata.labels["app.kubernetes.io/component"] !== "synapse") continue;
      const c = tpl.spec.containers[0];
      assert.equal(c.readinessProbe.httpGet.path, "/health", r.name);
      assert.equal(c.livenessProbe.httpGet.path, "/health?probe=liveness", r.name);
      assert.equal(c.livenessProbe.httpGet.port, "health", r.name);
      const sa = tpl.spec.serviceAccountName;
      assert.equal(sa, (r.inputs.metadata as Obj).name === "media-repository" ? "synapse-media" : "synapse", r.name);
    }
    const mediaSa = byName(run20k, "kubernetes:core/v1:ServiceAccount", "synapse-media");
    assert.deepEqual((mediaSa.inputs.metadata as Obj).annotations, { "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/synapse-media" });
  });

  it("runs every Synapse process from the platform's project image, installs nothing at start, and gives media workers S3 credentials as a file and a pruned local cache", () => {
    for (const r of [...ofKind(run20k, "kubernetes:apps/v1:Deployment"), ...ofKind(run20k, "kubernetes:apps/v1:StatefulSet")]) {
      const pod = (r.inputs.spec as Obj).template.spec;
      if ((r.inputs.spec as Obj).template.metadata.labels["app.kubernetes.io/component"] !== "synapse") continue;
      assert.equal(pod.initContainers, undefined, `${r.name}: no init container (nothing is installed at start)`);
      // The mutual-TLS proxy (prod) is the router's HAProxy image; every other container is Synapse's.
      for (const c of pod.containers) assert.equal(c.image, c.name === "mtls-proxy" ? imageRef("haproxy") : FAKE_SYNAPSE_IMAGE, `${r.name}/${c.name}`);
    }
    const tpl = (byName(run20k, "kubernetes:apps/v1:StatefulSet", "media-repository").inputs.spec as Obj).template.spec;
    const synapse = tpl.containers[0];
    const env = Object.fromEntries(synapse.env.filter((e: Obj) => e.value).map((e: Obj) => [e.name, e.value]));
    assert.equal(env.PYTHONPATH, undefined, "the modules are in the image's site-packages");
    assert.equal(env.AWS_SHARED_CREDENTIALS_FILE, "/etc/synapse/aws-credentials/credentials");
    assert.equal(env.AWS_CONFIG_FILE, "/etc/synapse/aws/config", "path-style addressing for MinIO");
    assert.ok(!synapse.env.some((e: Obj) => e.valueFrom?.secretKeyRef), "no secret in the environment");
    assert.equal(tpl.containers[1].name, "media-cache-pruner");
  });

  it("keeps secrets out of ConfigMaps and marks every Secret's data secret", () => {
    const cms = ofKind(run20k, "kubernetes:core/v1:ConfigMap");
    assert.ok(cms.length > 10);
    const secretValues = [FAKE_SECRETS.dbPassword, FAKE_SECRETS.redisPassword, FAKE_SECRETS.s3Secret];
    // Every random value the stack generated is a secret too.
    for (const r of ofKind(run20k, "kubernetes:core/v1:Secret")) {
      assert.ok(isSecretValue(r.inputs.stringData), `${r.name} stringData is marked secret`);
      for (const v of Object.values(unwrapSecrets(r.inputs.stringData) as Record<string, string>)) if (v.length >= 16) secretValues.push(v);
    }
    assert.ok(secretValues.length > 8);
    for (const cm of cms) {
      assert.equal(isSecretValue(cm.inputs.data), false, `${cm.name} data is plain`);
      const text = JSON.stringify(unwrapSecrets(cm.inputs.data));
      for (const s of secretValues) {
        // Secrets hold multi-line values (pgpass, registrations): check each line of them.
        for (const part of s.split("\n").filter((l) => l.length >= 16)) assert.ok(!text.includes(part), `${cm.name} contains a secret value`);
      }
    }
  });

  it("renders the shared config with every stateful instance in instance_map, resolvable through the headless Services", () => {
    const cm = byName(run20k, "kubernetes:core/v1:ConfigMap", "synapse-config");
    const hs = parse((unwrapSecrets(cm.inputs.data) as Obj)["homeserver.yaml"]);
    assert.equal(hs.server_name, "example.com");
    assert.equal(hs.instance_map.main.host, "synapse-main.matrix.svc.cluster.local");
    assert.equal(hs.instance_map["event-persister-7"].host, "event-persister-7.event-persister.matrix.svc.cluster.local");
    assert.deepEqual(hs.stream_writers.events, Array.from({ length: 8 }, (_, i) => `event-persister-${i}`));
    assert.equal(hs.database.args.passfile, "/run/synapse/pgpass");
    assert.equal(hs.database.args.host, "synapse-db.internal");
    const workerCm = byName(run20k, "kubernetes:core/v1:ConfigMap", "synapse-worker-event-persister");
    assert.equal(Object.keys(unwrapSecrets(workerCm.inputs.data) as Obj).length, 8);
    const poolCm = byName(run20k, "kubernetes:core/v1:ConfigMap", "synapse-worker-synchrotron");
    assert.deepEqual(Object.keys(unwrapSecrets(poolCm.inputs.data) as Obj), ["worker.yaml"]);
  });

  it("runs HAProxy with at least two replicas in production, its rendered config and the readiness endpoint", () => {
    const dep = byName(run20k, "kubernetes:apps/v1:Deployment", "haproxy");
    assert.ok((dep.inputs.spec as Obj).replicas >= 2);
    const c = (dep.inputs.spec as Obj).template.spec.containers[0];
    assert.equal(c.readinessProbe.httpGet.path, "/ready");
    const cfg = (unwrapSecrets(byName(run20k, "kubernetes:core/v1:ConfigMap", "haproxy").inputs.data) as Obj)["haproxy.cfg"] as string;
    // Prod (mutual TLS from the preset): every server is the pod's TLS proxy, verified against its Service's name.
    assert.match(cfg, /server-template pod 32 synchrotron\.matrix\.svc\.cluster\.local:8443 ssl verify required .* verifyhost synchrotron\.matrix\.svc\.cluster\.local/);
    assert.match(cfg, /server media-repository-0 media-repository-0\.media-repository\.matrix\.svc\.cluster\.local:8443 ssl verify required .* verifyhost media-repository\.matrix\.svc\.cluster\.local/);
    const devCfg = (unwrapSecrets(byName(run100, "kubernetes:core/v1:ConfigMap", "haproxy").inputs.data) as Obj)["haproxy.cfg"] as string;
    assert.match(devCfg, /server-template pod \d+ synchrotron\.matrix\.svc\.cluster\.local:8008\n/);
    assert.doesNotMatch(devCfg, / ssl /);
    assert.equal((byName(run100, "kubernetes:apps/v1:Deployment", "haproxy").inputs.spec as Obj).replicas, 1);
  });

  it("serves Element, Ketesa and .well-known with rendered configs, routed through the platform's Gateway", () => {
    const routes = ofKind(run20k, "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute");
    assert.deepEqual(routes.map((r) => (r.inputs.metadata as Obj).name).sort(), ["admin", "delegation", "element", "matrix"]);
    for (const r of routes) {
      const spec = r.inputs.spec as Obj;
      assert.equal(spec.parentRefs[0].name, "edge");
      assert.equal(spec.parentRefs[0].namespace, "edge");
      assert.match(spec.parentRefs[0].sectionName, /^https-(matrix|element|admin|delegation)$/);
    }
    const matrix = routes.find((r) => (r.inputs.metadata as Obj).name === "matrix")!.inputs.spec as Obj;
    assert.deepEqual(matrix.hostnames, ["matrix.example.com"]);
    assert.equal(matrix.rules[0].backendRefs[0].name, "well-known");
    assert.equal(matrix.rules[1].backendRefs[0].name, "haproxy");
    const wk = unwrapSecrets(byName(run20k, "kubernetes:core/v1:ConfigMap", "well-known").inputs.data) as Obj;
    assert.deepEqual(JSON.parse(wk["server.json"]), { "m.server": "matrix.example.com:443" });
    assert.equal(JSON.parse(wk["client.json"])["m.homeserver"].base_url, "https://matrix.example.com");
    assert.match(wk["nginx.conf"], /Access-Control-Allow-Origin "\*"/);
    const el = JSON.parse((unwrapSecrets(byName(run20k, "kubernetes:core/v1:ConfigMap", "element-web").inputs.data) as Obj)["config.json"]);
    assert.equal(el.default_server_config["m.homeserver"].server_name, "example.com");
    const ketesa = JSON.parse((unwrapSecrets(byName(run20k, "kubernetes:core/v1:ConfigMap", "ketesa").inputs.data) as Obj)["config.json"]);
    // The admin API is served only on the admin host, so that is Ketesa's homeserver.
    assert.deepEqual(ketesa.restrictBaseUrl, ["https://admin.example.com"]);
  });

  it("generates appservice registrations for the enabled bridges in a Secret Synapse mounts", () => {
    const secret = byName(run20k, "kubernetes:core/v1:Secret", "synapse-appservices");
    const files = unwrapSecrets(secret.inputs.stringData) as Record<string, string>;
    assert.deepEqual(Object.keys(files).sort(), ["doublepuppet-registration.yaml", "telegram-registration.yaml", "whatsapp-registration.yaml"]);
    const reg = parse(files["telegram-registration.yaml"]);
    assert.equal(reg.id, "telegram");
    assert.notEqual(reg.as_token, reg.hs_token);
    const hs = parse((unwrapSecrets(byName(run20k, "kubernetes:core/v1:ConfigMap", "synapse-config").inputs.data) as Obj)["homeserver.yaml"]);
    assert.deepEqual(hs.app_service_config_files, ["/etc/synapse/appservices/telegram-registration.yaml", "/etc/synapse/appservices/whatsapp-registration.yaml", "/etc/synapse/appservices/doublepuppet-registration.yaml"]);
  });

  it("uses the component type tokens and parents every child", () => {
    const types = new Set(run20k.resources.filter((r) => !r.custom).map((r) => r.type));
    for (const t of ["matrix-platform:matrix:MatrixStack", "matrix-platform:matrix:SynapseCluster", "matrix-platform:matrix:SynapseHaproxy", "matrix-platform:matrix:MatrixWeb"]) assert.ok(types.has(t), t);
    for (const r of k8sObjects(run20k)) if (r.type !== "pulumi:providers:kubernetes") assert.ok(r.parent, `${r.type} ${r.name} has a parent`);
  });
});

describe("Matrix flows: internet egress (issue 6)", () => {
  // matrixFlows is pure: only the platform's network endpoints matter here.
  const platform = {
    databases: { synapse: { network: { kind: "cidr" as const, cidrs: ["10.10.0.0/16"], port: 5432 } } },
    redis: { network: { kind: "pods" as const, namespace: "matrix-data", podLabels: { "app.kubernetes.io/name": "redis" }, port: 6379 } },
    objectStore: { network: { kind: "pods" as const, namespace: "matrix-data", podLabels: { "v1.min.io/tenant": "main" }, port: 80 } },
  } as unknown as Parameters<typeof matrixFlows>[0];
  const policies = [defaultDenyPolicy("matrix"), dnsEgressPolicy("matrix"), ...networkPoliciesFor(matrixFlows(platform, "matrix"))];
  // Pods carry the labels the workloads render (synapseLabels), not the flow selectors.
  const synapsePod = (type: string) => ({ namespace: "matrix", labels: synapseLabels(type) });
  const remote = { ip: "93.184.216.34" };

  it("lets only the federation senders (443/8448) and pushers (443) reach the internet", () => {
    assert.equal(isFlowAllowed(policies, synapsePod("federation-sender"), remote, 8448), true);
    assert.equal(isFlowAllowed(policies, synapsePod("federation-sender"), remote, 443), true);
    assert.equal(isFlowAllowed(policies, synapsePod("pusher"), remote, 443), true);
    for (const type of ["main", "client-reader", "synchrotron", "federation-reader", "media-repository", "event-persister"]) {
      for (const port of [443, 8448]) assert.equal(isFlowAllowed(policies, synapsePod(type), remote, port), false, `${type} -> internet:${port}`);
    }
  });

  it("lets every Synapse process reach the federation senders' replication port to proxy federation", () => {
    for (const type of ["main", "client-reader", "media-repository", "federation-reader"]) {
      assert.equal(isFlowAllowed(policies, synapsePod(type), synapsePod("federation-sender"), SYNAPSE_PORTS.replication), true, type);
    }
    assert.equal(isFlowAllowed(policies, synapsePod("client-reader"), synapsePod("federation-sender"), 8448), false);
  });

  it("keeps cluster DNS open for the processes that lost internet egress", () => {
    assert.equal(isFlowAllowed(policies, synapsePod("client-reader"), { namespace: "kube-system", labels: { "k8s-app": "kube-dns" } }, 53, "UDP"), true);
  });
});
