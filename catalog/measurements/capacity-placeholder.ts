import type { CapacityMeasurement } from "../capacity";
export const CAPACITY_PLACEHOLDER: CapacityMeasurement = { date: "", command: "", machine: { cores: 0, cpuModel: "", memoryGi: 0 }, synapseVersion: "", activity: {} as never, warmupSeconds: 0, topologies: { workers: { processes: {}, levels: [] } } };
