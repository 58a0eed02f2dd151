/**
 * Pure evaluation of the HAProxy routing model: which backend a request reaches and which key
 * its backend hashes on. It walks the same ACLs and rules the rendered config carries, in the
 * same order, with HAProxy's semantics (case-insensitive PCRE on the path, first matching
 * `use_backend` wins, `nbsrv` = usable servers).
 */
import { BlockList, isIPv4, isIPv6 } from "net";
import { ADMIN_API_PREFIX, type HaproxyAcl, type HaproxyModel, type UnavailableReply } from "./model";

export interface HttpRequestShape {
  method: string;
  /** Path without the query string. */
  path: string;
  /** Raw query string without `?`, or URLSearchParams. */
  query?: string | URLSearchParams;
  headers?: Record<string, string>;
}

export interface RouteResult {
  backend: string;
  /** Worker type (or "main") that serves the request. */
  serves: string;
  /** Key the backend hashes on (undefined for round robin). */
  hashKey?: string;
  /** HAProxy answers itself (the worker type is down and main cannot stand in). */
  reply?: UnavailableReply;
}

/** Usable servers per backend; every backend fully up unless told otherwise. */
export type ServersUp = (backend: string) => number;

const regexCache = new Map<string, RegExp>();
function compiled(pattern: string): RegExp {
  let re = regexCache.get(pattern);
  if (!re) {
    re = new RegExp(pattern, "i");
    regexCache.set(pattern, re);
  }
  return re;
}

function params(q: HttpRequestShape["query"]): URLSearchParams {
  if (q === undefined) return new URLSearchParams();
  return typeof q === "string" ? new URLSearchParams(q) : q;
}

function header(req: HttpRequestShape, name: string): string | undefined {
  const h = req.headers ?? {};
  const key = Object.keys(h).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : h[key];
}

function aclHolds(acl: HaproxyAcl, req: HttpRequestShape): boolean {
  switch (acl.kind) {
    case "path_reg":
      return acl.patterns.some((p) => compiled(p).test(req.path));
    case "urlp_found":
      return params(req.query).has(acl.param);
    case "method":
      return acl.methods.map((m) => m.toUpperCase()).includes(req.method.toUpperCase());
  }
}

/** HAProxy `field(2,_)`: the second `_`-separated field. */
function field2(s: string): string {
  return s.split("_")[1] ?? "";
}

/** The user hash key the frontend derives (X-Matrix-Localpart), mirroring the rendered rules. */
export function userHashKey(req: HttpRequestShape): string | undefined {
  const auth = header(req, "authorization");
  if (auth !== undefined) return auth.includes("syt_") ? field2(auth) : auth;
  const token = params(req.query).get("access_token");
  return token !== null && token.startsWith("syt_") ? field2(token) : undefined;
}

/**
 * The room hash key the frontend derives (the room hash header): the room segment of the path,
 * URL-decoded as HAProxy's `url_dec` does ('+' stays '+'). Undefined when the path has no room
 * segment or its encoding is invalid (HAProxy then sets no usable header either).
 */
export function roomHashKey(model: Pick<HaproxyModel, "roomKeyPattern" | "roomKeyGroup">, path: string): string | undefined {
  const m = compiled(model.roomKeyPattern).exec(path);
  if (!m) return undefined;
  try {
    return decodeURIComponent(m[model.roomKeyGroup]);
  } catch {
    return undefined;
  }
}

/** Which backend the request reaches. */
export function routeRequest(model: HaproxyModel, req: HttpRequestShape, serversUp: ServersUp = () => 1): RouteResult {
  const acls = new Map<string, HaproxyAcl>(model.acls.map((a) => [a.name, a]));
  const holds = (cond: string): boolean => {
    const negate = cond.startsWith("!");
    const acl = acls.get(negate ? cond.slice(1) : cond);
    if (!acl) throw new Error(`rule names unknown ACL ${cond}`);
    return aclHolds(acl, req) !== negate;
  };
  let backend = model.defaultBackend;
  for (const rule of model.rules) {
    if (!rule.acls.every(holds)) continue;
    backend = serversUp(rule.backend) === 0 ? rule.fallback : rule.backend;
    break;
  }
  const b = model.backends.find((x) => x.name === backend);
  if (!b) throw new Error(`rule uses unknown backend ${backend}`);
  let hashKey: string | undefined;
  if (b.balance === "user") hashKey = userHashKey(req);
  else if (b.balance === "room") hashKey = roomHashKey(model, req.path);
  else if (b.balance === "source") hashKey = header(req, "x-forwarded-for")?.split(",").pop()?.trim();
  return { backend, serves: b.serves, hashKey, ...(b.reply ? { reply: b.reply } : {}) };
}

/** What the readiness endpoint answers. */
export function isReady(model: HaproxyModel, serversUp: ServersUp): boolean {
  return model.stats.readyBackends.every((b) => serversUp(b) > 0);
}

/**
 * The status the frontend answers itself instead of routing, mirroring its deny rules in order:
 * the admin API off its host (404), the admin API through the edge from outside the source ranges
 * (403), an upload over the limit (413). Undefined: the request is routed.
 */
export function frontendRefusal(model: Pick<HaproxyModel, "adminApi" | "uploads">, req: HttpRequestShape): 404 | 403 | 413 | undefined {
  const forwardedFor = header(req, "x-forwarded-for");
  let path: string;
  try {
    path = decodeURIComponent(req.path);
  } catch {
    path = req.path;
  }
  if (path.toLowerCase().startsWith(ADMIN_API_PREFIX)) {
    const host = (header(req, "host") ?? "").split(":")[0].toLowerCase();
    if (!model.adminApi.hosts.map((h) => h.toLowerCase()).includes(host)) return 404;
    if (forwardedFor !== undefined) {
      const client = forwardedFor.split(",").pop()!.trim();
      const allowed = new BlockList();
      for (const r of model.adminApi.sourceRanges) {
        const [addr, bits] = r.split("/");
        allowed.addSubnet(addr, Number(bits), isIPv6(addr) ? "ipv6" : "ipv4");
      }
      const family = isIPv4(client) ? "ipv4" : isIPv6(client) ? "ipv6" : undefined;
      if (family === undefined || !allowed.check(client, family)) return 403;
    }
  }
  const length = header(req, "content-length");
  if (compiled(model.uploads.pathPattern).test(req.path) && length !== undefined && /^\d+$/.test(length.trim()) && BigInt(length.trim()) > BigInt(model.uploads.maxBytes)) return 413;
  return undefined;
}
