/**
 * The monitoring system in the whole program under the mock engine: what `monitoring: true`
 * deploys on-prem (dev) and on AWS (prod), and that `monitoring: false` leaves no trace of it —
 * no namespace, release, monitor, rule, dashboard, route or scrape flow.
 */
import { strict as assert } from "assert";
import { manifestsFrom } from "../../stacks/manifests";
import { unwrapSecrets } from "../../stacks/mock-engine";
import { runStack, type StackRun } from "../helpers/run-stack";
import { findLeaks, secretValues } from "../validators/secrets-scan";

const KEY = "0123456789abcdef0123456789ABCDEF";

interface Obj { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; spec?: Record<string, unknown>; data?: Record<string, string> }

const objectsOf = (run: StackRun) => manifestsFrom(run.resources).map((m) => m.object as Obj);
const release = (run: StackRun) => run.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.name === "kube-prometheus-stack");
const monitors = (objs: Obj[]) => objs.filter((o) => o.kind === "PodMonitor" || o.kind === "ServiceMonitor");

describe("monitoring in the program (mock engine)", function () {
  this.timeout(300_000);
  let dev: StackRun;
  let devOff: StackRun;
  let prod: StackRun;
  let gcp: StackRun;
  before(async () => {
    gcp = await runStack("prod-gcp-1k");
    dev = await runStack("dev", { monitoring: "true", alertPagerdutyRoutingKey: KEY });
    devOff = await runStack("dev", { monitoring: "false" });
    prod = await runStack("prod", { monitoring: "true" });
  });

  it("scrapes Synapse main and workers, HAProxy, Redis and its proxy, PostgreSQL, MinIO, cert-manager and Envoy on-prem", () => {
    const byJob = new Map(monitors(objectsOf(dev)).map((m) => [m.metadata.name, m]));
    assert.deepEqual([...byJob.keys()].sort(), ["alloy", "cert-manager", "envoy", "haproxy", "jaeger", "loki", "minio", "postgresql", "redis", "redis-proxy", "synapse"]);
    const synapse = byJob.get("synapse")!.spec as { selector: { matchLabels: Record<string, string> }; podMetricsEndpoints: { port: string; path: string; relabelings: { targetLabel: string; sourceLabels?: string[] }[] }[] };
    assert.equal(byJob.get("synapse")!.metadata.namespace, "matrix");
    assert.equal(synapse.podMetricsEndpoints[0].path, "/_synapse/metrics");
    assert.equal(synapse.podMetricsEndpoints[0].port, "metrics");
    // The official dashboard's `job` and `index` come from the pods.
    const targetsLabels = synapse.podMetricsEndpoints[0].relabelings.map((r) => r.targetLabel);
    assert.ok(targetsLabels.includes("job") && targetsLabels.includes("index"));
    // Every Synapse workload's pods carry the labels the monitor selects.
    const synapsePods = objectsOf(dev).filter((o) => ["Deployment", "StatefulSet"].includes(o.kind) && o.metadata.labels?.["app.kubernetes.io/component"] === "synapse");
    assert.ok(synapsePods.length >= 5, `only ${synapsePods.length} Synapse workloads`);
    for (const w of synapsePods) {
      const tmpl = (w.spec as { template: { metadata: { labels: Record<string, string> }; spec: { containers: { ports?: { name: string }[] }[] } } }).template;
      for (const [k, v] of Object.entries(synapse.selector.matchLabels)) assert.equal(tmpl.metadata.labels[k], v, `${w.metadata.name} ${k}`);
      assert.ok(tmpl.spec.containers.some((c) => c.ports?.some((p) => p.name === "metrics")), `${w.metadata.name} has a metrics port`);
    }
  });

  it("on AWS scrapes what runs in the cluster and the managed PostgreSQL and Redis through their exporters (S3 reports to CloudWatch), the calls system's host-network SFU and TURN included", () => {
    assert.deepEqual(monitors(objectsOf(prod)).map((m) => m.metadata.name).sort(), ["alloy", "cert-manager", "coturn", "envoy", "haproxy", "jaeger", "livekit", "loki", "postgresql", "redis", "synapse"]);
    const livekit = monitors(objectsOf(prod)).find((m) => m.metadata.name === "livekit")!;
    assert.equal(livekit.metadata.namespace, "matrix-turn");
    const dashboards = objectsOf(prod).filter((o) => o.metadata.labels?.grafana_dashboard === "1").map((o) => o.metadata.name).sort();
    assert.deepEqual(dashboards, ["dashboard-federation", "dashboard-livekit", "dashboard-matrix-overview", "dashboard-postgresql", "dashboard-redis", "dashboard-synapse-performance"]);
    const rules = objectsOf(prod).find((o) => o.kind === "PrometheusRule")!;
    const groups = (rules.spec as { groups: { name: string }[] }).groups.map((g) => g.name);
    assert.ok(groups.includes("postgresql") && groups.includes("redis") && !groups.includes("redis-proxy") && !groups.includes("minio") && groups.includes("synapse") && groups.includes("livekit") && groups.includes("coturn"), groups.join(","));
  });

  it("installs the pinned chart with storage sized by profile, HA in production and every monitor picked up", () => {
    const devValues = release(dev)!.inputs.values as Record<string, any>;
    const prodValues = release(prod)!.inputs.values as Record<string, any>;
    assert.equal(release(dev)!.inputs.version, "88.5.3");
    assert.equal(devValues.prometheus.prometheusSpec.replicas, 1);
    assert.equal(prodValues.prometheus.prometheusSpec.replicas, 2);
    assert.equal(prodValues.alertmanager.alertmanagerSpec.replicas, 2);
    assert.equal(prodValues.prometheus.prometheusSpec.podAntiAffinity, "hard");
    for (const v of [devValues, prodValues]) {
      const p = v.prometheus.prometheusSpec;
      for (const k of ["serviceMonitor", "podMonitor", "rule", "probe", "scrapeConfig"]) assert.equal(p[`${k}SelectorNilUsesHelmValues`], false, k);
      assert.ok(p.storageSpec.volumeClaimTemplate.spec.resources.requests.storage);
    }
    const devGi = parseInt(devValues.prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.resources.requests.storage, 10);
    const prodGi = parseInt(prodValues.prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.resources.requests.storage, 10);
    assert.ok(prodGi > devGi, `prod ${prodGi} GiB vs dev ${devGi} GiB`);
    assert.equal(devValues.grafana.admin.existingSecret, "grafana-admin");
  });

  it("ships pod logs: Loki on the MinIO logs bucket (existing) or an S3 one with IRSA (AWS), Alloy in its privileged namespace, a Loki datasource", () => {
    const rel = (run: StackRun, n: string) => run.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.name === n);
    const lokiDev = unwrapSecrets(rel(dev, "loki")!.inputs) as { version: string; namespace: string; values: Record<string, any> };
    const lokiProd = unwrapSecrets(rel(prod, "loki")!.inputs) as { values: Record<string, any> };
    assert.equal(lokiDev.version, "6.29.0");
    assert.equal(lokiDev.namespace, "monitoring");
    assert.equal(lokiDev.values.loki.storage.type, "s3");
    assert.equal(lokiDev.values.loki.storage.bucketNames.chunks, "loki-logs");
    assert.equal(lokiDev.values.loki.limits_config.retention_period, "720h");
    // prod is on AWS: an S3 logs bucket reached with IRSA (the role on Loki's ServiceAccount, no
    // key pair), three replicas replicated three ways.
    assert.equal(lokiProd.values.loki.storage.type, "s3");
    assert.match(lokiProd.values.loki.storage.bucketNames.chunks, /-logs-/);
    assert.equal(lokiProd.values.loki.storage.s3.endpoint, "s3.us-east-1.amazonaws.com");
    assert.equal(lokiProd.values.singleBinary.extraEnv, undefined);
    assert.match(lokiProd.values.serviceAccount.annotations["eks.amazonaws.com/role-arn"], /^arn:aws:iam::\d+:role\//);
    assert.equal(lokiProd.values.serviceAccount.name, "loki");
    assert.equal(lokiProd.values.singleBinary.replicas, 3);
    assert.equal(lokiProd.values.loki.commonConfig.replication_factor, 3);
    assert.ok(JSON.stringify(objectsOf(prod).filter((o) => o.kind === "NetworkPolicy")).includes("Loki -> object store (chunks and index)"));
    // The MinIO tenant has Loki's bucket only while monitoring is deployed.
    const tenantBuckets = (run: StackRun) => ((objectsOf(run).find((o) => o.kind === "Tenant")!.spec as { buckets: { name: string }[] }).buckets.map((b) => b.name));
    assert.ok(tenantBuckets(dev).includes("loki-logs"));
    assert.ok(!tenantBuckets(devOff).includes("loki-logs"));
    const alloy = unwrapSecrets(rel(dev, "alloy")!.inputs) as { namespace: string; values: Record<string, any> };
    assert.equal(alloy.namespace, "monitoring-logs");
    const objs = objectsOf(dev);
    const logsNs = objs.find((o) => o.kind === "Namespace" && o.metadata.name === "monitoring-logs")!;
    assert.equal(logsNs.metadata.labels?.["pod-security.kubernetes.io/enforce"], "privileged");
    const monNs = objs.find((o) => o.kind === "Namespace" && o.metadata.name === "monitoring")!;
    assert.equal(monNs.metadata.labels?.["pod-security.kubernetes.io/enforce"], "restricted");
    const ds = objs.find((o) => o.kind === "ConfigMap" && o.metadata.name === "grafana-datasource-loki" && o.metadata.labels?.grafana_datasource === "1")!;
    assert.match(ds.data!["loki.yaml"], /uid: loki/);
    // The object store's keys only in their Secret (findLeaks, below, finds them nowhere else).
    const keySecret = dev.resources.find((r) => r.type === "kubernetes:core/v1:Secret" && (r.inputs.metadata as { name?: string }).name === "loki-object-store")!;
    assert.deepEqual(Object.keys(unwrapSecrets(keySecret.inputs.stringData) as object).sort(), ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]);
    assert.doesNotMatch(JSON.stringify(lokiDev.values), /AWS_SECRET_ACCESS_KEY"?\s*:\s*"[^"]/);
    const policies = JSON.stringify(objs.filter((o) => o.kind === "NetworkPolicy"));
    for (const d of ["Alloy -> Loki (log push)", "Grafana -> Loki (datasource)", "Loki -> object store (chunks and index)", "metrics scrape of alloy"]) assert.ok(policies.includes(d), d);
    // The pipeline watches itself: Alloy's and Loki's metrics are scraped for LogsDropped and LokiRequestErrors.
    const alloyMonitor = monitors(objs).find((m) => m.metadata.name === "alloy")!;
    assert.equal(alloyMonitor.metadata.namespace, "monitoring-logs");
    const rules = objs.find((o) => o.kind === "PrometheusRule")!;
    assert.ok((rules.spec as { groups: { name: string }[] }).groups.some((g) => g.name === "alloy"));
  });

  it("on GCP keeps Loki's chunks in the GCS logs bucket through its Workload Identity account, with no key pair", () => {
    const loki = unwrapSecrets(gcp.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.name === "loki")!.inputs) as { values: Record<string, any> };
    const bucket = gcp.resources.find((r) => r.type === "gcp:storage/bucket:Bucket" && r.name.endsWith("-logs"))!;
    assert.equal(loki.values.loki.storage.type, "gcs");
    assert.equal(loki.values.loki.storage.bucketNames.chunks, bucket.inputs.name);
    assert.equal(loki.values.loki.schemaConfig.configs[0].object_store, "gcs");
    assert.match(loki.values.serviceAccount.annotations["iam.gke.io/gcp-service-account"], /^mx-loki-/);
    assert.equal(loki.values.singleBinary.extraEnv, undefined);
    assert.equal(gcp.resources.find((r) => r.type === "kubernetes:core/v1:Secret" && (r.inputs.metadata as { name?: string }).name === "loki-object-store"), undefined, "no HMAC key for Loki");
    const binding = gcp.resources.find((r) => r.type === "gcp:serviceaccount/iAMMember:IAMMember" && String(r.inputs.member).endsWith("[monitoring/loki]"));
    assert.ok(binding, "Loki's Kubernetes ServiceAccount is bound to its Google account");
  });

  it("collects Synapse's traces: Jaeger on its volume, every Synapse process reporting to it, a Jaeger datasource, the flows", () => {
    for (const [run, ratio] of [[dev, 1], [prod, 0.01]] as const) {
      const objs = objectsOf(run);
      const sts = objs.find((o) => o.kind === "StatefulSet" && o.metadata.name === "jaeger")!;
      assert.equal(sts.metadata.namespace, "monitoring");
      const spec = sts.spec as { replicas: number; template: { metadata: { labels: Record<string, string> }; spec: { containers: { image: string; ports: { name: string; containerPort: number; protocol?: string }[] }[] } }; volumeClaimTemplates: { spec: { resources: { requests: { storage: string } } } }[] };
      assert.equal(spec.replicas, 1);
      assert.match(spec.template.spec.containers[0].image, /jaegertracing\/jaeger:2\.12\.0$/);
      assert.ok(parseInt(spec.volumeClaimTemplates[0].spec.resources.requests.storage, 10) >= 1);
      // The PodMonitor selects the collector's pods on the port its config serves metrics on.
      const monitor = monitors(objs).find((m) => m.metadata.name === "jaeger")!;
      const sel = (monitor.spec as { selector: { matchLabels: Record<string, string> }; podMetricsEndpoints: { port: string }[] });
      for (const [k, v] of Object.entries(sel.selector.matchLabels)) assert.equal(spec.template.metadata.labels[k], v, k);
      const metricsPort = spec.template.spec.containers[0].ports.find((p) => p.name === sel.podMetricsEndpoints[0].port)!;
      const config = objs.find((o) => o.kind === "ConfigMap" && o.metadata.name === "jaeger-config")!.data!["config.yaml"];
      assert.ok(config.includes(`port: ${metricsPort.containerPort}`), "the metrics port is the config's Prometheus reader");
      assert.ok(spec.template.spec.containers[0].ports.some((p) => p.containerPort === 6831 && p.protocol === "UDP"));
      // homeserver.yaml (main and every worker read it) reports to the collector's Service.
      const hs = (unwrapSecrets(objs.find((o) => o.kind === "ConfigMap" && o.metadata.name === "synapse-config")!.data!) as Record<string, string>)["homeserver.yaml"];
      assert.match(hs, /reporting_host: jaeger\.monitoring\.svc\.cluster\.local\n\s+reporting_port: 6831/);
      assert.match(hs, new RegExp(`type: probabilistic\\n\\s+param: ${ratio}\\n`));
      const ds = objs.find((o) => o.kind === "ConfigMap" && o.metadata.name === "grafana-datasource-jaeger")!;
      assert.equal(ds.metadata.labels?.grafana_datasource, "1");
      assert.match(ds.data!["jaeger.yaml"], /url: http:\/\/jaeger\.monitoring\.svc\.cluster\.local:16686/);
      const policies = JSON.stringify(objs.filter((o) => o.kind === "NetworkPolicy"));
      for (const d of ["Synapse -> Jaeger (spans, jaeger thrift)", "Grafana -> Jaeger (trace queries)", "metrics scrape of jaeger"]) assert.ok(policies.includes(d), d);
      const rules = objs.find((o) => o.kind === "PrometheusRule")!;
      assert.ok((rules.spec as { groups: { name: string }[] }).groups.some((g) => g.name === "jaeger"));
    }
  });

  it("keeps Grafana's password and the receivers' credentials in Secrets, marked secret, and nowhere else", () => {
    const secrets = dev.resources.filter((r) => r.type === "kubernetes:core/v1:Secret" && (r.inputs.metadata as { namespace?: string })?.namespace === "monitoring");
    const byName = new Map(secrets.map((s) => [(s.inputs.metadata as { name: string }).name, s]));
    assert.deepEqual([...byName.keys()].sort(), ["alertmanager-config", "alertmanager-receivers", "grafana-admin", "loki-object-store"]);
    assert.ok(secretValues(dev.resources).has(KEY), "the routing key is marked secret");
    assert.deepEqual(findLeaks(dev).map((l) => l.where), []);
    const config = unwrapSecrets(byName.get("alertmanager-config")!.inputs.stringData) as Record<string, string>;
    assert.ok(!config["alertmanager.yaml"].includes(KEY));
    assert.match(config["alertmanager.yaml"], /routing_key_file: \/etc\/alertmanager\/secrets\/alertmanager-receivers\/pagerduty-routing-key/);
    assert.ok(dev.resources.some((r) => r.type === "random:index/randomPassword:RandomPassword" && r.name.includes("grafana-admin")));
  });

  it("routes grafana.<domain> through the shared Gateway to Grafana's Service", () => {
    const route = objectsOf(dev).find((o) => o.kind === "HTTPRoute" && o.metadata.namespace === "monitoring")!;
    assert.deepEqual((route.spec as { hostnames: string[] }).hostnames, ["grafana.dev.example.com"]);
    const gateway = objectsOf(dev).find((o) => o.kind === "Gateway")!;
    const listeners = (gateway.spec as { listeners: { name: string; hostname?: string }[] }).listeners;
    assert.ok(listeners.some((l) => l.hostname === "grafana.dev.example.com"));
  });

  it("ships the dashboards with their datasource resolved (no ${DS_*} inputs)", () => {
    const maps = objectsOf(dev).filter((o) => o.kind === "ConfigMap" && o.metadata.labels?.grafana_dashboard === "1");
    assert.deepEqual(maps.map((m) => m.metadata.name).sort(), ["dashboard-federation", "dashboard-matrix-overview", "dashboard-object-store", "dashboard-postgresql", "dashboard-redis", "dashboard-synapse-performance"]);
    for (const m of maps) {
      const text = Object.values(m.data!)[0];
      assert.doesNotMatch(text, /\$\{DS_/);
      const d = JSON.parse(text) as { panels: { datasource: { uid: string } }[] };
      assert.ok(d.panels.length > 0);
      for (const p of d.panels) assert.equal(p.datasource.uid, "prometheus");
    }
  });

  it("with monitoring off leaves nothing of it: no namespace, release, monitor, rule, dashboard, route or scrape flow", () => {
    const objs = objectsOf(devOff);
    assert.equal(release(devOff), undefined);
    assert.deepEqual(objs.filter((o) => ["monitoring", "monitoring-logs"].includes(o.metadata.namespace ?? "") || (o.kind === "Namespace" && ["monitoring", "monitoring-logs"].includes(o.metadata.name))).map((o) => `${o.kind}/${o.metadata.name}`), []);
    assert.deepEqual(devOff.resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release" && ["loki", "alloy"].includes(r.inputs.name as string)).map((r) => r.name), []);
    assert.deepEqual(objs.filter((o) => o.metadata.labels?.grafana_datasource).map((o) => o.metadata.name), []);
    assert.deepEqual(objs.filter((o) => o.apiVersion.startsWith("monitoring.coreos.com/")).map((o) => o.kind), []);
    assert.deepEqual(objs.filter((o) => o.metadata.labels?.grafana_dashboard).map((o) => o.metadata.name), []);
    const policies = JSON.stringify(objs.filter((o) => o.kind === "NetworkPolicy"));
    assert.ok(!policies.includes('"monitoring"'), "a policy still names the monitoring namespace");
    assert.ok(!policies.includes("Loki") && !policies.includes("loki"), "a policy still names Loki");
    assert.ok(!policies.includes("Jaeger") && !policies.includes("jaeger"), "a policy still names Jaeger");
    assert.deepEqual(objs.filter((o) => o.metadata.name.startsWith("jaeger")).map((o) => `${o.kind}/${o.metadata.name}`), []);
    const hs = (unwrapSecrets(objs.find((o) => o.kind === "ConfigMap" && o.metadata.name === "synapse-config")!.data!) as Record<string, string>)["homeserver.yaml"];
    assert.doesNotMatch(hs, /opentracing/, "Synapse still traces");
    const gateway = objs.find((o) => o.kind === "Gateway")!;
    assert.ok(!(gateway.spec as { listeners: { hostname?: string }[] }).listeners.some((l) => l.hostname?.startsWith("grafana.")));
  });
});
