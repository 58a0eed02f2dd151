/**
 * The two halves of the e2e's routing assertion: what the catalogue says should serve a request
 * (e2e/routes.ts), and what HAProxy's log says did (e2e/haproxy-log.ts).
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { WORKER_TYPES, type WorkerType } from "../../catalog/workers";
import { HaproxyLog, parseHaproxyLine, tagOf } from "../../e2e/haproxy-log";
import { expectedType, MAIN, matchingTypes } from "../../e2e/routes";

const q = (s: string) => new URLSearchParams(s);

describe("e2e: expected worker type from the catalogue", () => {
  const cases: [string, string, string, string][] = [
    ["GET", "/_matrix/client/v3/sync", "", "initial-sync"],
    ["GET", "/_matrix/client/v3/sync", "since=s1_2&timeout=0", "synchrotron"],
    ["PUT", "/_matrix/client/v3/rooms/!a:x/send/m.room.message/t1", "", "event-creator"],
    ["GET", "/_matrix/client/v3/rooms/!a:x/messages", "dir=b", "room-messages"],
    ["PUT", "/_matrix/client/v3/rooms/!a:x/typing/@u:x", "", "typing"],
    ["POST", "/_matrix/client/v3/rooms/!a:x/receipt/m.read/$e", "", "receipts"],
    ["PUT", "/_matrix/client/v3/user/@u:x/account_data/t", "", "account-data"],
    ["PUT", "/_matrix/client/v3/pushrules/global/override/r", "", "push-rules"],
    ["POST", "/_matrix/client/v3/keys/upload", "", "device-lists"],
    ["POST", "/_matrix/client/v3/keys/query", "", "client-reader"],
    ["POST", "/_matrix/media/v3/upload", "", "media-repository"],
    ["POST", "/_matrix/client/v3/user_directory/search", "", "user-directory"],
    ["GET", "/_matrix/federation/v1/version", "", "federation-reader"],
    ["PUT", "/_matrix/federation/v1/send/123", "", "federation-inbound"],
    ["POST", "/_synapse/admin/v1/register", "", MAIN],
  ];
  for (const [method, p, query, want] of cases) {
    it(`${method} ${p}${query ? "?" + query : ""} -> ${want}`, () => {
      assert.equal(expectedType({ method, path: p, query: q(query) }), want);
    });
  }

  it("uses catalogue order as precedence and honours methods and initial-sync-only groups", () => {
    // Made-up type names: the function under test only reads names and routes.
    const t = (name: string, routes: WorkerType["routes"]): WorkerType => ({ ...WORKER_TYPES[0], name: name as WorkerType["name"], routes });
    const types = [
      t("narrow", [{ paths: ["^/x/sync$"], initialSyncOnly: true, balance: "user" }]),
      t("posts", [{ paths: ["^/x/"], methods: ["POST"], balance: "roundrobin" }]),
      t("broad", [{ paths: ["^/x/"], balance: "roundrobin" }]),
    ];
    assert.equal(expectedType({ method: "GET", path: "/x/sync" }, types), "narrow");
    assert.equal(expectedType({ method: "GET", path: "/x/sync", query: q("since=1") }, types), "broad");
    assert.equal(expectedType({ method: "POST", path: "/x/sync", query: q("since=1") }, types), "posts");
    assert.equal(expectedType({ method: "GET", path: "/X/other" }, types), "broad", "case-insensitive like HAProxy's path_reg -i");
    assert.equal(expectedType({ method: "GET", path: "/y" }, types), MAIN);
    assert.deepEqual(matchingTypes({ method: "POST", path: "/x/a" }, types), ["posts", "broad"]);
  });
});

describe("e2e: HAProxy log reader", () => {
  // A line HAProxy 2.6 wrote in an e2e run (`option httplog`, `log stdout format raw`).
  const line =
    '127.0.0.1:44216 [22/Nov/2026:02:59:57.645] matrix-client event-creator/event-creator-0 0/0/0/441/441 200 490 - - ---- 5/5/2/2/0 0/0 "PUT /_matrix/client/v3/rooms/!T%3Adev.example.com/send/m.room.message/b-0?e2e_req=ab12-7 HTTP/1.1"';

  it("parses backend, server, status, method and URI from an httplog line", () => {
    const e = parseHaproxyLine(line)!;
    assert.deepEqual(
      { frontend: e.frontend, backend: e.backend, server: e.server, status: e.status, method: e.method },
      { frontend: "matrix-client", backend: "event-creator", server: "event-creator-0", status: 200, method: "PUT" },
    );
    assert.equal(tagOf(e.uri), "ab12-7");
  });

  it("ignores HAProxy's own notices and lines of other formats", () => {
    assert.equal(parseHaproxyLine("[NOTICE]   (21701) : haproxy version is 2.6.12-1+deb12u4"), undefined);
    assert.equal(parseHaproxyLine(""), undefined);
  });

  it("parses a request HAProxy answered itself (<NOSRV>, negative timers)", () => {
    const e = parseHaproxyLine('127.0.0.1:1 [22/Nov/2026:03:00:00.000] matrix-client matrix-client/<NOSRV> -1/-1/-1/-1/0 413 0 - - PR-- 1/1/0/0/0 0/0 "POST /x?e2e_req=z-1 HTTP/1.1"')!;
    assert.equal(e.server, "<NOSRV>");
    assert.equal(e.status, 413);
  });

  it("tails a growing log file, including a line split across two writes", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mp-hplog-"));
    try {
      const file = path.join(dir, "haproxy.log");
      fs.writeFileSync(file, "[NOTICE] starting\n" + line.slice(0, 60));
      const log = new HaproxyLog(file);
      log.poll();
      assert.equal(log.entries.length, 0);
      setTimeout(() => fs.appendFileSync(file, line.slice(60) + "\n"), 100);
      const e = await log.waitFor("ab12-7", 3000);
      assert.equal(e.server, "event-creator-0");
      await assert.rejects(log.waitFor("missing-1", 200), /no HAProxy log line/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
