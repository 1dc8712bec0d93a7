import * as zlib from "zlib";
import fc from "fast-check";
import { crc32, crc32c, crcWithFieldZeroed } from "./crc";

describe("crc32 / crc32c", () => {
  test("check values of the catalogue string 123456789", () => {
    const check = Buffer.from("123456789", "latin1");
    expect(crc32(check)).toBe(0xcbf43926);
    expect(crc32c(check)).toBe(0xe3069283);
    expect(crc32(Buffer.alloc(0))).toBe(0);
    expect(crc32c(Buffer.alloc(0))).toBe(0);
  });

  test("CRC-32C of RFC 3720 (iSCSI) test patterns", () => {
    expect(crc32c(Buffer.alloc(32, 0x00))).toBe(0x8a9136aa);
    expect(crc32c(Buffer.alloc(32, 0xff))).toBe(0x62a8ab43);
    const ascending = Buffer.from(Array.from({ length: 32 }, (_, i) => i));
    expect(crc32c(ascending)).toBe(0x46dd794e);
  });

  const zlibCrc = (zlib as unknown as { crc32?: (b: Uint8Array) => number }).crc32;
  (zlibCrc ? test : test.skip)("crc32 equals zlib's on arbitrary bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(crc32(bytes)).toBe(zlibCrc!(bytes));
      }),
      { numRuns: 200 },
    );
  });

  test("crcWithFieldZeroed ignores the field and leaves the input alone", () => {
    const bytes = Buffer.from("abcdEFGHijkl", "latin1");
    const zeroed = Buffer.from(bytes);
    zeroed.fill(0, 4, 8);
    expect(crcWithFieldZeroed(crc32c, bytes, 4)).toBe(crc32c(zeroed));
    expect(bytes.toString("latin1")).toBe("abcdEFGHijkl");
  });
});
