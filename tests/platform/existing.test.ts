import { isSecretValue } from "../../stacks/mock-engine";
import { strict as assert } from "assert";
import { CHARTS } from "../../catalog/charts";
import { erasureParity, minioLayout } from "../../components/data/minio";
import { minioServerPod } from "../../sizing/in-cluster-data-pods";
import { unwrapSecrets } from "../../stacks/mock-engine";
import { assertPlatformContract } from "./contract";
import { isFlowAllowed, type NetworkPolicyManifest } from "../../components/k8s/network";
import { fixtureSizing, specFor } from "./fixtures";
import { get, ofType, one, runPlatform } from "./harness";

const CNPG = "kubernetes:postgresql.cnpg.io/v1:Cluster";

describe("platform: existing cluster (on-prem)", function () {
  const prodSpec = specFor("prod-existing", {
    platform: "existing",
    environment: "prod",
    acmeEmail: "ops@example.com",
    kubeconfig: "/etc/matrix/kubeconfig",
    kubeContext: "onprem-a",
    storageClass: "local-nvme",
    imageRegistry: "registry.internal:5000/mirror",
    chartRepository: "oci://registry.internal:5000/charts",
    // The platform holds LI's data services apart from main's (the program itself refuses LI until it is built).
    li: "true",
    offsiteBackupEndpoint: "https://backup.dc2.example.com:9000",
    offsiteBackupBucket: "matrix-offsite",
    offsiteBackupCidrs: "198.51.100.0/24",
    offsiteBackupAccessKeyId: "OFFSITEKEYID",
    offsiteBackupSecretAccessKey: "off-site-secret-access-key-1234",
  });
  const prodSizing = fixtureSizing(true);
  const prod = () => runPlatform("existing-prod", prodSpec, prodSizing);
  const dev = () => runPlatform("existing-dev", specFor("dev", { platform: "existing" }), fixtureSizing(false));

  it("hands the Matrix stack a complete Platform (prod and dev)", async () => {
    assertPlatformContract(await prod());
    assertPlatformContract(await dev());
  });

  it("serves PostgreSQL with certificates from the internal CA naming its Services, and Synapse connects with verify-full", async () => {
    const run = await dev();
    const p = run.outputs.platform as any;
    const cluster = ofType(run, CNPG).find((c) => get(c.inputs, "metadata.name") === "matrix-pg")!;
    const secret = get(cluster.inputs, "spec.certificates.serverTLSSecret");
    assert.ok(secret, "the cluster serves a certificate of ours");
    assert.equal(get(cluster.inputs, "spec.certificates.serverCASecret"), secret, "and names its CA for clients");
    const cert = ofType(run, "kubernetes:cert-manager.io/v1:Certificate").find((c) => get(c.inputs, "spec.secretName") === secret)!;
    assert.equal(get(cert.inputs, "spec.issuerRef.name"), p.internalCaIssuer);
    const names = get(cert.inputs, "spec.dnsNames") as string[];
    // Every host a client is handed is on the certificate.
    assert.ok(names.includes(p.databases.synapse.host), `${p.databases.synapse.host} not in ${names.join(", ")}`);
    assert.ok(names.includes("matrix-pg-ro.matrix-data.svc.cluster.local"));
    assert.equal(p.databases.synapse.sslMode, "verify-full");
    assert.equal(p.databases.synapse.caIssuer, p.internalCaIssuer);
    // synapse-li on its own server likewise, and every other client: the bridges, key_vault.
    const li = (await prod()).outputs.platform as any;
    assert.ok(li.databases.synapseLi && li.databases.keyVault);
    for (const db of ["synapseLi", "telegram", "whatsapp", "keyVault"].filter((d) => li.databases[d])) {
      assert.equal(li.databases[db].sslMode, "verify-full", db);
      assert.equal(li.databases[db].caIssuer, li.internalCaIssuer, db);
    }
    // The LI sync: its pods verify main like Synapse; the subscription, which LI's server opens, names that server's copy of the internal CA.
    assert.equal(li.liSyncTls.readTrust.sslMode, "verify-full");
    assert.equal(li.liSyncTls.primaryTrust.caIssuer, li.internalCaIssuer);
    assert.deepEqual(li.liSyncTls.subscriptionTls, { sslMode: "verify-full", sslRootCert: "/controller/certificates/server-ca.crt" });
  });

  it("reaches the cluster through the configured kubeconfig and context, ambient otherwise", async () => {
    const p = one(await prod(), "pulumi:providers:kubernetes");
    // A secret input: kubeconfig content carries credentials, so the provider never gets it in plain.
    assert.ok(isSecretValue(p.inputs.kubeconfig), "the kubeconfig is a secret input");
    assert.equal(p.inputs.kubeconfig.value, "/etc/matrix/kubeconfig");
    assert.equal(p.inputs.context, "onprem-a");
    const d = one(await dev(), "pulumi:providers:kubernetes");
    assert.equal(d.inputs.kubeconfig, undefined);
    assert.equal((await dev()).outputs.platform && ((await dev()).outputs.platform as any).storageClass, "standard");
    assert.equal(((await prod()).outputs.platform as any).storageClass, "local-nvme");
  });

  it("runs main and LI PostgreSQL as separate CloudNativePG clusters sized from sizing", async () => {
    const run = await prod();
    const clusters = ofType(run, CNPG);
    assert.equal(clusters.length, 2);
    const main = clusters.find((c) => get(c.inputs, "metadata.name") === "matrix-pg")!;
    const li = clusters.find((c) => get(c.inputs, "metadata.name") === "matrix-pg-li")!;
    assert.equal(get(main.inputs, "spec.instances"), prodSizing.database.instances);
    assert.equal(get(li.inputs, "spec.instances"), prodSizing.liDatabase.instances);
    assert.equal(get(main.inputs, "spec.storage.size"), `${prodSizing.database.storageGi}Gi`);
    assert.equal(get(main.inputs, "spec.storage.storageClass"), "local-nvme");
    assert.equal(get(main.inputs, "spec.postgresql.parameters.max_connections"), String(prodSizing.database.maxConnections));
    // The operand image follows the registry override (air-gapped).
    assert.match(get(main.inputs, "spec.imageName"), /^registry\.internal:5000\/mirror\/cloudnative-pg\/postgresql:/);
    // Database nodes only, never two instances on one node in production.
    assert.deepEqual(get(main.inputs, "spec.affinity.nodeSelector"), { "matrix-platform.io/tier": "database" });
    assert.equal(get(main.inputs, "spec.affinity.podAntiAffinityType"), "required");
  });

  it("replicates synchronously in production only", async () => {
    const clusters = ofType(await prod(), CNPG);
    const prodMain = clusters.find((c) => get(c.inputs, "metadata.name") === "matrix-pg")!;
    assert.deepEqual(get(prodMain.inputs, "spec.postgresql.synchronous"), { method: "any", number: 1, dataDurability: "required" });
    // The two-instance LI cluster keeps writing while its only standby is drained.
    const prodLi = clusters.find((c) => get(c.inputs, "metadata.name") === "matrix-pg-li")!;
    assert.equal(prodSizing.liDatabase.instances, 2);
    assert.equal(get(prodLi.inputs, "spec.postgresql.synchronous.dataDurability"), "preferred");
    const devMain = ofType(await dev(), CNPG)[0];
    assert.equal(get(devMain.inputs, "spec.postgresql.synchronous"), undefined);
  });

  it("archives WAL and takes daily base backups to the object store with 30-day retention (PITR, RPO < 15 min)", async () => {
    const run = await prod();
    const stores = ofType(run, "kubernetes:barmancloud.cnpg.io/v1:ObjectStore");
    assert.equal(stores.length, 2);
    for (const s of stores) {
      // The prod preset keeps 30 days (catalog/environments.ts), the disaster-recovery minimum.
      assert.equal(get(s.inputs, "spec.retentionPolicy"), "30d");
      assert.equal(get(s.inputs, "spec.configuration.destinationPath"), "s3://matrix-backups/cnpg/");
      assert.equal(get(s.inputs, "spec.configuration.endpointURL"), "https://minio.matrix-data.svc.cluster.local");
      // barman-cloud verifies MinIO's certificate against the internal CA.
      assert.deepEqual(get(s.inputs, "spec.configuration.endpointCA"), { name: "object-store-tls", key: "ca.crt" });
    }
    for (const c of ofType(run, CNPG)) {
      const plugins = get(c.inputs, "spec.plugins") as any[];
      assert.equal(plugins.length, 1);
      assert.equal(plugins[0].name, "barman-cloud.cloudnative-pg.io");
      assert.equal(plugins[0].isWALArchiver, true);
      const timeout = get(c.inputs, "spec.postgresql.parameters.archive_timeout") as string;
      assert.ok(parseInt(timeout, 10) <= 15 && timeout.endsWith("min"), "WAL archived at least every 15 minutes");
    }
    const scheduled = ofType(run, "kubernetes:postgresql.cnpg.io/v1:ScheduledBackup");
    assert.deepEqual(scheduled.map((s) => get(s.inputs, "spec.cluster.name")).sort(), ["matrix-pg", "matrix-pg-li"]);
    for (const s of scheduled) assert.equal(get(s.inputs, "spec.method"), "plugin");
  });

  it("declares one database and owner role per consumer, LI only on the LI cluster", async () => {
    const run = await prod();
    const dbs = ofType(run, "kubernetes:postgresql.cnpg.io/v1:Database").map((d) => get(d.inputs, "spec"));
    assert.deepEqual(dbs.map((d) => `${d.cluster.name}/${d.name}:${d.owner}`).sort(), [
      "matrix-pg-li/synapse_li:synapse_li",
      "matrix-pg/li_keys:li_keys",
      // The bridges are off in this stack: their databases are not created.
      "matrix-pg/synapse:synapse",
    ]);
    for (const d of dbs) {
      assert.equal(d.localeCollate, "C", "Synapse needs C collation");
      assert.equal(d.databaseReclaimPolicy, "retain");
    }
    const main = ofType(run, CNPG).find((c) => get(c.inputs, "metadata.name") === "matrix-pg")!;
    const roles = (get(main.inputs, "spec.managed.roles") as any[]).map((r) => r.name).sort();
    // li_keys owns the key vault's database; li_sync (LI on) owns none: the LI sync's replication login.
    assert.deepEqual(roles, ["li_keys", "li_sync"]);
    assert.equal(get(main.inputs, "spec.bootstrap.initdb.owner"), "synapse");
  });

  it("runs an erasure-coded MinIO tenant with an overridable image and the three buckets", async () => {
    const run = await prod();
    const tenant = one(run, "kubernetes:minio.min.io/v2:Tenant");
    assert.equal(get(tenant.inputs, "spec.image"), "registry.internal:5000/mirror/minio/minio:RELEASE.2025-09-07T16-13-09Z");
    const pool = (get(tenant.inputs, "spec.pools") as any[])[0];
    assert.equal(pool.servers, prodSizing.objectStore.nodes);
    assert.equal(pool.volumesPerServer, prodSizing.objectStore.drivesPerNode);
    assert.equal(pool.volumeClaimTemplate.spec.resources.requests.storage, `${prodSizing.objectStore.driveSizeGi}Gi`);
    assert.deepEqual((get(tenant.inputs, "spec.buckets") as any[]).map((b) => b.name).sort(), ["matrix-backups", "synapse-li-media", "synapse-media"]);
    const config = ofType(run, "kubernetes:core/v1:Secret").find((s) => get(s.inputs, "metadata.name") === "object-store-env-configuration")!;
    const env = (unwrapSecrets(config.inputs) as any).stringData["config.env"] as string;
    assert.match(env, new RegExp(`MINIO_STORAGE_CLASS_STANDARD="EC:${erasureParity(pool.servers * pool.volumesPerServer)}"`));
    // Versioning and lifecycle on every bucket, applied by a Job with the same (overridable) image.
    const job = ofType(run, "kubernetes:batch/v1:Job").find((j) => j.name.includes("bucket-settings"))!;
    assert.equal(get(job.inputs, "spec.template.spec.containers.0.image"), get(tenant.inputs, "spec.image"));
    const settings = ofType(run, "kubernetes:core/v1:ConfigMap").find((c) => get(c.inputs, "metadata.name") === "object-store-bucket-settings")!;
    const script = get(settings.inputs, "data")["configure.sh"] as string;
    assert.match(script, /mc version enable "local\/\$b"/);
    assert.equal(JSON.parse(get(settings.inputs, "data")["synapse-li-media.json"]).Rules[0].NoncurrentVersionExpiration.NoncurrentDays, 365);
    // Dev: a single node still gets the 4 drives erasure coding needs.
    assert.deepEqual(minioLayout({ nodes: 1, drivesPerNode: 1, driveSizeGi: 10, capacityGi: 10 }), { servers: 1, volumesPerServer: 4, drives: 4 });
  });

  it("sizes each MinIO server pod as sizing packed it on the media tier", async () => {
    for (const [run, sizing] of [[await prod(), prodSizing], [await dev(), fixtureSizing(false)]] as const) {
      const pool = (get(one(run, "kubernetes:minio.min.io/v2:Tenant").inputs, "spec.pools") as any[])[0];
      const planned = minioServerPod(sizing.ccu);
      assert.deepEqual(pool.resources.requests, { cpu: `${planned.cpuMillis}m`, memory: `${planned.memoryMi}Mi` });
      // Memory is capped at what was packed; CPU may burst above the request.
      assert.equal(pool.resources.limits.memory, `${planned.memoryMi}Mi`);
      assert.ok(parseInt(pool.resources.limits.cpu, 10) > planned.cpuMillis, pool.resources.limits.cpu);
    }
    // The fixture's 5k prod and 100 CCU dev land on the series' profile points.
    assert.deepEqual(minioServerPod(5000), { cpuMillis: 2000, memoryMi: 8192 });
    assert.deepEqual(minioServerPod(100), { cpuMillis: 500, memoryMi: 2048 });
  });

  it("gives Synapse one stable Redis endpoint in front of a Sentinel-managed set", async () => {
    const run = await prod();
    const p = run.outputs.platform as any;
    assert.equal(p.redis.host, "redis.matrix-data.svc.cluster.local");
    assert.equal(p.redis.port, 6379);
    const sts = one(run, "kubernetes:apps/v1:StatefulSet");
    assert.ok((get(sts.inputs, "spec.replicas") as number) >= 3, "three nodes for a Sentinel quorum in production");
    assert.deepEqual((get(sts.inputs, "spec.template.spec.containers") as any[]).map((c) => c.name), ["redis", "sentinel"]);
    const service = ofType(run, "kubernetes:core/v1:Service").find((s) => get(s.inputs, "metadata.name") === "redis")!;
    assert.deepEqual(get(service.inputs, "spec.selector"), p.redis.network.podLabels, "master Service selects the HAProxy front");
    // The HAProxy config routes only to role:master. Its checks log in with the password from
    // the proxy's environment (from the auth Secret), so the config is a ConfigMap with no secret.
    const cfg = ofType(run, "kubernetes:core/v1:ConfigMap").find((s) => get(s.inputs, "metadata.name") === "redis-proxy-config")!;
    const text = get(cfg.inputs, "data")["haproxy.cfg"] as string;
    assert.match(text, /tcp-check expect string role:master/);
    assert.match(text, /tcp-check send "AUTH \$\{REDIS_PASSWORD\}\\r\\n"/);
    const proxy = ofType(run, "kubernetes:apps/v1:Deployment").find((d) => get(d.inputs, "metadata.name") === "redis-proxy")!;
    const env = (get(proxy.inputs, "spec.template.spec.containers") as any[])[0].env as any[];
    const auth = ofType(run, "kubernetes:core/v1:Secret").find((s) => get(s.inputs, "metadata.name") === env.find((e) => e.name === "REDIS_PASSWORD").valueFrom.secretKeyRef.name);
    assert.ok(auth, "REDIS_PASSWORD comes from a Secret of the stack");
    assert.equal((text.match(/^\s+server redis-\d /gm) ?? []).length, get(sts.inputs, "spec.replicas"));
    // An isolated old primary refuses writes (no split brain behind the proxy).
    const conf = ofType(run, "kubernetes:core/v1:ConfigMap").find((c) => get(c.inputs, "metadata.name") === "redis-config")!;
    assert.match(get(conf.inputs, "data")["redis.conf"], /^min-replicas-to-write 1$/m);
  });

  it("keeps the data namespace closed: default-deny, and no rule admits the main or LI namespace wholesale", async () => {
    const run = await prod();
    const policies = ofType(run, "kubernetes:networking.k8s.io/v1:NetworkPolicy").filter((p) => get(p.inputs, "metadata.namespace") === "matrix-data");
    assert.ok(policies.length > 0);
    assert.ok(policies.some((p) => (get(p.inputs, "spec.policyTypes") as string[]).includes("Ingress") && JSON.stringify(get(p.inputs, "spec.podSelector")) === "{}" && ((get(p.inputs, "spec.ingress") as unknown[] | undefined) ?? []).length === 0), "default-deny ingress");
    for (const p of policies) {
      for (const rule of (get(p.inputs, "spec.ingress") as any[] | undefined) ?? []) {
        for (const peer of rule.from ?? []) {
          const ns = peer.namespaceSelector?.matchLabels?.["kubernetes.io/metadata.name"];
          if (ns === "matrix" || ns === "matrix-li") assert.ok(peer.podSelector && Object.keys(peer.podSelector.matchLabels ?? {}).length > 0, `${p.name} admits all of ${ns}`);
        }
      }
    }
    // Clients are told exactly which pods they may reach.
    const platform = run.outputs.platform as any;
    assert.deepEqual(platform.databases.synapseLi.network.podLabels, { "cnpg.io/cluster": "matrix-pg-li" });
    assert.deepEqual(platform.databases.synapse.network.podLabels, { "cnpg.io/cluster": "matrix-pg" });
  });

  it("copies the database backups off-site with rclone every five minutes, keys only in a Secret, egress only to the endpoint", async () => {
    const run = await prod();
    const job = one(run, "kubernetes:batch/v1:CronJob", "offsite-backup");
    assert.equal(get(job.inputs, "spec.schedule"), "*/5 * * * *");
    assert.equal(get(job.inputs, "spec.concurrencyPolicy"), "Forbid");
    const pod = get(job.inputs, "spec.jobTemplate.spec.template");
    assert.match(pod.spec.containers[0].image, /^registry\.internal:5000\/mirror\/rclone\/rclone:/);
    const config = ofType(run, "kubernetes:core/v1:ConfigMap").find((c) => c.name.includes("offsite-backup"))!;
    const data = (unwrapSecrets(config.inputs) as any).data as Record<string, string>;
    const conf = data["rclone.conf"];
    assert.match(conf, /endpoint = https:\/\/backup\.dc2\.example\.com:9000/);
    assert.match(conf, /endpoint = https:\/\/minio\.matrix-data\.svc\.cluster\.local/);
    // rclone adds the internal CA (ca.crt only) to the system roots: MinIO and a public off-site endpoint both verify.
    const rclone = pod.spec.containers[0];
    assert.equal(rclone.env.find((e: { name: string }) => e.name === "SSL_CERT_DIR").value, "/ca");
    assert.deepEqual(pod.spec.volumes.find((v: { name: string }) => v.name === "ca").secret.items, [{ key: "ca.crt", path: "ca.crt" }]);
    assert.match(data["copy.sh"], /rclone copy cluster:matrix-backups\/cnpg offsite:matrix-offsite\/cnpg /);
    assert.ok(!JSON.stringify(unwrapSecrets(config.inputs)).includes("off-site-secret-access-key-1234"), "no key in the ConfigMap");
    const secret = ofType(run, "kubernetes:core/v1:Secret").find((c) => c.name.includes("offsite-backup"))!;
    assert.ok(isSecretValue(secret.inputs.stringData), "the credentials file is a secret input");
    const keys = (unwrapSecrets(secret.inputs) as any).stringData as Record<string, string>;
    assert.equal(keys.RCLONE_CONFIG_OFFSITE_ACCESS_KEY_ID, "OFFSITEKEYID");
    assert.equal(keys.RCLONE_CONFIG_OFFSITE_SECRET_ACCESS_KEY, "off-site-secret-access-key-1234");
    assert.match(keys.RCLONE_CONFIG_CLUSTER_SECRET_ACCESS_KEY, /^\S{20,}$/, "the in-cluster backup user's generated key");
    // The keys reach rclone through the Secret only: envFrom it, and no literal key in the pod.
    assert.equal(pod.spec.containers[0].envFrom.length, 1);
    assert.ok("secretRef" in pod.spec.containers[0].envFrom[0]);
    assert.ok(!JSON.stringify(unwrapSecrets(job.inputs)).includes("off-site-secret-access-key-1234"), "no key in the CronJob");

    const policies = ofType(run, "kubernetes:networking.k8s.io/v1:NetworkPolicy").map((p) => unwrapSecrets(p.inputs) as NetworkPolicyManifest);
    const copyPod = { namespace: "matrix-data", labels: pod.metadata.labels };
    const minioPod = { namespace: "matrix-data", labels: { "v1.min.io/tenant": "object-store" } };
    assert.ok(isFlowAllowed(policies, copyPod, minioPod, 9000), "the copy reads MinIO");
    assert.ok(isFlowAllowed(policies, copyPod, { ip: "198.51.100.7" }, 9000), "the copy reaches the off-site endpoint's range on its port");
    assert.ok(!isFlowAllowed(policies, copyPod, { ip: "198.51.100.7" }, 443), "on no other port");
    assert.ok(!isFlowAllowed(policies, copyPod, { ip: "203.0.113.9" }, 9000), "and nowhere else");

    const devJobs = ofType(await dev(), "kubernetes:batch/v1:CronJob").filter((j) => j.name.includes("offsite"));
    assert.deepEqual(devJobs.map((j) => j.name), [], "dev without off-site keys has no copy job");
  });

  it("installs cert-manager, Envoy Gateway, CloudNativePG (+ Barman Cloud plugin) and the MinIO operator from the overridden repository", async () => {
    const run = await prod();
    const releases = ofType(run, "kubernetes:helm.sh/v3:Release");
    assert.deepEqual(releases.map((r) => r.inputs.name).sort(), ["barman-cloud", "cert-manager", "cnpg", "envoy-gateway", "minio-operator"]);
    for (const r of releases) {
      assert.match(r.inputs.chart as string, /^oci:\/\/registry\.internal:5000\/charts\//, `${r.name} from the site repository`);
    }
    const cm = releases.find((r) => r.inputs.name === "cert-manager")!;
    assert.equal(cm.inputs.version, CHARTS.certManager.version);
    assert.equal(get(cm.inputs, "values.imageRegistry"), "registry.internal:5000/mirror");
    assert.equal(get(cm.inputs, "values.config.enableGatewayAPI"), true);
    const cnpg = releases.find((r) => r.inputs.name === "cnpg")!;
    assert.match(get(cnpg.inputs, "values.config.data.POSTGRES_IMAGE_NAME"), /^registry\.internal:5000\/mirror\/cloudnative-pg\/postgresql:\d+/);
    assert.equal(get(cnpg.inputs, "values.image.repository"), "registry.internal:5000/mirror/cloudnative-pg/cloudnative-pg");
  });

  it("issues edge certificates from ACME via the Gateway in prod and from a self-signed CA in dev", async () => {
    const acme = ofType(await prod(), "kubernetes:cert-manager.io/v1:ClusterIssuer").find((i) => get(i.inputs, "spec.acme") !== undefined)!;
    assert.equal(get(acme.inputs, "spec.acme.email"), "ops@example.com");
    assert.equal(get(acme.inputs, "spec.acme.solvers.0.http01.gatewayHTTPRoute.parentRefs.0.name"), "matrix");
    const devIssuers = ofType(await dev(), "kubernetes:cert-manager.io/v1:ClusterIssuer").map((i) => get(i.inputs, "metadata.name")).sort();
    // (The internal CA's two issuers sign only in-cluster servers' certificates.)
    assert.deepEqual(devIssuers, ["matrix-ca", "matrix-internal-ca", "matrix-internal-ca-bootstrap", "selfsigned-bootstrap"]);
    const ca = ofType(await dev(), "kubernetes:cert-manager.io/v1:Certificate").find((c) => get(c.inputs, "metadata.name") === "matrix-root-ca")!;
    assert.equal(get(ca.inputs, "spec.isCA"), true);
  });

  it("runs an internal CA owned by cert-manager, and MinIO serves a certificate from it that the operator trusts", async () => {
    const run = await prod();
    const certs = ofType(run, "kubernetes:cert-manager.io/v1:Certificate");
    const byName = (n: string) => certs.find((c) => get(c.inputs, "metadata.name") === n)!;
    const ca = byName("matrix-internal-ca");
    assert.equal(get(ca.inputs, "spec.isCA"), true);
    assert.equal(get(ca.inputs, "metadata.namespace"), "cert-manager");
    assert.equal(get(ca.inputs, "spec.issuerRef.name"), "matrix-internal-ca-bootstrap");
    const issuer = ofType(run, "kubernetes:cert-manager.io/v1:ClusterIssuer").find((i) => get(i.inputs, "metadata.name") === "matrix-internal-ca")!;
    assert.deepEqual(get(issuer.inputs, "spec.ca"), { secretName: "matrix-internal-ca" });
    const server = byName("object-store-tls");
    assert.equal(get(server.inputs, "spec.issuerRef.name"), "matrix-internal-ca");
    const names = get(server.inputs, "spec.dnsNames") as string[];
    assert.ok(names.includes("minio.matrix-data.svc.cluster.local") && names.includes("*.object-store-hl.matrix-data.svc.cluster.local"), names.join(","));
    const tenant = one(run, "kubernetes:minio.min.io/v2:Tenant");
    assert.equal(get(tenant.inputs, "spec.requestAutoCert"), false);
    assert.deepEqual(get(tenant.inputs, "spec.externalCertSecret"), [{ name: "object-store-tls", type: "cert-manager.io/v1" }]);
    const trust = byName("operator-ca-tls-object-store");
    assert.equal(get(trust.inputs, "metadata.namespace"), "operators");
    assert.equal(get(trust.inputs, "spec.issuerRef.name"), "matrix-internal-ca");
  });

  it("puts the edge proxies on the edge tier with the sized replica count and TLS 1.3", async () => {
    const run = await prod();
    const proxy = one(run, "kubernetes:gateway.envoyproxy.io/v1alpha1:EnvoyProxy");
    const dep = get(proxy.inputs, "spec.provider.kubernetes.envoyDeployment");
    assert.equal(dep.replicas, prodSizing.components.edgeProxy.replicas);
    assert.deepEqual(dep.pod.nodeSelector, { "matrix-platform.io/tier": "edge" });
    const tls = one(run, "kubernetes:gateway.envoyproxy.io/v1alpha1:ClientTrafficPolicy");
    assert.equal(get(tls.inputs, "spec.tls.minVersion"), "1.3");
    const listeners = get(one(run, "kubernetes:gateway.networking.k8s.io/v1:Gateway").inputs, "spec.listeners") as any[];
    const hosts = listeners.filter((l) => l.protocol === "HTTPS").map((l) => l.hostname);
    // LI is on in this spec: its host gets a listener; TURN never does (no HTTP).
    assert.ok(hosts.includes(prodSpec.hosts.matrix) && hosts.includes(prodSpec.hosts.liMatrix) && !hosts.includes(prodSpec.hosts.turn));
    // With LI off (the default, dev here) its host gets none.
    const devSpec = specFor("dev", { platform: "existing" });
    const devListeners = get(one(await dev(), "kubernetes:gateway.networking.k8s.io/v1:Gateway").inputs, "spec.listeners") as any[];
    assert.ok(!devListeners.some((l) => l.hostname === devSpec.hosts.liMatrix));
  });
});
