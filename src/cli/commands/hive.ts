import * as fs from "node:fs";
import * as path from "node:path";
import type { Command } from "commander";
import { runAction, type CliContext } from "../context";
import { ExitCode, UsageError } from "../../vocabulary/exitCodes";
import { isFormatError } from "../../evidence/formatError";
import type { Hive, ReplayReport } from "../../evidence/hive";
import type { BcdElement, BcdStore } from "../../evidence/bcd";

/** The readers, loaded when the command runs so `--help` starts without them. */
const impl = () => ({
  ...(require("../../evidence/hive") as typeof import("../../evidence/hive")),
  ...(require("../../evidence/bcd") as typeof import("../../evidence/bcd")),
});

interface HiveOptions {
  log?: string[];
  key?: string;
  json?: boolean;
  bcd?: boolean;
}

/** Registers `vm-rescue hive FILE [--log FILE…] [--key PATH] [--json] [--bcd]`. */
export function registerHive(program: Command, ctx: CliContext): void {
  program
    .command("hive")
    .description(
      "read a registry hive from the broken disk (SYSTEM, SOFTWARE, a BCD store): a key's subkeys and values, or --bcd the boot entries",
    )
    .argument("<file>", "a hive file")
    .option(
      "--log <files...>",
      "its transaction logs (FILE.LOG1 FILE.LOG2), replayed when dirty; a clean hive says it needs none; a file that is no log is refused",
    )
    .option(
      "--key <path>",
      "the key to show, e.g. Select or ControlSet001\\Services\\disk (default: the root)",
    )
    .option("--bcd", "read FILE as a BCD store and print its objects and elements")
    .option("--json", "print one JSON object")
    .action((file: string, opts: HiveOptions) => runAction(ctx, async () => hive(ctx, file, opts)));
}

/** A file of the broken disk, checked before it is read whole. */
function readCapped(file: string, what: string): Buffer {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new UsageError(`${what} not found: ${file}`);
  }
  if (!stat.isFile()) throw new UsageError(`${what} ${file} is not a file`);
  if (stat.size > impl().MAX_HIVE_BYTES)
    throw new UsageError(`${file} is over ${impl().MAX_HIVE_BYTES} bytes`);
  return fs.readFileSync(file);
}

/** Runs a read of hive bytes; bytes that do not parse are a usage error (one line, exit 2). */
function parsing<T>(read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (isFormatError(e)) throw new UsageError(e.message);
    throw e;
  }
}

function hive(ctx: CliContext, file: string, opts: HiveOptions): number {
  if (opts.bcd && opts.key !== undefined) {
    throw new UsageError("--bcd prints the whole store; --key is for other hives");
  }
  const bytes = readCapped(file, "hive");
  // A file given as a log that is none is refused whether or not the hive needs its logs.
  const logs = (opts.log ?? []).map((log) => {
    const bytes = readCapped(log, "--log transaction log");
    const problem = impl().notATransactionLog(bytes);
    if (problem !== null)
      throw new UsageError(
        `--log file ${log} is not a registry transaction log: ${problem}; give the hive's FILE.LOG1 and FILE.LOG2`,
      );
    return { name: path.basename(log), bytes };
  });
  const opened = parsing(() => impl().openHive(bytes, { logs, label: file }));
  const state = hiveState(opened);
  if (opts.bcd) {
    const store = parsing(() => impl().decodeBcd(opened, { file }));
    ctx.io.out(
      opts.json
        ? JSON.stringify({ file, ...state, store }, null, 2)
        : `${stateLine(file, state, logs.length)}\n${formatStore(store)}`,
    );
    return ExitCode.Ok;
  }
  const keyPath = opts.key ?? "";
  const key = parsing(() => impl().describeKey(opened, keyPath));
  if (key === undefined) throw new UsageError(`no key ${JSON.stringify(keyPath)} in ${file}`);
  ctx.io.out(
    opts.json
      ? JSON.stringify({ file, ...state, key }, null, 2)
      : `${stateLine(file, state, logs.length)}\n${impl().formatKey(key)}`,
  );
  return ExitCode.Ok;
}

interface HiveState {
  dirty: boolean;
  /** Sequence numbers of the primary file as given. */
  sequences: { primary: number; secondary: number };
  replayed: Hive["replayed"];
  replay: ReplayReport | null;
}

function hiveState(h: Hive): HiveState {
  const base = h.primaryBaseBlock;
  return {
    dirty: h.dirty,
    sequences: { primary: base.primarySequence, secondary: base.secondarySequence },
    replayed: h.replayed,
    replay: h.replay ?? null,
  };
}

/**
 * `Hive: FILE (clean)`, or dirty and what the logs did about it; a clean hive given logs says it
 * did not need them.
 */
function stateLine(file: string, s: HiveState, logsGiven: number): string {
  const seq = `sequence ${s.sequences.primary}/${s.sequences.secondary}`;
  const unused =
    logsGiven > 0 ? "; nothing to replay, the transaction logs given are not read" : "";
  if (!s.dirty) return `Hive: ${impl().escapeText(file)} (clean, ${seq}${unused})`;
  const r = s.replay;
  const replay =
    r === null
      ? "no transaction log replayed: read as it is, its last changes may be missing"
      : `replayed ${r.logs.map((l) => impl().escapeText(l)).join(", ")}: ${r.entries} ${r.format}-format entries, to sequence ${r.toSequence}`;
  return `Hive: ${impl().escapeText(file)} (dirty, ${seq}; ${replay})`;
}

/** Each object with its alias, type and description, then its elements by bcdedit name. */
function formatStore(store: BcdStore): string {
  const lines: string[] = [];
  if (store.bootManager?.default !== undefined) {
    lines.push(`Default entry: ${showData(store.bootManager.default)}`);
  }
  for (const w of store.warnings) lines.push(`Warning: ${impl().escapeText(w)}`);
  for (const o of store.objects) {
    const head = [o.alias, impl().escapeText(o.guid), o.typeName].filter(Boolean).join("  ");
    lines.push("", head);
    for (const e of o.elements) {
      const name = e.name === undefined ? e.id : `${e.name} (${e.id})`;
      lines.push(
        `  ${name}  ${showData(e)}${e.problem ? `  [${impl().escapeText(e.problem)}]` : ""}`,
      );
    }
  }
  return `${lines.join("\n")}\n`;
}

function showData(e: BcdElement): string {
  const d = e.data;
  if (typeof d === "string") return `"${impl().escapeText(d)}"`;
  if (Array.isArray(d))
    return `[${d.map((x) => (typeof x === "string" ? impl().escapeText(x) : x)).join(", ")}]`;
  if (typeof d === "object")
    return `${d.hex.length / 2} bytes ${d.hex.slice(0, 64)}${d.hex.length > 64 ? "…" : ""}`;
  return String(d);
}
