import { strict as assert } from "assert";
import {
  SINGLE_INSTANCE_ROLES,
  SINGLE_WRITER_STREAMS,
  WORKER_TYPES,
  hasStableNames,
  isNamedInSharedConfig,
  mayAutoscale,
  maxInstances,
  workerType,
} from "../../catalog/workers";
import { buildHaproxyModel, routeRequest, type HaproxyModel, type ServerSource } from "../../render/haproxy";
import { instanceMap, planInstances, renderHomeserverConfig, streamWriters } from "../../render/synapse";
import { fixtureRenderInput, fixtureWorkerCounts } from "../render/fixtures";
import { ROUTES } from "./route-samples";

/** A routing model with every routed worker type deployed (one server each). */
function fullModel(): HaproxyModel {
  const workers: Record<string, ServerSource[]> = {};
  for (const t of WORKER_TYPES) workers[t.name] = [{ kind: "server", name: `${t.name}-0`, host: "127.0.0.1", port: 1 }];
  return buildHaproxyModel({ main: { host: "127.0.0.1", port: 2 }, workers, maxUploadBytes: 1024, resolvers: false });
}

describe("worker catalogue", () => {
  it("has 22 uniquely named types", () => {
    assert.equal(WORKER_TYPES.length, 22);
    assert.equal(new Set(WORKER_TYPES.map((t) => t.name)).size, 22);
    for (const t of WORKER_TYPES) assert.match(t.name, /^[a-z][a-z-]*[a-z]$/, `${t.name} must be a DNS label (it names Services and pods)`);
  });

  it("gives every single-writer stream exactly one writer type, and that type is a singleton", () => {
    for (const stream of SINGLE_WRITER_STREAMS) {
      const writers = WORKER_TYPES.filter((t) => t.streams.includes(stream));
      assert.equal(writers.length, 1, `stream ${stream} has writer types ${writers.map((w) => w.name).join(", ")}`);
      assert.equal(writers[0].scaling, "singleton", `${writers[0].name} writes ${stream}; only one instance may exist`);
      assert.equal(maxInstances(writers[0]), 1);
    }
  });

  it("makes single-instance duties singletons and lists-of-instances duties stable-named", () => {
    for (const t of WORKER_TYPES) {
      if (t.roles.some((r) => SINGLE_INSTANCE_ROLES.includes(r))) assert.equal(t.scaling, "singleton", t.name);
      if (isNamedInSharedConfig(t)) {
        assert.ok(hasStableNames(t), `${t.name} is named in the shared config, so its instances need stable names`);
        assert.ok(t.resources.includes("replication"), `${t.name} is in instance_map and needs a replication listener`);
        assert.equal(mayAutoscale(t), false, `${t.name}: changing its count means re-rendering the shared config`);
      }
    }
  });

  it("lets only stateless pools autoscale; pools are never named in the shared config", () => {
    for (const t of WORKER_TYPES) {
      assert.equal(mayAutoscale(t), t.scaling === "pool", t.name);
      if (t.scaling === "pool") assert.equal(isNamedInSharedConfig(t), false, t.name);
    }
    assert.deepEqual(
      WORKER_TYPES.filter(mayAutoscale).map((t) => t.name).sort(),
      ["client-reader", "event-creator", "federation-inbound", "federation-reader", "initial-sync", "room-messages", "synchrotron"],
    );
  });

  it("balances sync by user, inbound federation by source, event sending and /messages by room, the rest round robin", () => {
    const expected: Record<string, string> = {
      synchrotron: "user",
      "initial-sync": "user",
      "federation-inbound": "source",
      "event-creator": "room",
      "room-messages": "room",
    };
    for (const t of WORKER_TYPES) {
      for (const g of t.routes) assert.equal(g.balance, expected[t.name] ?? "roundrobin", `${t.name} route group balance`);
    }
  });

  it("falls back to main only where main can answer the type's routes", () => {
    for (const t of WORKER_TYPES) {
      // Main serves no media (enable_media_repo: false); a stream's routes must reach its writer.
      if (t.mediaRepository || t.streams.some((s) => SINGLE_WRITER_STREAMS.includes(s))) assert.equal(t.mainFallback, false, t.name);
      if (t.routes.length === 0) assert.equal(t.mainFallback, false, `${t.name} takes no requests`);
    }
    for (const name of ["synchrotron", "initial-sync", "client-reader", "room-messages", "event-creator", "federation-reader", "federation-inbound", "user-directory"]) {
      assert.equal(workerType(name).mainFallback, true, name);
    }
  });

  it("puts every stream writer and every named instance into instance_map, with main", () => {
    for (const profile of ["100", "20k"] as const) {
      const input = fixtureRenderInput(profile);
      const map = instanceMap(input);
      assert.ok(map.main, "instance_map.main is required once workers exist");
      const hs = renderHomeserverConfig(input);
      const named = new Set<string>();
      for (const ws of Object.values(streamWriters(input.instances))) ws!.forEach((w) => named.add(w));
      for (const key of ["federation_sender_instances", "pusher_instances"]) (hs[key] as string[]).forEach((w) => named.add(w));
      for (const key of ["run_background_tasks_on", "notify_appservices_from_worker", "update_user_directory_from_worker", "media_instance_running_background_jobs"]) named.add(hs[key] as string);
      assert.ok(named.size > 10);
      for (const n of named) assert.ok(map[n], `${profile}: ${n} is named in the shared config but not in instance_map`);
      // ... and each has a replication listener at the instance_map port.
      for (const inst of input.instances.filter((i) => named.has(i.name))) {
        assert.equal(map[inst.name].port, input.network.addressOf(inst).replicationPort);
      }
    }
  });

  it("restricts outbound federation to exactly the federation-sender instances, each in instance_map", () => {
    for (const profile of ["100", "20k"] as const) {
      const input = fixtureRenderInput(profile);
      const hs = renderHomeserverConfig(input);
      const senders = input.instances.filter((i) => i.type?.name === "federation-sender").map((i) => i.name);
      assert.ok(senders.length >= 1, profile);
      assert.deepEqual(hs.outbound_federation_restricted_to, senders, profile);
      assert.deepEqual(hs.federation_sender_instances, senders, profile);
      const map = instanceMap(input);
      for (const n of senders) assert.ok(map[n], `${profile}: ${n} must be in instance_map for proxied federation`);
    }
    // The catalogue is the source of truth for the listener the proxying needs.
    assert.ok(WORKER_TYPES.find((w) => w.name === "federation-sender")!.resources.includes("replication"));
  });

  it("gives single-writer streams exactly one writer instance in every profile", () => {
    for (const profile of ["100", "1k", "5k", "10k", "20k"] as const) {
      const writers = streamWriters(planInstances(fixtureWorkerCounts(profile)));
      for (const s of SINGLE_WRITER_STREAMS) assert.equal(writers[s]?.length, 1, `${profile}: ${s}`);
      assert.ok((writers.events?.length ?? 0) >= 1);
    }
  });

  it("refuses a second instance of a singleton", () => {
    assert.throws(() => planInstances({ typing: 2 }), /typing is a singleton/);
    assert.throws(() => planInstances({ "no-such-type": 1 }), /unknown worker types/);
  });
});

