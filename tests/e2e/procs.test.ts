/**
 * The e2e's clean-up guarantees: a stop takes whole process groups (children of children too),
 * and a run whose driver died is reaped by the next one — only processes carrying that run's
 * marker, never anything else.
 */
import { strict as assert } from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PortAllocator, portFree } from "../../e2e/ports";
import { alive, reapStaleRuns, sleep, Supervisor } from "../../e2e/procs";

/** PIDs of the processes in a process group. */
function groupMembers(pgid: number): number[] {
  return fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d)).map(Number).filter((pid) => {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      return Number(fields[2]) === pgid && fields[0] !== "Z";
    } catch {
      return false;
    }
  });
}

describe("e2e: process supervision", function () {

  it("stops a process together with the children it forked", async () => {
    const sup = new Supervisor(Supervisor.freshRunDir());
    try {
      // A parent that ignores SIGTERM and leaves a child behind: only a group kill gets both.
      const p = sup.start({ name: "stubborn", command: "sh", args: ["-c", "trap '' TERM; sleep 300 & sleep 300; wait"] });
      await sleep(300);
      assert.ok(groupMembers(p.pid).length >= 2, "parent and child are in the group");
      await sup.stopAll(500);
      assert.deepEqual(groupMembers(p.pid), []);
      assert.deepEqual(sup.survivors(), []);
      assert.throws(() => sup.start({ name: "late", command: "true", args: [] }), /stopping/);
    } finally {
      await sup.stopAll(100);
      fs.rmSync(sup.runDir, { recursive: true, force: true });
    }
  });

  it("reaps the processes of a run whose driver died, and only those", async () => {
    const runDir = fs.mkdtempSync(path.join(os.tmpdir(), "mp-e2e-"));
    // The orphan of the dead run: carries the run's marker, in its own group.
    const orphan = spawn("sleep", ["300"], { detached: true, stdio: "ignore", env: { ...process.env, MP_E2E_RUN: runDir } });
    // A bystander the run never started (no marker), listed in the run's pid file as a reused PID would be.
    const bystander = spawn("sleep", ["300"], { detached: true, stdio: "ignore" });
    try {
      fs.writeFileSync(path.join(runDir, "pids"), `${orphan.pid}\n${bystander.pid}\n`);
      // A PID that is certainly not running: beyond the kernel's pid_max.
      fs.writeFileSync(path.join(runDir, "owner.pid"), "4194305\n");
      await sleep(100);
      const reaped = reapStaleRuns();
      assert.ok(reaped.includes(runDir));
      await sleep(200);
      assert.equal(alive(orphan.pid!), false, "the orphan was killed");
      assert.equal(alive(bystander.pid!), true, "the unmarked process was left alone");
      assert.equal(fs.existsSync(runDir), false);
    } finally {
      for (const c of [orphan, bystander]) {
        try {
          process.kill(-c.pid!, "SIGKILL");
        } catch {
          /* gone */
        }
      }
    }
  });

  it("leaves a live run alone", () => {
    const sup = new Supervisor(Supervisor.freshRunDir());
    try {
      assert.ok(!reapStaleRuns().includes(sup.runDir));
      assert.ok(fs.existsSync(sup.runDir));
    } finally {
      void sup.stopAll(100);
      fs.rmSync(sup.runDir, { recursive: true, force: true });
    }
  });

  it("hands out distinct loopback ports that are free", async () => {
    const alloc = new PortAllocator();
    const ports = await Promise.all([alloc.take(), alloc.take(), alloc.take()]);
    assert.equal(new Set(ports).size, 3);
    for (const p of ports) assert.ok(await portFree(p));
  });
});
