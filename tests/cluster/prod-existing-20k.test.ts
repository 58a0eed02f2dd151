import { realEngineSuite } from "./real-engine-suite";

// The real Pulumi engine on a loopback control plane with simulated node pools (see real-engine-suite.ts).
realEngineSuite("prod-existing-20k");
