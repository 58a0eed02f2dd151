/**
 * Every metric name an alert or a dashboard reads has a source: the loopback scrape for the
 * jobs that run here (checked in tests/e2e/e2e.test.ts), otherwise an entry of
 * DOCUMENTED_METRICS — and the entries that name a file of a Go module the provisioning
 * downloads (CloudNativePG, cert-manager: scripts/provision.d/30-validators.sh) are checked
 * against that file.
 */
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { deadQueries, deadQueriesOf, DOCUMENTED_METRICS, undocumentedNames, usedMetricNames } from "../../components/monitoring/metric-sources";

const MODCACHE = execFileSync("go", ["env", "GOMODCACHE"], { encoding: "utf8" }).trim();
const moduleFile = (source: string) => {
  const [mod, file] = source.split(":");
  return path.join(MODCACHE, mod, file);
};

describe("metric names of the alerts and dashboards", () => {
  it("come from a loopback job or a documented source, and every documented name is read", () => {
    assert.deepEqual(undocumentedNames(), []);
    const used = new Set(usedMetricNames().map((u) => u.name));
    assert.deepEqual(Object.keys(DOCUMENTED_METRICS).filter((n) => !used.has(n)), []);
  });

  it("flags a name the loopback scrape does not expose", () => {
    const dead = deadQueries({ synapse: ["synapse_http_server_response_time_seconds_bucket"], haproxy: [], redis: [] });
    assert.ok(dead.some((d) => d.startsWith("haproxy_backend_active_servers ")), dead.join("\n"));
    assert.ok(!dead.some((d) => d.startsWith("synapse_http_server_response_time_seconds_bucket ")));
  });

  it("flags a LiveKit name its scrape does not expose (the validator's check)", () => {
    const dead = deadQueriesOf("livekit", ["livekit_room_total"]);
    assert.ok(dead.some((d) => d.startsWith("livekit_participant_total ")), dead.join("\n"));
    assert.ok(!dead.some((d) => d.startsWith("livekit_room_total ")));
  });

  it("CloudNativePG defines each cnpg_* name read (default monitoring queries, collector metrics)", () => {
    // A ConfigMap whose `queries` key holds the queries file.
    const configMap = parse(fs.readFileSync(moduleFile("github.com/cloudnative-pg/cloudnative-pg@v1.30.1:config/manager/default-monitoring.yaml"), "utf8")) as { data: { queries: string } };
    const queries = parse(configMap.data.queries) as Record<string, { metrics: Record<string, { usage: string }>[] }>;
    const fromQueries = new Set(Object.entries(queries).flatMap(([q, def]) => def.metrics.flatMap((m) => Object.entries(m).filter(([, v]) => !["LABEL", "DISCARD"].includes(v.usage)).map(([col]) => `cnpg_${q}_${col}`))));
    const collector = fs.readFileSync(moduleFile("github.com/cloudnative-pg/cloudnative-pg@v1.30.1:pkg/management/postgres/webserver/metricserver/pg_collector.go"), "utf8");
    for (const [name, source] of Object.entries(DOCUMENTED_METRICS).filter(([n]) => n.startsWith("cnpg_"))) {
      if (source.endsWith("default-monitoring.yaml")) assert.ok(fromQueries.has(name), `${name} is no default query's metric`);
      else assert.match(collector, new RegExp(`Name:\\s*"${name.replace(/^cnpg_collector_/, "")}"`), name);
    }
  });

  it("cert-manager defines each certmanager_* name read", () => {
    for (const [name, source] of Object.entries(DOCUMENTED_METRICS).filter(([n]) => n.startsWith("certmanager_"))) {
      assert.ok(fs.readFileSync(moduleFile(source), "utf8").includes(`"${name}"`), name);
    }
  });
});
