/**
 * Every Redis client of the whole program, under the mock engine, speaks TLS and is given the CA
 * its platform's Redis is signed by: Synapse (through its pod's verifying proxy), LiveKit in distributed
 * mode, and on an existing cluster the master proxy's checks and redis_exporter. On AWS the CA is
 * Amazon's public roots as a file (ElastiCache with transit encryption), on GCP Memorystore's server CA (a
 * ConfigMap), on an existing cluster the internal CA (a trust Certificate from its issuer).
 */
import { strict as assert } from "assert";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { isSecretValue, unwrapSecrets, type RecordedResource } from "../../stacks/mock-engine";
import { INTERNAL_CA_ISSUER } from "../../components/k8s/internal-ca";
import { AMAZON_TRUST_ROOTS_PEM } from "../../catalog/amazon-trust-roots";
import { ofType, runStack, type StackRun } from "../helpers/run-stack";

type Obj = Record<string, any>;
const meta = (r: RecordedResource) => r.inputs.metadata as Obj;
const named = (run: StackRun, type: string, name: string, namespace: string) =>
  ofType(run, type).find((r) => meta(r)?.name === name && meta(r)?.namespace === namespace);

function secretFile(run: StackRun, name: string, namespace: string, key: string): string {
  const s = named(run, "kubernetes:core/v1:Secret", name, namespace);
  assert.ok(s, `Secret ${namespace}/${name}`);
  assert.ok(isSecretValue(s.inputs.stringData), `${name} stringData is marked secret`);
  return (unwrapSecrets(s.inputs.stringData) as Record<string, string>)[key];
}

/** Pod templates of a namespace's workloads. */
function podSpecs(run: StackRun, namespace: string): { name: string; spec: Obj }[] {
  return ["kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet"]
    .flatMap((t) => ofType(run, t))
    .filter((r) => meta(r)?.namespace === namespace)
    .map((r) => ({ name: meta(r).name as string, spec: (r.inputs.spec as Obj).template.spec as Obj }));
}

/**
 * Where the file a client names as its CA comes from in this pod: the container mounting its
 * directory, the projected source, and the object it reads (a ConfigMap or a cert-manager
 * Certificate's Secret in the pod's namespace). Fails when any link is missing.
 */
function caOrigin(run: StackRun, namespace: string, pod: Obj, caFile: string): "configMap" | "issuer" {
  const dir = path.dirname(caFile);
  const mount = (pod.containers as Obj[]).flatMap((c) => (c.volumeMounts ?? []) as Obj[]).find((m) => m.mountPath === dir);
  assert.ok(mount, `a container mounts ${dir}`);
  const volume = (pod.volumes as Obj[]).find((v) => v.name === mount.name)!;
  const sources = (volume.projected?.sources ?? []) as Obj[];
  const source = sources.find((s) => ((s.configMap ?? s.secret)?.items ?? []).some((i: Obj) => i.path === path.basename(caFile)));
  assert.ok(source, `volume ${volume.name} projects ${path.basename(caFile)}: ${JSON.stringify(volume)}`);
  if (source.configMap) {
    const map = named(run, "kubernetes:core/v1:ConfigMap", source.configMap.name, namespace);
    assert.ok(map && (map.inputs.data as Obj)[source.configMap.items[0].key], `ConfigMap ${source.configMap.name} holds the CA`);
    return "configMap";
  }
  const cert = ofType(run, "kubernetes:cert-manager.io/v1:Certificate").find((c) => meta(c).namespace === namespace && (c.inputs.spec as Obj).secretName === source.secret.name);
  assert.ok(cert, `a Certificate in ${namespace} writes Secret ${source.secret.name}`);
  assert.equal((cert.inputs.spec as Obj).issuerRef.name, INTERNAL_CA_ISSUER);
  return "issuer";
}

function homeserver(run: StackRun): Obj {
  const cm = ofType(run, "kubernetes:core/v1:ConfigMap").find((c) => (c.inputs.data as Obj)?.["homeserver.yaml"]);
  assert.ok(cm, "Synapse's shared config");
  return parseYaml((cm.inputs.data as Obj)["homeserver.yaml"]);
}

/**
 * Synapse: its own Redis TLS does not verify (Synapse 1.163), so every Synapse process dials its
 * pod's verifying proxy in plain TCP on loopback; the proxy dials Redis over TLS with the
 * platform's CA, and checks the name where the certificate carries it.
 */
function checkSynapse(run: StackRun, expected: "configMap" | "issuer", name: boolean): string {
  const redis = homeserver(run).redis as Obj;
  assert.deepEqual([redis.host, redis.port, redis.use_tls, redis.ca_file], ["127.0.0.1", 6380, false, undefined], "Synapse dials the loopback proxy");
  const config = (named(run, "kubernetes:core/v1:ConfigMap", "synapse-redis-proxy", "matrix")!.inputs.data as Obj)["haproxy.cfg"] as string;
  const server = config.split("\n").find((l) => /^\s+server redis /.test(l))!;
  const m = /ssl verify required ca-file (\S+)( verifyhost (\S+) sni str\((\S+)\))?/.exec(server);
  assert.ok(m, server);
  assert.equal(m[2] !== undefined, name, `name checked: ${server}`);
  if (name) assert.equal(m[3], m[4]);
  assert.match(config, /bind 127\.0\.0\.1:6380/, "loopback only");
  // Every Synapse process: the pods that mount the shared homeserver.yaml.
  const pods = podSpecs(run, "matrix").filter((p) => (p.spec.volumes as Obj[]).some((v) => v.configMap?.name === "synapse-config"));
  assert.ok(pods.length > 1 && pods.some((p) => p.name === "synapse-main"), pods.map((p) => p.name).join(" "));
  for (const p of pods) {
    const proxy = (p.spec.containers as Obj[]).find((c) => c.name === "redis-proxy");
    assert.ok(proxy, `${p.name} runs the verifying proxy`);
    assert.equal(caOrigin(run, "matrix", { ...p.spec, containers: [proxy] }, m[1]), expected, p.name);
  }
  const map = ofType(run, "kubernetes:core/v1:ConfigMap").find((c) => meta(c).name === "synapse-redis-ca" && meta(c).namespace === "matrix");
  return map ? String((map.inputs.data as Obj)["ca.crt"]) : "";
}

