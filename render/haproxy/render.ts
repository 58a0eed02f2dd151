/**
 * haproxy.cfg text from the routing model. The syntax stays inside what HAProxy 2.6 (Debian, the
 * CI check) and 3.2 (the deployed image) both accept.
 */
import { ADMIN_API_PREFIX, proxyErrorReplies, type HaproxyAcl, type HaproxyBackend, type HaproxyModel, type ServerSource, type UpstreamTls } from "./model";

/** Patterns go in single quotes: no escape or variable processing inside, so regexes pass verbatim. */
function quote(s: string): string {
  if (s.includes("'")) throw new Error(`HAProxy pattern contains a single quote: ${s}`);
  return `'${s}'`;
}

function aclLines(acl: HaproxyAcl): string[] {
  switch (acl.kind) {
    case "path_reg":
      // One line per pattern; lines with the same ACL name are ORed.
      return acl.patterns.map((p) => `    acl ${acl.name} path_reg -i ${quote(p)}`);
    case "urlp_found":
      return [`    acl ${acl.name} urlp(${acl.param}) -m found`];
    case "method":
      return [`    acl ${acl.name} method ${acl.methods.join(" ")}`];
  }
}

function balanceLines(b: HaproxyBackend, m: HaproxyModel): string[] {
  switch (b.balance) {
    case "user":
      // Set by the frontend from the access token's localpart: one user, one process.
      return [`    balance hdr(${m.userHashHeader})`, "    hash-type consistent"];
    case "source":
      // src is the original client (the frontend takes it from the Gateway's X-Forwarded-For).
      return ["    balance source", "    hash-type consistent"];
    case "room":
      // Set by the frontend to the decoded room ID: one room, one process, however the path is spelled.
      return [`    balance hdr(${m.roomHashHeader})`, "    hash-type consistent"];
    case "roundrobin":
      return ["    balance roundrobin"];
    case "first":
      return ["    balance first"];
  }
}

/**
 * regsub keeping only the room segment. Single quotes around the converter protect the regex's
 * parentheses and commas from HAProxy's argument parser; the inner double quotes delimit the
 * arguments (accepted by HAProxy 2.6 and 3.2).
 */
function roomKeySample(m: HaproxyModel): string {
  const re = `${m.roomKeyPattern}.*$`;
  if (re.includes('"') || re.includes("'")) throw new Error(`room key pattern contains a quote: ${re}`);
  return `'regsub("${re}","\\${m.roomKeyGroup}",i)'`;
}

function integer(n: number): string {
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`HAProxy limit must be a positive whole number: ${n}`);
  return String(n);
}

/** Host names and CIDRs go into ACL patterns unquoted: they must be plain tokens. */
function token(s: string): string {
  if (!/^[A-Za-z0-9.:/_-]+$/.test(s)) throw new Error(`not a plain host name or CIDR: ${s}`);
  return s;
}

/**
 * The admin API: 404 on any host but the admin host(s), 403 through the edge from outside the
 * source ranges. The path is URL-decoded first, so an encoded spelling does not slip past.
 */
function adminApiLines(m: HaproxyModel): string[] {
  const out = [`    acl admin_api path,url_dec -m beg -i ${ADMIN_API_PREFIX}`];
  if (m.adminApi.hosts.length > 0) {
    out.push(`    acl admin_host req.hdr(host),field(1,:),lower -m str ${m.adminApi.hosts.map((h) => token(h.toLowerCase())).join(" ")}`);
    out.push(`    http-request deny deny_status 404 if admin_api !admin_host`);
  } else {
    out.push(`    http-request deny deny_status 404 if admin_api`);
  }
  if (m.adminApi.sourceRanges.length > 0) {
    out.push(`    acl admin_source src ${m.adminApi.sourceRanges.map(token).join(" ")}`);
    out.push(`    http-request deny deny_status 403 if admin_api { var(txn.via_edge) -m bool } !admin_source`);
  } else {
    out.push(`    http-request deny deny_status 403 if admin_api { var(txn.via_edge) -m bool }`);
  }
  return out;
}

