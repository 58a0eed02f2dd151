/**
 * Logs (item 7 of issue 16): Loki's values (monolithic, bucket or volume, replication, retention
 * from `logRetentionDays`, no key in the values), Alloy's config and values (its node's pods of
 * the stack's namespaces, /var/log read-only, no capability), the Grafana datasource, the flows,
 * and the config key's validation. No real Loki or Alloy runs here: the Go modules of both are
 * under the AGPL or pull it in (github.com/grafana/loki/v3), which this workplace does not build.
 */
import { strict as assert } from "assert";
import { parseSpec, PROJECT } from "../../config";
import { alloyConfig, alloyValues, lokiDatasource, lokiReplication, lokiValues, LOKI_URL, retentionPeriod, s3Endpoint, type LokiStorage } from "../../components/monitoring/logs";
import { logsFlows } from "../../components/monitoring/logs-flows";
import { STACK_NAMESPACE_REGEX } from "../../components/monitoring/rules";

type Obj = Record<string, any>;
const S3: LokiStorage = { kind: "s3", endpoint: "http://minio.matrix-data.svc.cluster.local:9000", region: "us-east-1", bucket: "loki-logs", forcePathStyle: true, staticKeys: true };
const base = { replicas: 3, retentionDays: 30, resources: { requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "1", memory: "1Gi" } }, volumeGi: 20, storageClass: "fast", placement: { nodeSelector: { tier: "system" }, tolerations: [] }, image: { repository: "grafana/loki", tag: "3.4.2" } };

describe("logs: Loki", () => {
  it("runs monolithic on the platform's bucket, three replicas replicated three ways in production", () => {
    const v = lokiValues({ ...base, storage: S3 }) as Obj;
    assert.equal(v.deploymentMode, "SingleBinary");
    assert.equal(v.singleBinary.replicas, 3);
    assert.equal(v.loki.commonConfig.replication_factor, 3);
    for (const role of ["read", "write", "backend"]) assert.equal(v[role].replicas, 0);
    for (const off of ["gateway", "chunksCache", "resultsCache", "lokiCanary", "test", "minio"]) assert.equal(v[off].enabled, false, off);
    assert.deepEqual(v.loki.storage.bucketNames, { chunks: "loki-logs", ruler: "loki-logs", admin: "loki-logs" });
    assert.deepEqual(v.loki.storage.s3, { endpoint: "minio.matrix-data.svc.cluster.local:9000", insecure: true, region: "us-east-1", s3ForcePathStyle: true });
    assert.equal(v.loki.schemaConfig.configs[0].object_store, "s3");
    assert.equal(v.loki.compactor.delete_request_store, "s3");
    // The key pair comes from the Secret as environment variables, never through the values.
    assert.doesNotMatch(JSON.stringify(v), /secretAccessKey|accessKeyId/);
    assert.deepEqual(v.singleBinary.extraEnv.map((e: Obj) => [e.name, e.valueFrom.secretKeyRef.name]), [["AWS_ACCESS_KEY_ID", "loki-object-store"], ["AWS_SECRET_ACCESS_KEY", "loki-object-store"]]);
  });

  it("on S3 with IRSA and on GCS with Workload Identity: no key pair, the identity on Loki's ServiceAccount, replicated in production", () => {
    const irsa = { "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/loki" };
    const s3 = lokiValues({ ...base, storage: { kind: "s3", endpoint: "https://s3.eu-west-1.amazonaws.com", region: "eu-west-1", bucket: "mx-logs-1", forcePathStyle: false, staticKeys: false }, serviceAccountAnnotations: irsa }) as Obj;
    assert.equal(s3.singleBinary.extraEnv, undefined, "no AWS_* variables: the web identity is the credential");
    assert.deepEqual(s3.serviceAccount, { create: true, name: "loki", annotations: irsa });
    assert.deepEqual(s3.loki.storage.s3, { endpoint: "s3.eu-west-1.amazonaws.com", insecure: false, region: "eu-west-1", s3ForcePathStyle: false });
    assert.equal(s3.singleBinary.replicas, 3);
    const wi = { "iam.gke.io/gcp-service-account": "mx-loki-x@p.iam.gserviceaccount.com" };
    const gcs = lokiValues({ ...base, storage: { kind: "gcs", bucket: "p-prod-logs" }, serviceAccountAnnotations: wi }) as Obj;
    assert.equal(gcs.loki.storage.type, "gcs");
    assert.deepEqual(gcs.loki.storage.bucketNames, { chunks: "p-prod-logs", ruler: "p-prod-logs", admin: "p-prod-logs" });
    assert.equal(gcs.loki.schemaConfig.configs[0].object_store, "gcs");
    assert.equal(gcs.loki.compactor.delete_request_store, "gcs");
    assert.equal(gcs.singleBinary.extraEnv, undefined);
    assert.deepEqual(gcs.serviceAccount.annotations, wi);
    assert.equal(gcs.loki.commonConfig.replication_factor, 3);
  });

  it("keeps one replica on its volume where the platform has no logs bucket, and replicates only from three", () => {
    const v = lokiValues({ ...base, storage: { kind: "filesystem" } }) as Obj;
    assert.equal(v.singleBinary.replicas, 1);
    assert.equal(v.loki.storage.type, "filesystem");
    assert.equal(v.loki.compactor.delete_request_store, "filesystem");
    assert.equal(v.singleBinary.extraEnv, undefined);
    assert.deepEqual(lokiReplication(S3, 1), { replicas: 1, replicationFactor: 1 });
    assert.deepEqual(lokiReplication(S3, 2), { replicas: 2, replicationFactor: 1 });
    assert.deepEqual(lokiReplication(S3, 4), { replicas: 4, replicationFactor: 3 });
  });

  it("deletes logs after the configured days (compactor retention) and runs restricted", () => {
    const v = lokiValues({ ...base, storage: S3, retentionDays: 90 }) as Obj;
    assert.equal(v.loki.limits_config.retention_period, "2160h");
    assert.equal(v.loki.compactor.retention_enabled, true);
    assert.equal(retentionPeriod(1), "24h");
    assert.throws(() => retentionPeriod(0), /whole number of days/);
    assert.equal(v.loki.podSecurityContext.runAsNonRoot, true);
    assert.deepEqual(v.loki.containerSecurityContext.capabilities, { drop: ["ALL"] });
    assert.equal(v.loki.containerSecurityContext.readOnlyRootFilesystem, true);
    assert.equal(v.loki.podSecurityContext.seccompProfile.type, "RuntimeDefault");
  });

  it("takes its image through the registry override", () => {
    const v = lokiValues({ ...base, storage: S3, imageRegistry: "registry.internal:5000/mirror" }) as Obj;
    assert.deepEqual(v.loki.image, { registry: "registry.internal:5000/mirror", repository: "grafana/loki", tag: "3.4.2" });
    assert.equal(s3Endpoint("https://s3.eu-west-1.amazonaws.com").insecure, false);
    assert.throws(() => s3Endpoint("ftp://x"), /not http/);
  });
});

