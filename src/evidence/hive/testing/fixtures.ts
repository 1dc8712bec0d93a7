/**
 * Test helpers shared by the hive and BCD tests: where the shared real fixtures live, whether the
 * Debian oracle tools are installed, and describe blocks that skip with one line when either is
 * missing (a checkout without the fixtures folder, a machine without hivex).
 */
import * as fs from "fs";
import * as path from "path";

/** `<repo>/../shared/fixtures`: real data that is never copied into the repository. */
export const FIXTURES_DIR = path.resolve(
  __dirname,
  "..",
  "..",
  "..",
  "..",
  "..",
  "shared",
  "fixtures",
);
export const HIVES_DIR = path.join(FIXTURES_DIR, "hives");

export function hiveFixture(name: string): string {
  return path.join(HIVES_DIR, name);
}

export function readHiveFixture(name: string): Buffer {
  return fs.readFileSync(hiveFixture(name));
}

export function haveHiveFixtures(): boolean {
  return fs.existsSync(HIVES_DIR);
}

/** True when `tool` is an executable on PATH. */
export function haveTool(tool: string): boolean {
  return (process.env.PATH ?? "").split(path.delimiter).some((dir) => {
    try {
      fs.accessSync(path.join(dir, tool), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * `describe` when the hive fixtures (and every tool in `tools`) are present, else `describe.skip`
 * after one console.warn line saying what is missing.
 */
export function describeWithHives(title: string, tools: readonly string[], body: () => void): void {
  const missing = [
    ...(haveHiveFixtures() ? [] : [`fixtures folder ${HIVES_DIR}`]),
    ...tools.filter((tool) => !haveTool(tool)),
  ];
  if (missing.length === 0) {
    describe(title, body);
    return;
  }
  console.warn(`skipping "${title}": missing ${missing.join(", ")}`);
  // The body is not run at all: its setup would read the missing fixtures or run the tool.
  describe.skip(title, () => {
    test(`needs ${missing.join(", ")}`, () => undefined);
  });
}

/** `test` when `tool` is installed, else `test.skip` after one console.warn line. */
export function testWithTool(tool: string, title: string, body: () => void): void {
  if (haveTool(tool)) {
    test(title, body);
    return;
  }
  console.warn(`skipping "${title}": missing ${tool}`);
  test.skip(title, body);
}
