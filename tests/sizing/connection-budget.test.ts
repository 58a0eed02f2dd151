/**
 * One connection budget for sizing and the Synapse renderer: at any size, with every HPA at its
 * ceiling, every Synapse process gets its full pool and the other pods theirs, inside
 * max_connections less the stated headroom.
 */
import { strict as assert } from "node:assert";
import fc from "fast-check";
import { FEATURE_SWITCHES, type FeatureSwitch } from "../../catalog/components";
import type { Environment, PlatformKind, SizingModel } from "../../config/keys";
import { size } from "../../sizing";
import {
  CONNECTIONS_PER_OTHER_POD,
  CP_MAX_CEILING,
  DB_HEADROOM_FIXED,
  DB_HEADROOM_FRACTION,
  MAX_CONNECTIONS_STEP,
  RESERVED_CONNECTIONS,
  dbPoolSize,
  maxConnections,
  poolBudget,
} from "../../sizing/connection-budget";
import { podCountAtMax } from "../../sizing/workload";
import { specFor } from "./specs";

const RUNS = { numRuns: Number(process.env.FC_RUNS ?? 40) };

describe("connection budget", () => {
  it("max_connections is the smallest step whose share after the headroom holds every pool", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2000 }), fc.integer({ min: 0, max: 500 }), (synapse, others) => {
        const max = maxConnections(synapse, others);
        const needed = synapse * CP_MAX_CEILING + others * CONNECTIONS_PER_OTHER_POD;
        assert.equal(max % MAX_CONNECTIONS_STEP, 0);
        assert.ok(poolBudget(max) >= needed, `${max}: budget ${poolBudget(max)} < ${needed}`);
        if (max > MAX_CONNECTIONS_STEP) {
          // One step less would not leave the headroom fraction free.
          const smaller = max - MAX_CONNECTIONS_STEP;
          assert.ok(Math.floor(smaller * (1 - DB_HEADROOM_FRACTION)) < needed + RESERVED_CONNECTIONS, `${smaller} would have been enough`);
        }
      }),
      RUNS,
    );
  });

  it("the pool budget keeps the stated headroom", () => {
    assert.equal(poolBudget(1000), 1000 - 200 - DB_HEADROOM_FIXED);
    assert.equal(dbPoolSize(1000, 10).cp_max, CP_MAX_CEILING);
    assert.throws(() => dbPoolSize(100, 200), /cannot give 200 Synapse processes/);
  });

  it("every preset shape: all Synapse processes at their HPA ceilings get Synapse's full pool, with the other pods' pools beside them", () => {
    const env = fc.constantFrom<Environment>("dev", "staging", "prod");
    const platform = fc.constantFrom<PlatformKind>("aws", "gcp", "existing");
    const model = fc.constantFrom<SizingModel>("profile", "seed-analysis");
    const features = fc.record(Object.fromEntries(FEATURE_SWITCHES.map((f) => [f, fc.boolean()])) as Record<FeatureSwitch, fc.Arbitrary<boolean>>);
    fc.assert(
      fc.property(fc.integer({ min: 100, max: 20_000 }), env, platform, model, fc.integer({ min: 0, max: 20_000 }), features, (ccu, environment, p, m, accounts, f) => {
        const s = size(specFor({ ccu, environment, platform: p, model: m, telegram: accounts, whatsapp: accounts, features: f }));
        const synapse = podCountAtMax(s.synapse.main) + Object.values(s.synapse.workers).reduce((t, w) => t + podCountAtMax(w), 0);
        const others = (["telegram", "whatsapp", "keyVault"] as const).reduce((t, c) => t + podCountAtMax(s.components[c]), 0);
        const pool = dbPoolSize(s.database.maxConnections, synapse);
        assert.equal(pool.cp_max, CP_MAX_CEILING, `${ccu} CCU ${environment}/${p}/${m}: cp_max ${pool.cp_max}`);
        assert.ok(pool.total + others * CONNECTIONS_PER_OTHER_POD <= pool.budget, `pools ${pool.total} + others ${others} > budget ${pool.budget}`);
      }),
      RUNS,
    );
  });
});
