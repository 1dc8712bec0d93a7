import fc from "fast-check";
import { decodeBcd } from "../bcd/bcd";
import { isFormatError } from "../formatError";
import { describeKey, formatKey } from "./describe";
import { openHive } from "./hive";
import { HiveKey } from "./key";
import { describeWithHives, readHiveFixture } from "./testing/fixtures";
import { dirtyCopy, newFormatLog, oldFormatLog, rehashEntry, xorChecksum } from "./testing/logs";

/**
 * Mutations of the real BCD store (and of logs made for it) must never make the reader throw
 * anything but a one-line FormatError, nor take long. Mutations aim at the fields that steer the
 * reader (offsets, counts, sizes, signatures) as well as at random bytes. VMR_FUZZ_RUNS raises
 * the number of runs for a longer local session.
 */
const RUNS = Number(process.env.VMR_FUZZ_RUNS ?? 150);
const SLOW_MS = 3000;

/** Absolute offset of field `field` of the record in the cell at bins offset `cell`. */
const at = (cell: number, field: number): number => 4096 + cell + 4 + field;

type Mutation = readonly [kind: "u32" | "u16" | "u8", offset: number, value: number];

function apply(bytes: Buffer, mutations: readonly Mutation[], fixChecksum: boolean): Buffer {
  const out = Buffer.from(bytes);
  for (const [kind, offset, value] of mutations) {
    if (kind === "u32" && offset + 4 <= out.length) out.writeUInt32LE(value >>> 0, offset);
    if (kind === "u16" && offset + 2 <= out.length) out.writeUInt16LE(value & 0xffff, offset);
    if (kind === "u8" && offset < out.length) out[offset] = value & 0xff;
  }
  if (fixChecksum) out.writeUInt32LE(xorChecksum(out), 508);
  return out;
}

/** Everything a caller may do with a hive: walk, read values, recurse, describe, decode BCD. */
function exercise(bytes: Buffer, logs: Buffer[] = []): number {
  const hive = openHive(bytes, { label: "fuzz", logs });
  let seen = 0;
  for (const key of hive.walk()) {
    for (const value of key.values()) seen += value.raw.length;
    seen += key.className?.length ?? 0;
    seen += key.lastWritten.getTime() > 0 ? 1 : 0;
  }
  const recurse = (key: HiveKey): number => key.subkeys().reduce((n, k) => n + recurse(k), 1);
  seen += recurse(hive.root);
  const description = describeKey(hive, "Objects");
  if (description) seen += formatKey(description).length;
  seen += decodeBcd(hive, { file: "fuzz" }).objects.length;
  return seen;
}

/** Runs `exercise`; only a one-line FormatError may come out, and only quickly. */
function survives(run: () => unknown): boolean {
  const started = Date.now();
  try {
    run();
  } catch (e) {
    if (!isFormatError(e)) throw e;
    if (/[\r\n]/.test(e.message)) throw new Error(`multi-line message: ${e.message}`);
  }
  const elapsed = Date.now() - started;
  if (elapsed > SLOW_MS) throw new Error(`took ${elapsed} ms`);
  return true;
}

const INTERESTING_32 = [
  0, 1, 4, 8, 0x20, 0x1000, 16344, 16345, 0x10000, 0x7fffffff, 0x80000000, 0x80000004, 0x80000005,
  0xfffffff8, 0xffffffff,
];