/** LiveKit in distributed mode: TLS on, the CA file beside the config where the CA is private. */
function checkLivekit(run: StackRun, expected: "configMap" | "issuer") {
  const config = parseYaml(secretFile(run, "livekit", "matrix-turn", "config.yaml"));
  assert.ok(config.redis?.address, "LiveKit is distributed over Redis here");
  assert.equal(config.redis.tls?.enabled, true, "LiveKit speaks TLS to Redis");
  const pod = podSpecs(run, "matrix-turn").find((p) => p.name === "livekit")!;
  assert.equal(caOrigin(run, "matrix-turn", pod.spec, config.redis.tls.ca_cert_file), expected);
}

describe("Redis clients: TLS on everywhere, each given the CA its platform's Redis is signed by", function () {
  this.timeout(600_000);

  it("dev (existing cluster): Redis and Sentinel serve TLS only; Synapse, the proxy's checks and redis_exporter verify the internal CA", async () => {
    const run = await runStack("dev", { monitoring: "true" });
    checkSynapse(run, "issuer", true);
    const conf = (named(run, "kubernetes:core/v1:ConfigMap", "redis-config", "matrix-data")!.inputs.data as Obj);
    assert.match(conf["redis.conf"], /^port 0$/m, "no plain port");
    assert.match(conf["redis.conf"], /^tls-port 6379$/m);
    assert.match(conf["init.sh"], /^tls-port 26379$/m, "Sentinel serves TLS only too");
    // The nodes' certificate names the master Service clients dial and every node.
    const cert = ofType(run, "kubernetes:cert-manager.io/v1:Certificate").find((c) => meta(c).name === "redis-tls" && meta(c).namespace === "matrix-data")!;
    assert.equal((cert.inputs.spec as Obj).issuerRef.name, INTERNAL_CA_ISSUER);
    assert.ok(((cert.inputs.spec as Obj).dnsNames as string[]).includes("redis.matrix-data.svc.cluster.local"));
    const proxy = (named(run, "kubernetes:core/v1:ConfigMap", "redis-proxy-config", "matrix-data")!.inputs.data as Obj)["haproxy.cfg"] as string;
    const servers = proxy.split("\n").filter((l) => /^\s+server /.test(l));
    assert.ok(servers.length >= 1);
    for (const s of servers) assert.match(s, /check-ssl verify required ca-file \/etc\/redis-ca\/ca\.crt verifyhost \S+/, s);
    const proxyPod = podSpecs(run, "matrix-data").find((p) => p.name === "redis-proxy")!;
    const caVol = (proxyPod.spec.volumes as Obj[]).find((v) => v.name === "redis-ca")!;
    assert.deepEqual(caVol.secret, { secretName: "redis-tls", items: [{ key: "ca.crt", path: "ca.crt" }], defaultMode: 0o444 }, "the proxy gets the CA, never the nodes' key");
    const nodes = podSpecs(run, "matrix-data").find((p) => p.name === "redis")!;
    const exporter = (nodes.spec.containers as Obj[]).find((c) => c.name === "exporter");
    assert.ok(exporter, "monitoring on: redis_exporter beside each node");
    assert.ok((exporter.args as string[]).some((a) => a.startsWith("--redis.addr=rediss://")), exporter.args.join(" "));
    assert.ok((exporter.args as string[]).includes("--tls-ca-cert-file=/tls/ca.crt"));
    assert.ok((exporter.volumeMounts as Obj[]).some((m) => m.mountPath === "/tls"));
  });

  it("prod-existing-5k: distributed LiveKit verifies the in-cluster Redis against the internal CA", async () => {
    const run = await runStack("prod-existing-5k", { rtc: "true" });
    checkLivekit(run, "issuer");
  });

  it("prod (AWS): ElastiCache encrypts in transit; Synapse's proxy and LiveKit verify it against Amazon's public roots, name included", async () => {
    const run = await runStack("prod", { rtc: "true" });
    const group = ofType(run, "aws:elasticache/replicationGroup:ReplicationGroup")[0];
    assert.equal(group.inputs.transitEncryptionEnabled, true);
    const ca = checkSynapse(run, "configMap", true);
    assert.equal(ca, AMAZON_TRUST_ROOTS_PEM);
    assert.equal((ca.match(/BEGIN CERTIFICATE/g) ?? []).length, 5, "Amazon Root CA 1-4 and Starfield Services Root G2");
    checkLivekit(run, "configMap");
  });

  for (const [stack, distributedLivekit] of [["prod-gcp-1k", false], ["prod-gcp-5k", true]] as const) {
    it(`${stack}: Memorystore authenticates the server; Synapse${distributedLivekit ? " and LiveKit verify" : " verifies"} its CA`, async () => {
      const run = await runStack(stack, { rtc: "true" });
      assert.equal(ofType(run, "gcp:redis/instance:Instance")[0].inputs.transitEncryptionMode, "SERVER_AUTHENTICATION");
      // Memorystore's per-instance CA: the chain is checked, its certificate names no dialled host.
      checkSynapse(run, "configMap", false);
      if (distributedLivekit) checkLivekit(run, "configMap");
    });
  }
});
