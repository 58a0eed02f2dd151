/** IPv4 CIDR maths (components/k8s/network/cidr.ts). */
import { strict as assert } from "assert";
import { cidrContains } from "../../../components/k8s/network";

describe("k8s/network: CIDR containment", () => {
  it("does IPv4 CIDR containment", () => {
    assert.ok(cidrContains("10.0.0.0/8", "10.255.1.1"));
    assert.ok(cidrContains("0.0.0.0/0", "192.168.0.0/16"));
    assert.ok(!cidrContains("10.0.16.0/20", "10.0.32.1"));
    assert.ok(!cidrContains("10.0.0.0/16", "10.0.0.0/8"));
  });

  it("treats a bare address as a /32 and refuses what is not IPv4", () => {
    assert.ok(cidrContains("10.0.0.7", "10.0.0.7"));
    assert.ok(!cidrContains("10.0.0.7", "10.0.0.8"));
    for (const bad of ["10.0.0/8", "10.0.0.256", "10.0.0.0/33", "fd00::/8"]) {
      assert.equal(cidrContains(bad, "10.0.0.1"), false, bad);
      assert.equal(cidrContains("0.0.0.0/0", bad), false, bad);
    }
  });
});
