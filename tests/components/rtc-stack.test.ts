/**
 * The RTC system in the whole program under the mock engine: what `rtc: true` deploys (replicas
 * from sizing, secrets in Secrets, host networking only in the media namespace, routes, Synapse
 * and client settings) and that `rtc: false` leaves no trace of it.
 */
import { strict as assert } from "assert";
import { parse as parseYaml } from "yaml";
import { isSecretValue, unwrapSecrets, type RecordedResource } from "../../stacks/mock-engine";
import { DENIED_PEER_RANGES } from "../../render/rtc";
import { ofType, runStack, type StackRun } from "../helpers/run-stack";
import { STACK_NAMESPACE_REGEX } from "../../components/monitoring/rules";

type Obj = Record<string, any>;

const meta = (r: RecordedResource) => r.inputs.metadata as Obj;
const named = (run: StackRun, type: string, name: string, namespace?: string) =>
  ofType(run, type).find((r) => meta(r)?.name === name && (namespace === undefined || meta(r)?.namespace === namespace));

function secretFile(run: StackRun, name: string, namespace: string, key: string): string {
  const s = named(run, "kubernetes:core/v1:Secret", name, namespace);
  assert.ok(s, `Secret ${namespace}/${name}`);
  assert.ok(isSecretValue(s.inputs.stringData), `${name} stringData is marked secret`);
  return (unwrapSecrets(s.inputs.stringData) as Record<string, string>)[key];
}

function homeserverYaml(run: StackRun): Obj {
  const cm = ofType(run, "kubernetes:core/v1:ConfigMap").find((c) => (c.inputs.data as Obj)?.["homeserver.yaml"]);
  assert.ok(cm, "Synapse's shared config");
  return parseYaml((cm.inputs.data as Obj)["homeserver.yaml"]);
}

function allText(run: StackRun): string {
  return JSON.stringify(run.resources.map((r) => unwrapSecrets(r.inputs)));
}