/**
 * Mutual TLS on a server line: verify the server's certificate against the internal CA and the
 * name of its Service (sent as SNI too), present the router's client certificate. Health checks
 * use the same TLS settings (HAProxy implies check-ssl on an `ssl` server).
 */
function tlsOptions(s: ServerSource, tls: UpstreamTls | undefined, backend: string): string {
  if (!tls) return "";
  if (!s.tlsName) throw new Error(`backend ${backend}: mutual TLS is on but server ${s.kind === "server" ? s.name : s.prefix} has no certificate name`);
  const name = token(s.tlsName);
  return ` ssl verify required ca-file ${token(tls.caFile)} crt ${token(tls.certFile)} sni str(${name}) verifyhost ${name} check-sni ${name}`;
}

function serverLine(s: ServerSource, tls: UpstreamTls | undefined, backend: string): string {
  if (s.kind === "server") return `    server ${s.name} ${s.host}:${s.port}${tlsOptions(s, tls, backend)}`;
  return `    server-template ${s.prefix} ${s.count} ${s.host}:${s.port}${tlsOptions(s, tls, backend)}`;
}

function ruleLines(m: HaproxyModel): string[] {
  const out: string[] = [];
  for (const r of m.rules) {
    const cond = r.acls.join(" ");
    out.push(`    use_backend ${r.fallback} if ${cond} { nbsrv(${r.backend}) eq 0 }`);
    out.push(`    use_backend ${r.backend} if ${cond}`);
  }
  return out;
}

