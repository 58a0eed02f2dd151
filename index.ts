// Entry point for `pulumi up` / `pulumi preview`: wiring lives in program.ts so tests and
// `npm run plan` can run the same program under the mock engine.
import { program } from "./program";

export = program();
