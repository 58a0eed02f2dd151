import { ENVIRONMENTS, PLATFORMS, PROFILE_NAMES, PROFILE_CCU, type Environment, type PlatformKind, type ProfileName } from "../config/keys";

/**
 * Bridged accounts per network in a preset: one per concurrent user up to the hardware
 * analysis's deployment (5,000 each); one bridge process cannot hold the 10k and 20k profiles'
 * user counts (config/bridges validation), and a real stack bridges the accounts it has.
 */
const BRIDGED_ACCOUNTS_PER_NETWORK = 5000;

/** A preset stack name: `<env>-<cloud>-<profile>`, e.g. `prod-aws-5k`. */
export interface PresetName {
  environment: Environment;
  platform: PlatformKind;
  profile: ProfileName;
}

const PRESET = new RegExp(`^(${ENVIRONMENTS.join("|")})-(${PLATFORMS.join("|")})-(${PROFILE_NAMES.join("|")})$`);

export function parsePresetName(stack: string): PresetName | undefined {
  const m = PRESET.exec(stack);
  return m ? { environment: m[1] as Environment, platform: m[2] as PlatformKind, profile: m[3] as ProfileName } : undefined;
}

/** Every preset stack name (3 environments x 3 platforms x 5 profiles). */
export function allPresetNames(): string[] {
  return ENVIRONMENTS.flatMap((e) => PLATFORMS.flatMap((p) => PROFILE_NAMES.map((c) => `${e}-${p}-${c}`)));
}

/** The encrypting StorageClass the prod existing-cluster presets name (a site names its own). */
export const PRESET_ENCRYPTED_STORAGE_CLASS = "encrypted-ssd";

/** The registry the staging and prod existing-cluster presets push the project's images to (a site names its own). */
export const PRESET_PROJECT_IMAGE_REGISTRY = "registry.example.com/matrix-platform";

/**
 * Config of a preset stack, as Pulumi would pass it: environment-level defaults plus the
 * platform-specific keys a real stack of that kind must set. Bridges are sized with one bridged
 * account per concurrent user on each network, up to the hardware analysis's 5,000 (deployed in
 * production presets).
 */
export function presetConfig(preset: PresetName, project = "matrix-platform"): Record<string, string> {
  const ccu = PROFILE_CCU[preset.profile];
  const config: Record<string, string> = {
    platform: preset.platform,
    environment: preset.environment,
    profile: preset.profile,
    domain: preset.environment === "prod" ? "example.com" : `${preset.environment}.example.com`,
    telegramAccounts: String(Math.min(ccu, BRIDGED_ACCOUNTS_PER_NETWORK)),
    whatsappAccounts: String(Math.min(ccu, BRIDGED_ACCOUNTS_PER_NETWORK)),
  };
  if (preset.platform === "gcp") config.gcpProject = `matrix-${preset.environment}`;
  if (preset.environment !== "dev") config.acmeEmail = "ops@example.com";
  // Production presets deploy the optional systems that need no site-specific credentials beyond
  // placeholders (the bridges, calls, antivirus, monitoring, lawful intercept), so the validation gate, the policy checks and
  // the image lists cover their objects on every platform and profile. A real stack sets its own
  // Telegram API credentials with `pulumi config set --secret`.
  if (preset.environment === "prod") {
    Object.assign(config, { bridges: "true", rtc: "true", antivirus: "true", monitoring: "true", telegramApiId: "123456", telegramApiHash: "0123456789abcdef0123456789abcdef" });
    // The LI instance, its investigators behind documentation ranges (a real stack names its own).
    Object.assign(config, { li: "true", liInvestigatorCidrs: "203.0.113.0/24,198.51.100.0/24" });
  }
  // Staging and production on-prem push the project's images into the site's registry.
  if (preset.environment !== "dev" && preset.platform === "existing") config.projectImageRegistry = PRESET_PROJECT_IMAGE_REGISTRY;
  // Production on-prem copies its database backups off-site (config/offsite-backup.ts); a real
  // stack sets its own endpoint and keys with `pulumi config set --secret`. Its volumes are on a
  // class that encrypts at rest; a real stack names its own (config warns without one).
  if (preset.environment === "prod" && preset.platform === "existing") {
    Object.assign(config, {
      encryptedStorageClass: PRESET_ENCRYPTED_STORAGE_CLASS,
      offsiteBackupEndpoint: "https://s3.eu-central-1.amazonaws.com",
      offsiteBackupBucket: "example-matrix-offsite-backups",
      offsiteBackupRegion: "eu-central-1",
      offsiteBackupAccessKeyId: "PRESET0FFSITE0KEY000",
      offsiteBackupSecretAccessKey: "preset-offsite-secret-key-not-a-real-one",
    });
  }
  return Object.fromEntries(Object.entries(config).map(([k, v]) => [`${project}:${k}`, v]));
}
