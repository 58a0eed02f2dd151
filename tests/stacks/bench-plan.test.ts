import { strict as assert } from "assert";
import { median, parseBenchArgs, reapedChildrenCpuSeconds } from "../../stacks/bench-plan";

describe("bench:plan", () => {
  it("reads reaped children's user + system ticks from /proc stat, whatever the command name holds", () => {
    // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime ...
    const stat = "4242 (node (x) y) S 1 4242 4242 0 -1 4194304 100 200 0 0 35 7 512 96 20 0 11 0 123";
    assert.equal(reapedChildrenCpuSeconds(stat), 6.08);
  });

  it("rejects a stat line it cannot read instead of reporting zero", () => {
    assert.throws(() => reapedChildrenCpuSeconds("4242 (node) S 1"), /unreadable/);
  });

  it("takes the median of odd and even numbers of runs", () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
  });

  it("benches dev and prod-aws-20k unless stacks are given", () => {
    assert.deepEqual(parseBenchArgs([]), { runs: 3, stacks: ["dev", "prod-aws-20k"] });
    assert.deepEqual(parseBenchArgs(["--runs", "1", "--stack", "prod"]), { runs: 1, stacks: ["prod"] });
    assert.throws(() => parseBenchArgs(["--runs", "0"]), /at least 1/);
    assert.throws(() => parseBenchArgs(["--fast"]), /unknown argument --fast/);
  });
});
