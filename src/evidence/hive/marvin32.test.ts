import { marvin32, REGISTRY_LOG_SEED } from "./marvin32";
import { describeWithHives, readHiveFixture } from "./testing/fixtures";

describe("marvin32", () => {
  // The published test vectors of the algorithm (seed 0x004fb61a001bdbcc, inputs of 0 to 7
  // bytes, so every tail length is covered).
  const seed = 0x004fb61a001bdbccn;
  test.each([
    ["", 0x30ed35c100cd3c7dn],
    ["af", 0x48e73fc77d75ddc1n],
    ["e70f", 0xb5f6e1fc485dbff8n],
    ["37f495", 0xf0b07c789b8cf7e8n],
    ["8642dc59", 0x7008f2e87e9cf556n],
    ["153fb79826", 0xe6c08c6da2afa997n],
    ["0932e6246c47", 0x6f04bf1a5ea24060n],
    ["ab427ea8d10fc7", 0xe11847e4f0678c41n],
  ])("input %s", (hex, expected) => {
    expect(marvin32(Buffer.from(hex, "hex"), seed)).toBe(expected);
  });

  test("hashes a range of a larger buffer", () => {
    const padded = Buffer.from("ffff8642dc59ffff", "hex");
    expect(marvin32(padded, seed, 2, 6)).toBe(0x7008f2e87e9cf556n);
  });

  test("the registry seed is the big-endian reading of 82 EF 4D 88 7A 4E 55 C5", () => {
    expect(REGISTRY_LOG_SEED).toBe(Buffer.from("82ef4d887a4e55c5", "hex").readBigUInt64BE(0));
  });
});

describeWithHives("marvin32 on real log entries (SYSTEM_B.LOG1, .LOG2)", [], () => {
  test.each(["SYSTEM_B.LOG1", "SYSTEM_B.LOG2"])("every HvLE entry's hashes match in %s", (name) => {
    const log = readHiveFixture(name);
    let entries = 0;
    let at = 512;
    while (log.toString("latin1", at, at + 4) === "HvLE") {
      const size = log.readUInt32LE(at + 4);
      const dataHash = marvin32(log, REGISTRY_LOG_SEED, at + 40, at + size);
      expect(dataHash).toBe(log.readBigUInt64LE(at + 24));
      expect(marvin32(log, REGISTRY_LOG_SEED, at, at + 32)).toBe(log.readBigUInt64LE(at + 32));
      entries += 1;
      at += size;
    }
    expect(entries).toBe(name.endsWith("1") ? 4 : 20);
  });
});
