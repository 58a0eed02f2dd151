/**
 * LiSync under the mock engine, with endpoints shaped like the existing platform's (CloudNativePG
 * clusters): what it deploys, that its pods are restricted and hold no secret outside Secrets,
 * that its objects pass kubeconform -strict and kube-score, and what its flows allow.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import { kubeconform, kubernetesVersionsFor, kubeScore, readKubeScoreFlags, readKubeScoreIgnores } from "../../scripts/validate";
import { manifestYaml, manifestsFrom, type KubeObject } from "../../stacks/manifests";
import { runWithMocks, unwrapSecrets, type MockRun } from "../../stacks/mock-engine";
import { defaultDenyPolicy, isFlowAllowed, NetworkFlows, type NetworkPolicyManifest } from "../../components/k8s/network";
import { podSecurityViolations, podSpecOf } from "../../components/k8s/pod-security-check";
import { LiSync, LI_SYNC_EXPORTER_PORT, liSyncWorkloads, type LiSyncArgs } from "../../components/li/sync";
import { NAMESPACES } from "../../catalog/namespaces";
import { size } from "../../sizing";
import { devSpecAndSizing } from "../../e2e/render";
import { parse } from "yaml";
import { CNPG_SERVER_CA_FILE } from "../../components/data/postgres";
import { FAKE_CRD_PROVIDERS } from "../helpers/fake-platform";

type Obj = Record<string, any>;
const LI = NAMESPACES.li;
const MAIN = NAMESPACES.matrix;
const DATA = NAMESPACES.data;
const cnpg = (cluster: string, role?: "primary" | "replica") => ({ kind: "pods" as const, namespace: DATA, podLabels: { "cnpg.io/cluster": cluster, ...(role ? { "cnpg.io/instanceRole": role } : {}) }, port: 5432 });

describe("LiSync (mock engine)", function () {
  let run: MockRun;
  let policies: NetworkPolicyManifest[];
  const objects = () => (manifestsFrom(run.resources) as { object: KubeObject }[]).map((m) => m.object as unknown as Obj);

  before(async () => {
    const { spec } = devSpecAndSizing();
    const sizing = size({ ...spec, features: { ...spec.features, li: true } });
    const flows = new NetworkFlows();
    run = await runWithMocks({
      project: "matrix-platform",
      stack: "dev",
      config: {},
      program: () => {
        const provider = new k8s.Provider("k", {});
        flows.addNamespace(LI, provider).addNamespace(MAIN, provider).addNamespace(DATA, provider);
        const args: LiSyncArgs = {
          namespace: LI,
          image: "registry.example/matrix-platform/li-sync:1@sha256:" + "a".repeat(64),
          exporterImage: "quay.io/prometheuscommunity/postgres-exporter:v0.17.1",
          sizing: sizing.components.liSync,
          placement: { nodeSelector: { tier: "homeserver" }, tolerations: [] },
          main: {
            readHost: `synapse-pg-ro.${DATA}.svc.cluster.local`,
            primaryHost: `synapse-pg-rw.${DATA}.svc.cluster.local`,
            port: 5432,
            database: "synapse",
            // As the existing platform: both servers' certificates from the internal CA.
            readTrust: { sslMode: "verify-full", caIssuer: "internal-ca" },
            primaryTrust: { sslMode: "verify-full", caIssuer: "internal-ca" },
            subscriptionTls: { sslMode: "verify-full", sslRootCert: CNPG_SERVER_CA_FILE },
            credentials: { name: "li-sync-main", userKey: "username", passwordKey: "password" },
            replicaNetwork: cnpg("synapse-pg", "replica"),
          },
          publisher: { namespace: MAIN, owner: { name: "synapse-db", userKey: "username", passwordKey: "password" }, primaryNetwork: cnpg("synapse-pg", "primary"), readerRole: "li_sync" },
          li: { host: `synapse-li-pg-rw.${DATA}.svc.cluster.local`, port: 5432, database: "synapse_li", trust: { sslMode: "verify-full", caIssuer: "internal-ca" }, credentials: { name: "synapse-li-db", userKey: "username", passwordKey: "password" }, network: cnpg("synapse-li-pg") },
          synapseLi: { kind: "deployments", name: "synapse-li" },
          kubeApi: { cidrs: ["10.0.0.1/32"], ports: [443] },
          flows,
          provider,
          crds: FAKE_CRD_PROVIDERS,
        };
        new LiSync("li-sync", args);
      },
    });
    // Every namespace of the stack denies by default (StackNamespace); the flows open the rest.
    policies = [...flows.policies().map((p) => unwrapSecrets(p) as unknown as NetworkPolicyManifest), ...[LI, MAIN, DATA].map((ns) => defaultDenyPolicy(ns))];
  });

  it("registers one matrix-platform:li:LiSync with the publisher Job, setup Job, refresh CronJob and exporter", () => {
    assert.equal(run.resources.filter((r) => r.type === "matrix-platform:li:LiSync").length, 1);
    const kinds = objects().map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name.replace(/-[0-9a-f]{8}$/, "")}`).sort();
    assert.deepEqual(kinds, [
      // The servers' CA (ca.crt of trust Certificates), where the pods verify them.
      `Certificate/${LI}/li-sync-li-ca`, `Certificate/${LI}/li-sync-main-ca`, `Certificate/${MAIN}/li-sync-publisher-main-ca`,
      `ConfigMap/${LI}/li-sync`, `ConfigMap/${LI}/li-sync-exporter`, `ConfigMap/${MAIN}/li-sync-publisher`,
      `CronJob/${LI}/li-sync-refresh`, `Deployment/${LI}/li-sync-exporter`,
      `Job/${LI}/li-sync-setup`, `Job/${MAIN}/li-sync-publisher`,
      `Role/${LI}/li-sync`, `RoleBinding/${LI}/li-sync`, `ServiceAccount/${LI}/li-sync`,
    ].sort());
    const cron = objects().find((o) => o.kind === "CronJob")!;
    assert.equal(cron.spec.concurrencyPolicy, "Forbid");
    const container = cron.spec.jobTemplate.spec.template.spec.containers[0];
    assert.deepEqual(container.command.slice(-1), ["refresh"]);
  });

  it("every connection the pods open verifies its server (verify-full, sslrootcert a CA file mounted in the pod); the subscription's names LI's server's own CA file", () => {
    const env = (c: Obj) => Object.fromEntries(((c.env ?? []) as Obj[]).filter((e) => e.value !== undefined).map((e) => [e.name, e.value]));
    // The file a path names, traced through the pod's mounts to the trust Certificate's Secret.
    const sourceOf = (pod: Obj, c: Obj, file: string) => {
      const m = ((c.volumeMounts ?? []) as Obj[]).find((v) => file.startsWith(`${v.mountPath}/`));
      assert.ok(m, `${file} is mounted`);
      const vol = (pod.volumes as Obj[]).find((v) => v.name === m.name)!;
      const src = (vol.projected?.sources as Obj[]).find((x) => x.secret?.items?.some((i: Obj) => i.path === file.slice(m.mountPath.length + 1)));
      assert.ok(src, `${file} is in ${vol.name}`);
      return src.secret.name as string;
    };
    const checked: string[] = [];
    for (const o of objects()) {
      const pod = podSpecOf(o);
      if (!pod) continue;
      for (const c of pod.containers as Obj[]) {
        const e = env(c);
        const pairs = [["MAIN_SSLMODE", "MAIN_SSLROOTCERT"], ["LI_SSLMODE", "LI_SSLROOTCERT"], ["PGSSLMODE", "PGSSLROOTCERT"]].filter(([mode]) => e[mode] !== undefined);
        for (const [mode, cert] of pairs) {
          assert.equal(e[mode], "verify-full", `${o.metadata.name} ${mode}`);
          checked.push(`${o.kind}/${mode}->${sourceOf(pod, c, e[cert])}`);
        }
        if (e.MAIN_SSLMODE) assert.deepEqual([e.MAIN_SUBSCRIPTION_SSLMODE, e.MAIN_SUBSCRIPTION_SSLROOTCERT], ["verify-full", CNPG_SERVER_CA_FILE]);
        if (e.DATA_SOURCE_URI) {
          const q = new URLSearchParams(String(e.DATA_SOURCE_URI).split("?")[1]);
          assert.equal(q.get("sslmode"), "verify-full");
          checked.push(`${o.kind}/exporter->${sourceOf(pod, c, q.get("sslrootcert")!)}`);
        }
      }
    }
    assert.deepEqual(checked.sort(), [
      "CronJob/LI_SSLMODE->li-sync-li-ca", "CronJob/MAIN_SSLMODE->li-sync-main-ca",
      "Deployment/exporter->li-sync-li-ca",
      "Job/LI_SSLMODE->li-sync-li-ca", "Job/MAIN_SSLMODE->li-sync-main-ca", "Job/PGSSLMODE->li-sync-publisher-main-ca",
    ]);
    // The script passes the files and the subscription's settings on to libpq.
    const script = objects().find((o) => o.kind === "ConfigMap" && o.metadata.name === "li-sync")!.data["li-sync"] as string;
    assert.match(script, /sslmode=\$MAIN_SSLMODE\$\{MAIN_SSLROOTCERT:\+ sslrootcert=\$MAIN_SSLROOTCERT\}/);
    assert.match(script, /sslmode=\$LI_SSLMODE\$\{LI_SSLROOTCERT:\+ sslrootcert=\$LI_SSLROOTCERT\}/);
    assert.match(script, /main_conninfo="[^"]*sslmode=\$MAIN_SUBSCRIPTION_SSLMODE\$\{MAIN_SUBSCRIPTION_SSLROOTCERT:\+ sslrootcert=\$MAIN_SUBSCRIPTION_SSLROOTCERT\}"/);
  });

  it("every pod meets the restricted Pod Security Standard; passwords come only from Secrets", () => {
    for (const o of objects()) {
      const pod = podSpecOf(o);
      if (!pod) continue;
      assert.deepEqual(podSecurityViolations(pod, "restricted"), [], `${o.kind}/${o.metadata.name}`);
      for (const c of pod.containers as Obj[]) {
        for (const e of (c.env ?? []) as Obj[]) {
          if (/PASS/.test(e.name)) assert.ok(e.valueFrom?.secretKeyRef, `${o.metadata.name} ${e.name} from a Secret`);
        }
      }
    }
    assert.equal(objects().filter((o) => o.kind === "Secret").length, 0, "the component makes no Secret: it is handed their names");
    // No pod automounts a token (checkov CKV_K8S_38); only the refresh's pod has one, a projected,
    // expiring token of its own ServiceAccount, and its Role scales synapse-li only.
    assert.deepEqual(objects().filter((o) => podSpecOf(o) && podSpecOf(o)!.automountServiceAccountToken !== false).map((o) => o.kind), []);
    const tokens = objects().filter((o) => ((podSpecOf(o)?.volumes ?? []) as Obj[]).some((v) => v.projected?.sources?.some((s: Obj) => s.serviceAccountToken)));
    assert.deepEqual(tokens.map((o) => o.kind), ["CronJob"]);
    const refresh = podSpecOf(tokens[0])!;
    assert.equal(refresh.serviceAccountName, "li-sync");
    const token = (refresh.volumes as Obj[]).find((v) => v.projected)!.projected.sources.find((s: Obj) => s.serviceAccountToken).serviceAccountToken;
    assert.ok(token.expirationSeconds > 0 && token.expirationSeconds <= 3600);
    assert.ok(((refresh.containers as Obj[])[0].volumeMounts as Obj[]).some((m) => m.mountPath === "/var/run/secrets/kubernetes.io/serviceaccount" && m.readOnly));
    const role = objects().find((o) => o.kind === "Role")!;
    assert.deepEqual(role.rules, [{ apiGroups: ["apps"], resources: ["deployments/scale"], resourceNames: ["synapse-li"], verbs: ["get", "patch"] }]);
  });

  it("the ConfigMaps hold the script, the SQL and the exporter queries, which parse", () => {
    const cm = objects().find((o) => o.kind === "ConfigMap" && o.metadata.name === "li-sync")!;
    assert.deepEqual(Object.keys(cm.data).sort(), ["accounts.sql", "li-sync", "merge.sql", "runs.sql", "subscription.sql"]);
    assert.match(cm.data["li-sync"], /^#!\/bin\/bash/);
    const pub = objects().find((o) => o.kind === "ConfigMap" && o.metadata.name === "li-sync-publisher")!;
    assert.match(pub.data["publication.sql"], /publish = 'insert'/);
    const q = parse(objects().find((o) => o.kind === "ConfigMap" && o.metadata.name === "li-sync-exporter")!.data["queries.yaml"]);
    assert.deepEqual(Object.keys(q), ["li_sync_subscription", "li_sync_refresh"]);
  });

  it("flows: the sync reaches main's replica, never its primary; only the publisher reaches the primary; nothing in main reaches the sync", () => {
    const w = liSyncWorkloads(LI, MAIN);
    const pod = (x: { namespace: string; podLabels?: Record<string, string> }) => ({ namespace: x.namespace, labels: x.podLabels ?? {} });
    const replica = { namespace: DATA, labels: { "cnpg.io/cluster": "synapse-pg", "cnpg.io/instanceRole": "replica" } };
    const primary = { namespace: DATA, labels: { "cnpg.io/cluster": "synapse-pg", "cnpg.io/instanceRole": "primary" } };
    const liDb = { namespace: DATA, labels: { "cnpg.io/cluster": "synapse-li-pg" } };
    assert.ok(isFlowAllowed(policies, pod(w.sync), replica, 5432));
    assert.ok(!isFlowAllowed(policies, pod(w.sync), primary, 5432));
    assert.ok(isFlowAllowed(policies, pod(w.sync), liDb, 5432));
    assert.ok(isFlowAllowed(policies, pod(w.sync), { ip: "10.0.0.1" }, 443));
    assert.ok(!isFlowAllowed(policies, pod(w.sync), { ip: "10.0.0.2" }, 443));
    assert.ok(isFlowAllowed(policies, pod(w.publisher), primary, 5432));
    assert.ok(!isFlowAllowed(policies, pod(w.publisher), liDb, 5432));
    assert.ok(isFlowAllowed(policies, pod(w.exporter), liDb, 5432));
    assert.ok(!isFlowAllowed(policies, { namespace: MAIN, labels: { "app.kubernetes.io/name": "synapse-main" } }, pod(w.exporter), LI_SYNC_EXPORTER_PORT));
  });

  it("its objects pass kubeconform -strict and kube-score", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mp-li-sync-manifests-"));
    try {
      const mine = [...objects(), ...policies.filter((p) => p.metadata.name.startsWith("li-sync") && p.metadata.namespace !== DATA) as unknown as Obj[]];
      const files = mine.map((o, i) => {
        const f = path.join(dir, `${i}-${o.kind}-${o.metadata.name}.yaml`);
        fs.writeFileSync(f, manifestYaml(o));
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
});
