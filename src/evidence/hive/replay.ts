import {
  BASE_BLOCK_LOGGED_SIZE,
  BaseBlock,
  FILE_TYPE_NEW_LOG,
  FILE_TYPE_OLD_LOG,
  FILE_TYPE_OLD_LOG_NT2000,
  FILE_TYPE_PRIMARY,
  checksumValid,
  writeBaseBlockChecksum,
} from "./baseBlock";
import { hex } from "./errors";
import { BASE_BLOCK_SIZE, MAX_HIVE_BYTES } from "./limits";
import { LogEntry, NewLog, readNewLog } from "./newLog";
import { readOldLog } from "./oldLog";

/** Which of the given logs a replay used: the first (`.LOG1`), the second (`.LOG2`), or both. */
export type ReplaySource = "none" | "log1" | "log2" | "both";

/** What a replay did, for the report that cites the hive. */
export interface ReplayReport {
  /** "new": HvLE entries (Windows 8.1+); "old": a dirty vector and pages (Windows XP to 8). */
  readonly format: "new" | "old";
  /** Names of the logs used, in the order applied. */
  readonly logs: readonly string[];
  readonly entries: number;
  readonly pages: number;
  /** Sequence number of the first entry applied and the one the replayed image ends at. */
  readonly fromSequence: number;
  readonly toSequence: number;
}

/** A transaction log handed to the reader, with the name warnings use. */
export interface LogInput {
  readonly name: string;
  readonly bytes: Buffer;
}

export interface ReplayOutcome {
  /** The hive image to read: a replayed copy, or the primary itself when nothing applied. */
  readonly image: Buffer;
  readonly replayed: ReplaySource;
  readonly report?: ReplayReport;
}

const SOURCES: readonly ReplaySource[] = ["none", "log1", "log2", "both"];

function fileType(bytes: Buffer): number {
  const isRegf = bytes.length >= 32 && bytes.toString("latin1", 0, 4) === "regf";
  return isRegf ? bytes.readUInt32LE(28) : -1;
}

/**
 * Why `bytes` are not a transaction log (a "regf" base block of a log's file type: 1 or 2 for the
 * old format, 6 for the new), or null when they are one.
 */
export function notATransactionLog(bytes: Buffer): string | null {
  const type = fileType(bytes);
  if (type === FILE_TYPE_NEW_LOG || type === FILE_TYPE_OLD_LOG || type === FILE_TYPE_OLD_LOG_NT2000)
    return null;
  if (type === -1) return 'it has no "regf" base block';
  if (type === FILE_TYPE_PRIMARY) return "it is a primary hive (file type 0), not a log";
  return `its file type is ${type}, not a log's (1, 2 or 6)`;
}

function sourceOf(indexes: readonly number[]): ReplaySource {
  return SOURCES[indexes.reduce((mask, i) => mask | (1 << i), 0)];
}

/**
 * Brings a dirty primary up to date from its transaction logs (the first two given: `.LOG1`,
 * `.LOG2`, or one old-format `.LOG`), on a copy. Nothing here throws for a bad log: it is left
 * out with a warning, and when no log applies the primary is returned as it is.
 */
export function replayLogs(
  primary: Buffer,
  base: BaseBlock,
  logs: readonly LogInput[],
  warn: (message: string) => void,
): ReplayOutcome {
  if (logs.length > 2) warn(`only the first two transaction logs are used, ${logs.length} given`);
  const given = logs
    .slice(0, 2)
    .map((log, index) => ({ ...log, index, type: fileType(log.bytes) }));
  if (given.some((log) => log.type === FILE_TYPE_NEW_LOG)) {
    return replayNew(primary, base, given, warn);
  }
  const old = given.filter(
    (log) => log.type === FILE_TYPE_OLD_LOG || log.type === FILE_TYPE_OLD_LOG_NT2000,
  );
  if (old.length > 0) return replayOld(primary, base, old, warn);
  warn(`no transaction log is a regf log (file types: ${given.map((l) => l.type).join(", ")})`);
  return { image: primary, replayed: "none" };
}

type Given = LogInput & { readonly index: number; readonly type: number };

