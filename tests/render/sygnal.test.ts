/** sygnal.yaml from typed apps (pure): what each app type renders, and what the renderer refuses. */
import { strict as assert } from "assert";
import { credentialFileName, renderSygnalConfig, sygnalCredentialFiles, withoutCredential, type SygnalRenderInput } from "../../render/sygnal";
import type { PushApp } from "../../config/spec";

const apns: PushApp = { kind: "apns", appId: "com.example.ios", topic: "com.example", keyId: "ABCDE12345", teamId: "TEAM123456", platform: "production", authKeyPem: "-----BEGIN PRIVATE KEY-----\nAPNS\n-----END PRIVATE KEY-----\n" };
const fcm: PushApp = { kind: "fcm", appId: "com.example.android", projectId: "example-project", serviceAccountJson: '{"type":"service_account","private_key":"FCM"}' };
const base = (apps: PushApp[], extra: Partial<SygnalRenderInput> = {}): SygnalRenderInput => ({
  apps: apps.map(withoutCredential), bindAddresses: ["0.0.0.0"], httpPort: 5000, metricsPort: 9000, credentialsDir: "/creds", behindProxy: true, ...extra,
});

describe("render: sygnal.yaml", () => {
  it("renders an APNs token-auth app and an FCM v1 app under their app IDs, credentials by path only", () => {
    const cfg = renderSygnalConfig(base([apns, fcm])) as any;
    assert.deepEqual(cfg.apps["com.example.ios"], { type: "apns", keyfile: "/creds/com.example.ios.p8", key_id: "ABCDE12345", team_id: "TEAM123456", topic: "com.example", platform: "production" });
    assert.deepEqual(cfg.apps["com.example.android"], { type: "gcm", api_version: "v1", project_id: "example-project", service_account_file: "/creds/com.example.android.json" });
    assert.doesNotMatch(JSON.stringify(cfg), /APNS|FCM"|PRIVATE KEY/);
    assert.deepEqual(cfg.http, { bind_addresses: ["0.0.0.0"], port: 5000 });
    assert.deepEqual(cfg.metrics.prometheus, { enabled: true, address: "0.0.0.0", port: 9000 });
    assert.equal(cfg.log.access.x_forwarded_for, true);
    assert.equal(cfg.proxy, undefined);
  });

  it("names each credential file after its app, holding exactly that app's credential", () => {
    assert.deepEqual(sygnalCredentialFiles([apns, fcm]), { "com.example.ios.p8": apns.authKeyPem, "com.example.android.json": fcm.serviceAccountJson });
    assert.equal(credentialFileName(fcm), "com.example.android.json");
  });

  it("refuses two apps with one ID; a proxy is Sygnal's one global setting, for both app types", () => {
    assert.throws(() => renderSygnalConfig(base([apns, { ...fcm, appId: apns.appId }])), /com\.example\.ios is configured twice/);
    const proxied = renderSygnalConfig(base([apns, fcm], { proxy: "http://127.0.0.1:3128" })) as any;
    assert.equal(proxied.proxy, "http://127.0.0.1:3128");
    assert.deepEqual(Object.keys(proxied.apps), ["com.example.ios", "com.example.android"]);
  });
});
