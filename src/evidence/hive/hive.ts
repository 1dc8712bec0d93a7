import { FormatError } from "../formatError";
import {
  BaseBlock,
  FILE_TYPE_PRIMARY,
  checkRootOffset,
  checkVersion,
  checksumValid,
  describeSequences,
  readBaseBlock,
} from "./baseBlock";
import { HiveBins } from "./bins";
import { hex, regfCause, regfError } from "./errors";
import { HiveContext, HiveKey } from "./key";
import {
  BASE_BLOCK_SIZE,
  BYTES_ALLOWANCE,
  BYTES_PER_IMAGE_BYTE,
  MAX_HIVE_BYTES,
  MAX_KEY_DEPTH,
  MAX_WARNINGS,
  VISIT_ALLOWANCE,
  VISITS_PER_CELL,
} from "./limits";
import { readKeyNode } from "./records";
import { LogInput, ReplayReport, ReplaySource, replayLogs } from "./replay";

export interface OpenHiveOptions {
  /**
   * Transaction logs in order: `.LOG1` then `.LOG2` (new format), or one old-format `.LOG`.
   * A bare Buffer is named `log1`/`log2` by its position in warnings and in the replay report.
   */
  readonly logs?: readonly (Buffer | LogInput)[];
  /** Names the hive in error messages and warnings (e.g. the file's path on the disk). */
  readonly label?: string;
}

/** nk flag of the hive's root key. */
const KEY_HIVE_ENTRY = 0x0004;

/**
 * An opened hive: the image read (the primary, or a replayed copy when the hive was dirty and
 * its logs applied), its root key and what opening it found. Keys are read lazily; every read
 * checks the cells it touches and throws FormatError on hostile bytes.
 */
export class Hive {
  readonly root: HiveKey;
  readonly warnings: readonly string[];
  /** Base block of the image being read (after any replay). */
  readonly baseBlock: BaseBlock;
  private visits = 0;
  private readonly budget: number;
  private bytes = 0;
  private readonly byteBudget: number;

  constructor(
    /** The hive bytes being read: a replayed copy or the primary given. */
    readonly image: Buffer,
    /** Base block of the primary file as given (dirty or not). */
    readonly primaryBaseBlock: BaseBlock,
    /** True when the primary's sequence numbers differ or its checksum does not match. */
    readonly dirty: boolean,
    /** Which logs were replayed into `image`. */
    readonly replayed: ReplaySource,
    readonly replay: ReplayReport | undefined,
    readonly label: string,
    warnings: string[],
  ) {
    const warn = collector(warnings);
    this.baseBlock = readBaseBlock(image, label);
    checkRootOffset(this.baseBlock, label);
    const bins = new HiveBins(image, this.baseBlock.hiveBinsDataSize, label, warn);
    this.budget = VISITS_PER_CELL * bins.allocatedCells + VISIT_ALLOWANCE;
    this.byteBudget = BYTES_PER_IMAGE_BYTE * image.length + BYTES_ALLOWANCE;
    const context: HiveContext = {
      bins,
      label,
      minorVersion: this.baseBlock.minorVersion,
      charge: (count) => this.charge(count),
      chargeBytes: (count) => this.chargeBytes(count),
    };
    this.root = openRoot(context, this.baseBlock.rootCellOffset, label, warn);
    this.warnings = finishWarnings(warnings);
  }

  /**
   * The key at `path` below the root (`ControlSet001\Services\storahci`), compared without
   * regard to case; leading, trailing and doubled backslashes are ignored. Undefined when absent.
   */
  key(path: string): HiveKey | undefined {
    const parts = path.split("\\").filter((part) => part !== "");
    if (parts.length > MAX_KEY_DEPTH) return undefined;
    let key: HiveKey | undefined = this.root;
    for (const part of parts) {
      key = key.subkey(part);
      if (key === undefined) return undefined;
    }
    return key;
  }

  /**
   * Every key from `from` (default the root) down, depth first in list order. A key reached twice
   * (a crafted hive that lists one key under two parents) is a FormatError, so a walk is linear.
   */
  *walk(from: HiveKey = this.root): Generator<HiveKey> {
    const seen = new Set<number>();
    const stack: HiveKey[] = [from];
    while (stack.length > 0) {
      const key = stack.pop() as HiveKey;
      if (seen.has(key.offset)) {
        throw regfError(
          "regf-key-revisited",
          this.label,
          `key ${key.where.slice(0, 200)} (cell ${hex(key.offset)}) is listed under two parents`,
        );
      }
      seen.add(key.offset);
      yield key;
      const children = key.subkeys();
      for (let i = children.length - 1; i >= 0; i -= 1) stack.push(children[i]);
    }
  }

