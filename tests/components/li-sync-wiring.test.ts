/**
 * The LI sync in the whole program under the mock engine: `li: true` wires LiSync to what each
 * platform provides (CloudNativePG managed roles on an existing cluster, the RDS bootstrap's
 * rds_replication grant on AWS, a Cloud SQL user given REPLICATION by the publisher on GCP), its
 * logins only in Secrets, the project's li-sync image, the exporter and its scrape target with
 * monitoring; the subscription's connection is admitted from LI's database to main's primary
 * only; and `li: false` leaves no sync object, role, Secret or target behind.
 */
import { strict as assert } from "assert";
import { isSecretValue, unwrapSecrets, type RecordedResource } from "../../stacks/mock-engine";
import { isFlowAllowed, type NetworkPolicyManifest } from "../../components/k8s/network";
import { manifestsFrom, type KubeObject } from "../../stacks/manifests";
import { EXISTING_DATA } from "../../components/platform/existing";
import { LI_SYNC_ROLE } from "../../components/contracts";
import { LI_ON, ofType, runStack, type StackRun } from "../helpers/run-stack";

type Obj = Record<string, any>;
const meta = (r: RecordedResource) => (r.inputs.metadata ?? {}) as Obj;
const named = (run: StackRun, type: string, name: string, namespace?: string) =>
  ofType(run, type).find((r) => meta(r).name === name && (namespace === undefined || meta(r).namespace === namespace));
const cluster = (run: StackRun, name: string) => ofType(run, "kubernetes:postgresql.cnpg.io/v1:Cluster").find((c) => meta(c).name === name)!.inputs.spec as Obj;
const liSyncObjects = (run: StackRun) => run.resources.filter((r) => /li-sync/.test(String(meta(r).name ?? "")) || /LiSync/.test(r.type));
const publicationSqlOf = (run: StackRun) => (named(run, "kubernetes:core/v1:ConfigMap", "li-sync-publisher", "matrix")!.inputs.data as Obj)["publication.sql"] as string;
const refreshEnv = (run: StackRun) => {
  const cron = named(run, "kubernetes:batch/v1:CronJob", "li-sync-refresh", "matrix-li")!;
  return Object.fromEntries(((cron.inputs.spec as Obj).jobTemplate.spec.template.spec.containers[0].env as Obj[]).map((e) => [e.name, e]));
};

