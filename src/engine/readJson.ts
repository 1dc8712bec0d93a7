import * as fs from "fs";
import { UsageError } from "../vocabulary/exitCodes";

/** Reads and parses a JSON file; a missing file or invalid JSON is a {@link UsageError} naming it. */
export function readJsonFile(file: string, what: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(
      code === "ENOENT"
        ? `${what} file not found: ${file}`
        : `cannot read ${what} file ${file}: ${code ?? String(e)}`,
    );
  }
  try {
    return JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (e) {
    throw new UsageError(
      `${what} file ${file} is not valid JSON: ${(e as Error).message.split("\n")[0]}`,
    );
  }
}

/** Parses repeated `key=value` options into an object. */
export function parseSetOptions(pairs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const i = pair.indexOf("=");
    if (i <= 0) throw new UsageError(`--set expects key=value, got ${JSON.stringify(pair)}`);
    out[pair.slice(0, i).trim()] = pair.slice(i + 1);
  }
  return out;
}
