/**
 * The NetworkPolicies the whole program renders (dev = existing cluster, prod = AWS), evaluated
 * with NetworkPolicy semantics: every namespace starts from default-deny, the required flows are
 * open, and flows nobody declared are closed.
 */
import { strict as assert } from "assert";
import { isFlowAllowed, type Endpoint, type NetworkPolicyManifest } from "../../components/k8s/network";
import { manifestsFrom, type KubeObject } from "../../stacks/manifests";
import { networkFindings } from "../../scripts/validate";
import { runStack } from "../helpers/run-stack";
import { EXISTING_DATA } from "../../components/platform/existing";
import { SYNAPSE_PORTS } from "../../render/synapse";

const PG = EXISTING_DATA.mainCluster;
const PG_LI = EXISTING_DATA.liCluster;
const TENANT = EXISTING_DATA.tenant;

interface World {
  objects: KubeObject[];
  policies: NetworkPolicyManifest[];
  namespaces: Record<string, Record<string, string>>;
}

async function world(stack: string, overrides: Record<string, string> = {}): Promise<World> {
  const run = await runStack(stack, overrides);
  const objects = manifestsFrom(run.resources).map((m) => m.object as KubeObject);
  return {
    objects,
    policies: objects.filter((o) => o.kind === "NetworkPolicy") as unknown as NetworkPolicyManifest[],
    namespaces: Object.fromEntries(objects.filter((o) => o.kind === "Namespace").map((o) => [o.metadata.name, o.metadata.labels ?? {}])),
  };
}

/** A pod of a rendered workload, with its container ports by name. */
function pod(w: World, namespace: string, name: string): { at: Endpoint; port: (n: string) => number } {
  const o = w.objects.find((x) => ["Deployment", "StatefulSet"].includes(x.kind) && x.metadata.namespace === namespace && x.metadata.name === name);
  assert.ok(o, `no workload ${namespace}/${name}`);
  const tmpl = (o.spec as { template: { metadata: { labels: Record<string, string> }; spec: { containers: { ports?: { name: string; containerPort: number }[] }[] } } }).template;
  return {
    at: { namespace, labels: tmpl.metadata.labels },
    port: (n) => {
      const p = tmpl.spec.containers.flatMap((c) => c.ports ?? []).find((x) => x.name === n);
      assert.ok(p, `${name} has no port ${n}`);
      return p.containerPort;
    },
  };
}

/** A pod the operator or chart creates, by its labels. */
const podOf = (namespace: string, labels: Record<string, string>): Endpoint => ({ namespace, labels });
/** Pods of Services: what a Service named `name` selects. */
function servicePods(w: World, namespace: string, name: string): Endpoint {
  const svc = w.objects.find((x) => x.kind === "Service" && x.metadata.namespace === namespace && x.metadata.name === name);
  assert.ok(svc, `no Service ${namespace}/${name}`);
  return { namespace, labels: (svc.spec as { selector: Record<string, string> }).selector };
}

const EDGE_PROXY = podOf("edge", { "app.kubernetes.io/name": "envoy", "app.kubernetes.io/component": "proxy" });
const DNS = podOf("kube-system", { "k8s-app": "kube-dns" });

