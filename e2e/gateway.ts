/**
 * The Gateway's HTTPS listeners on loopback, for a program that reaches the platform by its public
 * names: lk-jwt-service checks an OpenID token by resolving the token's server name as any
 * federating server does (https://<serverName>/.well-known/matrix/server, then
 * /_matrix/federation/v1/openid/userinfo on the host it names), over verified TLS.
 *
 * - Routing: the HTTPRoute specs the Matrix component registers (components/matrix matrixRoutes),
 *   applied as the Gateway applies them (hostname, then the longest PathPrefix; the URLRewrite
 *   ReplacePrefixMatch filter). A backend Service is served by what the run has in its place: the
 *   well-known documents the web component renders, HAProxy's client port.
 * - TLS: a throw-away CA and one certificate for the route hostnames (openssl), the CA handed to
 *   the program as its trust store (SSL_CERT_FILE, which Go's crypto/x509 reads on Linux).
 * - Names: the listener takes port 443 (the port delegation names) on an address of its own in
 *   127.0.0.0/8, and the program runs in a private mount namespace whose /etc/hosts maps the
 *   route hostnames to that address (`unshare --mount`; root, as this machine and CI run). The
 *   machine's /etc/hosts and every other process are untouched.
 */
import { spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import type { AddressInfo } from "net";
import * as path from "path";

/** The parts of a Gateway API HTTPRoute spec the stand-in applies. */
export interface RouteSpec {
  hostnames?: string[];
  rules?: {
    matches?: { path?: { type?: string; value?: string } }[];
    filters?: { type: string; urlRewrite?: { path?: { type: string; replacePrefixMatch?: string } } }[];
    backendRefs?: { name: string; port?: number }[];
  }[];
}

/** What answers for one backend Service (`name:port`): a loopback origin, or a handler. */
export type Backend = { origin: string } | { handle: (req: http.IncomingMessage, res: http.ServerResponse, path: string) => void };

export interface RouteDecision {
  backend: string;
  /** The path sent to the backend (after any prefix rewrite), with the query. */
  path: string;
}

function pathPrefixMatches(prefix: string, p: string): boolean {
  if (prefix === "/") return true;
  const trimmed = prefix.replace(/\/$/, "");
  return p === trimmed || p.startsWith(`${trimmed}/`);
}

/**
 * The backend and path for a request, as Gateway API matching does it: routes whose hostnames
 * include the Host (port stripped), then the rule match with the longest path prefix.
 */
export function routeRequest(routes: readonly RouteSpec[], host: string, url: string): RouteDecision | undefined {
  const name = host.replace(/:\d+$/, "").toLowerCase();
  const q = url.indexOf("?");
  const p = q < 0 ? url : url.slice(0, q);
  const query = q < 0 ? "" : url.slice(q);
  let best: { len: number; rule: NonNullable<RouteSpec["rules"]>[number]; prefix: string } | undefined;
  for (const route of routes) {
    if (route.hostnames && !route.hostnames.map((h) => h.toLowerCase()).includes(name)) continue;
    for (const rule of route.rules ?? []) {
      for (const m of rule.matches ?? [{ path: { type: "PathPrefix", value: "/" } }]) {
        const prefix = m.path?.value ?? "/";
        if ((m.path?.type ?? "PathPrefix") !== "PathPrefix") throw new Error(`the gateway stand-in applies PathPrefix matches only, not ${m.path?.type}`);
        if (pathPrefixMatches(prefix, p) && (!best || prefix.length > best.len)) best = { len: prefix.length, rule, prefix };
      }
    }
  }
  if (!best) return undefined;
  const ref = best.rule.backendRefs?.[0];
  if (!ref) return undefined;
  let out = p;
  const rewrite = best.rule.filters?.find((f) => f.type === "URLRewrite")?.urlRewrite?.path;
  if (rewrite?.type === "ReplacePrefixMatch") {
    const rest = p.slice(best.prefix.replace(/\/$/, "").length);
    out = `${(rewrite.replacePrefixMatch ?? "/").replace(/\/$/, "")}${rest.startsWith("/") ? rest : `/${rest}`}`;
  }
  return { backend: `${ref.name}:${ref.port ?? 80}`, path: `${out}${query}` };
}

/** A throw-away CA and a certificate it signs for `hosts` (subjectAltName), by openssl. */
export function testCertificates(dir: string, hosts: readonly string[]): { caFile: string; certFile: string; keyFile: string } {
  fs.mkdirSync(dir, { recursive: true });
  const f = (n: string) => path.join(dir, n);
  const run = (args: string[]) => {
    const r = spawnSync("openssl", args, { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`openssl ${args[0]} failed: ${r.stderr}`);
  };
  run(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", f("ca.key"), "-out", f("ca.crt"), "-days", "1", "-subj", "/CN=matrix-platform e2e test CA"]);
  run([
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", f("gateway.key"), "-out", f("gateway.crt"), "-days", "1",
    "-CA", f("ca.crt"), "-CAkey", f("ca.key"), "-subj", `/CN=${hosts[0]}`,
    "-addext", `subjectAltName=${hosts.map((h) => `DNS:${h}`).join(",")}`, "-addext", "basicConstraints=critical,CA:FALSE", "-addext", "extendedKeyUsage=serverAuth",
  ]);
  return { caFile: f("ca.crt"), certFile: f("gateway.crt"), keyFile: f("gateway.key") };
}

export interface GatewayStandIn {
  /** The listener's address (port 443). */
  address: string;
  hostnames: string[];
  caFile: string;
  /** The /etc/hosts the program sees: localhost, and every route hostname at `address`. */
  hostsFile: string;
  /** Requests served: host, path as received, backend, status. */
  served: { host: string; path: string; backend: string; status: number }[];
  /** Wraps a command so it runs with `hostsFile` as its /etc/hosts. */
  launcher(command: string, args: string[]): { command: string; args: string[] };
  close(): Promise<void>;
}

/** A random address in 127.0.0.0/8 other than 127.0.0.1 (Linux answers on all of them). */
function loopbackAddress(): string {
  const b = crypto.randomBytes(3);
  return `127.${100 + (b[0] % 100)}.${b[1]}.${1 + (b[2] % 250)}`;
}

export async function startGatewayStandIn(args: { dir: string; routes: readonly RouteSpec[]; backends: Record<string, Backend> }): Promise<GatewayStandIn> {
  const hostnames = [...new Set(args.routes.flatMap((r) => r.hostnames ?? []))];
  if (hostnames.length === 0) throw new Error("the routes name no hostnames");
  const tls = testCertificates(path.join(args.dir, "tls"), hostnames);
  const served: GatewayStandIn["served"] = [];
  const server = https.createServer({ cert: fs.readFileSync(tls.certFile), key: fs.readFileSync(tls.keyFile) }, (req, res) => {
    const host = req.headers.host ?? "";
    const decision = routeRequest(args.routes, host, req.url ?? "/");
    const record = (status: number) => served.push({ host, path: req.url ?? "/", backend: decision?.backend ?? "-", status });
    if (!decision) {
      record(404);
      res.writeHead(404).end();
      return;
    }
    const backend = args.backends[decision.backend];
    if (!backend) {
      record(503);
      res.writeHead(503, { "content-type": "text/plain" }).end(`no loopback stand-in for ${decision.backend}\n`);
      return;
    }
    if ("handle" in backend) {
      res.on("finish", () => record(res.statusCode));
      backend.handle(req, res, decision.path);
      return;
    }
    const target = new URL(decision.path, backend.origin);
    // As the Gateway's proxy does: the client's Host kept, the client address and scheme added.
    const headers = { ...req.headers, "x-forwarded-for": req.socket.remoteAddress ?? "127.0.0.1", "x-forwarded-proto": "https" };
    const upstream = http.request(target, { method: req.method, headers }, (up) => {
      record(up.statusCode ?? 502);
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on("error", (e) => {
      record(502);
      if (!res.headersSent) res.writeHead(502).end(String(e));
    });
    req.pipe(upstream);
  });
  let address = "";
  for (let attempt = 0; ; attempt++) {
    address = loopbackAddress();
    const ok = await new Promise<boolean>((resolve, reject) => {
      const onError = (e: NodeJS.ErrnoException) => {
        server.off("listening", onListening);
        if (e.code === "EADDRINUSE" && attempt < 5) resolve(false);
        else reject(new Error(`the gateway stand-in cannot listen on ${address}:443 (${e.code}): the loopback OpenID check needs root`));
      };
      const onListening = () => {
        server.off("error", onError);
        resolve(true);
      };
      server.once("error", onError);
      server.once("listening", onListening);
      server.listen(443, address);
    });
    if (ok) break;
  }
  if ((server.address() as AddressInfo).port !== 443) throw new Error("the gateway stand-in is not on port 443");
  const hostsFile = path.join(args.dir, "hosts");
  fs.writeFileSync(hostsFile, `127.0.0.1 localhost\n::1 localhost\n${address} ${hostnames.join(" ")}\n`);
  const probe = spawnSync("unshare", ["--mount", "--", "sh", "-c", 'mount --bind "$0" /etc/hosts && getent hosts "$1"', hostsFile, hostnames[0]], { encoding: "utf8" });
  if (probe.status !== 0 || !probe.stdout.includes(address)) {
    server.close();
    throw new Error(`a private mount namespace with its own /etc/hosts is not available here (unshare --mount; needs root): ${probe.stderr.trim()}`);
  }
  return {
    address,
    hostnames,
    caFile: tls.caFile,
    hostsFile,
    served,
    launcher: (command, cmdArgs) => ({ command: "unshare", args: ["--mount", "--", "sh", "-c", 'mount --bind "$0" /etc/hosts && exec "$@"', hostsFile, command, ...cmdArgs] }),
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
