/**
 * The LI keys: the investigators' source ranges are required with LI and refused without it,
 * validated as IPv4 CIDR blocks, and main's redaction pruning period cannot be set while LI is on
 * (it would be overridden: main keeps every redaction for LI).
 */
import { strict as assert } from "assert";
import { parseSpec } from "../../config";
import { prefixedConfig, refusalOf } from "../helpers/config-refusal";

describe("config: LI keys", () => {
  it("li: true without liInvestigatorCidrs is refused, naming the key and what to set", () => {
    const msg = refusalOf({ li: "true" });
    assert.match(msg, /matrix-platform:liInvestigatorCidrs/);
    assert.match(msg, /investigators' source ranges/);
  });

  for (const [bad, why] of [["203.0.113.0/33", "prefix past 32"], ["203.0.113.1/24", "host bits set"], ["0.0.0.0/0", "the whole internet"], ["2001:db8::/32", "IPv6"], ["203.0.113.0/24,", "an empty item"], ["lab", "not a CIDR"]] as const) {
    it(`refuses liInvestigatorCidrs ${JSON.stringify(bad)} (${why}), echoing it and what is allowed`, () => {
      const msg = refusalOf({ li: "true", liInvestigatorCidrs: bad });
      assert.match(msg, /matrix-platform:liInvestigatorCidrs/);
      assert.ok(msg.includes(bad), msg);
      assert.match(msg, /comma-separated list of IPv4 CIDR blocks/);
    });
  }

  it("refuses liInvestigatorCidrs when li is off (it would be ignored)", () => {
    assert.match(refusalOf({ liInvestigatorCidrs: "203.0.113.0/24" }), /liInvestigatorCidrs[\s\S]*only applies when li is true/);
  });

  it("refuses a redaction pruning period while li is on; never is accepted", () => {
    assert.match(refusalOf({ li: "true", liInvestigatorCidrs: "203.0.113.0/24", redactionRetentionPeriod: "7d" }), /redactionRetentionPeriod[\s\S]*never, or unset, while li is true/);
    const spec = parseSpec(prefixedConfig({ li: "true", liInvestigatorCidrs: "203.0.113.0/24, 198.51.100.7/32", redactionRetentionPeriod: "never" }), "test");
    assert.deepEqual(spec.li.investigatorCidrs, ["203.0.113.0/24", "198.51.100.7/32"]);
    assert.equal(spec.synapse.redactionRetentionPeriod, null);
  });

  it("li off: no investigator ranges", () => {
    assert.deepEqual(parseSpec(prefixedConfig({}), "test").li.investigatorCidrs, []);
  });
});
