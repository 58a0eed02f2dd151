import { strict as assert } from "assert";
import { CHARTS, chartList, chartSource } from "../../catalog/charts";
import { bootstrapSql } from "../../components/data/postgres-bootstrap";
import { erasureParity, minioLayout } from "../../components/data/minio";
import { gatewayHosts } from "../../components/platform/addons";
import { DATABASE_SPECS, databasesOn } from "../../components/contracts";
import { postgresTuning } from "../../sizing/postgres-tuning";
import { placementFor } from "../../components/platform/placement";
import { overrideRegistry } from "../../catalog/images";
import { DATABASES } from "../../components/contracts";
import { fixtureSizing, specFor } from "./fixtures";

describe("platform: pure helpers", () => {
  it("resolves charts against the public repository, an OCI mirror or an https mirror", () => {
    assert.deepEqual(chartSource("certManager"), { chart: "cert-manager", version: CHARTS.certManager.version, repo: "https://charts.jetstack.io" });
    assert.deepEqual(chartSource("envoyGateway"), { chart: "oci://docker.io/envoyproxy/gateway-helm", version: CHARTS.envoyGateway.version });
    assert.deepEqual(chartSource("cloudnativePg", "oci://mirror:5000/charts/"), { chart: "oci://mirror:5000/charts/cloudnative-pg", version: CHARTS.cloudnativePg.version });
    assert.deepEqual(chartSource("envoyGateway", "https://charts.internal"), { chart: "gateway-helm", version: CHARTS.envoyGateway.version, repo: "https://charts.internal" });
    assert.equal(chartList().length, Object.keys(CHARTS).length);
    for (const c of Object.values(CHARTS)) assert.match(c.version, /^v?\d+\.\d+\.\d+$/, `${c.chart} pinned to an exact version`);
  });

  it("rewrites an image's registry host and keeps its path", () => {
    assert.equal(overrideRegistry("quay.io/minio/minio:RELEASE.x", "reg:5000/m"), "reg:5000/m/minio/minio:RELEASE.x");
    assert.equal(overrideRegistry("library/redis:7", "reg"), "reg/library/redis:7");
    assert.equal(overrideRegistry("quay.io/minio/minio:x"), "quay.io/minio/minio:x");
  });

  it("places a tier on its pool and falls back to the system pool when sizing folds the tier away", () => {
    const sizing = fixtureSizing(true);
    assert.deepEqual(placementFor(sizing, "database").nodeSelector, { "matrix-platform.io/tier": "database" });
    const folded = { ...sizing, nodePools: sizing.nodePools.filter((p) => p.tier !== "database") };
    assert.deepEqual(placementFor(folded, "database"), { nodeSelector: { "matrix-platform.io/tier": "system" }, tolerations: [] });
    assert.deepEqual(placementFor({ ...sizing, nodePools: [] }, "edge"), { nodeSelector: {}, tolerations: [] });
  });

  it("keeps LI on its own server and every consumer on its own database and owner", () => {
    assert.deepEqual(databasesOn("li"), ["synapseLi"]);
    assert.deepEqual([...databasesOn("main"), ...databasesOn("li")].sort(), [...DATABASES].sort());
    assert.equal(new Set(Object.values(DATABASE_SPECS).map((d) => d.owner)).size, DATABASES.length);
  });

  it("writes idempotent bootstrap SQL: role, password from the environment, C-collated database, no PUBLIC connect", () => {
    const sql = bootstrapSql("synapse");
    assert.match(sql, /\\getenv pw PW_SYNAPSE/);
    assert.match(sql, /WHERE NOT EXISTS \(SELECT FROM pg_roles WHERE rolname = :'owner'\) \\gexec/);
    assert.match(sql, /TEMPLATE template0 ENCODING %L LC_COLLATE %L LC_CTYPE %L', :'db', :'owner', 'UTF8', 'C', 'C'\) WHERE NOT EXISTS/);
    assert.match(sql, /REVOKE ALL ON DATABASE :"db" FROM PUBLIC;/);
    assert.ok(!/PASSWORD '/.test(sql), "no literal password in the script");
  });

  it("tunes PostgreSQL from memory and connection budget", () => {
    const t = postgresTuning(64, 800);
    assert.equal(t.max_connections, "800");
    assert.equal(t.shared_buffers, "16384MB");
    assert.equal(t.effective_cache_size, "49152MB");
    assert.ok(parseInt(t.work_mem, 10) >= 4);
  });

  it("sizes MinIO erasure sets with at least four drives and more parity as they grow", () => {
    assert.equal(minioLayout({ nodes: 2, drivesPerNode: 1, driveSizeGi: 1, capacityGi: 1 }).drives, 4);
    assert.deepEqual(minioLayout({ nodes: 6, drivesPerNode: 4, driveSizeGi: 1, capacityGi: 1 }), { servers: 6, volumesPerServer: 4, drives: 24 });
    assert.deepEqual([4, 6, 16].map(erasureParity), [2, 3, 4]);
  });

  it("gives the Gateway an HTTPS listener per deployed HTTP service only", () => {
    // Switches on for the hosts' systems (gatewayHosts reads the registry; only the program refuses unbuilt systems).
  const all = gatewayHosts(specFor("prod", { environment: "prod", acmeEmail: "a@b.cd", li: "true", monitoring: "true", rtc: "true" })).map((h) => h.key);
    assert.ok(!all.includes("turn"));
    assert.ok(all.includes("liMatrix") && all.includes("grafana") && all.includes("rtc"));
    const lean = gatewayHosts(specFor("dev", {})).map((h) => h.key);
    assert.deepEqual(lean.sort(), ["admin", "delegation", "element", "matrix"]);
  });
});
