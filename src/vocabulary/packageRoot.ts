/**
 * Where this package lives: the nearest folder above a module whose package.json is vm-rescue's.
 * Files the product reads at run time (the recovery scripts, the latency model, the bundled
 * examples) are found from here, the same from the sources and from `dist/`, and never outside it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { PACKAGE_NAME } from "./tokens";

/** The package root above `from`, or null when `from` is not inside the package. */
export function findPackageRoot(from: string): string | null {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, "package.json");
    if (fs.existsSync(pkg)) {
      try {
        if (JSON.parse(fs.readFileSync(pkg, "utf8")).name === PACKAGE_NAME) return dir;
      } catch {
        // not ours; keep looking
      }
    }
    if (path.dirname(dir) === dir) return null;
  }
}

let cached: string | undefined;

/** The package root of the running code; throws when the package.json cannot be found. */
export function packageRoot(): string {
  if (cached === undefined) {
    const root = findPackageRoot(__dirname);
    if (root === null)
      throw new Error(`the ${PACKAGE_NAME} package root was not found above ${__dirname}`);
    cached = root;
  }
  return cached;
}
