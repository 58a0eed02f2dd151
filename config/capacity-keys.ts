/**
 * `capacityActivity`: a stack's changes to the CCU activity model (catalog/activity.ts), as
 * `field=value` pairs. The `measured` sizing model turns measured per-user costs into replicas
 * with it, so a deployment whose users write more (or sit in larger rooms) than the defaults
 * says so here. Each field is checked against its bounds; an unknown field or a repeat is an error.
 */
import { CCU_ACTIVITY_BOUNDS, CCU_ACTIVITY_FIELDS, type CcuActivity } from "./activity";
import type { ConfigKey } from "./key-kinds";

const NUMBER = /^(0|[1-9]\d*)(\.\d+)?$/;

/** `messagesPerMinute=2,roomsJoinedPerUser=20` -> the overrides, or undefined when not allowed. */
export function parseActivityOverrides(raw: string): Partial<CcuActivity> | undefined {
  const out: Partial<CcuActivity> = {};
  const pairs = raw.split(",").map((p) => p.trim());
  if (pairs.length === 0 || pairs.some((p) => p === "")) return undefined;
  for (const pair of pairs) {
    const [field, value, ...rest] = pair.split("=");
    if (rest.length > 0 || value === undefined) return undefined;
    const name = field.trim() as keyof CcuActivity;
    if (!CCU_ACTIVITY_FIELDS.includes(name) || name in out) return undefined;
    if (!NUMBER.test(value.trim())) return undefined;
    const n = Number(value.trim());
    const b = CCU_ACTIVITY_BOUNDS[name];
    if (!(n >= b.min && n <= b.max)) return undefined;
    out[name] = n;
  }
  return out;
}

const FIELD_LIST = CCU_ACTIVITY_FIELDS.map((f) => `${f} (${CCU_ACTIVITY_BOUNDS[f].min}-${CCU_ACTIVITY_BOUNDS[f].max})`).join(", ");

export const CAPACITY_CONFIG_KEYS = {
  capacityActivity: {
    type: "string",
    allowed: `comma-separated field=value pairs, each field at most once, such as messagesPerMinute=2,roomsJoinedPerUser=20; fields and their ranges: ${FIELD_LIST}`,
    parse: parseActivityOverrides,
    description: "Changes to the CCU activity model (what one concurrent user does per minute, room sizes; catalog/activity.ts) that the `measured` sizing model sizes Synapse and PostgreSQL with. Default: the model's documented defaults.",
  },
} satisfies Record<string, ConfigKey<unknown>>;
