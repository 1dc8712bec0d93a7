/**
 * The folders the simulated clouds keep their state in (a state file, the shipped hives' side
 * files: some 40 MB a rescue). Whoever makes a simulation disposes of its folder; whatever is
 * left is removed when the process exits (the CLI's; under jest, whose test files see a copy of
 * `process` that never exits, tests/setup/simulationFolders.ts removes it after each file).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const live = new Set<string>();
const remove = (dir: string) => {
  live.delete(dir);
  fs.rmSync(dir, { recursive: true, force: true });
};
process.once("exit", () => disposeSimulationFolders());

/** A new folder in the temporary folder, and the function that removes it. */
export function simulationFolder(prefix: string): { dir: string; dispose: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  live.add(dir);
  return { dir, dispose: () => remove(dir) };
}

/** The simulation folders this process made and nobody disposed of yet. */
export function undisposedSimulationFolders(): string[] {
  return [...live];
}

/** Removes every simulation folder this process made and nobody disposed of yet. */
export function disposeSimulationFolders(): void {
  for (const dir of [...live]) remove(dir);
}
