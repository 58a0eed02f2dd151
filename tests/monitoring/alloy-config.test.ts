/**
 * The rendered Alloy configuration, checked with Alloy's own configuration-language parser and
 * printer (scripts/alloy-fmt over github.com/grafana/alloy/syntax, built by
 * scripts/provision.d/60-monitoring.sh): it parses, and it is already in the canonical format
 * `alloy fmt` prints. The Alloy binary itself cannot be built here (see that script), so the
 * components' semantics are not run.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { alloyConfig, alloyValues } from "../../components/monitoring/logs";
import { TOOL_CACHE } from "../../scripts/tool-cache";

const syntaxVersion = /^require github\.com\/grafana\/alloy\/syntax (v[0-9.]+)$/m.exec(fs.readFileSync(path.join(__dirname, "../../scripts/alloy-fmt/go.mod"), "utf8"))![1];
const ALLOY_FMT = path.join(TOOL_CACHE, `alloy-fmt-${syntaxVersion}`, "alloy-fmt");

function fmt(text: string): { status: number | null; stdout: string; stderr: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "alloy-"));
  try {
    const file = path.join(dir, "config.alloy");
    fs.writeFileSync(file, text);
    const r = spawnSync(ALLOY_FMT, [file], { encoding: "utf8" });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe("Alloy config (Alloy's parser and printer)", () => {
  before(() => assert.ok(fs.existsSync(ALLOY_FMT), `${ALLOY_FMT} missing: run bash scripts/provision.sh`));

  it("parses and is in the canonical `alloy fmt` format, as the chart's ConfigMap carries it", () => {
    const config = (alloyValues({ cluster: "prod-aws", image: { repository: "grafana/alloy", tag: "v1.7.4" } }) as { alloy: { configMap: { content: string } } }).alloy.configMap.content;
    assert.equal(config, alloyConfig("prod-aws"));
    assert.ok(!config.includes("{{"), "the chart templates the content with tpl");
    const r = fmt(config);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trimEnd(), config.trimEnd());
  });

  it("rejects a config that does not parse (the check is real)", () => {
    const r = fmt(alloyConfig("x").replace(`loki.write "loki" {`, `loki.write "loki" [`));
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /config\.alloy:\d+:\d+/);
  });
});
