/**
 * docs/capacity-figures.md (stacks/capacity-figures.ts): it shows the measurement the measured
 * model uses, and its derived figures follow from a measurement's levels.
 */
import * as assert from "assert";
import * as fs from "fs";
import { CAPACITY, type CapacityMeasurement } from "../../catalog/capacity";
import { CAPACITY_FIGURES_FILE, capacityFiguresMarkdown } from "../../stacks/capacity-figures";

/** The committed measurement with synchrotron's CPU replaced: `perUser` cores per user, no base. */
function withSynchrotron(perUser: number, overrides: Partial<CapacityMeasurement> = {}): CapacityMeasurement {
  const m: CapacityMeasurement = JSON.parse(JSON.stringify(CAPACITY));
  for (const l of m.topologies.workers.levels) l.cpuCores.synchrotron = perUser * l.users;
  return { ...m, ...overrides };
}

const row = (md: string, first: string) => md.split("\n").find((l) => l.startsWith(`| ${first} |`))?.split("|").map((c) => c.trim()).slice(1, -1);

describe("capacity figures document", function () {

  it("the committed docs/capacity-figures.md is the one the current measurement gives (run npm run capacity:figures)", () => {
    assert.equal(fs.readFileSync(CAPACITY_FIGURES_FILE, "utf8"), capacityFiguresMarkdown(CAPACITY));
  });

  it("a type's users per process are where its fitted CPU reaches the 70 % target", () => {
    // 10 millicores per user: one core at 100 users, the 70 % target at 70.
    const cells = row(capacityFiguresMarkdown(withSynchrotron(0.01)), "synchrotron")!;
    assert.equal(cells[2], "10.00 ± 0.00");
    assert.equal(cells[6], "100");
    assert.equal(cells[7], "70");
  });

  it("twice the per-user CPU halves the users one process serves", () => {
    const once = Number(row(capacityFiguresMarkdown(withSynchrotron(0.005)), "synchrotron")![7].replace(/,/g, ""));
    const twice = Number(row(capacityFiguresMarkdown(withSynchrotron(0.01)), "synchrotron")![7].replace(/,/g, ""));
    assert.equal(once, 140);
    assert.equal(twice, 70);
  });

  it("on a quiet host a latency crossing caps users per process; on a busy one it does not", () => {
    const quiet = capacityFiguresMarkdown(withSynchrotron(0.01, { machine: { ...CAPACITY.machine, cores: 64, loadAverage: { start: 0.1, end: 0.2 } } }));
    const busy = capacityFiguresMarkdown(withSynchrotron(0.01, { machine: { ...CAPACITY.machine, cores: 2, loadAverage: { start: 3, end: 5 } } }));
    assert.match(quiet, /^- The model caps users per process at \d+ \(the latency crossing/m);
    assert.match(busy, /^- The model does not cap users per process by that latency: the host was the limit \(load average up to 5 on 2 cores/m);
  });
});
