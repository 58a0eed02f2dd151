/** PlatformSpecs for sizing tests, built through the real config parser. */
import { parseSpec } from "../../config/parse";
import type { PlatformSpec } from "../../config/spec";
import type { Environment, PlatformKind, SizingModel } from "../../config/keys";

export interface SpecOptions {
  platform?: PlatformKind;
  environment?: Environment;
  ccu?: number;
  model?: SizingModel;
  telegram?: number;
  whatsapp?: number;
  features?: Partial<Record<"li" | "antivirus" | "monitoring" | "rtc" | "bridges", boolean>>;
}

export function specFor(o: SpecOptions = {}): PlatformSpec {
  const config: Record<string, string> = {
    platform: o.platform ?? "existing",
    environment: o.environment ?? "dev",
    ccu: String(o.ccu ?? 100),
    sizingModel: o.model ?? "profile",
    telegramAccounts: String(o.telegram ?? 0),
    whatsappAccounts: String(o.whatsapp ?? 0),
    acmeEmail: "ops@example.com",
  };
  if (o.platform === "gcp") config.gcpProject = "matrix-test";
  for (const [k, v] of Object.entries(o.features ?? {})) config[k] = String(v);
  return parseSpec(Object.fromEntries(Object.entries(config).map(([k, v]) => [`matrix-platform:${k}`, v])), "test");
}
