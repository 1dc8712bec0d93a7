// The Pulumi program, compiled to dist/index.js (Pulumi.yaml `main`): reads the stack config and instantiates the rescue
// component of the configured cloud. Everything it does lives in program.ts.
import { rescueProgram } from "./src/engine/program";

export = rescueProgram();
