/**
 * alertmanager.yaml (pure): a receiver per configured channel, routes by severity, inhibition.
 * Credentials are never in the file: each is a key of the receivers' Secret, mounted by the
 * operator under ALERTMANAGER_SECRETS_DIR, and the file names it with the `*_file` fields
 * (`routing_key_file`, `url_file`, `auth_password_file`). `amtool check-config` accepts the output
 * (tests/monitoring/alertmanager.test.ts).
 */
import { ALERTMANAGER_SECRETS_DIR } from "./values";

/** Where alerts go, as the validated config says (config/spec.ts `alerting`). */
export interface AlertChannels {
  /** A generic webhook receiving every warning and critical alert (the URL is secret: it often carries a token). */
  webhook: boolean;
  /** PagerDuty Events API v2 integration (the routing key is secret): critical alerts page. */
  pagerduty: boolean;
  /** E-mail for warnings and criticals; the SMTP password, when any, is secret. */
  email?: { to: string; from: string; smarthost: string; username?: string; password: boolean };
  /** An alertmanager-to-Matrix receiver's webhook URL for the operators' room (secret). */
  matrix: boolean;
}

/** Keys of the receivers' Secret (file names under ALERTMANAGER_SECRETS_DIR). */
export const RECEIVER_SECRET_KEYS = {
  webhookUrl: "webhook-url",
  pagerdutyRoutingKey: "pagerduty-routing-key",
  smtpPassword: "smtp-password",
  matrixWebhookUrl: "matrix-webhook-url",
} as const;

const secretFile = (key: keyof typeof RECEIVER_SECRET_KEYS) => `${ALERTMANAGER_SECRETS_DIR}/${RECEIVER_SECRET_KEYS[key]}`;

/** Receiver every alert falls back to: delivers nothing (the config needs a default). */
export const NULL_RECEIVER = "null";

/** The configuration as an object (YAML-serialised by the caller). */
export function alertmanagerConfig(ch: AlertChannels): Record<string, unknown> {
  // Everyone who should hear of warnings: the room, e-mail, the webhook.
  const notify: Record<string, unknown> = {
    ...(ch.matrix || ch.webhook
      ? {
          webhook_configs: [
            ...(ch.matrix ? [{ url_file: secretFile("matrixWebhookUrl"), send_resolved: true }] : []),
            ...(ch.webhook ? [{ url_file: secretFile("webhookUrl"), send_resolved: true }] : []),
          ],
        }
      : {}),
    ...(ch.email
      ? {
          email_configs: [{
            to: ch.email.to,
            from: ch.email.from,
            smarthost: ch.email.smarthost,
            ...(ch.email.username ? { auth_username: ch.email.username } : {}),
            ...(ch.email.password ? { auth_password_file: secretFile("smtpPassword") } : {}),
            require_tls: true,
            send_resolved: true,
          }],
        }
      : {}),
  };
  const hasNotify = Object.keys(notify).length > 0;
  const receivers: Record<string, unknown>[] = [{ name: NULL_RECEIVER }];
  const routes: Record<string, unknown>[] = [];
  if (ch.pagerduty) {
    receivers.push({ name: "page", pagerduty_configs: [{ routing_key_file: secretFile("pagerdutyRoutingKey"), send_resolved: true }] });
    // Criticals page and still reach the room/e-mail (continue).
    routes.push({ receiver: "page", matchers: ['severity="critical"'], continue: hasNotify, repeat_interval: "1h" });
  }
  if (hasNotify) {
    receivers.push({ name: "notify", ...notify });
    routes.push({ receiver: "notify", matchers: ['severity=~"critical|warning"'] });
  }
  return {
    route: {
      receiver: NULL_RECEIVER,
      group_by: ["alertname", "namespace", "component"],
      group_wait: "30s",
      group_interval: "5m",
      repeat_interval: "4h",
      routes: [
        // The operator's always-firing heartbeat is for dead-man's-switch services, not people.
        { receiver: NULL_RECEIVER, matchers: ['alertname="Watchdog"'] },
        { receiver: NULL_RECEIVER, matchers: ['alertname="InfoInhibitor"'] },
        ...routes,
      ],
    },
    inhibit_rules: [
      // A target that is down explains every other alert about its pod.
      { source_matchers: ['alertname="ScrapeTargetDown"'], target_matchers: ['alertname!="ScrapeTargetDown"'], equal: ["namespace", "pod"] },
      // A critical alert silences the warnings of the same component in the same namespace.
      { source_matchers: ['severity="critical"'], target_matchers: ['severity="warning"'], equal: ["namespace", "component"] },
      // An instance that is down has no replication to lag: the outage is the alert.
      { source_matchers: ['alertname="PostgresInstanceDown"'], target_matchers: ['alertname="DatabaseReplicationLag"'], equal: ["pod"] },
    ],
    receivers,
  };
}
