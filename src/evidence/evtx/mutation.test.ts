/**
 * Mutation tests over the real log's chunks (fast-check): random byte flips, with the chunk's
 * CRCs left stale (the chunk must then be skipped whole, unless every flip fell outside the
 * checksummed bytes; a salvage pass then reads it anyway) or recomputed (the BinXML parser then
 * sees the damage). Reading must never throw, must finish quickly, and must keep its output
 * bounded. Random BinXML bodies behind valid CRCs probe the token parser from scratch. More runs:
 * VMR_FUZZ_RUNS=2000.
 */
import fc from "fast-check";
import { CHUNK_HEADER_SIZE, CHUNK_SIZE, FILE_HEADER_SIZE, RECORD_OVERHEAD } from "./limits";
import { EvtxReadResult, readEvtx } from "./readEvtx";
import { EvtxRecord } from "./record";
import { ChunkBuilder, evtxFile, fixChunkCrcs } from "./testing/builder";
import { loadSystemEvtx } from "./testing/evtxexport";

const RUNS = Number(process.env.VMR_FUZZ_RUNS ?? 25);
const SLOW_MS = 3000;

const file = loadSystemEvtx();
const describeFixture = file ? describe : describe.skip;

/** Reads `bytes`, asserting it neither throws nor takes long, and that its output is bounded. */
function readBounded(bytes: Buffer, salvage = false): EvtxReadResult {
  const started = Date.now();
  const result = readEvtx(bytes, { label: "fuzz.evtx", salvage });
  expect(Date.now() - started).toBeLessThan(SLOW_MS);
  const chunks = Math.ceil((bytes.length - FILE_HEADER_SIZE) / CHUNK_SIZE);
  expect(result.records.length).toBeLessThanOrEqual((chunks * CHUNK_SIZE) / RECORD_OVERHEAD);
  for (const r of result.records) {
    expect(Number.isSafeInteger(r.recordId) && Number.isInteger(r.eventId)).toBe(true);
    expect(typeof r.provider).toBe("string");
  }
  return result;
}

const flips = fc.array(
  fc.record({ at: fc.nat({ max: CHUNK_SIZE - 1 }), xor: fc.integer({ min: 1, max: 255 }) }),
  { minLength: 1, maxLength: 12 },
);

describeFixture("byte flips in the real log's chunks", () => {
  // Set up in beforeAll: a skipped describe still runs its body, and the fixture may be absent.
  let header: Buffer = Buffer.alloc(0);
  let chunks: Buffer[] = [];
  let baseline: EvtxRecord[][] = [];
  const single = (chunk: Buffer) => Buffer.concat([header, chunk]);
  beforeAll(() => {
    const bytes = file as Buffer;
    header = bytes.subarray(0, FILE_HEADER_SIZE);
    chunks = Array.from({ length: 15 }, (_, i) =>
      bytes.subarray(FILE_HEADER_SIZE + i * CHUNK_SIZE, FILE_HEADER_SIZE + (i + 1) * CHUNK_SIZE),
    );
    baseline = chunks.map((c) => readEvtx(single(c)).records);
  });

  test("stale CRCs: the chunk is skipped whole, or the flips missed every checksummed byte", () => {
    fc.assert(
      fc.property(fc.nat({ max: 14 }), flips, (index, edits) => {
        const chunk = Buffer.from(chunks[index]);
        for (const { at, xor } of edits) chunk[at] ^= xor;
        const result = readBounded(single(chunk));
        const free = chunks[index].readUInt32LE(48);
        const unchecked = (at: number) => (at >= 120 && at < 124) || at >= free;
        const changed = edits.some(({ at }) => chunk[at] !== chunks[index][at]);
        if (!changed || edits.every(({ at }) => unchecked(at))) {
          expect(result.records).toEqual(baseline[index]);
        } else {
          expect(result.records).toEqual([]);
          expect(result.warnings[0]).toMatch(/chunk 0 .*(CRC32|signature|free-space)/);
          // A salvage pass reads what the framing still shows, all of it marked unverified.
          const salvaged = readBounded(single(chunk), true).records;
          expect(salvaged.every((r) => r.unverified)).toBe(true);
        }
      }),
      { numRuns: RUNS },
    );
  });

  test("recomputed CRCs: damaged records are skipped one by one, never a crash", () => {
    fc.assert(
      fc.property(fc.nat({ max: 14 }), flips, (index, edits) => {
        const chunk = Buffer.from(chunks[index]);
        const free = chunk.readUInt32LE(48);
        const span = free - CHUNK_HEADER_SIZE;
        for (const { at, xor } of edits) chunk[CHUNK_HEADER_SIZE + (at % span)] ^= xor;
        fixChunkCrcs(chunk);
        const result = readBounded(single(chunk));
        expect(result.records.length).toBeLessThanOrEqual(baseline[index].length + edits.length);
      }),
      { numRuns: RUNS },
    );
  });

  test("flips in the file header: a FormatError only for the signature, else every record", () => {
    const last = chunks[14];
    fc.assert(
      fc.property(flips, (edits) => {
        const copy = single(last);
        for (const { at, xor } of edits) copy[at % FILE_HEADER_SIZE] ^= xor;
        const signatureHit = !copy.subarray(0, 8).equals(header.subarray(0, 8));
        if (signatureHit) {
          expect(() => readEvtx(copy)).toThrow(
            expect.objectContaining({ code: "evtx-bad-signature" }),
          );
        } else {
          expect(readBounded(copy).records).toEqual(baseline[14]);
        }
      }),
      { numRuns: Math.ceil(RUNS / 2) },
    );
  });
});

/**
 * Record bodies: random bytes, or random bytes behind the start of a template instance whose
 * definition is inline (so the parser goes past the first token into definitions and values).
 */
const body = fc.oneof(
  fc.uint8Array({ maxLength: 600 }),
  fc.uint8Array({ maxLength: 600 }).map((tail) => {
    const head = Buffer.from([0x0c, 0x01, 0, 0, 0, 0, 0, 0, 0, 0]);
    return { head, tail };
  }),
);

describe("random BinXML behind valid CRCs", () => {
  test("yields a record or one warning per record, never a crash", () => {
    fc.assert(
      fc.property(fc.array(body, { minLength: 1, maxLength: 8 }), (bodies) => {
        const b = new ChunkBuilder();
        bodies.forEach((x, i) =>
          b.record(BigInt(i + 1), 0n, (r) => {
            if (x instanceof Uint8Array) return void r.raw(Buffer.from(x));
            x.head.writeUInt32LE(r.pos + 10, 6); // definition offset: right after the token
            r.raw(x.head).raw(Buffer.from(x.tail));
          }),
        );
        const result = readBounded(evtxFile([b.finish()]));
        expect(result.records.length + result.warnings.length).toBe(bodies.length);
      }),
      { numRuns: RUNS * 4 },
    );
  });
});
