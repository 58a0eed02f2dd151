/**
 * Keys of the antivirus system (ClamAV, the scan workers, Synapse's media-scanning module), and
 * the rule that spans them: each applies only with `antivirus` on, and the mirror's ranges only
 * with a mirror named, so nothing given is silently ignored.
 */
import { boolean, cidrList, plainHttpUrl, type ConfigKey } from "./key-kinds";

/** ClamAV's public database CDN, freshclam's default (render/antivirus OFFICIAL_MIRROR). */
export const DEFAULT_ANTIVIRUS_MIRROR = "https://database.clamav.net";

/** An http(s) URL of a host with an optional port and path, and no user info, query or fragment. */
export function isMirrorUrl(raw: string): boolean {
  const url = plainHttpUrl(raw);
  return url !== undefined && raw.startsWith(`${url.protocol}//${url.host}`);
}

export const ANTIVIRUS_CONFIG_KEYS = {
  antivirusMirror: {
    type: "string",
    allowed: "an http(s):// URL of a ClamAV database mirror, such as https://database.clamav.net or https://clamav.mirror.corp.example/clamav, with no user name, password or query in it",
    parse: (raw: string) => (isMirrorUrl(raw) ? raw : undefined),
    description: "Where freshclam downloads the ClamAV signature databases (antivirus). Default https://database.clamav.net, ClamAV's CDN; an air-gapped site names its private mirror (freshclam's PrivateMirror).",
  },
  antivirusMirrorCidrs: cidrList("IPv4 ranges of antivirusMirror's address, so freshclam's egress is opened to them only. Default: the public internet (private ranges excluded); set it for a private mirror."),
  antivirusFailOpen: boolean("Store uploads unscanned while the scan workers cannot be reached (antivirus). Default false: Synapse refuses them with a 503 saying the scanner is unavailable."),
} satisfies Record<string, ConfigKey<unknown>>;

export interface AntivirusValues {
  antivirusMirror?: string;
  antivirusMirrorCidrs?: string[];
  antivirusFailOpen?: boolean;
}

export interface AntivirusSpec {
  /** freshclam's source of signatures. */
  mirror: string;
  /** IPv4 ranges of the mirror; undefined: the public internet. */
  mirrorCidrs?: string[];
  /** Store uploads unscanned while the scanner is unreachable. */
  failOpen: boolean;
}

export function antivirusSpec(on: boolean, v: AntivirusValues, given: (key: keyof AntivirusValues) => boolean): { spec: AntivirusSpec; problems: { key: keyof AntivirusValues; allowed: string; given: boolean }[] } {
  const problems: { key: keyof AntivirusValues; allowed: string; given: boolean }[] = [];
  if (!on) {
    for (const k of ["antivirusMirror", "antivirusMirrorCidrs", "antivirusFailOpen"] as const) {
      if (given(k)) problems.push({ key: k, given: true, allowed: "only applies when antivirus is true (ClamAV and the scan workers are deployed)" });
    }
  } else if (given("antivirusMirrorCidrs") && !given("antivirusMirror")) {
    problems.push({ key: "antivirusMirrorCidrs", given: true, allowed: "the ranges of a mirror named in antivirusMirror; without it freshclam uses ClamAV's CDN on the public internet" });
  }
  return {
    spec: { mirror: v.antivirusMirror ?? DEFAULT_ANTIVIRUS_MIRROR, mirrorCidrs: v.antivirusMirrorCidrs, failOpen: v.antivirusFailOpen ?? false },
    problems,
  };
}