describeWithHives("fuzzing the hive reader with mutations of the real BCD store", [], () => {
  const base = readHiveFixture("BCD");
  const clean = openHive(base);
  const fields32: number[] = [4, 8, 36, 40];
  const fields16: number[] = [];
  const signatures: number[] = [];
  const cells: number[] = [];
  for (const key of clean.walk()) {
    const nk = key.offset;
    cells.push(nk);
    fields32.push(4096 + nk, ...[16, 20, 28, 36, 40, 48].map((f) => at(nk, f)));
    fields16.push(at(nk, 2), at(nk, 72), at(nk, 74));
    if (key.node.subkeyCount > 0) {
      const list = key.node.subkeyListOffset;
      cells.push(list);
      signatures.push(at(list, 0));
      fields16.push(at(list, 2));
      fields32.push(4096 + list, at(list, 4), at(list, 12));
    }
    if (key.node.valueCount > 0) {
      const values = key.node.valueListOffset;
      fields32.push(4096 + values, at(values, 0));
      const vk = base.readUInt32LE(at(values, 0));
      cells.push(vk);
      signatures.push(at(vk, 0));
      fields32.push(at(vk, 4), at(vk, 8), at(vk, 12));
      fields16.push(at(vk, 2), at(vk, 16));
    }
  }
  const value16 = fc.oneof(
    fc.constantFrom(0, 1, 2, 0x7fff, 0x8000, 0xffff),
    fc.integer({ min: 0, max: 0xffff }),
  );
  const value32 = fc.oneof(fc.constantFrom(...INTERESTING_32), fc.constantFrom(...cells), fc.nat());
  const signatureValue = fc
    .constantFrom("ri", "li", "lf", "lh", "nk", "vk", "db", "sk", "\u0000\u0000")
    .map((s) => Buffer.from(s, "latin1").readUInt16LE(0));
  const mutation: fc.Arbitrary<Mutation> = fc.oneof(
    fc.tuple(fc.constant("u32" as const), fc.constantFrom(...fields32), value32),
    fc.tuple(fc.constant("u16" as const), fc.constantFrom(...fields16), value16),
    fc.tuple(fc.constant("u16" as const), fc.constantFrom(...signatures), signatureValue),
    fc.tuple(
      fc.constant("u8" as const),
      fc.integer({ min: 0, max: base.length - 1 }),
      fc.integer({ min: 0, max: 255 }),
    ),
  );

  test("structural and random mutations, with and without a fixed checksum", () => {
    fc.assert(
      fc.property(
        fc.array(mutation, { minLength: 1, maxLength: 6 }),
        fc.boolean(),
        fc.oneof(
          { arbitrary: fc.constant(null), weight: 4 },
          { arbitrary: fc.integer({ min: 0, max: base.length }), weight: 1 },
        ),
        (mutations, fixChecksum, cut) => {
          const bytes = apply(base, mutations, fixChecksum);
          return survives(() => exercise(cut === null ? bytes : bytes.subarray(0, cut)));
        },
      ),
      { numRuns: RUNS },
    );
  });

  test("crafted logs with valid hashes, new and old format", () => {
    const text = Buffer.from("Windows 10\u0000", "utf16le");
    const modified = Buffer.from(base);
    modified.write("Windows 11", base.indexOf(text), "utf16le");
    const dirty = dirtyCopy(base);
    const newLog = newFormatLog(base, modified, 35);
    const oldLog = oldFormatLog(base, modified).log;
    expect(exercise(dirty, [newLog])).toBeGreaterThan(0);
    const logFields = [4, 8, 28, 40, 44, 512, 516, 520, 524, 528, 532, 552, 556, 560, 564];
    const logMutation: fc.Arbitrary<Mutation> = fc.oneof(
      fc.tuple(fc.constant("u32" as const), fc.constantFrom(...logFields), value32),
      fc.tuple(
        fc.constant("u8" as const),
        fc.integer({ min: 0, max: newLog.length - 1 }),
        fc.integer({ min: 0, max: 255 }),
      ),
    );
    fc.assert(
      fc.property(
        fc.array(logMutation, { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        fc.boolean(),
        (mutations, useOld, fixHeader) => {
          const log = apply(useOld ? oldLog : newLog, mutations, fixHeader);
          if (!useOld) rehashEntry(log, 512);
          return survives(() => {
            const hive = openHive(dirty, { logs: [log] });
            if (hive.image.length > dirty.length + log.length) {
              throw new Error(`replay grew the image to ${hive.image.length} bytes`);
            }
            exercise(hive.image);
          });
        },
      ),
      { numRuns: RUNS },
    );
  });
});
