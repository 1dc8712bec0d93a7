import { isFormatError } from "../formatError";
import { bufferSource, sliceSource } from "./byteSource";

describe("bufferSource / sliceSource", () => {
  const base = bufferSource(Buffer.from("0123456789"), "ten");

  test("reads exact ranges and copies", async () => {
    expect((await base.read(2, 3)).toString()).toBe("234");
    const slice = sliceSource(base, 4, 4, "mid");
    expect(slice.size).toBe(4);
    expect((await slice.read(1, 3)).toString()).toBe("567");
    const copy = await base.read(0, 2);
    copy[0] = 0x41;
    expect((await base.read(0, 1)).toString()).toBe("0");
  });

  test.each([
    [8, 3],
    [-1, 1],
    [0, 11],
    [1.5, 1],
    [Number.NaN, 1],
  ])("read %p+%p outside the source is FormatError read-out-of-range", async (offset, length) => {
    const error = await base.read(offset, length).catch((e: unknown) => e);
    expect(isFormatError(error, "read-out-of-range")).toBe(true);
    expect((error as Error).message).toContain("ten");
  });

  test("a window outside its base is FormatError slice-out-of-range", async () => {
    expect(() => sliceSource(base, 8, 3, "p1")).toThrow(
      expect.objectContaining({ code: "slice-out-of-range" }),
    );
    const slice = sliceSource(base, 4, 4, "p2");
    const error = await slice.read(3, 2).catch((e: unknown) => e);
    expect(isFormatError(error, "read-out-of-range")).toBe(true);
    expect((error as Error).message).toBe("p2: read 3+2 is outside the source (4 bytes)");
  });
});