describe("catalogue routing through the generated HAProxy rules", () => {
  const model = fullModel();

  for (const [method, url, expected] of ROUTES) {
    it(`${method} ${url} -> ${expected}`, () => {
      const [path, query] = url.split("?");
      assert.equal(routeRequest(model, { method, path, query }).serves, expected);
    });
  }

  it("covers every routed worker type in the sample table", () => {
    const covered = new Set(ROUTES.map((r) => r[2]));
    for (const t of WORKER_TYPES.filter((x) => x.routes.length > 0)) assert.ok(covered.has(t.name), `no sample request for ${t.name}`);
  });

  it("matches paths case-insensitively, as Synapse's documented routes do", () => {
    assert.equal(routeRequest(model, { method: "GET", path: "/_MATRIX/Client/V3/SYNC", query: "since=1" }).serves, "synchrotron");
  });

  it("sends a type's routes to main while none of its servers is up, where the catalogue allows", () => {
    const down = (b: string) => (b === "synchrotron" || b === "media-repository" || b === "typing" ? 0 : 1);
    assert.equal(routeRequest(model, { method: "GET", path: "/_matrix/client/v3/sync", query: "since=1" }, down).serves, "main");
    assert.equal(routeRequest(model, { method: "GET", path: "/_matrix/media/v3/download/a/b" }, down).serves, "media-repository");
    assert.equal(routeRequest(model, { method: "PUT", path: "/_matrix/client/v3/rooms/!a:b/typing/@u:b" }, down).serves, "typing");
  });

  it("routes types that are not deployed to main", () => {
    const partial = buildHaproxyModel({ main: { host: "h", port: 1 }, workers: { synchrotron: [{ kind: "server", name: "s", host: "h", port: 2 }] }, maxUploadBytes: 1, resolvers: false });
    assert.equal(routeRequest(partial, { method: "PUT", path: "/_matrix/client/v3/rooms/!a:b/typing/@u:b" }).serves, "main");
    // Without an initial-sync pool, initial syncs go to the synchrotrons (the next matching rule).
    assert.equal(routeRequest(partial, { method: "GET", path: "/_matrix/client/v3/sync" }).serves, "synchrotron");
    assert.equal(routeRequest(partial, { method: "GET", path: "/_matrix/client/v3/sync", query: "since=x" }).serves, "synchrotron");
  });
});

/**
 * Example paths for a catalogue pattern: every alternative of each group, `.*` / `[^/]+` filled
 * with a plausible segment, anchors dropped. Used to prove that no documented pattern is shadowed
 * by an earlier rule.
 */
function examplesOf(pattern: string): string[] {
  let variants = [pattern.replace(/^\^/, "").replace(/\$$/, "")];
  // Expand the innermost groups first, one at a time.
  for (let guard = 0; guard < 20 && variants.some((v) => /\([^()]*\)\??/.test(v)); guard++) {
    variants = variants.flatMap((v) => {
      const m = /\(([^()]*)\)(\?)?/.exec(v);
      if (!m) return [v];
      const alts = m[1].split("|");
      if (m[2] === "?") alts.push("");
      return alts.map((a) => v.slice(0, m.index) + a + v.slice(m.index + m[0].length));
    });
  }
  return variants.map((v) => v.replace(/\[\^\/\]\+/g, "!room:example.com").replace(/\.\*/g, "abc").replace(/\\/g, "").replace(/\$/g, ""));
}

describe("no documented worker route is shadowed by an earlier rule", () => {
  const model = fullModel();
  for (const t of WORKER_TYPES) {
    for (const group of t.routes) {
      for (const pattern of group.paths) {
        it(`${t.name}: ${pattern}`, () => {
          const examples = examplesOf(pattern);
          assert.ok(examples.length > 0);
          for (const path of examples) {
            assert.ok(new RegExp(pattern, "i").test(path), `example ${path} does not match its own pattern`);
            const got = routeRequest(model, { method: "GET", path, query: group.initialSyncOnly ? undefined : "since=s1" }).serves;
            assert.equal(got, t.name, `${path} (from ${pattern})`);
          }
        });
      }
    }
  }
});
