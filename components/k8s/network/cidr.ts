/** IPv4 CIDR maths: what the generator needs for `except` lists and the evaluator for ipBlocks. */

function ipv4ToInt(ip: string): number | undefined {
  const parts = ip.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return undefined;
  return ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
}

function parseCidr(cidr: string): { base: number; bits: number } | undefined {
  const [ip, bitsRaw] = cidr.split("/");
  const base = ipv4ToInt(ip);
  const bits = bitsRaw === undefined ? 32 : Number(bitsRaw);
  if (base === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32) return undefined;
  return { base, bits };
}

function mask(bits: number): number {
  return bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
}

/** True when `inner` (a CIDR or an address) lies inside `outer`. IPv4 only. */
export function cidrContains(outer: string, inner: string): boolean {
  const o = parseCidr(outer);
  const i = parseCidr(inner);
  if (!o || !i || i.bits < o.bits) return false;
  return ((i.base & mask(o.bits)) >>> 0) === ((o.base & mask(o.bits)) >>> 0);
}
