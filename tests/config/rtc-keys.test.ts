/**
 * The RTC media keys: port ranges inside 1024-65535, LiveKit's and coturn's disjoint, only with
 * `rtc: true`; each refusal names the key, the value and what is allowed, before anything exists.
 */
import { strict as assert } from "assert";
import fc from "fast-check";
import { parseSpec } from "../../config";
import { parsePortRange, rangesOverlap } from "../../config/parse";
import { prefixedConfig, refusalOf } from "../helpers/config-refusal";

const cfg = prefixedConfig;


describe("config: RTC media keys", () => {
  it("defaults: LiveKit 50000-60000, coturn 40000-49999 (disjoint), STUN discovery", () => {
    const spec = parseSpec(cfg({ rtc: "true" }), "dev");
    assert.deepEqual(spec.rtc, { livekitUdpPorts: { start: 50000, end: 60000 }, turnRelayPorts: { start: 40000, end: 49999 }, nodeAddress: "stun" });
    assert.equal(rangesOverlap(spec.rtc.livekitUdpPorts, spec.rtc.turnRelayPorts), false);
  });

  it("takes given ranges and the node-address mode", () => {
    const spec = parseSpec(cfg({ rtc: "true", livekitUdpPorts: "30000-30999", turnRelayPorts: "31000-31999", rtcNodeAddress: "node" }), "dev");
    assert.deepEqual(spec.rtc.livekitUdpPorts, { start: 30000, end: 30999 });
    assert.deepEqual(spec.rtc.turnRelayPorts, { start: 31000, end: 31999 });
    assert.equal(spec.rtc.nodeAddress, "node");
  });

  it("refuses a relay range that overlaps LiveKit's, naming both", () => {
    const msg = refusalOf({ rtc: "true", turnRelayPorts: "49000-55000" });
    assert.match(msg, /matrix-platform:turnRelayPorts = "49000-55000" is not allowed: a range that does not overlap livekitUdpPorts \(50000-60000\)/);
  });

  it("refuses a LiveKit range that overlaps the default relay range", () => {
    assert.match(refusalOf({ rtc: "true", livekitUdpPorts: "45000-46000" }), /matrix-platform:livekitUdpPorts = "45000-46000" is not allowed: a range that does not overlap turnRelayPorts \(40000-49999\)/);
  });

  it("refuses ranges outside 1024-65535 and inverted ranges", () => {
    assert.match(refusalOf({ rtc: "true", turnRelayPorts: "500-2000" }), /matrix-platform:turnRelayPorts = "500-2000" is not allowed: a range within 1024-65535/);
    assert.match(refusalOf({ rtc: "true", livekitUdpPorts: "60000-70000" }), /matrix-platform:livekitUdpPorts = "60000-70000" is not allowed: a range within 1024-65535/);
    assert.match(refusalOf({ rtc: "true", livekitUdpPorts: "60000-50000" }), /livekitUdpPorts = "60000-50000" is not allowed: a range whose start is not above its end/);
    assert.match(refusalOf({ rtc: "true", livekitUdpPorts: "50000" }), /livekitUdpPorts = "50000" is not allowed: a UDP port range such as 50000-60000/);
    assert.match(refusalOf({ rtc: "true", rtcNodeAddress: "ask-google" }), /rtcNodeAddress = "ask-google" is not allowed: one of stun, node/);
  });

  it("refuses the RTC keys when rtc is off: nothing is silently ignored", () => {
    assert.match(refusalOf({ turnRelayPorts: "30000-30999" }), /matrix-platform:turnRelayPorts = "30000-30999" is not allowed: only applies when rtc is true/);
  });

  it("the error carries no stack trace and is thrown before any resource: parseSpec is pure", () => {
    const msg = refusalOf({ rtc: "true", turnRelayPorts: "49000-55000" });
    assert.doesNotMatch(msg, /\n\s+at /);
  });

  it("overlap is symmetric and matches a brute-force check (property)", () => {
    const range = fc.tuple(fc.integer({ min: 1024, max: 65535 }), fc.integer({ min: 0, max: 200 })).map(([s, n]) => ({ start: s, end: Math.min(65535, s + n) }));
    fc.assert(fc.property(range, range, (a, b) => {
      let brute = false;
      for (let p = a.start; p <= a.end && !brute; p++) brute = p >= b.start && p <= b.end;
      return rangesOverlap(a, b) === brute && rangesOverlap(b, a) === brute;
    }));
    fc.assert(fc.property(fc.integer({ min: 0, max: 70000 }), fc.integer({ min: 0, max: 70000 }), (s, e) => {
      const r = parsePortRange(`${s}-${e}`);
      const ok = s >= 1024 && e <= 65535 && e >= s;
      return ok ? typeof r !== "string" && r.start === s && r.end === e : typeof r === "string";
    }));
  });
});