function replayNew(
  primary: Buffer,
  base: BaseBlock,
  given: readonly Given[],
  warn: (message: string) => void,
): ReplayOutcome {
  const readable: (Given & { log: NewLog })[] = [];
  for (const g of given) {
    const log = g.type === FILE_TYPE_NEW_LOG ? readNewLog(g.bytes, g.name) : "not a new-format log";
    if (typeof log === "string") {
      warn(`transaction log ${g.name} not used: ${log}`);
      continue;
    }
    if (log.stop) warn(`transaction log ${g.name}: entries end early: ${log.stop}`);
    readable.push({ ...g, log });
  }
  const primaryValid = checksumValid(base);
  let usable = readable.filter((g) => {
    const first = g.log.entries[0];
    if (first === undefined) warn(`transaction log ${g.name} holds no log entries`);
    else if (primaryValid && first.sequence < base.secondarySequence) {
      warn(
        `transaction log ${g.name} not used: its entries start at sequence ${first.sequence}, ` +
          `before the hive's secondary sequence ${base.secondarySequence}`,
      );
    } else return true;
    return false;
  });
  usable.sort((a, b) => a.log.entries[0].sequence - b.log.entries[0].sequence);
  let image: Buffer = Buffer.from(primary);
  if (!primaryValid && usable.length > 0) {
    // A torn base block: take it from the log with the latest entries, and that log only.
    usable = usable.slice(-1);
    usable[0].bytes.copy(image, 0, 0, BASE_BLOCK_LOGGED_SIZE);
    image.writeUInt32LE(FILE_TYPE_PRIMARY, 28);
  }
  const used: number[] = [];
  const names: string[] = [];
  const limit = primary.length + usable.reduce((n, g) => n + loggedBytes(g.log), 0);
  let stopped = false;
  let last: LogEntry | undefined;
  let entries = 0;
  let pages = 0;
  for (const g of usable) {
    const first = g.log.entries[0];
    if (stopped) break;
    if (last !== undefined && first.sequence !== last.sequence + 1) {
      warn(
        `transaction log ${g.name} not used: it starts at sequence ${first.sequence}, ` +
          `not ${last.sequence + 1} where ${names.join(" and ")} ended`,
      );
      continue;
    }
    let applied = 0;
    for (const entry of g.log.entries) {
      const grown = growImage(image, entry.hiveBinsDataSize, limit);
      if (grown === undefined) {
        const size = hex(entry.hiveBinsDataSize);
        warn(
          `transaction log ${g.name}: entry ${entry.sequence} grows the hive to ${size}, ` +
            "more than the primary and its logs hold; replay stops there",
        );
        stopped = true;
        break;
      }
      image = grown;
      for (const page of entry.pages) {
        g.bytes.copy(image, BASE_BLOCK_SIZE + page.offset, page.dataAt, page.dataAt + page.size);
      }
      image.writeUInt32LE(entry.hiveBinsDataSize, 40);
      image.writeUInt32LE(((image.readUInt32LE(144) & ~1) | (entry.flags & 1)) >>> 0, 144);
      pages += entry.pages.length;
      applied += 1;
      last = entry;
    }
    entries += applied;
    if (applied > 0) {
      used.push(g.index);
      names.push(g.name);
    }
  }
  if (last === undefined) return { image: primary, replayed: "none" };
  image.writeUInt32LE(last.sequence, 4);
  image.writeUInt32LE(last.sequence, 8);
  writeBaseBlockChecksum(image);
  const fromSequence = usable.find((g) => used.includes(g.index))?.log.entries[0].sequence ?? 0;
  return {
    image,
    replayed: sourceOf(used),
    report: { format: "new", logs: names, entries, pages, fromSequence, toSequence: last.sequence },
  };
}

function loggedBytes(log: NewLog): number {
  return log.entries.reduce((n, e) => n + e.pages.reduce((m, p) => m + p.size, 0), 0);
}

/**
 * A copy of `image` long enough for `hiveBinsDataSize`, or undefined when that is more than
 * `limit` bytes (or MAX_HIVE_BYTES). A hive only grows by bins that are then dirty and logged, so
 * the callers pass the primary's size plus the bytes the logs carry: a crafted size field cannot
 * make the reader allocate more than the files it was given.
 */
function growImage(image: Buffer, hiveBinsDataSize: number, limit: number): Buffer | undefined {
  const needed = BASE_BLOCK_SIZE + hiveBinsDataSize;
  if (needed > MAX_HIVE_BYTES || needed > limit) return undefined;
  if (image.length >= needed) return image;
  const grown = Buffer.alloc(needed);
  image.copy(grown);
  return grown;
}

function replayOld(
  primary: Buffer,
  base: BaseBlock,
  given: readonly Given[],
  warn: (message: string) => void,
): ReplayOutcome {
  const primaryValid = checksumValid(base);
  // With a torn base block, the first hive bin's timestamp stands in for the header's.
  const stamp =
    primaryValid || primary.length < BASE_BLOCK_SIZE + 28
      ? base.lastWrittenFiletime
      : primary.readBigUInt64LE(BASE_BLOCK_SIZE + 20);
  for (const g of given) {
    const log = readOldLog(g.bytes, g.name);
    if (typeof log === "string") {
      warn(`transaction log ${g.name} not used: ${log}`);
      continue;
    }
    if (log.base.lastWrittenFiletime !== stamp) {
      warn(`transaction log ${g.name} not used: its last-written time differs from the hive's`);
      continue;
    }
    const limit = primary.length + log.pages.length * 512;
    const image = growImage(Buffer.from(primary), log.base.hiveBinsDataSize, limit);
    if (image === undefined) {
      warn(`transaction log ${g.name} not used: it grows the hive past what it holds`);
      continue;
    }
    if (!primaryValid) {
      g.bytes.copy(image, 0, 0, BASE_BLOCK_LOGGED_SIZE);
      image.writeUInt32LE(FILE_TYPE_PRIMARY, 28);
    }
    for (const page of log.pages) {
      g.bytes.copy(image, BASE_BLOCK_SIZE + page.offset, page.dataAt, page.dataAt + 512);
    }
    const sequence = Math.max(image.readUInt32LE(4), log.base.primarySequence);
    image.writeUInt32LE(sequence, 4);
    image.writeUInt32LE(sequence, 8);
    image.writeUInt32LE(log.base.hiveBinsDataSize, 40);
    writeBaseBlockChecksum(image);
    return {
      image,
      replayed: sourceOf([g.index]),
      report: {
        format: "old",
        logs: [g.name],
        entries: 1,
        pages: log.pages.length,
        fromSequence: base.secondarySequence,
        toSequence: sequence,
      },
    };
  }
  return { image: primary, replayed: "none" };
}
