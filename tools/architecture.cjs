// The import directions of the tree, in one place: the ESLint rule `vm-rescue/boundaries`
// (eslint.config.mjs) enforces them on every file, and tests/architecture.test.ts checks them and
// the absence of cycles over the whole tree. ARCHITECTURE.md explains them.
"use strict";
const path = require("node:path");

/** The pure stages, in the order data flows through a rescue. A stage imports only earlier ones. */
const STAGES = [
  "vocabulary",
  "describe",
  "topology",
  "collect",
  "guest",
  "evidence",
  "triage",
  "drivers",
  "repair",
  "swap",
  "recoveryTime",
  "report",
];

/** Packages a pure stage may not import: the Pulumi SDK and the cloud SDKs. */
const IMPURE_PACKAGES = [/^@pulumi\//, /^@aws-sdk\//, /^@azure\//];

/** The clouds: each may import the pure stages and itself, never the other cloud. */
const CLOUDS = ["clouds/azure", "clouds/aws"];

/**
 * The area of a repository path: a stage, a cloud, "engine", "cli", "entry" (src/index.ts, the
 * library entry), "tests", "tools", or null for anything else.
 */
function areaOf(repoPath) {
  const p = repoPath.split(path.sep).join("/");
  if (p === "src/index.ts") return "entry";
  const m = /^src\/([^/]+)(?:\/([^/]+))?/.exec(p);
  if (!m) {
    if (p.startsWith("tests/")) return "tests";
    if (p.startsWith("tools/")) return "tools";
    return null;
  }
  if (m[1] === "clouds") return `clouds/${m[2]}`;
  return m[1];
}

/** Tests and test builders may import anything; the build leaves them out (tsconfig.build.json). */
function isTestCode(repoPath) {
  const p = repoPath.split(path.sep).join("/");
  return /\.test\.ts$/.test(p) || /(^|\/)testing\//.test(p) || !p.startsWith("src/");
}

/** A test, a test builder or a fake: what the build leaves out of dist/. */
function isTestFile(repoPath) {
  const p = repoPath.split(path.sep).join("/");
  return /\.test\.ts$/.test(p) || /(^|\/)testing\//.test(p) || p.startsWith("tests/");
}

/** Why `from` may not import `to` (repository paths), or null when it may. */
function violation(from, to) {
  if (isTestCode(from)) return null;
  if (isTestFile(to)) return "product code never imports test code (tests/, testing/, *.test.ts)";
  const a = areaOf(from);
  const b = areaOf(to);
  if (a === null || a === "tests" || a === "tools") return null;
  if (b === "tests" || b === "tools") return `product code (${a}) never imports ${b}/`;
  if (b === null) return null;
  if (a === b) return crossCommand(from, to);
  if (b === "cli") return `nothing outside the CLI imports it (${a} → cli)`;
  if (STAGES.includes(a)) {
    if (!STAGES.includes(b)) return `a pure stage (${a}) never imports ${b}`;
    if (STAGES.indexOf(b) > STAGES.indexOf(a)) {
      return `${a} comes before ${b} in the rescue; a stage imports only earlier stages`;
    }
    return null;
  }
  if (a === "steps") {
    if (!STAGES.includes(b)) return `the step contract (steps) imports only the stages, not ${b}`;
    return null;
  }
  if (CLOUDS.includes(a)) {
    if (CLOUDS.includes(b)) return `clouds never import each other (${a} → ${b})`;
    if (b === "engine" || b === "entry" || b === "provider") return `a cloud never imports ${b}`;
    return null;
  }
  if (a === "entry" && (b === "engine" || b === "cli"))
    return `the library entry never imports ${b}`;
  if (a === "provider" && (b === "engine" || b === "entry"))
    return `the provider plugin never imports ${b}`;
  if (a === "engine" && b === "entry") return "the engine imports modules, not the library entry";
  return null;
}

/** A command file never imports another command file: what they share lives in the library. */
function crossCommand(from, to) {
  const cmd = (p) => /^src\/cli\/commands\/[^/]+$/.test(p.split(path.sep).join("/"));
  return cmd(from) && cmd(to) ? "a CLI command never imports another command" : null;
}

/** Why `from` may not import the package `spec`, or null. */
function packageViolation(from, spec) {
  if (isTestCode(from)) return null;
  const a = areaOf(from);
  if (STAGES.includes(a) && IMPURE_PACKAGES.some((r) => r.test(spec))) {
    return `a pure stage (${a}) never imports ${spec}: Pulumi and cloud SDKs belong to clouds/ and engine/`;
  }
  return null;
}

module.exports = {
  STAGES,
  IMPURE_PACKAGES,
  CLOUDS,
  areaOf,
  isTestCode,
  violation,
  packageViolation,
};
