/**
 * The exporters of the clouds' managed PostgreSQL and Redis in the whole program (mock engine):
 * on AWS (prod) and GCP (prod-gcp-1k) a postgres_exporter per server endpoint and a
 * redis_exporter, their logins only in Secrets marked secret, PodMonitors with the jobs the
 * PostgreSQL and Redis dashboards and alerts read, the exporters reaching their data service
 * only and only Prometheus reaching them; `monitoring: false` removes all of it.
 */
import { strict as assert } from "assert";
import { isSecretValue, unwrapSecrets, type RecordedResource } from "../../stacks/mock-engine";
import { manifestsFrom, type KubeObject } from "../../stacks/manifests";
import { isFlowAllowed, type Endpoint, type NetworkPolicyManifest } from "../../components/k8s/network";
import { MONITORING_PODS } from "../../components/monitoring/flows";
import { EXPORTER_SECRETS } from "../../components/monitoring/managed-data-exporters";
import { MONITORING_ROLE } from "../../components/contracts";
import { amazonRdsRootsPem } from "../../catalog/amazon-rds-roots";
import { PRIVATE_CIDRS } from "../../components/platform/aws/network";
import { PRIVATE_SERVICES_CIDR } from "../../components/platform/gcp/network";
import { ofType, runStack, type StackRun } from "../helpers/run-stack";

type Obj = Record<string, any>;
const objectsOf = (run: StackRun) => manifestsFrom(run.resources).map((m) => m.object as KubeObject);
const exporters = (run: StackRun, name: string) => objectsOf(run).filter((o) => o.kind === "Deployment" && o.metadata.labels?.["app.kubernetes.io/name"] === name);
const secretNamed = (run: StackRun, name: string): RecordedResource | undefined => ofType(run, "kubernetes:core/v1:Secret").find((r) => (r.inputs.metadata as Obj)?.name === name);
const podMonitor = (run: StackRun, job: string) => objectsOf(run).find((o) => o.kind === "PodMonitor" && o.metadata.name === job);
const env = (d: KubeObject) => ((d.spec as Obj).template.spec.containers[0].env as Obj[]);
const envValue = (d: KubeObject, name: string) => env(d).find((e) => e.name === name);

function policiesOf(run: StackRun) {
  const objects = objectsOf(run);
  return {
    policies: objects.filter((o) => o.kind === "NetworkPolicy") as unknown as NetworkPolicyManifest[],
    namespaces: Object.fromEntries(objects.filter((o) => o.kind === "Namespace").map((o) => [o.metadata.name, o.metadata.labels ?? {}])),
  };
}
const podOf = (d: KubeObject): Endpoint => ({ namespace: d.metadata.namespace!, labels: (d.spec as Obj).template.metadata.labels });

