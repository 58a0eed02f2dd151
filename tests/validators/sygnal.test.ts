/**
 * The rendered sygnal.yaml accepted by the real Sygnal (0.15.1, from the vendored source, the
 * venv of scripts/provision.d/50-sygnal.sh): both app types of the stack config load with
 * throw-away credentials generated here, the push API answers, an unknown app ID's pushkey comes
 * back rejected, and a push for either configured app is handed to that app's pushkin, whose
 * connection goes to the stub proxy (never to Apple or Google): APNs to its sandbox, FCM to
 * Google's OAuth token endpoint (its first request, for an access token).
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { PROJECT, parseSpec } from "../../config";
import { loadStackConfig } from "../../stacks/stack-config";
import { PortAllocator } from "../../e2e/ports";
import { Supervisor, type Proc } from "../../e2e/procs";
import { StubProxy, TEST_APPS, notifyBody, planSygnal, pushesForApp, startSygnal, throwawayPushConfig, type SygnalPlan } from "../../e2e/sygnal";

const prefixed = (o: Record<string, string>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [`${PROJECT}:${k}`, v]));

async function notify(plan: SygnalPlan, body: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(plan.notifyUrl, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

describe("Sygnal accepts the rendered sygnal.yaml (real Sygnal on loopback)", function () {
  const sup = new Supervisor(Supervisor.freshRunDir());
  const ports = new PortAllocator();
  const spec = parseSpec({ ...loadStackConfig("dev"), ...prefixed(throwawayPushConfig()) }, "dev");
  /** Both apps, as the stack renders them: no proxy (the pods reach APNs and FCM directly). */
  let both: SygnalPlan;
  /** Both apps behind the stub proxy, so a push can be followed to its connection. */
  let proxied: SygnalPlan;
  let proxy: StubProxy;
  const procs: Record<string, Proc> = {};
  const log = (which: string) => fs.readFileSync(procs[which].logFile, "utf8");
  const portsFor = async () => ({ http: await ports.take(), metrics: await ports.take(), proxy: await ports.take() });

  before(async () => {
    assert.deepEqual(spec.push.apps.map((a) => a.kind), ["apns", "fcm"]);
    both = planSygnal(spec.push.apps, path.join(sup.runDir, "both"), await portsFor(), { proxy: false });
    proxied = planSygnal(spec.push.apps, path.join(sup.runDir, "proxied"), await portsFor());
    proxy = new StubProxy(proxied.proxyPort);
    await proxy.start();
    [procs.both, procs.proxied] = await Promise.all([startSygnal(sup, both, "sygnal-both"), startSygnal(sup, proxied, "sygnal-proxied")]);
  });
  after(async () => {
    await proxy?.stop();
    await sup.stopAll();
  });

  it("starts with both apps configured and no setting it does not understand", () => {
    const text = log("both");
    assert.match(text, new RegExp(`Configured with app IDs: dict_keys\\(\\[('${TEST_APPS.apns}', '${TEST_APPS.fcm}'|'${TEST_APPS.fcm}', '${TEST_APPS.apns}')\\]\\)`), text);
    assert.match(text, /Creating pushkin: ApnsPushkin[\s\S]*Creating pushkin: GcmPushkin/);
    assert.doesNotMatch(text, /not understood|ERROR|Traceback/, text);
  });

  it("answers an unknown app ID with its pushkey in `rejected`", async () => {
    const r = await notify(both, notifyBody("org.example.unknown", "pk-unknown"));
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, { rejected: ["pk-unknown"] });
    assert.match(log("both"), /Got notification for unknown app ID org\.example\.unknown/);
    assert.equal(await pushesForApp(both.metricsPort, "org.example.unknown"), 0);
  });

  it("starts both apps behind a proxy (Sygnal's locked dependencies, as the image has them)", () => {
    const text = log("proxied");
    assert.match(text, /Creating pushkin: ApnsPushkin[\s\S]*Creating pushkin: GcmPushkin/);
    assert.match(text, /Using proxy configuration from Sygnal configuration file/);
    assert.doesNotMatch(text, /not understood|ERROR|Traceback|no running event loop/, text);
  });

  it("hands an APNs push to the APNs app, which connects (through the proxy) to the APNs sandbox (api.development.push.apple.com) the config names", async () => {
    const r = await notify(proxied, notifyBody(TEST_APPS.apns, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"));
    // The stub refuses the tunnel, so delivery fails and Sygnal says so (Synapse retries later).
    assert.notEqual(r.status, 200, JSON.stringify(r.json));
    assert.equal(await pushesForApp(proxied.metricsPort, TEST_APPS.apns), 1);
    assert.ok(proxy.connects.includes("api.development.push.apple.com:443"), proxy.connects.join(", "));
  });

  it("hands an FCM push to the FCM app, whose first request (an OAuth access token, at the service account's token_uri) goes through the proxy", async () => {
    const before = proxy.connects.length;
    const r = await notify(proxied, notifyBody(TEST_APPS.fcm, "fcm-registration-token-e2e"));
    assert.notEqual(r.status, 200, JSON.stringify(r.json));
    assert.equal(await pushesForApp(proxied.metricsPort, TEST_APPS.fcm), 1);
    const tunnels = proxy.connects.slice(before);
    assert.ok(tunnels.includes("oauth2.googleapis.com:443"), tunnels.join(", "));
    assert.ok(!tunnels.includes("api.development.push.apple.com:443"), "the FCM push is not an APNs one");
  });

  it("is not a vacuous check: Sygnal refuses to start when an app's credential file is missing", async () => {
    const broken = planSygnal(spec.push.apps, path.join(sup.runDir, "broken"), await portsFor(), { proxy: false });
    const json = Object.keys(broken.files).find((f) => f.endsWith(".json"))!;
    delete broken.files[json];
    await assert.rejects(startSygnal(sup, broken, "sygnal-broken", 30_000), /exited while waiting/);
    assert.match(fs.readFileSync(path.join(sup.runDir, "logs", "sygnal-broken.log"), "utf8"), /service_account_file/);
  });
});
