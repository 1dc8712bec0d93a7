import { decompressLznt1 } from "./lznt1";

/** LZNT1 chunks assembled by hand from the published description (MS-XCA 2.5). */
const hex = (s: string) => Buffer.from(s.replace(/ /g, ""), "hex");

describe("LZNT1", () => {
  test("literals and an overlapping back-reference", () => {
    // Flags 0x08: three literals, then a token at position 3: 4 offset bits, 12 length bits,
    // distance 3 (stored 2), length 9 (stored 6) -> 0x2006.
    const out = Buffer.alloc(4096);
    expect(decompressLznt1(hex("05b0 08 616263 0620"), out, "t")).toBe(1);
    expect(out.subarray(0, 13).toString("latin1")).toBe("abcabcabcabc\0");
  });

  test("the offset/length split widens with the position", () => {
    // 17 literals "a".."q", then at position 17 (5 offset bits, 11 length bits) distance 17,
    // length 3: ((17 - 1) << 11) | 0 = 0x8000.
    const literals = Buffer.from("abcdefghijklmnopq", "latin1").toString("hex");
    const [first, second, third] = [0, 16, 32].map((i) => literals.slice(i, i + 16));
    const bytes = hex(`00 ${first} 00 ${second} 02 ${third} 0080`);
    const header = Buffer.alloc(2);
    header.writeUInt16LE(0xb000 | (bytes.length - 1));
    const out = Buffer.alloc(4096);
    decompressLznt1(Buffer.concat([header, bytes]), out, "t");
    expect(out.subarray(0, 20).toString("latin1")).toBe("abcdefghijklmnopqabc");
  });

  test("a stored chunk is copied and the next chunk starts 4 KiB further", () => {
    const stored = Buffer.alloc(4096, 0x41);
    const header = Buffer.from([0xff, 0x3f]); // 0x3fff: not compressed, 4096 bytes
    const out = Buffer.alloc(8192);
    expect(decompressLznt1(Buffer.concat([header, stored, hex("01b0 00 5a")]), out, "t")).toBe(2);
    expect(out.subarray(4094, 4097).toString("latin1")).toBe("AAZ");
    // A zero header ends the stream: what follows is not decoded.
    expect(decompressLznt1(hex("01b0 00 5a 0000 01b0 00 5a"), out.fill(0), "t")).toBe(1);
  });

  test.each([
    ["a reference before the start", "02b0 01 0000", "ntfs-lznt1-offset"],
    ["a chunk longer than the data", "10b0 00 41", "ntfs-lznt1-truncated"],
    ["a token cut short", "02b0 02 41 00", "ntfs-lznt1-truncated"],
    ["output past 4 KiB", "03b0 02 41 ff0f", "ntfs-lznt1-overflow"],
  ])("%s is a FormatError", (_, data, code) => {
    expect(() => decompressLznt1(hex(data), Buffer.alloc(65536), "t")).toThrow(
      expect.objectContaining({ code }),
    );
  });

  test("chunks past the unit are refused", () => {
    expect(() => decompressLznt1(hex("01b0 00 41 01b0 00 42"), Buffer.alloc(4096), "t")).toThrow(
      expect.objectContaining({ code: "ntfs-lznt1-overflow" }),
    );
  });
});