describe("exporters of the managed PostgreSQL and Redis (mock engine)", function () {
  this.timeout(600_000);
  let aws: StackRun;
  let awsOff: StackRun;
  let gcp: StackRun;
  before(async () => {
    aws = await runStack("prod", { monitoring: "true" });
    awsOff = await runStack("prod", { monitoring: "false" });
    gcp = await runStack("prod-gcp-1k");
  });

  for (const [label, run] of [["AWS (prod)", () => aws], ["GCP (prod-gcp-1k)", () => gcp]] as const) {
    it(`on ${label}: one postgres_exporter per primary and read replica, a redis_exporter, scraped under the dashboards' jobs`, () => {
      const r = run();
      assert.equal(r.spec.features.monitoring, true);
      const pg = exporters(r, "postgres-exporter");
      const rdsOrSql = r.resources.filter((x) => x.type === "aws:rds/instance:Instance" || x.type === "gcp:sql/databaseInstance:DatabaseInstance");
      assert.ok(rdsOrSql.length >= 2, `${rdsOrSql.length} database instances`);
      // Every instance the platform created (primary and replicas, main and LI) has its exporter.
      assert.equal(pg.length, rdsOrSql.length, pg.map((d) => d.metadata.name).join(","));
      assert.ok(pg.some((d) => d.metadata.name === "postgres-exporter-main-primary"));
      const replicas = rdsOrSql.filter((x) => x.inputs.replicateSourceDb !== undefined || x.inputs.masterInstanceName !== undefined);
      assert.equal(pg.filter((d) => /^postgres-exporter-(main|li)-replica-\d+$/.test(d.metadata.name)).length, replicas.length, "one per read replica");
      const isAws = label.startsWith("AWS");
      for (const d of pg) {
        // Verified: RDS against the region's Amazon RDS roots (verify-full), Cloud SQL against the instance's own server CA (verify-ca).
        const uri = envValue(d, "DATA_SOURCE_URI")!.value as string;
        assert.match(uri, new RegExp(`^[^/]+:5432/postgres\\?sslmode=${isAws ? "verify-full" : "verify-ca"}&sslrootcert=/etc/postgres-ca/ca\\.crt$`));
        const pod = (d.spec as Obj).template.spec;
        const mount = (pod.containers[0].volumeMounts as Obj[]).find((m) => m.mountPath === "/etc/postgres-ca")!;
        const source = (pod.volumes as Obj[]).find((v) => v.name === mount.name)!.projected.sources[0].configMap;
        assert.deepEqual(source.items, [{ key: "ca.crt", path: "ca.crt" }]);
        const ca = String((objectsOf(r).find((o) => o.kind === "ConfigMap" && o.metadata.name === source.name && o.metadata.namespace === "monitoring") as Obj).data["ca.crt"]);
        const instance = d.metadata.name.replace(/^postgres-exporter-/, "");
        if (isAws) assert.equal(ca, amazonRdsRootsPem(r.spec.cloud.region!), d.metadata.name);
        // The mock engine's per-instance CA names its instance: each exporter trusts its own instance's.
        else assert.match(ca, new RegExp(`MOCK-[^\\s]*-${instance.replace(/-primary$/, "")}\\n`), d.metadata.name);
        assert.deepEqual(envValue(d, "DATA_SOURCE_PASS")!.valueFrom.secretKeyRef.name, EXPORTER_SECRETS.postgres);
        assert.ok(!env(d).some((e) => e.value !== undefined && /password/i.test(e.name)), "no password literal");
      }
      const redis = exporters(r, "redis-exporter");
      assert.equal(redis.length, 1);
      const args = (redis[0].spec as Obj).template.spec.containers[0].args as string[];
      // Both clouds' Redis speak TLS: the exporter connects with rediss:// and verifies the server.
      assert.ok(args.some((a) => a.startsWith("--redis.addr=rediss://")), args.join(" "));
      assert.equal(envValue(redis[0], "REDIS_PASSWORD")!.valueFrom.secretKeyRef.name, EXPORTER_SECRETS.redis);

      for (const [job, selected] of [["postgresql", pg], ["redis", redis]] as const) {
        const m = podMonitor(r, job);
        assert.ok(m, `PodMonitor ${job}`);
        assert.equal(m.metadata.namespace, "monitoring");
        const spec = m.spec as Obj;
        assert.equal(spec.podMetricsEndpoints[0].port, "metrics");
        assert.ok((spec.podMetricsEndpoints[0].relabelings as Obj[]).some((x) => x.targetLabel === "job" && x.replacement === job));
        for (const d of selected) {
          for (const [k, v] of Object.entries(spec.selector.matchLabels as Record<string, string>)) assert.equal((d.spec as Obj).template.metadata.labels[k], v, `${d.metadata.name} ${k}`);
          assert.ok(((d.spec as Obj).template.spec.containers[0].ports as Obj[]).some((p) => p.name === "metrics"));
        }
      }
      // The PostgreSQL and Redis dashboards and alert groups ship now.
      const dashboards = objectsOf(r).filter((o) => o.metadata.labels?.grafana_dashboard === "1").map((o) => o.metadata.name);
      assert.ok(dashboards.includes("dashboard-postgresql") && dashboards.includes("dashboard-redis"), dashboards.join(","));
      const groups = ((objectsOf(r).find((o) => o.kind === "PrometheusRule")!.spec as Obj).groups as Obj[]).map((g) => g.name);
      assert.ok(groups.includes("postgresql") && groups.includes("redis"), groups.join(","));
    });

    it(`on ${label}: the logins live only in Secrets, marked secret`, () => {
      const r = run();
      for (const name of [EXPORTER_SECRETS.postgres, EXPORTER_SECRETS.redis]) {
        const s = secretNamed(r, name);
        assert.ok(s, `Secret ${name}`);
        assert.ok(isSecretValue(s.inputs.stringData), `${name} stringData is secret`);
      }
      const login = unwrapSecrets(secretNamed(r, EXPORTER_SECRETS.postgres)!.inputs.stringData) as Record<string, string>;
      assert.equal(login.user, undefined, "the role name is no credential: not in the Secret");
      assert.ok(login.password.length >= 32);
      // Nowhere else in the cluster's objects.
      for (const o of objectsOf(r).filter((x) => x.kind !== "Secret")) assert.ok(!JSON.stringify(o).includes(login.password), `${o.kind} ${o.metadata.name} carries the password`);
    });

    it(`on ${label}: the exporters reach their data service only, and only Prometheus reaches them`, () => {
      const r = run();
      const w = policiesOf(r);
      const allowed = (src: Endpoint, dst: Endpoint, port: number) => isFlowAllowed(w.policies, src, dst, port, "TCP", w.namespaces);
      const pg = podOf(exporters(r, "postgres-exporter")[0]);
      const redis = podOf(exporters(r, "redis-exporter")[0]);
      const prometheus: Endpoint = { namespace: "monitoring", labels: MONITORING_PODS.prometheus.podLabels ?? {} };
      const grafana: Endpoint = { namespace: "monitoring", labels: MONITORING_PODS.grafana.podLabels ?? {} };
      const synapse: Endpoint = { namespace: "matrix", labels: { "app.kubernetes.io/name": "synapse-main", "app.kubernetes.io/instance": "main", "app.kubernetes.io/component": "synapse", "app.kubernetes.io/part-of": "matrix-platform" } };
      // An address in the servers' ranges: AWS's private subnets, GCP's private services range.
      const dataIp = r.spec.platform === "aws" ? PRIVATE_CIDRS[0].replace(/0\/19$/, "17") : PRIVATE_SERVICES_CIDR.replace(/0\/\d+$/, "5");
      const redisPort = r.spec.platform === "aws" ? 6379 : 6378;
      assert.ok(allowed(pg, { ip: dataIp }, 5432), "postgres_exporter -> the servers");
      assert.equal(allowed(pg, { ip: dataIp }, redisPort), false, "postgres_exporter -> Redis");
      assert.equal(allowed(pg, { ip: "93.184.216.34" }, 443), false, "postgres_exporter -> the internet");
      assert.ok(allowed(redis, { ip: dataIp }, redisPort), "redis_exporter -> Redis");
      assert.equal(allowed(redis, { ip: dataIp }, 5432), false, "redis_exporter -> PostgreSQL");
      assert.ok(allowed(prometheus, pg, 9187), "Prometheus -> postgres_exporter");
      assert.ok(allowed(prometheus, redis, 9121), "Prometheus -> redis_exporter");
      for (const [who, src] of [["Grafana", grafana], ["Synapse", synapse]] as const) {
        assert.equal(allowed(src, pg, 9187), false, `${who} -> postgres_exporter`);
        assert.equal(allowed(src, redis, 9121), false, `${who} -> redis_exporter`);
      }
    });
  }

  it("on AWS the bootstrap Job gives each server the monitoring login in pg_monitor, its password from the Job's Secret", () => {
    const scripts = ofType(aws, "kubernetes:core/v1:ConfigMap").filter((c) => /^postgres-bootstrap-[a-z]+$/.test((c.inputs.metadata as Obj).name));
    assert.ok(scripts.length >= 1);
    for (const c of scripts) {
      const sql = (c.inputs.data as Record<string, string>)["bootstrap.sql"];
      assert.match(sql, new RegExp(`\\\\set role ${MONITORING_ROLE}\\n`));
      assert.match(sql, /GRANT pg_monitor TO :"role";/);
      const secret = ofType(aws, "kubernetes:core/v1:Secret").find((s) => (s.inputs.metadata as Obj).name === (c.inputs.metadata as Obj).name)!;
      const data = unwrapSecrets(secret.inputs.stringData) as Record<string, string>;
      const exporterLogin = unwrapSecrets(secretNamed(aws, EXPORTER_SECRETS.postgres)!.inputs.stringData) as Record<string, string>;
      assert.equal(data[`PW_${MONITORING_ROLE.toUpperCase()}`], exporterLogin.password);
    }
  });

  it("on GCP the monitoring login is a Cloud SQL user on each primary", () => {
    const users = ofType(gcp, "gcp:sql/user:User").filter((u) => u.inputs.name === MONITORING_ROLE);
    const primaries = ofType(gcp, "gcp:sql/databaseInstance:DatabaseInstance").filter((i) => i.inputs.masterInstanceName === undefined);
    assert.equal(users.length, primaries.length);
  });

  it("monitoring: false removes the exporters, their Secrets, monitors, flows and the login", () => {
    assert.equal(awsOff.spec.features.monitoring, false);
    assert.deepEqual([...exporters(awsOff, "postgres-exporter"), ...exporters(awsOff, "redis-exporter")], []);
    assert.equal(secretNamed(awsOff, EXPORTER_SECRETS.postgres), undefined);
    assert.equal(secretNamed(awsOff, EXPORTER_SECRETS.redis), undefined);
    assert.equal(podMonitor(awsOff, "postgresql"), undefined);
    const policies = objectsOf(awsOff).filter((o) => o.kind === "NetworkPolicy").map((o) => JSON.stringify(o));
    assert.ok(!policies.some((p) => p.includes("exporter")), "no exporter policy");
    for (const c of ofType(awsOff, "kubernetes:core/v1:ConfigMap").filter((x) => /^postgres-bootstrap-[a-z]+$/.test((x.inputs.metadata as Obj).name))) {
      assert.ok(!(c.inputs.data as Record<string, string>)["bootstrap.sql"].includes(MONITORING_ROLE));
    }
  });
});
