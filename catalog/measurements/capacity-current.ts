/** The capacity measurement the `measured` sizing model uses (catalog/capacity.ts). */
export { CAPACITY_PLACEHOLDER as CAPACITY_MEASUREMENT } from "./capacity-placeholder";
