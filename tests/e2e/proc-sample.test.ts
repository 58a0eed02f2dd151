/**
 * Issue 18 item 2: the benchmark's /proc readings — stat parsing (a command name with spaces and
 * parentheses), trees by parent PID, and a sampler that sees a real child burn CPU.
 */
import { strict as assert } from "node:assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseStat, readAll, readPssBytes, treeMemoryBytes, treeOf, treeTotals, TreeSampler, type ProcStat } from "../../e2e/proc-sample";

/** A stat line as Linux writes it: 52 fields, the name in parentheses. */
function statLine(pid: number, name: string, ppid: number, utime: number, stime: number, cutime: number, cstime: number, rssPages: number): string {
  const f = new Array<string>(50).fill("0");
  f[0] = "S";
  f[1] = String(ppid);
  f[11] = String(utime);
  f[12] = String(stime);
  f[13] = String(cutime);
  f[14] = String(cstime);
  f[21] = String(rssPages);
  return `${pid} (${name}) ${f.join(" ")}\n`;
}

describe("proc-sample: CPU and memory of process trees from /proc (issue 18 item 2)", () => {
  it("parses a stat line whose command name holds spaces and parentheses", () => {
    const s = parseStat(statLine(42, "python -m (synapse) x", 7, 150, 50, 30, 20, 1000));
    assert.deepEqual(s, { pid: 42, ppid: 7, cpuTicks: 250, rssBytes: 1000 * 4096 });
    assert.equal(parseStat("garbage"), undefined);
    assert.equal(parseStat("12 (x) S 1 2"), undefined);
  });

  it("sums a tree found by parent PID, and nothing outside it", () => {
    const all = new Map<number, ProcStat>(
      [
        { pid: 1, ppid: 0, cpuTicks: 1000, rssBytes: 1 },
        { pid: 10, ppid: 1, cpuTicks: 5, rssBytes: 100 },
        { pid: 11, ppid: 10, cpuTicks: 7, rssBytes: 200 },
        { pid: 12, ppid: 11, cpuTicks: 11, rssBytes: 400 },
        { pid: 20, ppid: 1, cpuTicks: 13, rssBytes: 800 },
      ].map((s) => [s.pid, s]),
    );
    assert.deepEqual(treeOf(10, all).map((s) => s.pid).sort(), [10, 11, 12]);
    assert.deepEqual(treeTotals(10, all), { cpuTicks: 23, rssBytes: 700 });
    assert.deepEqual(treeTotals(99, all), { cpuTicks: 0, rssBytes: 0 });
  });

  it("reads a /proc-shaped directory, skipping entries that are not processes", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "proc-fixture-"));
    for (const [pid, line] of [[5, statLine(5, "a", 1, 1, 2, 0, 0, 3)], [6, statLine(6, "b b", 5, 4, 5, 0, 0, 6)]] as const) {
      fs.mkdirSync(path.join(root, String(pid)));
      fs.writeFileSync(path.join(root, String(pid), "stat"), line);
    }
    fs.mkdirSync(path.join(root, "self"));
    fs.mkdirSync(path.join(root, "7")); // exited: no stat file
    fs.writeFileSync(path.join(root, "6", "smaps_rollup"), "00400000-7fff [rollup]\nRss:  24 kB\nPss:  10 kB\nPss_Anon: 8 kB\n");
    const all = readAll(root);
    assert.deepEqual([...all.keys()].sort(), [5, 6]);
    assert.deepEqual(treeTotals(5, all), { cpuTicks: 12, rssBytes: 9 * 4096 });
    // PSS where smaps_rollup is readable (6), the resident set where it is not (5).
    assert.equal(readPssBytes(6, root), 10 * 1024);
    assert.equal(readPssBytes(5, root), undefined);
    assert.equal(treeMemoryBytes(5, all, root), 3 * 4096 + 10 * 1024);
  });

  it("measures the CPU a real child spends under a wrapper, counted after it exits, and its memory", async function () {
    // sh runs node (which burns one CPU-second by its own clock and holds 64 MiB), then sleeps:
    // when the sampler stops, node has exited and only sh's count of reaped children holds it.
    const burn = `const a=Buffer.alloc(64*2**20,1);let x=0;while(process.cpuUsage().user<1e6){for(let i=0;i<1e6;i++)x+=i}`;
    const child = spawn("sh", ["-c", `${JSON.stringify(process.execPath)} -e ${JSON.stringify(burn)}; sleep 3`], { stdio: "ignore" });
    const idle = spawn("sleep", ["30"], { stdio: "ignore" });
    try {
      const sampler = new TreeSampler(new Map([["busy", [child.pid!]], ["idle", [idle.pid!]]]), "/proc", 100);
      sampler.start();
      const done = Date.now() + 20_000;
      // A process listed a moment ago may have exited since (node, as it finishes): no name then.
      const commOf = (pid: number) => {
        try {
          return fs.readFileSync(`/proc/${pid}/comm`, "utf8").trim();
        } catch {
          return undefined;
        }
      };
      // Wait until node has gone (sh's only child left is sleep).
      while (Date.now() < done) {
        const kids = [...readAll().values()].filter((p) => p.ppid === child.pid);
        if (kids.length === 1 && commOf(kids[0].pid) === "sleep") break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const usage = sampler.stop();
      const busy = usage.get("busy")!;
      const quiet = usage.get("idle")!;
      assert.ok(busy.cpuSeconds >= 0.95 && busy.cpuSeconds < 2, `busy tree used ${busy.cpuSeconds} CPU-s for a 1 s burn`);
      assert.ok(busy.peakRssMi > 60, `peak ${busy.peakRssMi} MiB for a 64 MiB buffer`);
      assert.ok(quiet.cpuSeconds < 0.1, `sleep used ${quiet.cpuSeconds} s`);
      assert.equal(busy.processes, 1);
    } finally {
      child.kill();
      idle.kill();
    }
  });
});
