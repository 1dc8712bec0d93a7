import type { CountingSource } from "./countingSource";

/**
 * What the reader carries while it walks the disk: the problem lines it collects and the counting
 * source over the whole disk, whose recorded failure tells a bad file from a bad disk.
 */
export interface ReadContext {
  readonly disk: CountingSource;
  readonly problems: string[];
}

/**
 * The problem line for an error met while reading one file, e.g. `\Windows\Minidump\x.dmp:
 * unreadable: …`. When the disk itself failed underneath (a truncated image, a dead link, the
 * read budget), that failure is thrown instead: nothing read after it could be trusted.
 */
export function fileProblem(ctx: ReadContext, where: string, e: unknown): string {
  if (ctx.disk.failure) throw ctx.disk.failure;
  if (!(e instanceof Error)) throw e;
  const message = e.message.split("\n")[0];
  const kind = e.name === "FormatError" ? "" : `${e.name}: `;
  return `${where}: unreadable: ${kind}${message}`;
}

/** Adds {@link fileProblem}'s line to the context (or throws the disk's failure). */
export function noteFailure(ctx: ReadContext, where: string, e: unknown): void {
  ctx.problems.push(fileProblem(ctx, where, e));
}

/** "1.5 MiB" style sizes for problem lines. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 10 ? value.toFixed(0) : value.toFixed(1)} ${units[unit]}`;
}

export { printable } from "../printable";