describe("the LI sync wired into the program", function () {
  this.timeout(600_000);
  let on: StackRun;
  let off: StackRun;
  before(async () => {
    on = await runStack("dev", LI_ON);
    off = await runStack("dev");
  });

  it("li: true deploys LiSync with its publisher, setup Job, refresh CronJob and (monitoring on) exporter", () => {
    assert.equal(ofType(on, "matrix-platform:li:LiSync").length, 1);
    assert.ok(named(on, "kubernetes:batch/v1:CronJob", "li-sync-refresh", "matrix-li"));
    assert.ok(ofType(on, "kubernetes:batch/v1:Job").some((j) => String(meta(j).name).startsWith("li-sync-setup-") && meta(j).namespace === "matrix-li"));
    assert.ok(ofType(on, "kubernetes:batch/v1:Job").some((j) => String(meta(j).name).startsWith("li-sync-publisher-") && meta(j).namespace === "matrix"));
    const exporter = named(on, "kubernetes:apps/v1:Deployment", "li-sync-exporter", "matrix-li")!;
    assert.match(String((exporter.inputs.spec as Obj).template.spec.containers[0].image), /prometheuscommunity\/postgres-exporter:v\d/);
  });

  it("li: false leaves no sync object, no li_sync role and no li-sync scrape target", () => {
    assert.deepEqual(liSyncObjects(off).map((r) => `${r.type} ${meta(r).name ?? r.name}`), []);
    assert.ok(!JSON.stringify(cluster(off, EXISTING_DATA.mainCluster).managed.roles).includes(LI_SYNC_ROLE));
    assert.equal(ofType(off, "kubernetes:monitoring.coreos.com/v1:PodMonitor").filter((p) => meta(p).name === "li-sync").length, 0);
    assert.ok(ofType(on, "kubernetes:monitoring.coreos.com/v1:PodMonitor").some((p) => meta(p).name === "li-sync" && meta(p).namespace === "matrix-li"));
  });

  it("runs the project's li-sync image, pinned by digest", () => {
    const cron = named(on, "kubernetes:batch/v1:CronJob", "li-sync-refresh", "matrix-li")!;
    assert.match(String((cron.inputs.spec as Obj).jobTemplate.spec.template.spec.containers[0].image), /\/li-sync:[^@]+@sha256:[0-9a-f]{64}$/);
  });

  it("existing cluster: li_sync is a CloudNativePG managed role with REPLICATION on main; synapse-li's owner may create databases and subscriptions", () => {
    const role = (cluster(on, EXISTING_DATA.mainCluster).managed.roles as Obj[]).find((r) => r.name === LI_SYNC_ROLE)!;
    assert.ok(role, "li_sync on main");
    assert.equal(role.replication, true);
    assert.equal(role.login, true);
    assert.ok(!role.superuser && !role.createdb);
    const secret = ofType(on, "kubernetes:core/v1:Secret").find((s) => meta(s).name === role.passwordSecret.name && meta(s).namespace === "matrix-data")!;
    assert.ok(isSecretValue(secret.inputs.stringData) || isSecretValue((secret.inputs.stringData as Obj).password));
    assert.equal((unwrapSecrets(secret.inputs.stringData) as Obj).username, LI_SYNC_ROLE);
    const owner = (cluster(on, EXISTING_DATA.liCluster).managed.roles as Obj[]).find((r) => r.name === "synapse_li")!;
    assert.equal(owner.createdb, true);
    assert.deepEqual(owner.inRoles, ["pg_create_subscription"]);
    // Main's other owners keep exactly the rights they had.
    for (const r of cluster(on, EXISTING_DATA.mainCluster).managed.roles as Obj[]) if (r.name !== LI_SYNC_ROLE) assert.ok(!r.replication && !r.createdb, r.name);
    assert.doesNotMatch(publicationSqlOf(on), /WITH REPLICATION/, "CloudNativePG gave the attribute already");
  });

  it("the sync's logins reach its pods only from Secrets, the same password CloudNativePG sets", () => {
    const env = refreshEnv(on);
    assert.deepEqual(env.MAIN_PASSWORD.valueFrom.secretKeyRef, { name: "li-sync-main", key: "password" });
    assert.deepEqual(env.LI_PASSWORD.valueFrom.secretKeyRef, { name: "li-sync-li", key: "password" });
    assert.match(String(env.MAIN_READ_HOST.value), new RegExp(`^${EXISTING_DATA.mainCluster}-ro\\.`), "the dump reads main's replica (CloudNativePG's -ro Service)");
    assert.match(String(env.MAIN_PRIMARY_HOST.value), new RegExp(`^${EXISTING_DATA.mainCluster}-rw\\.`));
    const login = named(on, "kubernetes:core/v1:Secret", "li-sync-main", "matrix-li")!;
    assert.ok(isSecretValue(login.inputs.stringData) || isSecretValue((login.inputs.stringData as Obj).password));
    const cnpgSecret = ofType(on, "kubernetes:core/v1:Secret").find((s) => meta(s).name === `${EXISTING_DATA.mainCluster}-li-sync`)!;
    assert.equal((unwrapSecrets(login.inputs.stringData) as Obj).password, (unwrapSecrets(cnpgSecret.inputs.stringData) as Obj).password);
    const publisher = named(on, "kubernetes:core/v1:Secret", "li-sync-publisher", "matrix")!;
    assert.equal((unwrapSecrets(publisher.inputs.stringData) as Obj).username, "synapse");
    for (const cm of ofType(on, "kubernetes:core/v1:ConfigMap").filter((c) => /li-sync/.test(meta(c).name))) {
      assert.ok(!JSON.stringify(cm.inputs.data).includes((unwrapSecrets(login.inputs.stringData) as Obj).password), `${meta(cm).name} holds no password`);
    }
  });

  it("admits the subscription from LI's PostgreSQL to main's primary, and nothing else of LI's database into main", () => {
    const objects = manifestsFrom(on.resources).map((m) => m.object as KubeObject);
    const policies = objects.filter((o) => o.kind === "NetworkPolicy") as unknown as NetworkPolicyManifest[];
    const liPg = { namespace: "matrix-data", labels: { "cnpg.io/cluster": EXISTING_DATA.liCluster, "cnpg.io/instanceRole": "primary" } };
    const mainPrimary = { namespace: "matrix-data", labels: { "cnpg.io/cluster": EXISTING_DATA.mainCluster, "cnpg.io/instanceRole": "primary" } };
    assert.ok(isFlowAllowed(policies, liPg, mainPrimary, 5432));
    // The sync's own pods read main's replica, never its primary.
    const sync = { namespace: "matrix-li", labels: { "app.kubernetes.io/name": "li-sync", "app.kubernetes.io/instance": "main" } };
    assert.ok(isFlowAllowed(policies, sync, { ...mainPrimary, labels: { ...mainPrimary.labels, "cnpg.io/instanceRole": "replica" } }, 5432));
    assert.ok(!isFlowAllowed(policies, sync, mainPrimary, 5432));
    assert.ok(!isFlowAllowed(policies, liPg, { namespace: "matrix", labels: { "app.kubernetes.io/name": "synapse-main", "app.kubernetes.io/instance": "main" } }, 8008));
    const offPolicies = manifestsFrom(off.resources).map((m) => m.object as KubeObject).filter((o) => o.kind === "NetworkPolicy") as unknown as NetworkPolicyManifest[];
    assert.ok(!isFlowAllowed(offPolicies, liPg, mainPrimary, 5432));
  });

  it("AWS: the bootstrap Job creates li_sync with rds_replication on main and gives synapse_li CREATEDB and pg_create_subscription on LI's server", async () => {
    const aws = await runStack("staging-aws-1k", LI_ON);
    const sql = (server: string) => (ofType(aws, "kubernetes:core/v1:ConfigMap").find((c) => meta(c).name === `postgres-bootstrap-${server}`)!.inputs.data as Obj)["bootstrap.sql"] as string;
    assert.match(sql("main"), /GRANT rds_replication TO :"role";/);
    assert.match(sql("main"), /\\set role li_sync/);
    assert.doesNotMatch(sql("li"), /li_sync/);
    assert.match(sql("li"), /ALTER ROLE synapse_li CREATEDB;\nGRANT pg_create_subscription TO synapse_li;/);
    const bootstrapSecret = ofType(aws, "kubernetes:core/v1:Secret").find((s) => meta(s).name === "postgres-bootstrap-main")!;
    assert.ok("PW_LI_SYNC" in (unwrapSecrets(bootstrapSecret.inputs.stringData) as Obj));
    const selfRule = ofType(aws, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").find((r) => r.name.endsWith("-postgres-from-li"))!;
    assert.equal(selfRule.inputs.securityGroupId, selfRule.inputs.referencedSecurityGroupId, "LI's RDS reaches main's through their shared group");
    assert.doesNotMatch(publicationSqlOf(aws), /WITH REPLICATION/);
    const plain = await runStack("staging-aws-1k");
    assert.doesNotMatch((ofType(plain, "kubernetes:core/v1:ConfigMap").find((c) => meta(c).name === "postgres-bootstrap-main")!.inputs.data as Obj)["bootstrap.sql"], /li_sync/);
  });

  it("GCP: a Cloud SQL user li_sync on main, given REPLICATION by the publisher as the tables' owner", async () => {
    const gcp = await runStack("staging-gcp-1k", LI_ON);
    const users = ofType(gcp, "gcp:sql/user:User").filter((u) => u.inputs.name === LI_SYNC_ROLE);
    assert.equal(users.length, 1);
    assert.match(String(users[0].inputs.instance), /-main$/);
    assert.ok(isSecretValue(users[0].inputs.password));
    assert.match(publicationSqlOf(gcp), /^ALTER ROLE "li_sync" WITH REPLICATION;$/m);
    const plain = await runStack("staging-gcp-1k");
    assert.equal(ofType(plain, "gcp:sql/user:User").filter((u) => u.inputs.name === LI_SYNC_ROLE).length, 0);
  });
});
