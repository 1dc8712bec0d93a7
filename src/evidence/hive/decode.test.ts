import { decodeValue, multiString, typeName, utf16z } from "./decode";
import { namesEqual, upcaseName } from "./names";

const utf16 = (s: string): Buffer => Buffer.from(s, "utf16le");

describe("value decoding by type", () => {
  test("strings stop at the first NUL and ignore a trailing odd byte", () => {
    expect(decodeValue(1, utf16("System32\\drivers\\x.sys\u0000junk"))).toBe(
      "System32\\drivers\\x.sys",
    );
    expect(decodeValue(2, Buffer.concat([utf16("%SystemRoot%"), Buffer.from([0x41])]))).toBe(
      "%SystemRoot%",
    );
    expect(utf16z(Buffer.alloc(0))).toBe("");
  });

  test("REG_MULTI_SZ drops the terminator and trailing padding, keeps inner empties", () => {
    expect(decodeValue(7, utf16("a\u0000b\u0000\u0000"))).toEqual(["a", "b"]);
    expect(multiString(utf16("a\u0000\u0000b\u0000\u0000\u0000\u0000"))).toEqual(["a", "", "b"]);
    expect(multiString(Buffer.alloc(0))).toEqual([]);
  });

  test("numbers decode only at their exact size", () => {
    expect(decodeValue(4, Buffer.from("2a000000", "hex"))).toBe(42);
    expect(decodeValue(5, Buffer.from("0000002a", "hex"))).toBe(42);
    expect(decodeValue(11, Buffer.from("0100000002000000", "hex"))).toBe(0x200000001n);
    expect(decodeValue(4, Buffer.from("2a0000", "hex"))).toEqual(Buffer.from("2a0000", "hex"));
    expect(decodeValue(11, Buffer.from("01", "hex"))).toEqual(Buffer.from("01", "hex"));
  });

  test("REG_NONE, REG_BINARY, resource lists and unknown types stay bytes", () => {
    for (const type of [0, 3, 8, 9, 10, 0x20001, 0xffff0010]) {
      expect(decodeValue(type, Buffer.from("0102", "hex"))).toEqual(Buffer.from("0102", "hex"));
    }
  });

  test("type names", () => {
    expect(typeName(0)).toBe("REG_NONE");
    expect(typeName(2)).toBe("REG_EXPAND_SZ");
    expect(typeName(5)).toBe("REG_DWORD_BIG_ENDIAN");
    expect(typeName(11)).toBe("REG_QWORD");
    expect(typeName(0xffff0010)).toBe("REG_0xffff0010");
  });
});

describe("names compare as Windows compares them", () => {
  test("upper case, one code unit at a time", () => {
    expect(upcaseName("storahci")).toBe("STORAHCI");
    expect(upcaseName("straße")).toBe("STRAßE");
    expect(namesEqual("ControlSet001", "CONTROLSET001")).toBe(true);
    expect(namesEqual("Straße", "STRASSE")).toBe(false);
    expect(namesEqual("é", "É")).toBe(true);
    expect(namesEqual("a", "a ")).toBe(false);
  });
});
