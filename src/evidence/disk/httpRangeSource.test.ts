import { isFormatError } from "../formatError";
import { httpRangeSource, type HttpRangeOptions, type HttpRangeSource } from "./httpRangeSource";
import { patternBytes } from "./testing/diskImages";
import { startRangeServer, type RangeServer } from "./testing/rangeServer";

const SECRET = "sig=S3CR3T%2Fsignature";
const QUERY = `?sv=2022-11-02&sr=b&sp=r&se=2030-01-01T00%3A00%3A00Z&${SECRET}`;
const data = patternBytes(300_000, "remote disk");

describe("httpRangeSource against a local range server", () => {
  let server: RangeServer;
  const sources: HttpRangeSource[] = [];
  const messages: string[] = [];
  const sleeps: number[] = [];

  beforeEach(async () => {
    server = await startRangeServer(data, `/disks/abcd${QUERY}`);
    sleeps.length = 0;
  });
  afterEach(async () => {
    for (const s of sources.splice(0)) s.close();
    await server.close();
  });
  afterAll(() => {
    // every message and label any test produced is free of the SAS query
    expect(messages.length).toBeGreaterThan(8);
    for (const m of messages) {
      expect(m).not.toContain("S3CR3T");
      expect(m).not.toContain("sig=");
      expect(m).not.toContain("sv=2022");
      expect(m).not.toContain("\n");
    }
  });

  async function open(options: HttpRangeOptions = {}): Promise<HttpRangeSource> {
    const source = await httpRangeSource(server.url, {
      blockSize: 64 * 1024,
      cacheBlocks: 4,
      baseDelayMs: 100,
      maxDelayMs: 1000,
      random: () => 0.5,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      ...options,
    });
    sources.push(source);
    messages.push(source.label);
    return source;
  }

  test("a cancel ends the reads: no request after it, and it is not retried", async () => {
    const cancel = new AbortController();
    const source = await open({ signal: cancel.signal });
    const before = source.stats.requests;
    cancel.abort();
    const e = await failure(source.read(200_000, 1000));
    expect(isFormatError(e, "http-aborted")).toBe(true);
    expect(source.stats.requests).toBe(before);
    expect(sleeps).toEqual([]);
  });

  async function failure(p: Promise<unknown>): Promise<Error> {
    const error = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    messages.push((error as Error).message);
    return error as Error;
  }

  test("size from a bytes=0-0 probe; aligned blocks are fetched once", async () => {
    const source = await open();
    expect(source.size).toBe(300_000);
    expect(source.label).toBe(server.url.replace(QUERY, ""));
    expect((await source.read(1000, 70_000)).equals(data.subarray(1000, 71_000))).toBe(true);
    expect((await source.read(65_000, 100)).equals(data.subarray(65_000, 65_100))).toBe(true);
    expect((await source.read(290_000, 10_000)).equals(data.subarray(290_000))).toBe(true);
    expect(server.seen.map((r) => r.range)).toEqual([
      "bytes=0-0",
      "bytes=0-131071",
      "bytes=262144-299999",
    ]);
    // the SAS query is sent with every request (that is what authorises it)
    expect(server.seen.every((r) => r.url.endsWith(SECRET))).toBe(true);
    expect(source.stats).toEqual({ requests: 3, bytes: 1 + 131_072 + 37_856, retries: 0 });
  });

  test("503s and resets are retried with growing, jittered backoff", async () => {
    const source = await open();
    server.plan.push(
      { kind: "status", status: 503 },
      { kind: "reset" },
      { kind: "status", status: 500 },
    );
    expect((await source.read(0, 10)).equals(data.subarray(0, 10))).toBe(true);
    expect(source.stats.retries).toBe(3);
    expect(sleeps).toEqual([50, 100, 200]); // random() 0.5 × 100·2^n
  });

  test("a body cut mid-way and a short 206 are completed by further requests", async () => {
    const source = await open();
    server.plan.push({ kind: "cut", after: 10_000 }, { kind: "partial", bytes: 5000 });
    const bytes = await source.read(0, 65_536);
    expect(bytes.equals(data.subarray(0, 65_536))).toBe(true);
    expect(server.seen.slice(1).map((r) => r.range)).toEqual([
      "bytes=0-65535",
      "bytes=10000-65535",
      "bytes=15000-65535",
    ]);
    expect(source.stats.retries).toBe(0);
  });

  test("a slow answer times out and is retried", async () => {
    const source = await open({ timeoutMs: 100 });
    server.plan.push({ kind: "delay", ms: 400 });
    expect((await source.read(70_000, 10)).equals(data.subarray(70_000, 70_010))).toBe(true);
    expect(source.stats.retries).toBe(1);
  });

  test("retries give up after maxRetries with one clean line", async () => {
    const source = await open({ maxRetries: 2 });
    for (let i = 0; i < 3; i++) server.plan.push({ kind: "status", status: 503 });
    const error = await failure(source.read(0, 10));
    expect(isFormatError(error, "http-retries-exhausted")).toBe(true);
    expect(error.message).toBe(
      `${source.label}: GET bytes 0-65535 failed 3 times, last: answered 503`,
    );
  });

  test("request and byte budgets stop a runaway read", async () => {
    const few = await open({ maxRequests: 3 });
    await few.read(0, 10);
    await few.read(70_000, 10);
    const e1 = await failure(few.read(140_000, 10));
    expect(isFormatError(e1, "http-request-budget")).toBe(true);
    const small = await open({ maxBytes: 100_000 });
    await small.read(0, 10);
    const e2 = await failure(small.read(70_000, 10));
    expect(isFormatError(e2, "http-byte-budget")).toBe(true);
    expect(e2.message).toMatch(/budget of 100000 would be exceeded by GET bytes 65536-131071$/);
  });

  test("403, a server that ignores Range, a misplaced Content-Range are fatal", async () => {
    const source = await open();
    server.plan.push({ kind: "status", status: 403 });
    const e1 = await failure(source.read(0, 10));
    expect(isFormatError(e1, "http-status")).toBe(true);
    expect(e1.message).toMatch(/answered 403 \(an expired or revoked SAS\?\)$/);
    server.plan.push({ kind: "whole" });
    expect(isFormatError(await failure(source.read(0, 10)), "http-no-range")).toBe(true);
    server.plan.push({ kind: "shifted" });
    expect(isFormatError(await failure(source.read(0, 10)), "http-range-mismatch")).toBe(true);
    expect(source.stats.retries).toBe(0);
    const e4 = await failure(source.read(299_999, 2));
    expect(isFormatError(e4, "read-out-of-range")).toBe(true);
  });

  test("a probe that keeps failing, a bad URL", async () => {
    server.plan.push({ kind: "status", status: 503 }, { kind: "status", status: 503 });
    const e1 = await failure(open({ maxRetries: 1 }));
    expect(isFormatError(e1, "http-retries-exhausted")).toBe(true);
    expect(e1.message).toContain("size probe");
    const e2 = await failure(httpRangeSource(`ftp://example.invalid/x${QUERY}`));
    expect(isFormatError(e2, "http-url")).toBe(true);
    const e3 = await failure(httpRangeSource(`http://127.0.0.1:1/x${QUERY}`, { maxRetries: 0 }));
    expect(isFormatError(e3, "http-retries-exhausted")).toBe(true);
    expect(e3.message).toMatch(/^http:\/\/127\.0\.0\.1:1\/x: size probe .* last: ECONNREFUSED$/);
  });
});
