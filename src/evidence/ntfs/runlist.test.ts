import { checkRunsDisjoint, decodeRunlist, findRun } from "./runlist";

/** Runlists written out by hand from the format's description (header nibbles, LE fields). */
const decode = (hex: string, limit = 1_000_000) => {
  const bytes = Buffer.from(hex.replace(/ /g, ""), "hex");
  return decodeRunlist(bytes, 0, bytes.length, 0, limit, "test");
};
const failsWith = (code: string) => expect.objectContaining({ code });

describe("NTFS runlists", () => {
  test("absolute first LCN, then signed deltas; sparse runs keep the LCN", () => {
    // 0x10 clusters at 0x1000; 5 sparse; 8 clusters at 0x1000 - 0x10; 0x100 clusters at +0x20000.
    expect(decode("31 10 001000 01 05 11 08 f0 32 0001 000002 00")).toEqual([
      { vcn: 0, lcn: 0x1000, length: 0x10 },
      { vcn: 0x10, lcn: null, length: 5 },
      { vcn: 0x15, lcn: 0xff0, length: 8 },
      { vcn: 0x1d, lcn: 0x20ff0, length: 0x100 },
    ]);
  });

  test("8-byte fields decode while they fit in 2^53", () => {
    expect(decode("08 0100000000000000 00")).toEqual([{ vcn: 0, lcn: null, length: 1 }]);
    expect(() => decode("08 ffffffffffffffff 00")).toThrow(failsWith("ntfs-runlist-range"));
  });

  test.each([
    ["no terminator", "11 08 10", "ntfs-runlist-truncated"],
    ["zero length size", "10 05 00", "ntfs-runlist-header"],
    ["9-byte delta", "91 01 000000000000000001 00", "ntfs-runlist-header"],
    ["field past the end", "44 01 00", "ntfs-runlist-header"],
    ["zero length", "11 00 10 00", "ntfs-runlist-length"],
    ["negative LCN", "11 01 10 11 01 e0 00", "ntfs-runlist-cluster"],
    ["LCN past the volume", "21 10 0010 00", "ntfs-runlist-cluster"],
  ])("%s is a FormatError", (_, hex, code) => {
    expect(() => decode(hex, 0x1000)).toThrow(failsWith(code));
  });

  test("runs that map a cluster twice are refused (a loop back over the data)", () => {
    const runs = decode("11 10 20 11 10 08 00");
    expect(runs.map((r) => r.lcn)).toEqual([0x20, 0x28]);
    expect(() => checkRunsDisjoint(runs, "test")).toThrow(failsWith("ntfs-runlist-overlap"));
    expect(() => checkRunsDisjoint(decode("11 10 20 11 10 10 00"), "test")).not.toThrow();
  });

  test("findRun locates a VCN", () => {
    const runs = decode("31 10 001000 01 05 11 08 f0 00");
    const vcns = [0, 0xf, 0x10, 0x14, 0x15, 0x1c, 0x1d];
    expect(vcns.map((v) => findRun(runs, v))).toEqual([0, 0, 1, 1, 2, 2, -1]);
  });
});
