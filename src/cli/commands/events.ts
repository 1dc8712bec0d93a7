import * as fs from "node:fs";
import type { Command } from "commander";
import { runAction, type CliContext } from "../context";
import { ExitCode, UsageError } from "../../vocabulary/exitCodes";
import { isFormatError } from "../../evidence/formatError";

/** The readers, loaded when the command runs so `--help` starts without them. */
const impl = () => ({
  ...(require("../../evidence/evtx") as typeof import("../../evidence/evtx")),
});

/** A System.evtx is tens of MB at most; anything far larger is not one. */
const MAX_EVTX_BYTES = 512 * 1024 * 1024;

interface EventsOptions {
  id?: string[];
  since?: string;
  json?: boolean;
}

/** Registers `vm-rescue events FILE [--id N…] [--since T] [--json]`. */
export function registerEvents(program: Command, ctx: CliContext): void {
  program
    .command("events")
    .description(
      "read a Windows event log (System.evtx from the broken disk): the events, and the boot story the planner uses",
    )
    .argument("<file>", "an .evtx file")
    .option("--id <ids...>", "only these event ids (e.g. --id 1001 41 6008 7026)")
    .option(
      "--since <time>",
      "only events at or after this time (ISO 8601, e.g. 2026-11-29T06:00Z)",
    )
    .option("--json", "print { events, bootStory, warnings } as JSON")
    .action((file: string, opts: EventsOptions) =>
      runAction(ctx, async () => events(ctx, file, opts)),
    );
}

function parseIds(values: string[] | undefined): number[] | undefined {
  if (!values) return undefined;
  return values
    .flatMap((v) => v.split(","))
    .map((v) => {
      if (!/^\d{1,5}$/.test(v.trim())) throw new UsageError(`--id: "${v}" is not an event id`);
      return Number(v.trim());
    });
}

function parseSince(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const t = new Date(value);
  if (Number.isNaN(t.getTime())) throw new UsageError(`--since: "${value}" is not a time`);
  return t;
}

function readLog(file: string): Buffer {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new UsageError(`event log not found: ${file}`);
  }
  if (!stat.isFile()) throw new UsageError(`${file} is not a file`);
  if (stat.size > MAX_EVTX_BYTES) throw new UsageError(`${file} is over ${MAX_EVTX_BYTES} bytes`);
  return fs.readFileSync(file);
}

function events(ctx: CliContext, file: string, opts: EventsOptions): number {
  const ids = parseIds(opts.id);
  const since = parseSince(opts.since);
  let log;
  try {
    log = impl().readEvtx(readLog(file), { label: file, salvage: true });
  } catch (e) {
    if (isFormatError(e)) throw new UsageError(e.message);
    throw e;
  }
  const selected = impl().selectEvents(log.records, { ids, since });
  if (opts.json) {
    const story = impl().bootStory(log.records, { since, ids });
    ctx.io.out(
      JSON.stringify({ events: selected, bootStory: story, warnings: log.warnings }, null, 2),
    );
  } else {
    ctx.io.out(impl().formatEvents(selected));
    for (const w of log.warnings) ctx.io.err(`vm-rescue: warning: ${w}`);
  }
  return ExitCode.Ok;
}
