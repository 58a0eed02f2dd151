/**
 * The push keys: typed apps from valid config, and a validation error naming the key (and never
 * echoing a credential) for every bad or missing value.
 */
import { strict as assert } from "assert";
import { generateKeyPairSync } from "crypto";
import { ConfigValidationError, parseSpec } from "../../config";
import { parseApnsAuthKey, parseServiceAccountJson } from "../../config/push-keys";
import { throwawayPushConfig, TEST_APPS } from "../../e2e/sygnal";

const P = "matrix-platform";
const cfg = (o: Record<string, string>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [`${P}:${k}`, v]));
const valid = throwawayPushConfig();

function rejected(raw: Record<string, string>): ConfigValidationError {
  try {
    parseSpec(cfg(raw), "test");
  } catch (e) {
    if (e instanceof ConfigValidationError) return e;
    throw e;
  }
  assert.fail("expected the config to be rejected");
}
const without = (...keys: string[]) => Object.fromEntries(Object.entries(valid).filter(([k]) => !keys.includes(k)));

describe("config: push apps", () => {
  it("types both apps from their keys, with the credentials as given", () => {
    const spec = parseSpec(cfg(valid), "test");
    assert.deepEqual(spec.push.apps.map((a) => [a.kind, a.appId]), [["apns", TEST_APPS.apns], ["fcm", TEST_APPS.fcm]]);
    const apns = spec.push.apps[0];
    assert.ok(apns.kind === "apns");
    assert.deepEqual([apns.topic, apns.keyId, apns.teamId, apns.platform, apns.authKeyPem], [valid.pushApnsTopic, valid.pushApnsKeyId, valid.pushApnsTeamId, "sandbox", valid.pushApnsKey]);
    const fcm = spec.push.apps[1];
    assert.ok(fcm.kind === "fcm");
    assert.deepEqual([fcm.projectId, fcm.serviceAccountJson], [valid.pushFcmProjectId, valid.pushFcmServiceAccount]);
    assert.equal(spec.push.publicRoute, false);
    assert.equal(spec.optionalHosts.push, false);
    assert.equal(spec.hosts.push, "push.example.com");
  });

  it("defaults the APNs platform to production and configures one app alone", () => {
    const spec = parseSpec(cfg(without("pushApnsPlatform", "pushFcmAppId", "pushFcmProjectId", "pushFcmServiceAccount")), "test");
    assert.deepEqual(spec.push.apps.map((a) => a.kind === "apns" && a.platform), ["production"]);
  });

  it("an APNs topic that is not a bundle ID names pushApnsTopic, its value and what is allowed", () => {
    for (const topic of ["myapp", "com.example app", "com..example", "https://example.com"]) {
      const err = rejected({ ...valid, pushApnsTopic: topic });
      assert.deepEqual(err.problems.map((p) => p.key), [`${P}:pushApnsTopic`], topic);
      assert.match(err.message, new RegExp(`pushApnsTopic = ${JSON.stringify(topic).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} is not allowed: an Apple bundle ID`));
    }
  });

  it("a service-account JSON that does not parse names pushFcmServiceAccount without echoing it", () => {
    const sa = JSON.parse(valid.pushFcmServiceAccount);
    const bad = [
      valid.pushFcmServiceAccount.slice(0, -2),
      JSON.stringify({ ...sa, type: "authorized_user" }),
      JSON.stringify({ ...sa, private_key: "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n" }),
      JSON.stringify({ ...sa, client_email: undefined }),
      "[]",
    ];
    for (const value of bad) {
      const err = rejected({ ...valid, pushFcmServiceAccount: value });
      assert.deepEqual(err.problems.map((p) => p.key), [`${P}:pushFcmServiceAccount`]);
      assert.match(err.message, new RegExp(`pushFcmServiceAccount = <secret, ${value.length} characters> is not allowed: the JSON key file of a Google service account`));
      assert.ok(!err.message.includes(value) && !err.message.includes("PRIVATE KEY"), "the credential is not in the message");
    }
  });

  it("an APNs key that is not an EC P-256 PEM names pushApnsKey without echoing it", () => {
    const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey.export({ format: "pem", type: "pkcs8" }).toString();
    const p384 = generateKeyPairSync("ec", { namedCurve: "secp384r1" }).privateKey.export({ format: "pem", type: "pkcs8" }).toString();
    for (const value of [rsa, p384, "MIGTAgEAMBMGByqGSM49", valid.pushApnsKey.replace(/[A-Za-z]/, "!")]) {
      const err = rejected({ ...valid, pushApnsKey: value });
      assert.deepEqual(err.problems.map((p) => p.key), [`${P}:pushApnsKey`]);
      assert.ok(!err.message.includes(value.length > 60 ? value.slice(30, 60) : value), "the key is not in the message");
    }
    assert.equal(parseApnsAuthKey(valid.pushApnsKey), valid.pushApnsKey);
  });

  it("an enabled app with a missing credential is an error naming the missing key", () => {
    for (const key of ["pushApnsKey", "pushApnsTopic", "pushApnsKeyId", "pushApnsTeamId", "pushFcmServiceAccount", "pushFcmProjectId"]) {
      const err = rejected(without(key));
      assert.deepEqual(err.problems.map((p) => p.key), [`${P}:${key}`], key);
      assert.match(err.message, new RegExp(`${key} is required: the (APNs|FCM) app push(Apns|Fcm)AppId = "org\\.example\\.platform\\.(ios|android)" needs it`));
    }
  });

  it("refuses an app's keys without its app ID, push keys with push off, and push with no app", () => {
    assert.deepEqual(rejected(without("pushFcmAppId")).problems.map((p) => p.key).sort(), [`${P}:pushFcmProjectId`, `${P}:pushFcmServiceAccount`]);
    const off = rejected({ ...valid, push: "false", pushPublicRoute: "true" });
    assert.equal(off.problems.length, Object.keys(valid).length);
    assert.ok(off.problems.every((p) => /only applies when push is true/.test(p.allowed)));
    assert.ok(!off.message.includes("PRIVATE KEY"));
    assert.deepEqual(rejected({ push: "true" }).problems.map((p) => p.key), [`${P}:pushApnsAppId`]);
    assert.deepEqual(rejected({ ...valid, pushFcmAppId: TEST_APPS.apns }).problems.map((p) => p.key), [`${P}:pushFcmAppId`]);
    assert.deepEqual(rejected({ ...valid, pushApnsKeyId: "abc" }).problems.map((p) => p.key), [`${P}:pushApnsKeyId`]);
    assert.deepEqual(rejected({ ...valid, pushApnsPlatform: "development" }).problems.map((p) => p.key), [`${P}:pushApnsPlatform`]);
  });

  it("pushPublicRoute asks for the push host", () => {
    const spec = parseSpec(cfg({ ...valid, pushPublicRoute: "true" }), "test");
    assert.equal(spec.push.publicRoute, true);
    assert.equal(spec.optionalHosts.push, true);
  });

  it("the service-account check reads the fields google-auth needs", () => {
    const sa = JSON.parse(valid.pushFcmServiceAccount);
    assert.equal(parseServiceAccountJson(valid.pushFcmServiceAccount)?.client_email, sa.client_email);
    assert.equal(parseServiceAccountJson(JSON.stringify({ ...sa, token_uri: "http://insecure" })), undefined);
  });
});