/** The whole haproxy.cfg. */
export function renderHaproxyConfig(m: HaproxyModel): string {
  const L: string[] = [];
  L.push("# Generated by matrix-platform from catalog/workers.ts; edit the program, not this file.");
  L.push("global");
  L.push(`    log ${m.global.log}`);
  L.push(`    maxconn ${m.global.maxconn}`);
  L.push("    hard-stop-after 60s");
  L.push("");
  if (m.resolvers) {
    L.push(`resolvers ${m.resolvers.name}`);
    if (m.resolvers.parseResolvConf) L.push("    parse-resolv-conf");
    for (const ns of m.resolvers.nameservers) L.push(`    nameserver ${ns.name} ${ns.address}:${ns.port}`);
    L.push("    resolve_retries 3");
    L.push("    timeout resolve 1s");
    L.push("    timeout retry 1s");
    L.push("    hold valid 10s");
    L.push("    hold obsolete 30s");
    L.push("    accepted_payload_size 8192");
    L.push("");
  }
  L.push("defaults");
  L.push("    mode http");
  L.push("    log global");
  L.push("    option httplog");
  L.push("    option dontlognull");
  L.push("    option redispatch");
  L.push("    retries 2");
  for (const [k, v] of Object.entries(m.timeouts)) L.push(`    timeout ${k} ${v}`);
  for (const e of proxyErrorReplies()) {
    L.push(`    http-error status ${e.status} content-type application/json hdr Retry-After ${e.retryAfterSeconds} string '${e.body}'`);
  }
  // Every server is health-checked on /health; names that do not resolve yet start disabled.
  L.push(`    default-server init-addr none check inter 5s fall 3 rise 2${m.resolvers ? ` resolvers ${m.resolvers.name} resolve-prefer ipv4` : ""}`);
  L.push("");

  for (const f of m.frontends) {
    L.push(`frontend ${f.name}`);
    L.push(`    bind ${f.bind.address}:${f.bind.port}`);
    L.push("    # Requests through the edge carry X-Forwarded-For (the Gateway adds it); in-cluster callers do not.");
    L.push("    http-request set-var(txn.via_edge) bool(true) if { req.hdr(x-forwarded-for) -m found }");
    L.push("    # The client address: last X-Forwarded-For hop (added by the Gateway), else the peer.");
    L.push("    http-request set-src hdr(x-forwarded-for,-1) if { req.hdr(x-forwarded-for) -m found }");
    L.push("    http-request set-header X-Forwarded-For %[src]");
    L.push("    http-request set-header X-Forwarded-Proto http if !{ req.hdr(x-forwarded-proto) -m found }");
    L.push(...adminApiLines(m));
    // The header is read as a string and compared as a 64-bit integer (`-m int`): req.hdr_val
    // parses into 32 bits and wraps for large values. Only uploads are limited, as Synapse does.
    L.push(`    acl media_upload path_reg -i ${quote(m.uploads.pathPattern)}`);
    L.push(`    http-request deny deny_status 413 if media_upload { req.hdr(content-length) -m int gt ${integer(m.uploads.maxBytes)} }`);
    L.push(`    # User stickiness: the localpart inside a Synapse access token (syt_<localpart>_<random>_<crc>).`);
    L.push(`    http-request del-header ${m.userHashHeader}`);
    L.push(`    http-request set-header ${m.userHashHeader} %[req.hdr(authorization),field(2,_)] if { req.hdr(authorization) -m sub syt_ }`);
    L.push(`    http-request set-header ${m.userHashHeader} %[urlp(access_token),field(2,_)] if !{ req.hdr(authorization) -m found } { urlp(access_token) -m beg syt_ }`);
    L.push(`    # Other token formats (e.g. issued by an OIDC provider) carry no localpart: stick per token instead.`);
    L.push(`    http-request set-header ${m.userHashHeader} %[req.hdr(authorization)] if { req.hdr(authorization) -m found } !{ req.hdr(authorization) -m sub syt_ }`);
    // Room stickiness: the room segment of the path, URL-decoded (%21 and ! are one room, and the
    // API version prefix is not part of the key). A client-sent header of that name is dropped.
    L.push(`    http-request del-header ${m.roomHashHeader}`);
    L.push(`    acl has_room_key path_reg -i ${quote(m.roomKeyPattern)}`);
    L.push(`    http-request set-header ${m.roomHashHeader} %[path,${roomKeySample(m)},url_dec] if has_room_key`);
    for (const acl of m.acls) L.push(...aclLines(acl));
    L.push(...ruleLines(m));
    L.push(`    default_backend ${m.defaultBackend}`);
    L.push("");
  }

  L.push("frontend stats");
  L.push(`    bind ${m.stats.bind.address}:${m.stats.bind.port}`);
  L.push("    option dontlog-normal");
  L.push(`    http-request use-service prometheus-exporter if { path ${m.stats.metricsPath} }`);
  L.push(`    http-request return status 200 content-type text/plain string ok if { path ${m.stats.livenessPath} }`);
  for (const b of m.stats.readyBackends) {
    L.push(`    http-request return status 503 content-type text/plain string ${b}-down if { path ${m.stats.readinessPath} } { nbsrv(${b}) eq 0 }`);
  }
  L.push(`    http-request return status 200 content-type text/plain string ready if { path ${m.stats.readinessPath} }`);
  L.push("    http-request return status 404 content-type text/plain string not-found");
  L.push("");

  for (const b of m.backends) {
    L.push(`backend ${b.name}`);
    if (b.reply) {
      if (b.reply.body.includes("'")) throw new Error(`reply body of ${b.name} contains a single quote`);
      L.push(`    http-request return status ${b.reply.status} content-type application/json hdr Retry-After ${b.reply.retryAfterSeconds} string '${b.reply.body}'`);
      L.push("");
      continue;
    }
    L.push(...balanceLines(b, m));
    L.push(`    option httpchk GET ${b.healthPath}`);
    L.push("    http-check expect status 200");
    for (const s of b.servers) L.push(serverLine(s, m.upstreamTls, b.name));
    L.push("");
  }
  return L.join("\n");
}