for (const stack of ["dev", "prod"]) {
  describe(`network policies of ${stack}`, () => {
    let w: World;
    const allowed = (src: Endpoint, dst: Endpoint, port: number, proto: "TCP" | "UDP" = "TCP") => isFlowAllowed(w.policies, src, dst, port, proto, w.namespaces);
    before(async () => {
      w = await world(stack);
    });
    // HAProxy's way into a Synapse pod: the mutual-TLS proxy in prod (the preset turns it on), the HTTP listener in dev.
    const traffic = (p: { port: (n: string) => number }) => p.port(stack === "prod" ? "mtls" : "http");

    it("starts every namespace from default-deny, and places nothing in a namespace it does not create", () => {
      assert.ok(Object.keys(w.namespaces).length >= 3);
      assert.deepEqual(networkFindings(stack, w.objects), []);
    });

    it("opens edge -> HAProxy -> Synapse, replication between Synapse processes, and DNS", () => {
      const haproxy = pod(w, "matrix", "haproxy");
      const main = pod(w, "matrix", "synapse-main");
      const sync = pod(w, "matrix", "synchrotron");
      assert.ok(allowed(EDGE_PROXY, haproxy.at, haproxy.port("client")));
      assert.ok(allowed(haproxy.at, main.at, traffic(main)));
      assert.ok(allowed(haproxy.at, sync.at, traffic(sync)));
      // Behind the proxy, Synapse's own HTTP port is closed to HAProxy too (it binds 127.0.0.1 anyway).
      if (stack === "prod") assert.equal(allowed(haproxy.at, main.at, SYNAPSE_PORTS.http), false);
      assert.ok(allowed(sync.at, main.at, main.port("replication")));
      assert.ok(allowed(main.at, pod(w, "matrix", "media-repository").at, main.port("replication")));
      for (const src of [haproxy.at, main.at]) {
        assert.ok(allowed(src, DNS, 53, "UDP"));
        assert.ok(allowed(src, DNS, 53, "TCP"));
      }
    });

    it("closes what nobody declared", () => {
      const haproxy = pod(w, "matrix", "haproxy");
      const main = pod(w, "matrix", "synapse-main");
      const element = pod(w, "matrix", "element-web");
      // The edge reaches Synapse only through HAProxy.
      assert.equal(allowed(EDGE_PROXY, main.at, traffic(main)), false);
      // Outside the cluster nothing reaches workloads directly.
      assert.equal(allowed({ ip: "203.0.113.7" }, haproxy.at, haproxy.port("client")), false);
      // Static web servers talk to nobody.
      assert.equal(allowed(element.at, main.at, traffic(main)), false);
      assert.equal(allowed(element.at, { ip: "93.184.216.34" }, 443), false);
      // HAProxy does not reach Synapse's replication or metrics ports.
      assert.equal(allowed(haproxy.at, main.at, main.port("replication")), false);
      // DNS is cluster DNS only.
      assert.equal(allowed(main.at, { ip: "8.8.8.8" }, 53, "UDP"), false);
      // An unknown pod in a namespace whose pods the stack labels reaches nothing but DNS, and
      // nothing reaches it. (Chart-managed namespaces — edge, cert-manager, operators — are
      // selected namespace-wide, since the charts' pod labels are not the stack's.)
      for (const ns of Object.keys(w.namespaces).filter((n) => ["matrix", "matrix-data", "matrix-li"].includes(n))) {
        const intruder = podOf(ns, { app: "intruder" });
        assert.equal(allowed(intruder, main.at, traffic(main)), false, `${ns} intruder -> synapse`);
        for (const port of [443, 5432, 6379, 9000, 8448]) {
          assert.equal(allowed(intruder, { ip: "93.184.216.34" }, port), false, `${ns} intruder -> internet:${port}`);
          assert.equal(allowed(intruder, { ip: "10.40.1.20" }, port), false, `${ns} intruder -> private:${port}`);
        }
        for (const target of ["matrix", "matrix-data"]) {
          for (const port of [5432, 6379, 9000, 8008]) assert.equal(allowed(podOf(target, { app: "intruder" }), podOf(ns, { app: "x" }), port), false, `${target} intruder -> ${ns}:${port}`);
        }
      }
    });
  });
}

describe("network policies of dev: in-cluster data services", () => {
  let w: World;
  const allowed = (src: Endpoint, dst: Endpoint, port: number) => isFlowAllowed(w.policies, src, dst, port, "TCP", w.namespaces);
  before(async () => {
    w = await world("dev");
  });

  it("opens the data services' own traffic: replication, backups, Sentinel", () => {
    const pg = podOf("matrix-data", { "cnpg.io/cluster": PG, "cnpg.io/podRole": "instance" });
    const minio = podOf("matrix-data", { "v1.min.io/tenant": TENANT });
    assert.ok(allowed(pg, pg, 5432));
    assert.ok(allowed(pg, minio, 9000));
    assert.ok(allowed(minio, minio, 9000));
    assert.ok(allowed(servicePods(w, "matrix-data", EXISTING_DATA.redis), podOf("matrix-data", { "app.kubernetes.io/name": "redis", "app.kubernetes.io/instance": "main" }), 26379));
    assert.equal(allowed(minio, pg, 5432), false);
  });

  it("opens Synapse -> PostgreSQL, Redis and the object store", () => {
    const main = pod(w, "matrix", "synapse-main").at;
    const media = pod(w, "matrix", "media-repository").at;
    assert.ok(allowed(main, podOf("matrix-data", { "cnpg.io/cluster": PG, "cnpg.io/podRole": "instance", "cnpg.io/instanceRole": "primary" }), 5432));
    assert.ok(allowed(main, servicePods(w, "matrix-data", EXISTING_DATA.redis), 6379));
    assert.ok(allowed(media, podOf("matrix-data", { "v1.min.io/tenant": TENANT }), 9000));
  });

  it("keeps the main stack away from the LI database and from other data ports", () => {
    const main = pod(w, "matrix", "synapse-main").at;
    const haproxy = pod(w, "matrix", "haproxy").at;
    assert.equal(allowed(main, podOf("matrix-data", { "cnpg.io/cluster": PG_LI }), 5432), false);
    assert.equal(allowed(haproxy, podOf("matrix-data", { "cnpg.io/cluster": PG }), 5432), false);
    assert.equal(allowed(main, podOf("matrix-data", { "cnpg.io/cluster": PG }), 8000), false);
    // Data pods never open connections into the Matrix namespace.
    assert.equal(allowed(podOf("matrix-data", { "cnpg.io/cluster": PG }), main, 8008), false);
  });
});

