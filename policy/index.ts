/**
 * The CrossGuard policy pack of matrix-platform: `pulumi preview --policy-pack policy`. The policies
 * are in policy/pack.ts, their checks in policy/checks.ts.
 */
import { PolicyPack } from "@pulumi/policy";
import { PACK_POLICIES } from "./pack";

new PolicyPack("matrix-platform", { policies: PACK_POLICIES });
