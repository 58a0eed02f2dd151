/**
 * `addonCharts`: local chart directories / archives in place of the chart repository, per add-on
 * (air-gapped sites). The key's shape, the stack-level rule (only add-ons the stack installs),
 * the filesystem check before any resource (the pinned chart and version at the path), and what
 * the Helm releases then register.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ADDONS } from "../../catalog/addons";
import { CHARTS } from "../../catalog/charts";
import { PLATFORM_ARTIFACTS } from "../../catalog/image-list";
import { systemEntry } from "../../catalog/components";
import { installedAddons } from "../../config/addon-chart-keys";
import { PLATFORMS } from "../../config/keys";
import { ConfigValidationError, parseSpec, PROJECT } from "../../config";
import { loadStackConfig } from "../../stacks/stack-config";
import { assertLocalCharts, localChartProblem } from "../../stacks/local-charts";
import { runStack } from "../helpers/run-stack";

const P = PROJECT;
const refusal = (raw: Record<string, string>, stack = "dev"): ConfigValidationError => {
  try {
    parseSpec({ ...loadStackConfig(stack), ...Object.fromEntries(Object.entries(raw).map(([k, v]) => [`${P}:${k}`, v])) }, stack);
  } catch (e) {
    if (e instanceof ConfigValidationError) return e;
    throw e;
  }
  assert.fail(`accepted ${JSON.stringify(raw)}`);
};

/** A chart directory with this Chart.yaml name and version, in a fresh temporary directory. */
function chartDir(name: string, version: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "chart-"));
  fs.writeFileSync(path.join(dir, "Chart.yaml"), `apiVersion: v2\nname: ${name}\nversion: ${version}\n`);
  return dir;
}

describe("config: addonCharts", () => {
  it("reads add-on=path pairs into the spec, and defaults to none", () => {
    const spec = parseSpec({ ...loadStackConfig("dev"), [`${P}:addonCharts`]: "cert-manager=/srv/charts/cert-manager-v1.21.2.tgz, envoy-gateway=/srv/charts/gateway-helm" }, "dev");
    assert.deepEqual(spec.addonCharts, { "cert-manager": "/srv/charts/cert-manager-v1.21.2.tgz", "envoy-gateway": "/srv/charts/gateway-helm" });
    assert.deepEqual(parseSpec(loadStackConfig("dev"), "dev").addonCharts, {});
  });

  for (const [what, value] of [
    ["a relative path", "cert-manager=charts/cert-manager"],
    ["an unknown add-on", "ingress-nginx=/srv/charts/ingress-nginx"],
    ["an add-on twice", "cert-manager=/a,cert-manager=/b"],
    ["a path climbing with ..", "cert-manager=/srv/../etc"],
    ["a pair without =", "cert-manager"],
    ["an empty pair", "cert-manager=/srv/a,"],
    ["a path with a space", "cert-manager=/srv/my charts/cm"],
  ] as const) {
    it(`refuses ${what}, naming the key, the value and the form`, () => {
      const err = refusal({ addonCharts: value });
      const problem = err.problems.find((p) => p.key === `${P}:addonCharts`)!;
      assert.equal(problem.value, value);
      assert.match(problem.allowed, /add-on=path pairs.*add-ons: cert-manager, envoy-gateway/);
      assert.ok(err.message.includes(JSON.stringify(value)));
    });
  }

  it("refuses a chart for an add-on the stack does not install, naming those it does", () => {
    const aws = refusal({ addonCharts: "cloudnative-pg=/srv/charts/cloudnative-pg" }, "prod");
    assert.match(aws.problems.find((p) => p.key === `${P}:addonCharts`)!.allowed, /does not install cloudnative-pg \(platform aws/);
    const noMonitoring = refusal({ addonCharts: "loki=/srv/charts/loki", monitoring: "false" });
    assert.match(noMonitoring.problems.find((p) => p.key === `${P}:addonCharts`)!.allowed, /installs \(cert-manager, envoy-gateway, cloudnative-pg, barman-cloud-plugin, minio-operator\); it does not install loki \(platform existing, monitoring off\)/);
  });
});

describe("the add-ons a stack installs", () => {
  it("are the charts the catalogue lists per platform, plus the monitoring system's while it is deployed", () => {
    for (const platform of PLATFORMS) {
      for (const monitoring of [false, true]) {
        const charts = installedAddons(platform, monitoring).map((a) => ADDONS[a].chart).sort();
        const expected = [...PLATFORM_ARTIFACTS[platform].charts, ...(monitoring ? systemEntry("monitoring").charts ?? [] : [])].sort();
        assert.deepEqual(charts, expected, `${platform}, monitoring ${monitoring}`);
      }
    }
  });
});

describe("local charts on the deploying machine", () => {
  const cm = CHARTS.certManager;
  it("accepts a directory holding the pinned chart and version, and the archive helm pull names", () => {
    assert.equal(localChartProblem("cert-manager", chartDir(cm.chart, cm.version)), undefined);
    const archive = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "charts-")), `${cm.chart}-${cm.version}.tgz`);
    fs.writeFileSync(archive, "");
    assert.equal(localChartProblem("cert-manager", archive), undefined);
  });

  it("names what the path holds against what the add-on needs", () => {
    assert.match(localChartProblem("cert-manager", chartDir(cm.chart, "v1.19.0"))!, new RegExp(`holds the cert-manager chart at version v1.19.0; cert-manager needs the cert-manager chart at version ${cm.version}`));
    assert.match(localChartProblem("cert-manager", chartDir("gateway-helm", cm.version))!, /holds the gateway-helm chart/);
    assert.match(localChartProblem("cert-manager", "/nonexistent/cert-manager")!, new RegExp(`does not exist on this machine.*${cm.chart}-${cm.version}\\.tgz`));
    const wrongName = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "charts-")), "cert-manager.tgz");
    fs.writeFileSync(wrongName, "");
    assert.match(localChartProblem("cert-manager", wrongName)!, new RegExp(`is not ${cm.chart}-${cm.version}\\.tgz`));
    assert.match(localChartProblem("cert-manager", fs.mkdtempSync(path.join(os.tmpdir(), "empty-")))!, /no readable Chart.yaml/);
  });

  it("fails the run as a config error naming addonCharts, before any resource", () => {
    assert.throws(() => assertLocalCharts({ addonCharts: { "cert-manager": "/nonexistent/cm" } }), (e: unknown) => e instanceof ConfigValidationError && /matrix-platform:addonCharts = "cert-manager=\/nonexistent\/cm" is not allowed: \/nonexistent\/cm does not exist/.test(e.message));
    assert.doesNotThrow(() => assertLocalCharts({ addonCharts: {} }));
  });

  it("installs the add-on from the path: no repository, no version lookup; the others unchanged", async () => {
    const dir = chartDir(cm.chart, cm.version);
    const run = await runStack("dev", { addonCharts: `cert-manager=${dir}` });
    const releases = run.resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release");
    const certManager = releases.find((r) => r.inputs.name === "cert-manager")!;
    assert.equal(certManager.inputs.chart, dir);
    assert.equal(certManager.inputs.version, undefined);
    assert.equal(certManager.inputs.repositoryOpts, undefined);
    const gateway = releases.find((r) => r.inputs.name === "envoy-gateway")!;
    assert.equal(gateway.inputs.chart, `${CHARTS.envoyGateway.repository}/${CHARTS.envoyGateway.chart}`);
    assert.equal(gateway.inputs.version, CHARTS.envoyGateway.version);
  });
});
