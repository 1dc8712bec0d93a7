/**
 * Pulumi.yaml and the README's settings table, rendered from {@link SETTINGS}
 * (`npm run gen:pulumi-yaml`; tests fail when either is stale).
 */
import { PROJECT, SETTINGS } from "./settings";

/**
 * The program the engine runs: the compiled root index.ts (`npm run build`, which `npm ci` and
 * `prepare` run), not the TypeScript. Installed from npm the package has no TypeScript compiler
 * (a devDependency), and the nodejs runtime would fall back to the TypeScript it bundles, older
 * than this code's; compiled, every update starts without type-checking the tree and runs the same
 * build as the `vm-rescue` command itself (bin/ also runs dist/).
 */
export const PROGRAM_MAIN = "dist/index.js";

/** Where the engine finds the `vm-rescue` provider plugin (bin/pulumi-resource-vm-rescue). */
export const PLUGIN_DIR = "./bin";

/** Pulumi.yaml, rendered from {@link SETTINGS} (`npm run gen:pulumi-yaml`; a test fails when it is stale). */
export function renderPulumiYaml(): string {
  const lines = [
    "# Generated from SETTINGS in src/engine/settings.ts by `npm run gen:pulumi-yaml`: edit there, not here.",
    "name: vm-rescue",
    "runtime:",
    "  name: nodejs",
    "  options:",
    "    typescript: false",
    `main: ${PROGRAM_MAIN}`,
    "description: Rescue a Windows VM stuck in a BSOD boot loop (snapshot, copy, helper VM, offline triage and repair, swap, verify).",
    "plugins:",
    "  providers:",
    `    - name: ${PROJECT}`,
    `      path: ${PLUGIN_DIR}`,
    "config:",
  ];
  for (const s of SETTINGS) {
    lines.push(`  ${s.key}:`, `    type: ${s.type}`);
    if (s.type === "array") lines.push("    items:", "      type: string");
    lines.push(`    description: ${JSON.stringify(`${s.description} [${s.clouds.join(", ")}]`)}`);
    if (s.default !== undefined) lines.push(`    default: ${JSON.stringify(s.default)}`);
  }
  return lines.join("\n") + "\n";
}

/** Rewrites Pulumi.yaml and the README's settings table from {@link SETTINGS} (`npm run gen:pulumi-yaml`). */
export function writeGeneratedDocs(root: string): void {
  const fs = require("fs") as typeof import("fs");
  const join = (f: string) => `${root}/${f}`;
  fs.writeFileSync(join("Pulumi.yaml"), renderPulumiYaml());
  const readme = fs.readFileSync(join("README.md"), "utf8");
  fs.writeFileSync(join("README.md"), replaceSettingsTable(readme));
}

const SETTINGS_START = "<!-- settings:start -->";
const SETTINGS_END = "<!-- settings:end -->";

/** The README text with the table between its settings markers replaced by the current one. */
export function replaceSettingsTable(readme: string): string {
  const a = readme.indexOf(SETTINGS_START);
  const b = readme.indexOf(SETTINGS_END);
  if (a < 0 || b < a)
    throw new Error(`README.md has no ${SETTINGS_START} ... ${SETTINGS_END} markers`);
  return `${readme.slice(0, a + SETTINGS_START.length)}\n${renderSettingsTable()}\n${readme.slice(b)}`;
}

/** The Markdown table of settings the README carries between its `settings` markers. */
export function renderSettingsTable(): string {
  const cell = (t: string) => t.replace(/\|/g, "\\|");
  const rows = SETTINGS.map(
    (s) =>
      `| \`${s.key}\` | ${s.type} | ${s.default === undefined ? "" : `\`${String(s.default)}\``} | ${s.clouds.join(", ")} | ${cell(s.description)} |`,
  );
  return ["| Setting | Type | Default | Cloud | Meaning |", "|---|---|---|---|---|", ...rows].join(
    "\n",
  );
}
