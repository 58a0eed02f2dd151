/**
 * Sygnal in the whole program (dev stack, mock engine) with push switched on and throw-away
 * credentials: what it deploys, where its credentials live, what Synapse's config lets through,
 * which flows its policies allow, and that switching push off leaves no trace.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { kubeconform, kubernetesVersionsFor, kubeScore, readKubeScoreFlags, readKubeScoreIgnores } from "../../scripts/validate";
import { manifestYaml, manifestsFrom, type KubeObject } from "../../stacks/manifests";
import { NAMESPACES } from "../../catalog/namespaces";
import { STACK_NAMESPACE_REGEX } from "../../components/monitoring/rules";
import { imageRef } from "../../catalog/images";
import { isFlowAllowed, type NetworkPolicyManifest } from "../../components/k8s/network";
import { synapseLabels } from "../../components/matrix/synapse";
import { pushFlows, SYGNAL_NAME } from "../../components/push";
import { podSecurityViolations, podSpecOf } from "../../components/k8s/pod-security-check";
import { selectorLabels, standardLabels } from "../../components/k8s/labels";
import { SYGNAL_CREDENTIALS_DIR, SYGNAL_PORTS } from "../../render/sygnal";
import { isSecretValue, unwrapSecrets, type RecordedResource } from "../../stacks/mock-engine";
import { mockState } from "../../stacks/mock-outputs";
import { throwawayPushConfig, TEST_APPS } from "../../e2e/sygnal";
import { size } from "../../sizing";
import { estimateCost } from "../../sizing/cost";
import { sizingRows } from "../../stacks/report";
import { stackArtifacts } from "../../catalog/image-list";
import { specFor as specForSizing } from "../sizing/specs";
import { ofType, runStack, type StackRun } from "../helpers/run-stack";

type Obj = Record<string, any>;
const NS = NAMESPACES.push;
const named = (run: StackRun, type: string, name: string, namespace?: string): RecordedResource | undefined =>
  ofType(run, type).find((r) => (r.inputs.metadata as Obj)?.name === name && (namespace === undefined || (r.inputs.metadata as Obj)?.namespace === namespace));
const homeserver = (run: StackRun): Obj => parse(String((named(run, "kubernetes:core/v1:ConfigMap", "synapse-config")!.inputs.data as Obj)["homeserver.yaml"]));
const policiesOf = (run: StackRun): NetworkPolicyManifest[] =>
  ofType(run, "kubernetes:networking.k8s.io/v1:NetworkPolicy").map((r) => unwrapSecrets(r.inputs) as unknown as NetworkPolicyManifest);

describe("push (Sygnal) in the whole program", function () {
  const creds = throwawayPushConfig();
  let on: StackRun;
  let routed: StackRun;
  let off: StackRun;

  before(async () => {
    on = await runStack("dev", creds);
    routed = await runStack("dev", { ...creds, pushPublicRoute: "true" });
    off = await runStack("dev");
  });

  it("runs Sygnal in its own restricted namespace with replicas, HPA and resources from sizing", () => {
    const dep = named(on, "kubernetes:apps/v1:Deployment", SYGNAL_NAME, NS)!;
    assert.ok(dep, "a sygnal Deployment in matrix-push");
    const sizing = size(on.spec).components.sygnal;
    assert.ok(sizing.autoscaling, "the registry says Sygnal autoscales");
    const hpa = named(on, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler", SYGNAL_NAME, NS)!;
    assert.equal((hpa.inputs.spec as Obj).minReplicas, sizing.autoscaling!.minReplicas);
    assert.equal((hpa.inputs.spec as Obj).maxReplicas, sizing.autoscaling!.maxReplicas);
    const pod = (dep.inputs.spec as Obj).template.spec;
    const c = pod.containers[0];
    assert.equal(c.image, imageRef("sygnal"));
    assert.equal(c.resources.requests.cpu, `${sizing.resources.cpuRequestMillis}m`);
    assert.deepEqual(podSecurityViolations(podSpecOf({ kind: "Deployment", ...(unwrapSecrets(dep.inputs) as Obj) })!, "restricted"), []);
    const ns = named(on, "kubernetes:core/v1:Namespace", NS)!;
    assert.equal((ns.inputs.metadata as Obj).labels["pod-security.kubernetes.io/enforce"], "restricted");
  });

  it("keeps the APNs key and the service-account JSON in a Secret mounted as files, marked secret, and out of the ConfigMap", () => {
    const secret = named(on, "kubernetes:core/v1:Secret", `${SYGNAL_NAME}-credentials`, NS)!;
    assert.ok(isSecretValue(secret.inputs.stringData), "stringData is a secret output");
    const data = unwrapSecrets(secret.inputs.stringData) as Record<string, string>;
    assert.deepEqual(Object.keys(data).sort(), [`${TEST_APPS.fcm}.json`, `${TEST_APPS.apns}.p8`].sort());
    assert.equal(data[`${TEST_APPS.apns}.p8`], creds.pushApnsKey);
    assert.equal(data[`${TEST_APPS.fcm}.json`], creds.pushFcmServiceAccount);
    const cm = named(on, "kubernetes:core/v1:ConfigMap", SYGNAL_NAME, NS)!;
    const yaml = String((cm.inputs.data as Obj)["sygnal.yaml"]);
    assert.doesNotMatch(yaml, /PRIVATE KEY|private_key/);
    const cfg = parse(yaml);
    assert.equal(cfg.apps[TEST_APPS.apns].keyfile, `${SYGNAL_CREDENTIALS_DIR}/${TEST_APPS.apns}.p8`);
    assert.equal(cfg.apps[TEST_APPS.apns].platform, "sandbox");
    assert.equal(cfg.apps[TEST_APPS.fcm].service_account_file, `${SYGNAL_CREDENTIALS_DIR}/${TEST_APPS.fcm}.json`);
    const pod = ((named(on, "kubernetes:apps/v1:Deployment", SYGNAL_NAME, NS)!.inputs.spec as Obj).template.spec) as Obj;
    const vol = pod.volumes.find((v: Obj) => v.secret);
    assert.equal(vol.secret.secretName, `${SYGNAL_NAME}-credentials`);
    assert.ok(pod.containers[0].volumeMounts.some((m: Obj) => m.name === vol.name && m.mountPath === SYGNAL_CREDENTIALS_DIR && m.readOnly));
    assert.ok(!(pod.containers[0].env ?? []).some((e: Obj) => /PRIVATE KEY|private_key/.test(String(e.value))));
    // Nowhere else: no ConfigMap and no stack output carries either credential.
    for (const r of ofType(on, "kubernetes:core/v1:ConfigMap")) assert.doesNotMatch(JSON.stringify(unwrapSecrets(r.inputs)), /BEGIN PRIVATE KEY/, String((r.inputs.metadata as Obj).name));
    assert.doesNotMatch(JSON.stringify(unwrapSecrets(on.outputs)), /BEGIN PRIVATE KEY/);
  });

  it("lets Synapse's pushers post to Sygnal's Service address and no other private address", () => {
    const svc = named(on, "kubernetes:core/v1:Service", SYGNAL_NAME, NS)!;
    // The address the (mock) API server allocated to Sygnal's Service.
    const ip = (mockState(svc.type, svc.name, unwrapSecrets(svc.inputs) as Obj).spec as Obj).clusterIP;
    assert.match(String(ip), /^\d+\.\d+\.\d+\.\d+$/);
    assert.deepEqual(homeserver(on).ip_range_whitelist, [`${ip}/32`]);
    assert.equal(homeserver(off).ip_range_whitelist, undefined);
  });

  it("admits only Synapse's pusher pods to Sygnal, and lets Sygnal out only on port 443 to the internet", () => {
    const policies = policiesOf(on);
    const sygnal = { namespace: NS, labels: standardLabels(SYGNAL_NAME, "push-gateway") };
    const synapse = (type: string) => ({ namespace: NAMESPACES.matrix, labels: synapseLabels(type) });
    assert.equal(isFlowAllowed(policies, synapse("pusher"), sygnal, SYGNAL_PORTS.http), true);
    for (const type of ["main", "client-reader", "federation-sender", "event-persister"]) assert.equal(isFlowAllowed(policies, synapse(type), sygnal, SYGNAL_PORTS.http), false, type);
    assert.equal(isFlowAllowed(policies, synapse("pusher"), sygnal, SYGNAL_PORTS.metrics), false);
    assert.equal(isFlowAllowed(policies, { namespace: NAMESPACES.edge, labels: {} }, sygnal, SYGNAL_PORTS.http), false, "no public route: the Gateway does not reach Sygnal");
    const apple = { ip: "17.188.166.29" };
    assert.equal(isFlowAllowed(policies, sygnal, apple, 443), true);
    assert.equal(isFlowAllowed(policies, sygnal, apple, 80), false);
    assert.equal(isFlowAllowed(policies, sygnal, apple, 2197), false);
    assert.equal(isFlowAllowed(policies, sygnal, { ip: "10.20.30.40" }, 443), false, "private addresses stay closed");
    assert.equal(isFlowAllowed(policies, sygnal, synapse("main"), 8008), false);
    const prometheus = { namespace: NAMESPACES.monitoring, labels: { "app.kubernetes.io/name": "prometheus" } };
    assert.equal(isFlowAllowed(policies, prometheus, sygnal, SYGNAL_PORTS.metrics), true);
  });

  it("serves https://push.<domain>/_matrix/push/v1/notify on the shared Gateway only with pushPublicRoute", () => {
    const gateway = (run: StackRun) => ofType(run, "kubernetes:gateway.networking.k8s.io/v1:Gateway")[0];
    const listeners = (run: StackRun) => ((gateway(run).inputs.spec as Obj).listeners as Obj[]);
    const push = listeners(routed).find((l) => l.name === "https-push")!;
    assert.equal(push.hostname, `push.${routed.spec.domain}`);
    assert.ok(push.allowedRoutes.namespaces.selector.matchExpressions[0].values.includes(NS));
    assert.equal(listeners(on).find((l) => l.name === "https-push"), undefined);
    const route = ofType(routed, "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute").find((r) => (r.inputs.metadata as Obj).namespace === NS)!;
    assert.equal(((route.inputs.spec as Obj).parentRefs as Obj[])[0].sectionName, "https-push");
    assert.equal(ofType(on, "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute").filter((r) => (r.inputs.metadata as Obj).namespace === NS).length, 0);
    assert.deepEqual((route.inputs.spec as Obj).rules[0].matches, [{ path: { type: "Exact", value: "/_matrix/push/v1/notify" } }]);
    assert.deepEqual((route.inputs.spec as Obj).hostnames, [push.hostname]);
    assert.equal(isFlowAllowed(policiesOf(routed), { namespace: NAMESPACES.edge, labels: {} }, { namespace: NS, labels: selectorLabels(SYGNAL_NAME) }, SYGNAL_PORTS.http), true);
  });

  it("push off leaves no trace: no namespace, workload, Secret, route, listener, flow or Synapse setting", () => {
    // The monitoring dashboards and rules select every namespace the stack may have by one regex
    // (matrix|matrix-push|matrix-li|...): a selector of what might exist, not a reference to Sygnal.
    // (and so does the log shipper's namespace filter, with the same regex).
    const text = JSON.stringify(off.resources.map((r) => unwrapSecrets(r.inputs))).replace(/namespace=~\\*"[^"\\]*\\*"/g, "").split(STACK_NAMESPACE_REGEX).join("");
    assert.doesNotMatch(text, /matrix-push|sygnal|ip_range_whitelist|https-push/);
    assert.equal(off.spec.push.apps.length, 0);
  });

  it("is in the plan's sizing table, node pools, image list and cost when on, and in none of them when off", () => {
    const sOn = size(on.spec);
    const sOff = size(off.spec);
    assert.ok(sizingRows(sOn).some((r) => r[0] === "sygnal"));
    assert.ok(!sizingRows(sOff).some((r) => r[0] === "sygnal"));
    const packed = (s: typeof sOn) => s.nodePools.reduce((t, p) => t + p.requestedCpuMillis, 0);
    assert.equal(packed(sOn) - packed(sOff), sOn.components.sygnal.resources.cpuRequestMillis * sOn.components.sygnal.replicas);
    assert.ok(stackArtifacts(on.spec).images.includes(imageRef("sygnal")));
    assert.ok(!stackArtifacts(off.spec).images.includes(imageRef("sygnal")));
    const aws = (features: Record<string, boolean>) => specForSizing({ platform: "aws", ccu: 5000, features: { rtc: false, li: false, antivirus: false, monitoring: false, bridges: false, ...features } });
    const cost = (spec: ReturnType<typeof aws>) => {
      const c = estimateCost(spec, size(spec));
      return c.currency === "USD" ? c.total : NaN;
    };
    // Priced through the node pools it packs into: never cheaper with Sygnal (a whole node more once it no longer fits).
    assert.ok(cost(aws({ push: true })) >= cost(aws({ push: false })));
  });

  it("its objects pass kubeconform -strict and kube-score like every gate stack's (the gate's stacks have push off)", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mp-push-manifests-"));
    try {
      const mine = (manifestsFrom(routed.resources) as { object: KubeObject }[]).filter((m) => m.object.metadata.namespace === NS || (m.object.kind === "Namespace" && m.object.metadata.name === NS));
      assert.deepEqual([...new Set(mine.map((m) => m.object.kind))].sort(), ["ConfigMap", "Deployment", "HTTPRoute", "HorizontalPodAutoscaler", "Namespace", "NetworkPolicy", "PodDisruptionBudget", "PodMonitor", "Secret", "Service"]);
      const files = mine.map((m, i) => {
        const f = path.join(dir, `${i}-${m.object.kind}-${m.object.metadata.name}.yaml`);
        fs.writeFileSync(f, manifestYaml(m.object));
        return f;
      });
      for (const version of kubernetesVersionsFor("existing")) {
        const results = kubeconform(dir, version);
        assert.equal(results.length, mine.length);
        assert.deepEqual(results.filter((r) => r.status !== "statusValid").map((r) => `${r.kind}/${r.name}: ${r.msg}`), [], version);
      }
      const findings = kubeScore(files, readKubeScoreIgnores().map((e) => e.id), readKubeScoreFlags().map((e) => e.id));
      assert.deepEqual(findings, []);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("flows are the pure function's: pushers in, 443 out, the Gateway only with the public route", () => {
    const pushers = { namespace: NAMESPACES.matrix, podLabels: { a: "b" } };
    assert.deepEqual(pushFlows(pushers, false).map((f) => f.description), ["Synapse pushers -> Sygnal (push gateway API)", "Sygnal -> APNs and FCM (HTTPS)"]);
    assert.equal(pushFlows(pushers, true).length, 3);
  });
});