  private chargeBytes(count: number): void {
    this.bytes += count;
    if (this.bytes > this.byteBudget) {
      throw regfError(
        "regf-byte-budget",
        this.label,
        `more than ${this.byteBudget} bytes of value data read from a hive of this size ` +
          "(values sharing their data?)",
      );
    }
  }

  private charge(count: number): void {
    this.visits += count;
    if (this.visits > this.budget) {
      throw regfError(
        "regf-visit-budget",
        this.label,
        `more than ${this.budget} subkeys and values listed for a hive of this size ` +
          "(keys listed under several parents?)",
      );
    }
  }
}

function collector(warnings: string[]): (message: string) => void {
  return (message) => {
    warnings.push(message);
  };
}

function finishWarnings(warnings: string[]): string[] {
  if (warnings.length <= MAX_WARNINGS) return warnings;
  const more = warnings.length - MAX_WARNINGS;
  return [...warnings.slice(0, MAX_WARNINGS), `… and ${more} more warnings`];
}

/**
 * Reads the root key and checks what every use of the hive needs from it: its subkey list, each
 * listed subkey's cell, and its value list. A failure is one FormatError saying the root key is
 * unreadable, with the cause.
 */
function openRoot(
  context: HiveContext,
  rootOffset: number,
  label: string,
  warn: (message: string) => void,
): HiveKey {
  try {
    const node = readKeyNode(context.bins, rootOffset, "root key", label);
    if ((node.flags & KEY_HIVE_ENTRY) === 0) warn("root key is not flagged as the hive's root");
    const root = new HiveKey(context, node, "", undefined);
    root.subkeys();
    void root.valueCount;
    return root;
  } catch (e) {
    if (!(e instanceof FormatError)) throw e;
    const cause = regfCause(e.message, label);
    throw regfError(
      "regf-root-unreadable",
      label,
      `root key at cell ${hex(rootOffset)} is unreadable: ${cause}`,
    );
  }
}

/**
 * Opens a hive held whole in memory. A dirty primary (sequence numbers differ or checksum
 * mismatch) is brought up to date from the logs given, on a copy; without usable logs it is read
 * as it is, with a warning. Throws FormatError when the bytes are not a readable primary hive.
 */
export function openHive(bytes: Buffer, opts: OpenHiveOptions = {}): Hive {
  const label = opts.label ?? "hive";
  if (bytes.length < BASE_BLOCK_SIZE) {
    const detail = `file is ${bytes.length} bytes, less than a base block`;
    throw regfError("regf-truncated", label, "base block", detail);
  }
  if (bytes.length > MAX_HIVE_BYTES) {
    const detail = `file is ${bytes.length} bytes, more than the ${MAX_HIVE_BYTES} a hive may be`;
    throw regfError("regf-too-large", label, "hive file", detail);
  }
  const primary = readBaseBlock(bytes, label);
  checkVersion(primary, label);
  if (primary.fileType !== FILE_TYPE_PRIMARY) {
    throw regfError(
      "regf-not-primary",
      label,
      `base block file type at 0x1c is ${primary.fileType} (a transaction log), not 0`,
    );
  }
  const warnings: string[] = [];
  const warn = collector(warnings);
  const sequencesDiffer = primary.primarySequence !== primary.secondarySequence;
  const dirty = sequencesDiffer || !checksumValid(primary);
  if (!checksumValid(primary)) {
    warn(
      `base block checksum mismatch (stored ${hex(primary.storedChecksum)}, ` +
        `computed ${hex(primary.computedChecksum)})`,
    );
  }
  const logs = (opts.logs ?? []).map((log, i) =>
    Buffer.isBuffer(log) ? { name: `log${i + 1}`, bytes: log } : log,
  );
  let outcome: { image: Buffer; replayed: ReplaySource; report?: ReplayReport } = {
    image: bytes,
    replayed: "none",
  };
  if (dirty && logs.length > 0) outcome = replayLogs(bytes, primary, logs, warn);
  if (dirty && outcome.replayed === "none") {
    const why = logs.length === 0 ? "no transaction logs were given" : "no transaction log applied";
    warn(
      `hive is dirty (${describeSequences(primary)}) and ${why}: reading the primary as it is, ` +
        "so its most recent changes may be missing",
    );
  }
  return new Hive(outcome.image, primary, dirty, outcome.replayed, outcome.report, label, warnings);
}
