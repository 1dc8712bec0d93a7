import * as fs from "fs";
import * as path from "path";
import { isFormatError } from "../formatError";
import { openFileSource } from "./fileSource";
import { makeTempDir, patternBytes } from "./testing/diskImages";

describe("openFileSource", () => {
  let dir: string;
  beforeAll(() => {
    dir = makeTempDir("vmr-file-");
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("reads exact ranges of the file and names it by its base name", async () => {
    const file = path.join(dir, "image.raw");
    const bytes = patternBytes(70_000, "file");
    fs.writeFileSync(file, bytes);
    const opened = await openFileSource(file);
    try {
      expect(opened.source.size).toBe(70_000);
      expect(opened.source.label).toBe("image.raw");
      expect((await opened.source.read(65_000, 5000)).equals(bytes.subarray(65_000))).toBe(true);
      const error = await opened.source.read(69_999, 2).catch((e: unknown) => e);
      expect(isFormatError(error, "read-out-of-range")).toBe(true);
    } finally {
      await opened.close();
    }
  });

  test("a file that shrank after opening is reported, not padded", async () => {
    const file = path.join(dir, "shrinks.raw");
    fs.writeFileSync(file, patternBytes(8192, "shrink"));
    const opened = await openFileSource(file);
    try {
      fs.truncateSync(file, 4096);
      const error = await opened.source.read(4000, 1000).catch((e: unknown) => e);
      expect(isFormatError(error, "file-short-read")).toBe(true);
    } finally {
      await opened.close();
    }
  });

  test("opens a read-only file; reads after close are refused", async () => {
    const file = path.join(dir, "readonly.raw");
    fs.writeFileSync(file, Buffer.from("evidence"));
    fs.chmodSync(file, 0o444);
    const opened = await openFileSource(file);
    expect((await opened.source.read(0, 8)).toString()).toBe("evidence");
    await opened.close();
    const error = await opened.source.read(0, 1).catch((e: unknown) => e);
    expect(isFormatError(error, "file-closed")).toBe(true);
  });
});
