/**
 * The kinds of configuration key (a choice, a whole number, a switch, a pattern, a list, IPv4
 * ranges) and the ConfigKey shape they produce. A leaf module: keys.ts and the per-system key
 * files (push-keys.ts, offsite-backup-keys.ts) all build their keys from it.
 */
export type PulumiConfigType = "string" | "integer" | "boolean";

export interface ConfigKey<T> {
  /** Type as declared in Pulumi.yaml. */
  type: PulumiConfigType;
  /** One sentence for Pulumi.yaml and the README. */
  description: string;
  /** What a valid value looks like, quoted in the error for a bad one. */
  allowed: string;
  /** Raw string -> value, or undefined when the string is not allowed. */
  parse(raw: string): T | undefined;
  /**
   * A credential (kubeconfig content may carry a token or client key; the push, alerting and
   * Telegram credentials): declared `secret: true` in Pulumi.yaml (set it with `pulumi config set
   * --secret`), never echoed in an error, and reaching resources only as a secret input. Every
   * other key refuses a value that looks like a credential.
   */
  secret?: true;
}

export function oneOf<T extends string>(values: readonly T[], description: string): ConfigKey<T> {
  return {
    type: "string",
    description,
    allowed: `one of ${values.join(", ")}`,
    parse: (raw) => (values as readonly string[]).includes(raw) ? (raw as T) : undefined,
  };
}

export function integer(min: number, max: number, description: string): ConfigKey<number> {
  return {
    type: "integer",
    description,
    allowed: `a whole number from ${min} to ${max}`,
    parse: (raw) => {
      const trimmed = raw.trim().replace(/_/g, "");
      if (!/^-?\d+$/.test(trimmed)) return undefined;
      const value = Number(trimmed);
      return value >= min && value <= max ? value : undefined;
    },
  };
}

/** A decimal fraction from 0 to 1 (a ratio or probability), written like 0.05 or 1. */
export function fraction(description: string): ConfigKey<number> {
  return {
    type: "string",
    description,
    allowed: "a decimal number from 0 to 1 such as 0.01 or 1",
    parse: (raw) => {
      const trimmed = raw.trim();
      if (!/^(0(\.\d+)?|1(\.0+)?|\.\d+)$/.test(trimmed)) return undefined;
      return Number(trimmed);
    },
  };
}

export function boolean(description: string): ConfigKey<boolean> {
  return {
    type: "boolean",
    description,
    allowed: "true or false",
    parse: (raw) => (raw === "true" ? true : raw === "false" ? false : undefined),
  };
}

/**
 * A comma-separated list of IPv4 CIDR blocks in canonical form (host bits zero, as EKS and GKE
 * require), at least one, none of them the whole internet.
 */
export function cidrList(description: string): ConfigKey<string[]> {
  return {
    type: "string",
    description,
    allowed: "a comma-separated list of IPv4 CIDR blocks such as 203.0.113.0/24,198.51.100.7/32 (host bits zero; not 0.0.0.0/0)",
    parse: (raw) => {
      const items = raw.split(",").map((item) => item.trim());
      if (items.length === 0 || items.some((item) => !isCanonicalIpv4Cidr(item) || item.endsWith("/0"))) return undefined;
      return items;
    },
  };
}

/** `a.b.c.d/n` with octets 0-255 without leading zeros, 0 <= n <= 32, and no bits set past n. */
export function isCanonicalIpv4Cidr(text: string): boolean {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text);
  if (!m) return false;
  const octets = m.slice(1, 5);
  if (octets.some((o) => (o.length > 1 && o.startsWith("0")) || Number(o) > 255)) return false;
  const bits = Number(m[5]);
  if (bits > 32) return false;
  const address = octets.reduce((acc, o) => acc * 256 + Number(o), 0);
  const hostSpan = 2 ** (32 - bits);
  return address % hostSpan === 0;
}

export function pattern(re: RegExp, allowed: string, description: string): ConfigKey<string> {
  return { type: "string", description, allowed, parse: (raw) => (re.test(raw) ? raw : undefined) };
}

/** A comma-separated list whose every item matches `item`; empty items are not allowed. */
export function list(item: RegExp, allowed: string, description: string): ConfigKey<string[]> {
  return {
    type: "string",
    description,
    allowed,
    parse: (raw) => {
      const items = raw.split(",").map((s) => s.trim());
      return items.every((i) => item.test(i)) ? items : undefined;
    },
  };
}

/**
 * Registry host, optional port (1-65535) and optional path, per the distribution spec's reference
 * grammar (host components, lower-case path components joined by `.`, `_`, `__` or dashes); kept
 * short enough that every image name built on it stays within the 255-character limit.
 */
export function isImageRegistry(raw: string): boolean {
  const m = /^([a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*)(:(\d{1,5}))?((\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*)$/.exec(raw);
  if (!m || raw.length > 128) return false;
  const port = m[6] === undefined ? undefined : Number(m[6]);
  return port === undefined || (port >= 1 && port <= 65535 && !m[6].startsWith("0"));
}

/**
 * `raw` as an http(s) URL with a host and no user name, password, query, fragment or white
 * space (any of those would end up in logs or be dropped), or undefined. Callers add their own
 * rule on the path.
 */
export function plainHttpUrl(raw: string): URL | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  const plain = (url.protocol === "https:" || url.protocol === "http:") && url.hostname !== ""
    && url.username === "" && url.password === "" && url.search === "" && url.hash === "" && !/\s/.test(raw);
  return plain ? url : undefined;
}
