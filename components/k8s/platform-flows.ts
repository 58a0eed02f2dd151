// The add-ons' and data services' flows moved to ./network/platform-flows.ts (exported by
// ./network too); this path stays while components/platform imports it.
export * from "./network/platform-flows";
