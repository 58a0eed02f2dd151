/**
 * A small Matrix client over plain fetch. Every request carries a unique `e2e_req` query
 * parameter so HAProxy's log line for it can be found (see haproxy-log.ts); Synapse ignores
 * unknown query parameters.
 */
import { createHmac } from "crypto";
import * as http from "http";
import { REQ_TAG } from "./haproxy-log";

export interface SentRequest {
  tag: string;
  label: string;
  method: string;
  path: string;
  query: URLSearchParams;
  status: number;
  ms: number;
}

export interface CallOptions {
  label: string;
  query?: Record<string, string>;
  body?: unknown;
  /** Raw body (media upload); sent with `contentType`. */
  raw?: Buffer;
  contentType?: string;
  token?: string;
  /** Statuses that count as success; 200 only by default. */
  ok?: number[];
  /** Don't tag (used by the benchmark, whose requests are not matched to log lines). */
  untagged?: boolean;
  timeoutMs?: number;
  /** Cancels the request (the capacity benchmark ends its open /sync long-polls with it). */
  signal?: AbortSignal;
  /** Extra request headers; `host` and `x-forwarded-for` play a request as the edge would pass it. */
  headers?: Record<string, string>;
}

interface RawResponse {
  status: number;
  headers: Headers;
  buf: Buffer;
}

/** One request over node:http, which (unlike fetch) sends the Host header it is given. */
function rawRequest(url: string, method: string, headers: Record<string, string>, body: Buffer | string | undefined, timeoutMs: number): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers: { ...headers, ...(body !== undefined ? { "content-length": String(Buffer.byteLength(body)) } : {}) }, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) h.set(k, Array.isArray(v) ? v.join(", ") : v);
        resolve({ status: res.statusCode ?? 0, headers: h, buf: Buffer.concat(chunks) });
      });
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`${method} ${url}: no answer within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end(body);
  });
}

export class MatrixHttp {
  private seq = 0;
  readonly sent: SentRequest[] = [];
  /** Host the admin API is served on: /_synapse/admin requests carry it (HAProxy answers 404 on any other). */
  adminHost?: string;
  constructor(readonly baseUrl: string, private readonly runId = Math.random().toString(36).slice(2, 8)) {}

  async call<T = any>(method: string, path: string, opts: CallOptions): Promise<{ status: number; json: T; buf: Buffer; tag: string; headers: Headers }> {
    const tag = `${this.runId}-${++this.seq}`;
    const query = new URLSearchParams(opts.query ?? {});
    if (!opts.untagged) query.set(REQ_TAG, tag);
    const qs = query.toString();
    const url = `${this.baseUrl}${path}${qs ? `?${qs}` : ""}`;
    const headers: Record<string, string> = {};
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    let body: Buffer | string | undefined;
    if (opts.raw) {
      body = opts.raw;
      headers["content-type"] = opts.contentType ?? "application/octet-stream";
    } else if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers["content-type"] = "application/json";
    }
    const extra = { ...(this.adminHost && path.startsWith("/_synapse/admin") ? { host: this.adminHost } : {}), ...opts.headers };
    const t0 = performance.now();
    let res: RawResponse;
    if (Object.keys(extra).length > 0) {
      res = await rawRequest(url, method, { ...headers, ...extra }, body, opts.timeoutMs ?? 60_000);
    } else {
      const timeout = AbortSignal.timeout(opts.timeoutMs ?? 60_000);
      const r = await fetch(url, { method, headers, body, signal: opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout });
      res = { status: r.status, headers: r.headers, buf: Buffer.from(await r.arrayBuffer()) };
    }
    const buf = res.buf;
    const ms = performance.now() - t0;
    if (!opts.untagged) this.sent.push({ tag, label: opts.label, method, path, query, status: res.status, ms });
    const okStatuses = opts.ok ?? [200];
    let json: any = undefined;
    if ((res.headers.get("content-type") ?? "").includes("json")) {
      try {
        json = JSON.parse(buf.toString("utf8"));
      } catch {
        json = undefined;
      }
    }
    if (!okStatuses.includes(res.status)) {
      throw new Error(`${opts.label}: ${method} ${path} -> HTTP ${res.status} ${buf.toString("utf8").slice(0, 500)}`);
    }
    return { status: res.status, json, buf, tag, headers: res.headers };
  }
}

/** The HMAC the shared-secret registration API expects (Synapse docs: admin_api/register_api). */
export function registrationMac(secret: string, nonce: string, user: string, password: string, admin: boolean): string {
  const mac = createHmac("sha1", secret);
  mac.update(nonce);
  mac.update("\x00");
  mac.update(user);
  mac.update("\x00");
  mac.update(password);
  mac.update("\x00");
  mac.update(admin ? "admin" : "notadmin");
  return mac.digest("hex");
}

export interface Session {
  userId: string;
  accessToken: string;
  deviceId: string;
}

/** Registers through /_synapse/admin/v1/register (nonce + HMAC), as register_new_matrix_user does. */
export async function registerWithSharedSecret(http: MatrixHttp, secret: string, user: string, password: string, admin = false): Promise<Session> {
  const { json: n } = await http.call("GET", "/_synapse/admin/v1/register", { label: "register nonce" });
  const { json } = await http.call("POST", "/_synapse/admin/v1/register", {
    label: "register",
    body: { nonce: n.nonce, username: user, password, admin, mac: registrationMac(secret, n.nonce, user, password, admin) },
  });
  return { userId: json.user_id, accessToken: json.access_token, deviceId: json.device_id };
}

export async function login(http: MatrixHttp, user: string, password: string): Promise<Session> {
  const { json } = await http.call("POST", "/_matrix/client/v3/login", {
    label: "login",
    body: { type: "m.login.password", identifier: { type: "m.id.user", user }, password, initial_device_display_name: "e2e" },
  });
  return { userId: json.user_id, accessToken: json.access_token, deviceId: json.device_id };
}
