/** The capacity measurement the `measured` sizing model uses (catalog/capacity.ts). */
export { CAPACITY_2026_12_03 as CAPACITY_MEASUREMENT } from "./capacity-2026-12-03";