describe("network policies of prod (AWS): managed data services by address", () => {
  let w: World;
  const allowed = (src: Endpoint, dst: Endpoint, port: number) => isFlowAllowed(w.policies, src, dst, port, "TCP", w.namespaces);
  before(async () => {
    w = await world("prod");
  });

  it("lets Synapse reach RDS and ElastiCache in the private subnets and S3 over HTTPS, nothing else there", () => {
    const main = pod(w, "matrix", "synapse-main").at;
    const media = pod(w, "matrix", "media-repository").at;
    assert.ok(allowed(main, { ip: "10.40.1.20" }, 5432));
    assert.ok(allowed(main, { ip: "10.40.33.20" }, 6379));
    assert.ok(allowed(media, { ip: "52.216.10.1" }, 443));
    assert.equal(allowed(main, { ip: "10.40.1.20" }, 22), false);
    assert.equal(allowed(main, { ip: "10.41.0.5" }, 5432), false);
    assert.equal(allowed(pod(w, "matrix", "haproxy").at, { ip: "10.40.1.20" }, 5432), false);
  });
});

describe("network policies of dev with monitoring: metrics scraping from the registry's targets", () => {
  let w: World;
  const allowed = (src: Endpoint, dst: Endpoint, port: number) => isFlowAllowed(w.policies, src, dst, port, "TCP", w.namespaces);
  // Prometheus as prometheus-operator labels its pods, in the namespace the monitoring component will own.
  const PROMETHEUS_LABELS = { "app.kubernetes.io/name": "prometheus", "app.kubernetes.io/instance": "main" };
  const PROMETHEUS = podOf("monitoring", PROMETHEUS_LABELS);
  let off: World;
  before(async () => {
    w = await world("dev", { monitoring: "true" });
    off = await world("dev", { monitoring: "false" });
  });

  it("lets Prometheus reach Synapse's metrics port (main and workers) and HAProxy's stats port", () => {
    const haproxy = pod(w, "matrix", "haproxy");
    for (const name of ["synapse-main", "synchrotron"]) {
      const synapse = pod(w, "matrix", name);
      assert.ok(allowed(PROMETHEUS, synapse.at, synapse.port("metrics")), `Prometheus -> ${name} metrics`);
    }
    assert.ok(allowed(PROMETHEUS, haproxy.at, haproxy.port("stats")), "Prometheus -> HAProxy stats");
  });

  it("keeps every other port of those pods closed to Prometheus, and the metrics ports closed to anyone else", () => {
    const haproxy = pod(w, "matrix", "haproxy");
    const main = pod(w, "matrix", "synapse-main");
    for (const port of ["http", "replication", "health"]) assert.equal(allowed(PROMETHEUS, main.at, main.port(port)), false, `Prometheus -> synapse ${port}`);
    assert.equal(allowed(PROMETHEUS, haproxy.at, haproxy.port("client")), false);
    // Prometheus's label in a namespace without policies of its own (so only the scraped pod's
    // ingress decides), and another monitoring pod, are not Prometheus.
    assert.equal(allowed(podOf("default", PROMETHEUS_LABELS), main.at, main.port("metrics")), false);
    assert.equal(allowed(podOf("monitoring", { "app.kubernetes.io/name": "grafana" }), haproxy.at, haproxy.port("stats")), false);
    assert.equal(allowed(haproxy.at, main.at, main.port("metrics")), false);
  });

  it("without monitoring, writes no policy into the monitoring namespace and admits no scraper", () => {
    assert.equal(off.namespaces.monitoring, undefined);
    assert.deepEqual(off.policies.filter((p) => p.metadata.namespace === "monitoring").map((p) => p.metadata.name), []);
    const main = pod(off, "matrix", "synapse-main");
    const haproxy = pod(off, "matrix", "haproxy");
    const allowedOff = (src: Endpoint, dst: Endpoint, port: number) => isFlowAllowed(off.policies, src, dst, port, "TCP", off.namespaces);
    assert.equal(allowedOff(PROMETHEUS, main.at, main.port("metrics")), false);
    assert.equal(allowedOff(PROMETHEUS, haproxy.at, haproxy.port("stats")), false);
  });

  it("lets Prometheus out of its namespace only to the metrics ports, and Grafana in only from the Gateway", () => {
    const main = pod(w, "matrix", "synapse-main");
    assert.equal(allowed(PROMETHEUS, main.at, main.port("http")), false);
    const grafana = podOf("monitoring", { "app.kubernetes.io/name": "grafana" });
    assert.ok(allowed(podOf("edge", { "app.kubernetes.io/name": "envoy" }), grafana, 3000));
    assert.equal(allowed(main.at, grafana, 3000), false);
    assert.ok(allowed(grafana, PROMETHEUS, 9090));
  });
});