describe("logs: Alloy and Grafana", () => {
  const cfg = alloyConfig("prod");

  it("ships its own node's pods of the stack's namespaces from /var/log/pods, CRI-parsed, to Loki", () => {
    assert.match(cfg, /field = "spec\.nodeName=" \+ sys\.env\("NODE_NAME"\)/);
    assert.ok(cfg.includes(`regex         = ${JSON.stringify(STACK_NAMESPACE_REGEX)}`));
    assert.match(cfg, /replacement   = "\/var\/log\/pods\/\*\$1\/\*\.log"/);
    assert.match(cfg, /stage\.cri \{ \}/);
    assert.ok(cfg.includes(`url = "${LOKI_URL}/loki/api/v1/push"`));
    assert.match(cfg, /external_labels = \{cluster = "prod"\}/);
    // Every block that is opened is closed.
    assert.equal((cfg.match(/\{/g) ?? []).length, (cfg.match(/\}/g) ?? []).length);
  });

  it("runs as a DaemonSet on every node reading /var/log, without capabilities or a writable root", () => {
    const v = alloyValues({ cluster: "prod", image: { repository: "grafana/alloy", tag: "v1.7.4" } }) as Obj;
    assert.equal(v.controller.type, "daemonset");
    assert.deepEqual(v.controller.tolerations, [{ operator: "Exists" }]);
    assert.equal(v.alloy.mounts.varlog, true);
    assert.equal(v.alloy.configMap.content, cfg);
    assert.deepEqual(v.alloy.securityContext.capabilities, { drop: ["ALL"] });
    assert.equal(v.alloy.securityContext.readOnlyRootFilesystem, true);
    assert.equal(v.alloy.securityContext.allowPrivilegeEscalation, false);
    assert.equal(v.configReloader.enabled, false);
    assert.equal(v.alloy.extraEnv[0].valueFrom.fieldRef.fieldPath, "spec.nodeName");
  });

  it("gives Grafana a Loki datasource by uid, and the flows Alloy -> Loki, Grafana -> Loki, Loki -> bucket", () => {
    assert.deepEqual(lokiDatasource().datasources, [{ name: "Loki", type: "loki", uid: "loki", access: "proxy", url: LOKI_URL, isDefault: false, editable: false, jsonData: { maxLines: 1000 } }]);
    const store = { kind: "pods" as const, namespace: "matrix-data", podLabels: { "v1.min.io/tenant": "object-store" }, port: 9000 };
    const flows = logsFlows(store, { cidrs: ["10.0.0.1/32"], ports: [443] });
    const d = flows.map((f) => f.description);
    for (const want of ["Alloy -> Loki (log push)", "Grafana -> Loki (datasource)", "Loki -> object store (chunks and index)", "alloy -> Kubernetes API (pod discovery)"]) assert.ok(d.includes(want), want);
    assert.deepEqual(flows.find((f) => f.description === "Alloy -> Loki (log push)")!.ports, [3100]);
    assert.ok(!logsFlows(undefined, { cidrs: ["10.0.0.1/32"], ports: [443] }).some((f) => f.description?.includes("object store")));
  });
});

describe("logs: logRetentionDays", () => {
  const spec = (extra: Record<string, string>) => parseSpec(Object.fromEntries(Object.entries(extra).map(([k, v]) => [`${PROJECT}:${k}`, v])), "dev");
  it("defaults to the specification's 30 days and takes a whole number of days", () => {
    assert.equal(spec({}).monitoring.logRetentionDays, 30);
    assert.equal(spec({ logRetentionDays: "400" }).monitoring.logRetentionDays, 400);
  });
  it("rejects what is not a number of days from 1 to 3650, naming the key and what is allowed", () => {
    for (const bad of ["0", "30d", "-1", "3651", "1.5"]) {
      assert.throws(() => spec({ logRetentionDays: bad }), (e: Error) => e.message.includes(`logRetentionDays = "${bad}" is not allowed: a whole number from 1 to 3650`), bad);
    }
  });
});
