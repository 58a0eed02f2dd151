/**
 * alertmanager.yaml accepted by the real Alertmanager checker (`amtool check-config`, built at the
 * Alertmanager line the chart deploys by scripts/provision.d/60-monitoring.sh) for every channel
 * combination, and routed the way the design says (`amtool config routes test`).
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { alertmanagerConfig, RECEIVER_SECRET_KEYS, type AlertChannels } from "../../components/monitoring/alertmanager";
import { alertChannels } from "../../components/monitoring";
import { ALERTMANAGER_SECRETS_DIR } from "../../components/monitoring/values";
import { TOOL_CACHE } from "../../scripts/tool-cache";

const AMTOOL = path.join(TOOL_CACHE, "amtool-v0.32.1", "amtool");

function amtool(args: string[]): { status: number | null; out: string } {
  const r = spawnSync(AMTOOL, args, { encoding: "utf8" });
  if (r.error) throw r.error;
  return { status: r.status, out: `${r.stdout}\n${r.stderr}` };
}

const ALL: AlertChannels = {
  webhook: true,
  pagerduty: true,
  matrix: true,
  email: { to: "oncall@example.com", from: "alerts@example.com", smarthost: "smtp.example.com:587", username: "alerts", password: true },
};

describe("Alertmanager configuration (amtool)", function () {
  let tmp: string;
  const write = (name: string, cfg: Record<string, unknown>) => {
    // Credential paths pointed at files that exist, as the operator mounts them (Alertmanager reads them when it sends).
    const text = stringify(cfg).split(ALERTMANAGER_SECRETS_DIR).join(path.join(tmp, "secrets"));
    const file = path.join(tmp, name);
    fs.writeFileSync(file, text);
    return file;
  };
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mp-am-"));
    fs.mkdirSync(path.join(tmp, "secrets"));
    for (const key of Object.values(RECEIVER_SECRET_KEYS)) fs.writeFileSync(path.join(tmp, "secrets", key), key.includes("url") ? "https://hooks.example.com/x" : "0123456789abcdef0123456789abcdef");
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const combos: [string, AlertChannels][] = [
    ["no channel", { webhook: false, pagerduty: false, matrix: false }],
    ["PagerDuty only", { webhook: false, pagerduty: true, matrix: false }],
    ["e-mail without SMTP auth", { webhook: false, pagerduty: false, matrix: false, email: { to: "a@example.com", from: "b@example.com", smarthost: "smtp.example.com:25", password: false } }],
    ["every channel", ALL],
  ];
  for (const [name, ch] of combos) {
    it(`accepts the config with ${name}`, () => {
      const r = amtool(["check-config", write(`${name.replace(/\W+/g, "-")}.yml`, alertmanagerConfig(ch))]);
      assert.equal(r.status, 0, r.out);
      assert.match(r.out, /SUCCESS/);
    });
  }

  it("rejects a config routing to a receiver it does not define (the check is real)", () => {
    const cfg = alertmanagerConfig(ALL) as { receivers: { name: string }[] };
    const broken = { ...cfg, receivers: cfg.receivers.filter((r) => r.name !== "page") };
    assert.notEqual(amtool(["check-config", write("broken.yml", broken)]).status, 0);
  });

  it("holds no credential in the file: every secret is a *_file path", () => {
    const text = stringify(alertmanagerConfig(ALL));
    assert.doesNotMatch(text, /routing_key:|\burl:|auth_password:/);
    for (const key of Object.values(RECEIVER_SECRET_KEYS)) assert.ok(text.includes(`${ALERTMANAGER_SECRETS_DIR}/${key}`), key);
  });

  it("pages criticals and tells the room and e-mail, sends warnings to the room and e-mail only, drops info and the Watchdog", () => {
    const file = write("routes.yml", alertmanagerConfig(ALL));
    const route = (...labels: string[]) => amtool(["config", "routes", "test", "--config.file", file, ...labels]).out.trim();
    assert.equal(route("severity=critical", "alertname=ScrapeTargetDown"), "page,notify");
    assert.equal(route("severity=warning", "alertname=VolumeFillingUp"), "notify");
    assert.equal(route("severity=info", "alertname=Something"), "null");
    assert.equal(route("severity=none", "alertname=Watchdog"), "null");
  });

  it("pages nobody when PagerDuty is not configured", () => {
    const file = write("no-pd.yml", alertmanagerConfig({ ...ALL, pagerduty: false }));
    assert.equal(amtool(["config", "routes", "test", "--config.file", file, "severity=critical"]).out.trim(), "notify");
  });

  it("takes the channels from config without handling the credentials themselves", () => {
    assert.deepEqual(alertChannels({ pagerdutyRoutingKey: "k".repeat(32), email: { to: "a@example.com", from: "b@example.com", smarthost: "smtp.example.com:587" } }), {
      webhook: false, pagerduty: true, matrix: false, email: { to: "a@example.com", from: "b@example.com", smarthost: "smtp.example.com:587", username: undefined, password: false },
    });
  });
});
