/**
 * Issue 18 item 1: the CCU activity model's arithmetic — the room population the benchmark
 * builds and the rates it drives — and the `capacityActivity` key that changes it per stack.
 */
import { strict as assert } from "node:assert";
import fc from "fast-check";
import { DEFAULT_CCU_ACTIVITY } from "../../catalog/activity";
import { CCU_ACTIVITY_BOUNDS, CCU_ACTIVITY_FIELDS } from "../../config/activity";
import { ConfigValidationError, parseSpec } from "../../config";
import { parseActivityOverrides } from "../../config/capacity-keys";
import { activityDifferences, activityFor, roomMembers, roomSizes, writeRequestsPerSecond, zipfExponentFor, zipfTopShare } from "../../sizing/activity";

const RUNS = { numRuns: Number(process.env.FC_RUNS ?? 60) };
const cfg = (o: Record<string, string>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [`matrix-platform:${k}`, v]));

describe("activity model: the room population (issue 18 item 1)", () => {
  const population = fc.record({
    users: fc.integer({ min: 1, max: 400 }),
    roomsPerUser: fc.double({ min: 0.01, max: 3, noNaN: true }),
    roomsJoinedPerUser: fc.integer({ min: 1, max: 40 }),
    largeRoomMembershipShare: fc.double({ min: 0.2, max: 0.95, noNaN: true }),
  });

  it("every room has 1..users members and the memberships add up to what the model asks", () => {
    fc.assert(
      fc.property(population, (p) => {
        const a = activityFor(p);
        const sizes = roomSizes(p.users, a);
        const rooms = Math.max(1, Math.round(p.users * p.roomsPerUser));
        assert.equal(sizes.length, rooms);
        for (const s of sizes) assert.ok(s >= 1 && s <= p.users, `room of ${s} for ${p.users} users`);
        const wanted = p.users * Math.min(p.roomsJoinedPerUser, rooms);
        // Each room needs a member even when there are more rooms than memberships.
        assert.equal(sizes.reduce((x, y) => x + y, 0), Math.min(Math.max(wanted, rooms), rooms * p.users));
      }),
      RUNS,
    );
  });

  it("the largest 20 % of rooms hold the configured share of memberships when no room is full", () => {
    const a = activityFor({ roomsPerUser: 0.5, roomsJoinedPerUser: 4 });
    const users = 5000;
    const sizes = roomSizes(users, a);
    assert.ok(sizes[0] < users, "no room capped in this population");
    const top = sizes.slice(0, Math.round(sizes.length * 0.2)).reduce((x, y) => x + y, 0);
    const all = sizes.reduce((x, y) => x + y, 0);
    assert.ok(Math.abs(top / all - 0.8) < 0.02, `top 20 % hold ${(top / all).toFixed(3)}`);
  });

  it("the Zipf exponent found by bisection gives the asked top share", () => {
    fc.assert(
      fc.property(fc.integer({ min: 10, max: 3000 }), fc.double({ min: 0.3, max: 0.95, noNaN: true }), (n, share) => {
        const s = zipfExponentFor(n, share);
        if (s < 8) assert.ok(Math.abs(zipfTopShare(n, s) - share) < 1e-6, `n=${n} share=${share} s=${s} gives ${zipfTopShare(n, s)}`);
      }),
      RUNS,
    );
    assert.equal(zipfExponentFor(100, 0.2), 0, "the uniform share needs no skew");
  });

  it("members are distinct, rooms get their size, and every user's room count is within one of every other's", () => {
    fc.assert(
      fc.property(population, fc.integer(), (p, seed) => {
        const sizes = roomSizes(p.users, activityFor(p));
        const members = roomMembers(p.users, sizes, seed);
        const count = new Array<number>(p.users).fill(0);
        members.forEach((m, i) => {
          assert.equal(new Set(m).size, sizes[i]);
          for (const u of m) {
            assert.ok(u >= 0 && u < p.users);
            count[u]++;
          }
        });
        assert.ok(Math.max(...count) - Math.min(...count) <= 1, `room counts ${Math.min(...count)}..${Math.max(...count)}`);
      }),
      RUNS,
    );
  });

  it("the same seed gives the same population, another seed another one", () => {
    const sizes = roomSizes(50, DEFAULT_CCU_ACTIVITY);
    assert.deepEqual(roomMembers(50, sizes, 7), roomMembers(50, sizes, 7));
    assert.notDeepEqual(roomMembers(50, sizes, 7), roomMembers(50, sizes, 8));
  });

  it("write requests grow linearly with users", () => {
    const one = writeRequestsPerSecond(1, DEFAULT_CCU_ACTIVITY);
    assert.ok(Math.abs(writeRequestsPerSecond(1000, DEFAULT_CCU_ACTIVITY) - 1000 * one) < 1e-9);
    // 0.5 messages + 1 receipt + 1 typing + 0.1 presence + 0.02 joins + 0.02 uploads per minute.
    assert.ok(Math.abs(one - 2.64 / 60) < 1e-12);
  });
});

describe("capacityActivity: a stack's changes to the activity model (issue 18 item 1)", () => {
  it("defaults lie inside their own bounds", () => {
    for (const f of CCU_ACTIVITY_FIELDS) {
      const b = CCU_ACTIVITY_BOUNDS[f];
      assert.ok(DEFAULT_CCU_ACTIVITY[f] >= b.min && DEFAULT_CCU_ACTIVITY[f] <= b.max, f);
    }
    assert.deepEqual([...CCU_ACTIVITY_FIELDS].sort(), Object.keys(DEFAULT_CCU_ACTIVITY).sort());
  });

  it("parses field=value pairs into the spec, which sizing puts over the defaults", () => {
    const spec = parseSpec(cfg({ capacityActivity: "messagesPerMinute=2, roomsJoinedPerUser=20" }), "t");
    assert.deepEqual(spec.capacityActivity, { messagesPerMinute: 2, roomsJoinedPerUser: 20 });
    const a = activityFor(spec.capacityActivity);
    assert.equal(a.messagesPerMinute, 2);
    assert.equal(a.typingPerMinute, DEFAULT_CCU_ACTIVITY.typingPerMinute);
    assert.deepEqual(activityDifferences(a), ["messagesPerMinute", "roomsJoinedPerUser"]);
    assert.deepEqual(parseSpec(cfg({}), "t").capacityActivity, {});
  });

  for (const [raw, why] of [
    ["messagesPerMinute=61", "above its bound"],
    ["messagesPerMinute=-1", "negative"],
    ["initialSyncShare=1.5", "a share above 1"],
    ["chattiness=3", "an unknown field"],
    ["messagesPerMinute=1,messagesPerMinute=2", "a field twice"],
    ["messagesPerMinute", "no value"],
    ["messagesPerMinute=1e3", "not a plain number"],
    ["messagesPerMinute=1,", "an empty pair"],
  ] as const) {
    it(`refuses ${why} (${raw}), naming the key, the value and the fields`, () => {
      assert.equal(parseActivityOverrides(raw), undefined);
      try {
        parseSpec(cfg({ capacityActivity: raw }), "t");
        assert.fail("accepted");
      } catch (e) {
        assert.ok(e instanceof ConfigValidationError, String(e));
        assert.match(e.message, /capacityActivity/);
        assert.ok(e.message.includes(raw), e.message);
        assert.match(e.message, /messagesPerMinute \(0-60\)/);
      }
    });
  }
});
