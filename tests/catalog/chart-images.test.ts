/**
 * The images the pinned charts and operators pull (catalog/image-list.ts CHART_IMAGES) are the
 * ones the charts' own sources name (tests/fixtures/chart-images.json, read from each chart at
 * its pinned version), and with `imageRegistry` set the releases' values put the mirror where
 * each chart's templates read it, so nothing of a chart is pulled from the internet.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { CHARTS, type ChartName } from "../../catalog/charts";
import { CHART_IMAGES } from "../../catalog/image-list";
import { imageRef } from "../../catalog/images";
import { unwrapSecrets } from "../../stacks/mock-engine";
import { runStack, type StackRun } from "../helpers/run-stack";

interface ChartFixture {
  version: string;
  readFrom: string;
  images: string[];
  overrides: Record<string, string>;
  proxyImageFollowsGlobalRegistry?: boolean;
  off: { image: string; why: string }[];
}

const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, "../fixtures/chart-images.json"), "utf8")) as Record<string, ChartFixture | string>;
const charts = Object.keys(CHARTS) as ChartName[];
const MIRROR = "mirror.example.internal:5000/platform";

function at(values: unknown, dotted: string): unknown {
  return dotted.split(".").reduce<unknown>((v, k) => (v && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined), values);
}

function releaseValues(run: StackRun, chart: ChartName): unknown {
  const spec = CHARTS[chart];
  const release = run.resources.find((r) => {
    if (r.type !== "kubernetes:helm.sh/v3:Release") return false;
    const c = String((r.inputs as { chart?: unknown }).chart ?? "");
    return c === spec.chart || c.endsWith(`/${spec.chart}`);
  });
  assert.ok(release, `no Helm release of ${chart}`);
  return (unwrapSecrets(release.inputs) as { values: unknown }).values;
}

describe("chart images: the catalogue matches the pinned charts", () => {
  for (const chart of charts) {
    it(`${chart}: the fixture was read at the pinned version and lists what the catalogue lists`, () => {
      const f = fixture[chart] as ChartFixture | undefined;
      assert.ok(f, `tests/fixtures/chart-images.json has no entry for ${chart}`);
      assert.equal(f.version, CHARTS[chart].version, `${chart}: pinned ${CHARTS[chart].version}, fixture read at ${f.version}; re-read the chart`);
      const catalogue = CHART_IMAGES[chart].map((n) => imageRef(n)).sort();
      assert.deepEqual(catalogue, [...f.images].sort());
      // Nothing the chart leaves off is listed, and nothing is both on and off.
      for (const off of f.off) assert.ok(!catalogue.includes(off.image), `${chart}: ${off.image} is off (${off.why}) but listed`);
    });
  }
});

describe("chart images: with imageRegistry the charts pull from the mirror", function () {
  this.timeout(300_000);
  let existing: StackRun;
  let aws: StackRun;
  before(async () => {
    existing = await runStack("prod-existing-1k", { imageRegistry: MIRROR, monitoring: "true" });
    aws = await runStack("prod-aws-1k", { imageRegistry: MIRROR });
  });

  for (const chart of charts) {
    it(`${chart}: the values the chart composes its images from name the mirror`, () => {
      const f = fixture[chart] as ChartFixture;
      const values = releaseValues(chart === "clusterAutoscaler" ? aws : existing, chart);
      for (const [key, want] of Object.entries(f.overrides)) assert.equal(at(values, key), want.replace("{mirror}", MIRROR), `${chart}: values.${key}`);
    });
  }

  it("the Envoy proxy image (which ignores global.imageRegistry) is named on the EnvoyProxy resource, from the mirror", () => {
    assert.equal((fixture.envoyGateway as ChartFixture).proxyImageFollowsGlobalRegistry, false);
    const proxy = existing.resources.find((r) => r.type === "kubernetes:gateway.envoyproxy.io/v1alpha1:EnvoyProxy");
    assert.ok(proxy, "no EnvoyProxy resource");
    const image = at(unwrapSecrets(proxy.inputs), "spec.provider.kubernetes.envoyDeployment.container.image");
    assert.equal(image, imageRef("envoyProxy", MIRROR));
  });

  it("the MinIO operator injects its sidecar from the mirror", () => {
    const env = at(releaseValues(existing, "minioOperator"), "operator.env") as { name: string; value: string }[];
    assert.deepEqual(env.find((e) => e.name === "OPERATOR_SIDECAR_IMAGE")?.value, imageRef("minioSidecar", MIRROR));
  });
});
