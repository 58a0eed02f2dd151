/**
 * The real mautrix-telegram and mautrix-whatsapp (v26.08) against the generated topology on
 * loopback (e2e/bridges.ts): Synapse main and its appservice worker behind the generated HAProxy,
 * each bridge's own database on the loopback PostgreSQL, configs rendered by the stack's
 * renderer with encryption and double puppeting on.
 *
 * The network side cannot run here: logging in to Telegram or WhatsApp needs the internet and
 * real accounts, so no message crosses to either network. Everything on the Matrix side does.
 */
import { strict as assert } from "assert";
import { BRIDGES, bridgeStackInputs, makeBridgePlan, runBridgeScenario, startBridges, type BridgeObservation, type LoopbackBridge } from "../../e2e/bridges";
import { log, withTopology } from "../../e2e/run";
import { reapStaleRuns, Supervisor } from "../../e2e/procs";

describe("e2e: mautrix-telegram and mautrix-whatsapp on the generated topology (Matrix side; the networks cannot be reached here)", function () {
  this.timeout(600_000);
  let seen: BridgeObservation[] = [];
  let survivors: string[] = [];

  before(async () => {
    reapStaleRuns();
    const inputs = bridgeStackInputs();
    let bridges: LoopbackBridge[] = [];
    const sup = new Supervisor(Supervisor.freshRunDir());
    try {
      const out = await withTopology(makeBridgePlan(inputs, (b) => (bridges = b)), async (topo) => {
        await startBridges(sup, bridges, topo);
        log("bridges ready");
        return runBridgeScenario(topo, bridges);
      }, { deadlineMs: 480_000, sup });
      seen = out.value;
      for (const o of seen) log(`${o.network}: ping ${o.ping.status} via ${o.ping.servedBy} in ${o.ping.durationMs} ms; help answered: ${Boolean(o.helpAnswer)}; outsider: ${o.refusal?.membership} (${o.refusal?.reason})`);
    } finally {
      await sup.stopAll();
      survivors = sup.survivors();
    }
  });

  const of = (n: string) => seen.find((o) => o.network === n)!;

  for (const network of BRIDGES) {
    describe(`mautrix-${network}`, () => {
      it("passes the appservice ping, answered through HAProxy by Synapse's appservice worker", () => {
        const o = of(network);
        assert.equal(o.ping.status, 200, JSON.stringify(o.ping));
        assert.equal(typeof o.ping.durationMs, "number");
        assert.equal(o.ping.servedBy, "appservice");
      });

      it("has its bot user, with an encryption device (end-to-bridge encryption is on)", () => {
        const o = of(network);
        assert.ok(o.botExists, "bot profile");
        assert.ok(o.botKeyedDevices >= 1, `bot devices with keys: ${o.botKeyedDevices}`);
      });

      it("answers `help` in a DM from a permitted user, seen in the user's /sync", () => {
        const o = of(network);
        assert.ok(o.helpAnswer, "no answer from the bot after help");
        assert.ok(["m.notice", "m.text"].includes(o.helpAnswer!.msgtype), o.helpAnswer!.msgtype);
        assert.match(o.helpAnswer!.body, /\*\*login\*\* .*Log into the bridge/, o.helpAnswer!.body);
      });

      it("refuses a user outside the configured permissions", () => {
        const o = of(network);
        assert.ok(o.refusal, "the bot did nothing with bob's invite");
        assert.equal(o.refusal!.membership, "leave");
        assert.match(o.refusal!.reason ?? "", /permission/i);
        assert.equal(o.bobGotAnswer, false);
      });
    });
  }

  it("stopped every process it started", () => {
    assert.deepEqual(survivors, []);
  });
});
