#!/usr/bin/env node
"use strict";
// The CLI runs from the compiled output in dist/ (built by `npm run build`, which `npm ci` runs).
let cli;
try {
  cli = require("../dist/cli/main.js");
} catch (e) {
  if (e && e.code === "MODULE_NOT_FOUND" && String(e.message).includes("dist/cli/main.js")) {
    process.stderr.write("vm-rescue: not built yet; run `npm run build` (npm ci does it) first\n");
    process.exit(2);
  }
  throw e;
}
cli.main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
