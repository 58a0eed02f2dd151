/**
 * The frontend's own refusals, played against the running topology: the upload limit applies to
 * media uploads only (a file one byte under it is stored, one byte over it is refused by HAProxy,
 * Synapse refuses the same size on its own, and a login larger than the limit is unaffected), and
 * the admin API answers only on the admin host, through the edge only from the configured range.
 */
import { randomBytes } from "crypto";
import type { MatrixHttp, Session } from "./client";
import type { LoopbackPlan } from "./adapter";

class EdgeFailure extends Error {}
function check(cond: unknown, msg: string): asserts cond {
  if (!cond) throw new EdgeFailure(msg);
}

/** What a refusal looked like, for the test's own assertions. */
export interface EdgeObservation {
  label: string;
  status: number;
  /** HAProxy's own error pages are HTML; Synapse answers JSON. */
  answeredBy: "haproxy" | "synapse";
}

export async function runEdgeChecks(
  plan: LoopbackPlan,
  http: MatrixHttp,
  user: { localpart: string; password: string; session: Session },
  publicHost: string,
): Promise<{ checks: string[]; observations: EdgeObservation[] }> {
  const limit = plan.haproxy.maxUploadBytes;
  const checks: string[] = [];
  const observations: EdgeObservation[] = [];
  const observe = async (label: string, method: string, path: string, opts: Omit<Parameters<MatrixHttp["call"]>[2], "label">) => {
    const r = await http.call(method, path, { ...opts, label, untagged: opts.untagged ?? true, ok: [200, 403, 404, 411, 413] });
    const answeredBy = (r.headers.get("content-type") ?? "").includes("json") ? "synapse" : "haproxy";
    observations.push({ label, status: r.status, answeredBy });
    return { ...r, answeredBy };
  };
  const upload = (bytes: number) => ({ raw: randomBytes(bytes), contentType: "application/octet-stream", token: user.session.accessToken });

  // --- upload limit: one byte under is stored, one byte over is refused at the edge
  const under = await observe("upload one byte under the limit", "POST", "/_matrix/media/v3/upload", upload(limit - 1));
  check(under.status === 200 && String(under.json?.content_uri ?? "").startsWith("mxc://"), `an upload of ${limit - 1} bytes (limit ${limit}) got HTTP ${under.status}`);
  const over = await observe("upload one byte over the limit", "POST", "/_matrix/media/v3/upload", upload(limit + 1));
  check(over.status === 413 && over.answeredBy === "haproxy", `an upload of ${limit + 1} bytes got HTTP ${over.status} from ${over.answeredBy}, expected 413 from HAProxy`);
  // Synapse holds the same number: the media worker itself refuses the same upload.
  const media = plan.processes.find((p) => p.type === "media-repository");
  check(media, "no media-repository process");
  const direct = await fetch(`${new URL(media.healthUrl).origin}/_matrix/media/v3/upload`, {
    method: "POST", body: randomBytes(limit + 1), headers: { authorization: `Bearer ${user.session.accessToken}`, "content-type": "application/octet-stream" },
  });
  const directBody = await direct.text();
  check(direct.status === 413 && directBody.includes("M_TOO_LARGE"), `the media worker answered ${direct.status} ${directBody.slice(0, 200)} to ${limit + 1} bytes`);
  checks.push(`an upload of ${limit - 1} bytes is stored, ${limit + 1} bytes is refused 413 by HAProxy and by Synapse's media worker alike (limit ${limit})`);

  // --- a login with a body larger than the upload limit is not an upload
  const padded = await http.call("POST", "/_matrix/client/v3/login", {
    label: "login larger than the upload limit",
    body: { type: "m.login.password", identifier: { type: "m.id.user", user: user.localpart }, password: user.password, initial_device_display_name: "e2e-large", padding: "x".repeat(limit + 4096) },
  });
  check(padded.json?.user_id === user.session.userId, `the padded login returned ${JSON.stringify(padded.json).slice(0, 200)}`);
  checks.push(`a ${limit + 4096}-byte login request is served (the upload limit applies to uploads only)`);

  // --- admin API: only on the admin host; through the edge only from the configured range
  const adminHost = plan.haproxy.adminHost;
  check(adminHost, "the plan names no admin host");
  const nonce = "/_synapse/admin/v1/register";
  const onClientHost = await observe("admin API on the client host", "GET", nonce, { headers: { host: publicHost } });
  check(onClientHost.status === 404 && onClientHost.answeredBy === "haproxy", `admin API on ${publicHost}: HTTP ${onClientHost.status} from ${onClientHost.answeredBy}`);
  const encoded = await observe("admin API, encoded, on the client host", "GET", "/_synapse/%61dmin/v1/register", { headers: { host: publicHost } });
  check(encoded.status === 404, `encoded admin path on ${publicHost}: HTTP ${encoded.status}`);
  const outsider = await observe("admin API from outside the source ranges", "GET", nonce, { headers: { host: adminHost, "x-forwarded-for": "198.51.100.7" } });
  check(outsider.status === 403 && outsider.answeredBy === "haproxy", `admin API on ${adminHost} from 198.51.100.7: HTTP ${outsider.status}`);
  const operator = await observe("admin API from the source ranges", "GET", nonce, { headers: { host: adminHost, "x-forwarded-for": "192.0.2.10" } });
  check(operator.status === 200 && operator.answeredBy === "synapse", `admin API on ${adminHost} from 192.0.2.10: HTTP ${operator.status}`);
  checks.push(`/_synapse/admin: 404 on ${publicHost} (also URL-encoded), 403 on ${adminHost} from 198.51.100.7, served on ${adminHost} from 192.0.2.10 (${plan.haproxy.adminSourceRanges.join(", ")})`);
  return { checks, observations };
}


