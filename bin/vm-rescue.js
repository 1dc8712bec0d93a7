#!/usr/bin/env node
"use strict";
// The AWS SDK warns on every run that its releases from 2027 need Node 22; the CLI keeps its
// one-line messages (the README states the Node version), so that one notice is not printed.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = (warning, ...rest) => {
  const text = typeof warning === "string" ? warning : warning && warning.message;
  const type = typeof rest[0] === "string" ? rest[0] : rest[0] && rest[0].type;
  if (/NodeVersionSupportWarning/.test(`${type} ${text}`)) return;
  emitWarning(warning, ...rest);
};

// The CLI runs from the compiled output in dist/ (built by `npm run build`, which `npm ci` runs).
let cli;
try {
  require("../dist/src/cli/guard.js").guardProcess();
  cli = require("../dist/src/cli/main.js");
} catch (e) {
  if (e && e.code === "MODULE_NOT_FOUND" && /dist[\\/]src[\\/]cli[\\/]/.test(String(e.message))) {
    process.stderr.write("vm-rescue: not built yet; run `npm run build` (npm ci does it) first\n");
    process.exit(2);
  }
  throw e;
}
cli.main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
