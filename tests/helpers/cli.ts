/**
 * The built CLI (`npm run build` first) run in a child process, as a user runs it, and the check
 * every refusal meets: one `vm-rescue:` line on stderr, no stack trace, a documented exit code.
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { REPO_ROOT } from "./paths";

export const CLI = path.join(REPO_ROOT, "bin", "vm-rescue.js");

export interface CliRun {
  code: number | null;
  out: string;
  err: string;
  signal: NodeJS.Signals | null;
}

/**
 * Runs `vm-rescue <args>` from the repository root (or `cwd`) off a terminal (CI=1, empty stdin).
 * The timeout only guards against a hang.
 */
export function runCli(
  args: readonly string[],
  opts: { cwd?: string; timeout?: number } = {},
): CliRun {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: opts.cwd ?? REPO_ROOT,
    encoding: "utf8",
    timeout: opts.timeout ?? 120_000,
    env: { ...process.env, CI: "1" },
    input: "",
  });
  return { code: r.status, out: r.stdout, err: r.stderr, signal: r.signal };
}

/** One `vm-rescue:` line on stderr, no stack trace, and an exit code among `codes`. */
export function expectOneLine(
  r: Pick<CliRun, "code" | "err">,
  codes: readonly number[] = [2],
): void {
  expect(r.err).not.toMatch(/\n\s+at /);
  expect(r.err.trimEnd().split("\n")).toHaveLength(1);
  expect(r.err).toMatch(/^vm-rescue: \S/);
  expect(codes).toContain(r.code);
}
