/**
 * The real charts, rendered: `helm template` of the pinned cert-manager and Envoy Gateway charts
 * (their sources from the Go modules at the pinned versions, prepared as each project's release
 * tooling does) with the values the program passes under `imageRegistry`, checked against the
 * catalogue's list for those charts. The Envoy proxy image is compiled into Envoy Gateway, so its
 * default is read from the same module's source. Provisioned by scripts/provision.d/57-helm.sh.
 */
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CHARTS, type ChartName } from "../../catalog/charts";
import { CHART_IMAGES } from "../../catalog/image-list";
import { IMAGES, imageRef } from "../../catalog/images";
import { unwrapSecrets } from "../../stacks/mock-engine";
import { TOOL_CACHE } from "../../scripts/tool-cache";
import { runStack, type StackRun } from "../helpers/run-stack";

const HELM = path.join(TOOL_CACHE, "bin", "helm");
const MIRROR = "registry.internal:5000/mirror";
const offImages = (JSON.parse(fs.readFileSync(path.join(__dirname, "../fixtures/chart-images.json"), "utf8")) as Record<string, { off?: { image: string }[] }>);

/** The module's directory in the Go module cache; offline, so a missing download is a provisioning gap. */
function moduleDir(module: string, version: string): string {
  let out: string;
  try {
    out = execFileSync("go", ["mod", "download", "-json", `${module}@${version}`], { cwd: TOOL_CACHE, encoding: "utf8", env: { ...process.env, GOFLAGS: "-mod=mod", GOPROXY: "off" } });
  } catch (e) {
    throw new Error(`${module}@${version} is not in the Go module cache: run bash scripts/provision.sh (${(e as { stdout?: string }).stdout ?? e})`);
  }
  return (JSON.parse(out) as { Dir: string }).Dir;
}

/** A writable copy of a chart directory with its release-time fields filled in. */
function prepareChart(src: string, version: string, values?: (tmpl: string) => string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "chart-"));
  fs.cpSync(src, dir, { recursive: true });
  execFileSync("chmod", ["-R", "u+w", dir]);
  const chartYaml = path.join(dir, "Chart.yaml");
  fs.writeFileSync(chartYaml, fs.readFileSync(chartYaml, "utf8").replace(/^version:.*$/m, `version: ${version}`).replace(/^appVersion:.*$/m, `appVersion: "${version}"`));
  if (values) fs.writeFileSync(path.join(dir, "values.yaml"), values(fs.readFileSync(path.join(dir, "values.tmpl.yaml"), "utf8")));
  return dir;
}

function releaseValues(run: StackRun, suffix: string): unknown {
  const r = run.resources.find((x) => x.type === "kubernetes:helm.sh/v3:Release" && x.name.endsWith(suffix));
  assert.ok(r, `no release *${suffix}`);
  return (unwrapSecrets(r.inputs) as { values: unknown }).values;
}

/** Every image reference the rendered chart names (`image: x`, `--…-image=x`, inside embedded config too). */
function renderedImages(chartDir: string, values: unknown, namespace: string): string[] {
  const file = path.join(chartDir, "program-values.json");
  fs.writeFileSync(file, JSON.stringify(values));
  const out = execFileSync(HELM, ["template", "release", chartDir, "--namespace", namespace, "--kube-version", "1.35.0", "-f", file], { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  return [...new Set([...out.matchAll(/image[:=]\s*"?([^\s"']+)"?/g)].map((m) => m[1]))].sort();
}

const listed = (chart: ChartName, registry?: string) => CHART_IMAGES[chart].map((n) => imageRef(n, registry));

describe("chart images, rendered by the real helm", function () {
  this.timeout(300_000);
  let run: StackRun;
  before(async () => {
    assert.ok(fs.existsSync(HELM), `${HELM} is missing: run bash scripts/provision.sh`);
    run = await runStack("prod-existing-1k", { imageRegistry: MIRROR });
  });

  it(`cert-manager ${CHARTS.certManager.version}: the images it renders are the catalogue's, from the mirror`, () => {
    const src = path.join(moduleDir("github.com/cert-manager/cert-manager", CHARTS.certManager.version), "deploy/charts/cert-manager");
    const dir = prepareChart(src, CHARTS.certManager.version);
    const images = renderedImages(dir, releaseValues(run, "-cert-manager"), "cert-manager");
    assert.deepEqual(images, listed("certManager", MIRROR).sort());
  });

  it(`Envoy Gateway ${CHARTS.envoyGateway.version}: the controller from the mirror; nothing rendered is unlisted`, () => {
    const version = CHARTS.envoyGateway.version;
    const src = path.join(moduleDir("github.com/envoyproxy/gateway", version), "charts/gateway-helm");
    const dir = prepareChart(src, version, (t) => t.replace("${GatewayImage}", `docker.io/envoyproxy/gateway:${version}`).replace("${GatewayImagePullPolicy}", "IfNotPresent"));
    const images = renderedImages(dir, releaseValues(run, "-envoy-gateway"), "edge");
    assert.ok(images.length > 0);
    assert.deepEqual(images.filter((i) => !i.startsWith(`${MIRROR}/`)), [], "rendered images outside the mirror");
    const off = (offImages.envoyGateway.off ?? []).map((o) => `${MIRROR}/${o.image.slice(o.image.indexOf("/") + 1)}`);
    const known = new Set([...listed("envoyGateway", MIRROR), ...off]);
    assert.deepEqual(images.filter((i) => !known.has(i)), [], "rendered images neither listed nor known to be unused");
    assert.ok(images.includes(imageRef("envoyGateway", MIRROR)));
  });

  it("Envoy Gateway's compiled-in proxy image is the catalogue's envoyProxy", () => {
    const src = fs.readFileSync(path.join(moduleDir("github.com/envoyproxy/gateway", CHARTS.envoyGateway.version), "api/v1alpha1/shared_types.go"), "utf8");
    const m = /DefaultEnvoyProxyImage\s*=\s*"([^"@]+)(@sha256:[0-9a-f]+)?"/.exec(src);
    assert.ok(m, "DefaultEnvoyProxyImage not found");
    assert.equal(m[1], imageRef("envoyProxy"));
    assert.equal(IMAGES.envoyProxy.kind, "operand");
  });
});