describe("RTC (LiveKit, lk-jwt-service, coturn) in the whole program", function () {
  this.timeout(600_000);

  it("prod-aws-5k: LiveKit distributed over Redis, replicas from sizing, config and keys in Secrets", async () => {
    const run = await runStack("prod-aws-5k", { rtc: "true" });
    const { size } = await import("../../sizing");
    const sizing = size(run.spec);
    const dep = named(run, "kubernetes:apps/v1:Deployment", "livekit", "matrix-turn")!;
    assert.ok(dep, "LiveKit Deployment in the media namespace");
    assert.equal((dep.inputs.spec as Obj).replicas, sizing.components.livekit.replicas);
    assert.ok(sizing.components.livekit.replicas > 1, "prod runs more than one SFU");
    const pod = (dep.inputs.spec as Obj).template.spec;
    assert.equal(pod.hostNetwork, true);
    assert.deepEqual(pod.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey, "kubernetes.io/hostname");

    const config = parseYaml(secretFile(run, "livekit", "matrix-turn", "config.yaml"));
    assert.equal(config.room.auto_create, false);
    assert.ok(config.redis?.address, "distributed mode: Redis address set");
    // ElastiCache speaks TLS; its certificate chains to Amazon's public roots, handed over as a file.
    assert.deepEqual(config.redis.tls, { enabled: true, ca_cert_file: "/etc/livekit/redis-ca.crt" });
    assert.equal(config.rtc.port_range_start, 50000);
    assert.equal(config.rtc.tcp_port, 7881);
    assert.equal(config.prometheus_port, 6789);
    assert.equal(config.keys, undefined, "no keys inline: key_file");
    const keyFile = secretFile(run, "livekit", "matrix-turn", "keys.yaml");
    const [key, secret] = keyFile.trim().split(": ");
    assert.ok(secret.length >= 32, "API secret of at least 32 characters");
    assert.equal(config.key_file, "/etc/livekit/keys.yaml");

    // lk-jwt-service reads the same key and secret from files.
    assert.equal(secretFile(run, "lk-jwt-service-keys", "matrix", "livekit_key"), key);
    assert.equal(secretFile(run, "lk-jwt-service-keys", "matrix", "livekit_secret"), secret);
    const jwt = named(run, "kubernetes:apps/v1:Deployment", "lk-jwt-service", "matrix")!;
    const env = Object.fromEntries(((jwt.inputs.spec as Obj).template.spec.containers[0].env as Obj[]).map((e) => [e.name, e.value]));
    assert.equal(env.LIVEKIT_FULL_ACCESS_HOMESERVERS, run.spec.serverName);
    assert.equal(env.LIVEKIT_URL, "wss://rtc.example.com/livekit/sfu");
    assert.equal(env.LIVEKIT_KEY, undefined);
    assert.equal(env.LIVEKIT_SECRET, undefined);
    assert.ok(!JSON.stringify(jwt.inputs).includes(secret), "the secret is in no pod spec");
    assert.equal((jwt.inputs.spec as Obj).template.spec.containers[0].readinessProbe.httpGet.path, "/healthz");
    const hpa = named(run, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "lk-jwt-service", "matrix")!;
    assert.equal((hpa.inputs.spec as Obj).minReplicas, sizing.components.lkJwt.autoscaling!.minReplicas);
  });

  it("prod-gcp-5k: LiveKit verifies Memorystore's private CA (the CA file beside the config)", async () => {
    const run = await runStack("prod-gcp-5k", { rtc: "true" });
    const config = parseYaml(secretFile(run, "livekit", "matrix-turn", "config.yaml"));
    assert.deepEqual(config.redis.tls, { enabled: true, ca_cert_file: "/etc/livekit/redis-ca.crt" });
    assert.equal(config.redis.use_tls, undefined, "not the deprecated switch, which takes no CA");
    // The platform's CA bundle (public: a ConfigMap), projected into /etc/livekit beside the Secret.
    const ca = named(run, "kubernetes:core/v1:ConfigMap", "livekit-redis-ca", "matrix-turn");
    assert.ok(ca && "ca.crt" in (ca.inputs.data as Obj));
    const dep = named(run, "kubernetes:apps/v1:Deployment", "livekit", "matrix-turn")!;
    const volume = ((dep.inputs.spec as Obj).template.spec.volumes as Obj[]).find((v) => v.name === "config")!;
    assert.deepEqual(volume.projected.sources.map((s: Obj) => Object.keys(s)[0]), ["secret", "configMap"]);
    assert.deepEqual(volume.projected.sources[1].configMap.items, [{ key: "ca.crt", path: "redis-ca.crt" }], "the CA lands where ca_cert_file names it");
  });

  it("prod-aws-5k: coturn DaemonSet on the edge tier with the Synapse TURN secret, TLS from cert-manager", async () => {
    const run = await runStack("prod-aws-5k", { rtc: "true" });
    const ds = named(run, "kubernetes:apps/v1:DaemonSet", "coturn", "matrix-turn")!;
    assert.ok(ds);
    const pod = (ds.inputs.spec as Obj).template.spec;
    assert.equal(pod.hostNetwork, true);
    assert.ok(Object.values(pod.nodeSelector).includes("edge"), `coturn runs on the edge tier's nodes: ${JSON.stringify(pod.nodeSelector)}`);
    assert.ok(pod.tolerations.length > 0, "the edge tier is dedicated (tainted); coturn tolerates it");
    const conf = secretFile(run, "coturn", "matrix-turn", "turnserver.conf");
    const synapseSecret = secretFile(run, "synapse-secrets", "matrix", "turn_shared_secret");
    assert.ok(synapseSecret && synapseSecret.length >= 32, "Synapse holds the TURN secret");
    assert.ok(conf.split("\n").includes(`static-auth-secret=${synapseSecret}`), "coturn uses Synapse's secret");
    assert.ok(conf.split("\n").includes("use-auth-secret"));
    assert.ok(conf.split("\n").includes(`realm=${run.spec.serverName}`));
    assert.ok(conf.split("\n").includes("min-port=40000") && conf.split("\n").includes("max-port=49999"));
    for (const r of DENIED_PEER_RANGES) assert.ok(conf.includes(`denied-peer-ip=${r}\n`), r);
    const cert = named(run, "kubernetes:cert-manager.io/v1:Certificate", "turn-tls", "matrix-turn")!;
    assert.deepEqual((cert.inputs.spec as Obj).dnsNames, ["turn.example.com"]);

    const ns = named(run, "kubernetes:core/v1:Namespace", "matrix-turn")!;
    assert.equal(meta(ns).labels["pod-security.kubernetes.io/enforce"], "privileged");
    assert.match(meta(ns).annotations["matrix-platform/pod-security-reason"], /host networking/);
    // Host networking nowhere else.
    for (const r of run.resources) {
      const spec = (r.inputs.spec as Obj)?.template?.spec;
      if (spec?.hostNetwork) assert.equal(meta(r).namespace, "matrix-turn", `${r.name} uses host networking outside the media namespace`);
    }
  });

  it("prod-aws-5k: routes, Synapse, .well-known and Element point at the served lk-jwt-service", async () => {
    const run = await runStack("prod-aws-5k", { rtc: "true" });
    const route = named(run, "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute", "rtc", "matrix")!;
    const rules = (route.inputs.spec as Obj).rules as Obj[];
    assert.deepEqual(rules.map((r) => r.matches[0].path.value), ["/livekit/jwt", "/livekit/sfu"]);
    assert.deepEqual(rules.map((r) => `${r.backendRefs[0].namespace}/${r.backendRefs[0].name}:${r.backendRefs[0].port}`), ["matrix/lk-jwt-service:8080", "matrix-turn/livekit:7880"]);
    assert.ok(named(run, "kubernetes:gateway.networking.k8s.io/v1beta1:ReferenceGrant", "rtc-route-to-livekit", "matrix-turn"));
    const gateway = ofType(run, "kubernetes:gateway.networking.k8s.io/v1:Gateway")[0];
    assert.ok(((gateway.inputs.spec as Obj).listeners as Obj[]).some((l) => l.hostname === "rtc.example.com" && l.name === "https-rtc"));

    const hs = homeserverYaml(run);
    assert.deepEqual(hs.matrix_rtc.transports, [{ type: "livekit", livekit_service_url: "https://rtc.example.com/livekit/jwt" }]);
    assert.ok(hs.turn_uris.some((u: string) => u.startsWith("turn:turn.example.com")) && hs.turn_uris.some((u: string) => u.startsWith("turns:turn.example.com")));
    assert.ok(hs.turn_shared_secret_path);
    const wk = ofType(run, "kubernetes:core/v1:ConfigMap").find((c) => (c.inputs.data as Obj)?.["client.json"])!;
    assert.deepEqual(JSON.parse((wk.inputs.data as Obj)["client.json"])["org.matrix.msc4143.rtc_foci"], [{ type: "livekit", livekit_service_url: "https://rtc.example.com/livekit/jwt" }]);
    const element = ofType(run, "kubernetes:core/v1:ConfigMap").find((c) => meta(c).name === "element-web")!;
    const ec = JSON.parse((element.inputs.data as Obj)["config.json"]);
    assert.equal(ec.setting_defaults["UIFeature.voip"], true);
    assert.equal(ec.features.feature_group_calls, true);
  });

  it("dev-existing-100: one SFU runs stand-alone (no Redis) and advertises the node address when rtcNodeAddress=node", async () => {
    const run = await runStack("dev-existing-100", { rtc: "true", rtcNodeAddress: "node" });
    const config = parseYaml(secretFile(run, "livekit", "matrix-turn", "config.yaml"));
    assert.equal(config.redis, undefined);
    assert.equal(config.rtc.use_external_ip, false);
    const dep = named(run, "kubernetes:apps/v1:Deployment", "livekit", "matrix-turn")!;
    const env = (dep.inputs.spec as Obj).template.spec.containers[0].env as Obj[];
    assert.deepEqual(env, [{ name: "NODE_IP", valueFrom: { fieldRef: { fieldPath: "status.hostIP" } } }]);
    const ds = named(run, "kubernetes:apps/v1:DaemonSet", "coturn", "matrix-turn")!;
    assert.ok(!((ds.inputs.spec as Obj).template.spec.containers[0].args as string[]).some((a) => a.includes("detect-external-ip")), "no outside lookup");
  });

  it("rtc false (the default) leaves no trace: no pods, Secrets, routes, listener, namespace, Synapse or client settings", async () => {
    const run = await runStack("prod-aws-5k", { rtc: "false" });
    // The monitoring's Kubernetes-level alerts and panels match every namespace the stack may
    // have (one regex), which names matrix-turn whether or not calls are deployed.
    const text = allText(run).split(STACK_NAMESPACE_REGEX).join("");
    for (const needle of ["livekit", "lk-jwt", "coturn", "matrix-turn", "rtc.example.com", "turn.example.com", "turn_uris", "matrix_rtc", "rtc_foci", "feature_group_calls"]) {
      assert.ok(!text.includes(needle), `${needle} appears with rtc off`);
    }
    const hs = homeserverYaml(run);
    assert.equal(hs.turn_uris, undefined);
    assert.equal(hs.matrix_rtc, undefined);
  });
});
