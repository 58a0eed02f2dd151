/** PlatformSpecs for sizing tests, built through the real config parser. */
import { parseSpec } from "../../config/parse";
import type { PlatformSpec } from "../../config/spec";
import type { Environment, PlatformKind, SizingModel } from "../../config/keys";
import { FEATURE_SWITCHES, type FeatureSwitch } from "../../catalog/components";
import { throwawayPushConfig } from "../../e2e/sygnal";

export interface SpecOptions {
  platform?: PlatformKind;
  environment?: Environment;
  ccu?: number;
  model?: SizingModel;
  telegram?: number;
  whatsapp?: number;
  /** Feature switches; unlike the config's defaults (all off), every one defaults to on here. */
  features?: Partial<Record<FeatureSwitch, boolean>>;
}

/**
 * Sizing tests size the whole architecture, as the documents do (LiveKit, LI, antivirus and
 * monitoring included), so every switch is on unless a test says otherwise. Sizing sizes any
 * spec; only the program refuses switches for systems that are not built yet.
 */
const ALL_ON: Record<FeatureSwitch, boolean> = Object.fromEntries(FEATURE_SWITCHES.map((f) => [f, true])) as Record<FeatureSwitch, boolean>;

/** Push needs an app: one set of throw-away credentials for every spec of the process (keys are slow to make). */
let pushApps: Record<string, string> | undefined;

export function specFor(o: SpecOptions = {}): PlatformSpec {
  const config: Record<string, string> = {
    platform: o.platform ?? "existing",
    environment: o.environment ?? "dev",
    ccu: String(o.ccu ?? 100),
    sizingModel: o.model ?? "profile",
    telegramAccounts: String(o.telegram ?? 0),
    whatsappAccounts: String(o.whatsapp ?? 0),
    acmeEmail: "ops@example.com",
    domain: "example.com",
    // Shaped like my.telegram.org's credentials; only validated, never used.
    telegramApiId: "123456",
    telegramApiHash: "0123456789abcdef0123456789abcdef",
  };
  if (o.platform === "gcp") config.gcpProject = "matrix-test";
  // Production on an existing cluster must copy its backups off-site or waive it; sizing does not read it.
  if (config.platform === "existing" && config.environment === "prod") config.offsiteBackupWaived = "true";
  // Staging and prod on an existing cluster name where the project's images are pushed.
  if (config.platform === "existing" && config.environment !== "dev") config.projectImageRegistry = "registry.example.com/matrix-platform";
  for (const [k, v] of Object.entries({ ...ALL_ON, ...o.features })) config[k] = String(v);
  if (config.push === "true") Object.assign(config, (pushApps ??= throwawayPushConfig()));
  // LI's routes need the investigators' ranges (a documentation range; sizing does not read it).
  if (config.li === "true") config.liInvestigatorCidrs = "203.0.113.0/24";
  return parseSpec(Object.fromEntries(Object.entries(config).map(([k, v]) => [`matrix-platform:${k}`, v])), "test");
}
