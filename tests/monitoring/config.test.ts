/**
 * The monitoring keys: defaults, the alert channels taken from config, bad values named with what
 * is allowed, and credentials never echoed in an error.
 */
import { strict as assert } from "assert";
import { ConfigValidationError, parseSpec, PROJECT } from "../../config";

const cfg = (o: Record<string, string>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [`${PROJECT}:${k}`, v]));
const failure = (o: Record<string, string>): string => {
  try {
    parseSpec(cfg(o), "dev");
  } catch (e) {
    assert.ok(e instanceof ConfigValidationError, String(e));
    return e.message;
  }
  throw new Error("no validation error");
};

describe("monitoring configuration", () => {
  it("defaults to 15 days of retention and no alert channel", () => {
    const spec = parseSpec({}, "dev");
    assert.equal(spec.monitoring.retention, "15d");
    assert.deepEqual(spec.monitoring.alerting, { webhookUrl: undefined, pagerdutyRoutingKey: undefined, matrixWebhookUrl: undefined });
  });

  it("takes e-mail, PagerDuty, webhook and Matrix receivers from config", () => {
    const spec = parseSpec(cfg({
      monitoringRetention: "4w",
      alertEmailTo: "oncall@example.com", alertEmailFrom: "alerts@example.com", alertSmarthost: "smtp.example.com:587",
      alertSmtpUsername: "alerts", alertSmtpPassword: "s3cret-pass",
      alertPagerdutyRoutingKey: "0123456789abcdef0123456789abcdef",
      alertWebhookUrl: "https://hooks.example.com/T0/B0/x", alertMatrixWebhookUrl: "http://matrix-alertmanager-receiver:3000/alerts/ops",
    }), "dev");
    assert.equal(spec.monitoring.retention, "4w");
    assert.deepEqual(spec.monitoring.alerting.email, { to: "oncall@example.com", from: "alerts@example.com", smarthost: "smtp.example.com:587", username: "alerts", password: "s3cret-pass" });
    assert.equal(spec.monitoring.alerting.pagerdutyRoutingKey, "0123456789abcdef0123456789abcdef");
  });

  it("names the key and what is allowed for a bad retention or smarthost", () => {
    assert.match(failure({ monitoringRetention: "15 days" }), /monitoringRetention = "15 days" is not allowed: a number of days or weeks such as 15d or 4w/);
    assert.match(failure({ alertEmailTo: "a@example.com", alertEmailFrom: "b@example.com", alertSmarthost: "smtp.example.com" }), /alertSmarthost = "smtp.example.com" is not allowed: host:port/);
  });

  it("asks for the whole e-mail set, and for user and password together", () => {
    const m = failure({ alertEmailTo: "a@example.com" });
    assert.match(m, /alertEmailFrom is required/);
    assert.match(m, /alertSmarthost is required/);
    assert.match(failure({ alertEmailTo: "a@example.com", alertEmailFrom: "b@example.com", alertSmarthost: "smtp.example.com:25", alertSmtpPassword: "pw-only" }), /alertSmtpUsername is required: alertSmtpUsername and alertSmtpPassword go together/);
  });

  it("never echoes a credential in an error", () => {
    const m = failure({ alertPagerdutyRoutingKey: "not-a-key-but-secret", alertWebhookUrl: "ftp://secret-token@hooks" });
    assert.ok(!m.includes("not-a-key-but-secret") && !m.includes("secret-token"), m);
    assert.match(m, /alertPagerdutyRoutingKey = <secret, 20 characters> is not allowed: a 32-character PagerDuty/);
  });
});
