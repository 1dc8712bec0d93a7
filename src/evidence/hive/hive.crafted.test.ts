import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { isFormatError } from "../formatError";
import { Hive, openHive } from "./hive";
import { HiveKey } from "./key";
import { describeWithHives, readHiveFixture, testWithTool } from "./testing/fixtures";
import { xorChecksum } from "./testing/logs";

/**
 * Hostile hives made from the real BCD store by changing one structure at a time, each of which
 * must end in one specific FormatError with a one-line message, never a hang or another error.
 */

/** Absolute offset of field `field` of the record in the cell at bins offset `cell`. */
const at = (cell: number, field: number): number => 4096 + cell + 4 + field;

/** Reads everything: every key (depth first), its values and class name. */
function readAll(bytes: Buffer): Hive {
  const hive = openHive(bytes, { label: "crafted" });
  for (const key of hive.walk()) {
    key.values();
    void key.className;
  }
  return hive;
}

function formatErrorOf(action: () => unknown): { code: string; message: string } {
  try {
    action();
  } catch (e) {
    if (isFormatError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error("no FormatError was thrown");
}

describeWithHives("crafted hives end in one FormatError each", [], () => {
  const base = readHiveFixture("BCD");
  const clean = openHive(base);
  const objects = clean.key("Objects") as HiveKey;
  const firstObject = objects.subkeys()[0];
  const description = clean.key("Description") as HiveKey;
  const listOf = (key: HiveKey): number => key.node.subkeyListOffset;
  const craft = (change: (b: Buffer) => void): Buffer => {
    const bytes = Buffer.from(base);
    change(bytes);
    return bytes;
  };
  const expectError = (bytes: Buffer, code: string, text?: RegExp): void => {
    const error = formatErrorOf(() => readAll(bytes));
    expect(error.code).toBe(code);
    expect(error.message).not.toMatch(/[\r\n]/);
    expect(error.message.startsWith("regf crafted: ")).toBe(true);
    if (text) expect(error.message).toMatch(text);
  };

  test("the clean store reads whole", () => {
    let keys = 0;
    for (const key of readAll(base).walk()) keys += key.depth >= 0 ? 1 : 0;
    expect(keys).toBe(132);
  });

  test("a key listed under itself", () => {
    const bytes = craft((b) => b.writeUInt32LE(objects.offset, at(listOf(objects), 4)));
    expectError(bytes, "regf-key-cycle", /subkey 0 of key \\Objects is the key itself/);
  });

  test("a key listing its own parent", () => {
    const bytes = craft((b) => b.writeUInt32LE(objects.offset, at(listOf(firstObject), 4)));
    expectError(bytes, "regf-key-cycle");
  });

  test("an index root (ri) that lists itself", () => {
    const list = listOf(objects);
    const bytes = craft((b) => {
      b.write("ri", at(list, 0), "latin1");
      b.writeUInt32LE(list, at(list, 4));
    });
    expectError(bytes, "regf-subkey-list-cycle", /list 0x[0-9a-f]+ repeats/);
  });

  test("two index roots that list each other", () => {
    const a = listOf(objects);
    const other = listOf(firstObject);
    const bytes = craft((b) => {
      b.write("ri", at(a, 0), "latin1");
      b.writeUInt32LE(other, at(a, 4));
      b.write("ri", at(other, 0), "latin1");
      b.writeUInt32LE(a, at(other, 4));
    });
    expectError(bytes, "regf-subkey-list-cycle");
  });

  test("the same subkey listed twice", () => {
    const list = listOf(objects);
    const bytes = craft((b) => b.writeUInt32LE(b.readUInt32LE(at(list, 4)), at(list, 12)));
    expectError(bytes, "regf-duplicate-subkey");
  });

  test("huge counts: subkey list, value count", () => {
    const list = listOf(objects);
    expectError(
      craft((b) => b.writeUInt16LE(0xffff, at(list, 2))),
      "regf-subkey-list-overrun",
    );
    const values = description.offset;
    expectError(
      craft((b) => b.writeUInt32LE(0xffffffff, at(values, 36))),
      "regf-too-many-values",
    );
    expectError(
      craft((b) => b.writeUInt32LE(0x10000, at(values, 36))),
      "regf-value-list-overrun",
    );
  });

  test("cell offsets outside the bins, misaligned, or inside another cell", () => {
    const list = listOf(objects);
    const out = craft((b) => b.writeUInt32LE(0x7ffffff8, at(objects.offset, 28)));
    expectError(out, "regf-bad-cell-offset", /offset 0x7ffffff8 is not a cell in the hive bins/);
    const pointAt = (offset: number): Buffer =>
      craft((b) => b.writeUInt32LE(offset, at(objects.offset, 28)));
    expectError(pointAt(list + 4), "regf-bad-cell-offset");
    expectError(pointAt(list + 8), "regf-bad-cell-offset");
  });

  test("a cell whose size overruns its bin cuts the bin short, with a warning", () => {
    const list = listOf(objects);
    const bytes = craft((b) => b.writeInt32LE(-0x100000, 4096 + list));
    const hive = openHive(bytes, { label: "crafted" });
    expect(hive.warnings).toEqual([
      expect.stringMatching(/^cell at 0x[0-9a-f]+ has size -1048576, which does not fit hive bin/),
    ]);
    expectError(bytes, "regf-bad-cell-offset");
  });

  test("a subkey that is a value, and a value that is a key", () => {
    const valueOffset = clean.root.subkey("Description")?.node.valueListOffset as number;
    const firstValue = base.readUInt32LE(at(valueOffset, 0));
    const asKey = craft((b) => b.writeUInt32LE(firstValue, at(listOf(objects), 4)));
    expectError(asKey, "regf-bad-key-node", /is "vk" \(\d+ bytes\), not a key node/);
    const asValue = craft((b) => b.writeUInt32LE(objects.offset, at(valueOffset, 0)));
    expectError(asValue, "regf-bad-value");
  });

  test("value data larger than its cell, resident data larger than 4 bytes", () => {
    const valueList = description.node.valueListOffset;
    const vk = base.readUInt32LE(at(valueList, 0));
    expectError(
      craft((b) => b.writeUInt32LE(0x7fff0000, at(vk, 4))),
      "regf-value-data-overrun",
    );
    expectError(
      craft((b) => b.writeUInt32LE(0x80000008, at(vk, 4))),
      "regf-resident-data-size",
    );
  });

  test("a name longer than its cell", () => {
    const bytes = craft((b) => b.writeUInt16LE(0xffff, at(firstObject.offset, 72)));
    expectError(bytes, "regf-key-name-overrun");
  });

  test("a class name longer than its cell", () => {
    const bytes = craft((b) => {
      b.writeUInt32LE(listOf(objects), at(firstObject.offset, 48));
      b.writeUInt16LE(0xfff0, at(firstObject.offset, 74));
    });
    expectError(bytes, "regf-class-name-overrun");
  });

  test("keys shared by two parents make the walk fail, and deep recursion hits the budget", () => {
    // Layers of two keys each; every key of a layer lists both keys of the next one. A walk that
    // did not notice would visit 2^layers paths.
    const keys = [...clean.walk()].filter((k) => k.depth >= 2);
    const lists = [...clean.walk()].filter((k) => k.depth >= 1 && k.subkeyCount >= 2).map(listOf);
    const layers = Math.min(Math.floor(keys.length / 2), lists.length) - 1;
    expect(layers).toBeGreaterThanOrEqual(18);
    const setEntry = (b: Buffer, list: number, i: number, offset: number): void => {
      const stride = b.toString("latin1", at(list, 0), at(list, 2)) === "li" ? 4 : 8;
      b.writeUInt32LE(offset, at(list, 4 + i * stride));
    };
    const bytes = craft((b) => {
      for (let i = 0; i < layers; i += 1) {
        b.writeUInt16LE(2, at(lists[i], 2));
        setEntry(b, lists[i], 0, keys[2 * i + 2].offset);
        setEntry(b, lists[i], 1, keys[2 * i + 3].offset);
        for (const key of [keys[2 * i], keys[2 * i + 1]]) {
          b.writeUInt32LE(2, at(key.offset, 20));
          b.writeUInt32LE(lists[i], at(key.offset, 28));
        }
      }
      for (const key of [keys[2 * layers], keys[2 * layers + 1]]) {
        b.writeUInt32LE(0, at(key.offset, 20));
      }
      // The root's first subkey becomes the top of the layers.
      setEntry(b, listOf(clean.root), 0, keys[0].offset);
    });
    const top = (): HiveKey => openHive(bytes, { label: "crafted" }).root.subkeys()[0];
    expect(top().offset).toBe(keys[0].offset);
    const walk = formatErrorOf(() => [...openHive(bytes, { label: "crafted" }).walk()]);
    expect(walk.code).toBe("regf-key-revisited");
    expect(walk.message).toMatch(/^regf crafted: key \\.+ \(cell 0x[0-9a-f]+\) is listed under/);
    const recurse = (key: HiveKey): number => key.subkeys().reduce((n, k) => n + recurse(k), 1);
    const started = Date.now();
    const budget = formatErrorOf(() => recurse(top()));
    expect(budget.code).toBe("regf-visit-budget");
    expect(Date.now() - started).toBeLessThan(5000);
  });

  test("values sharing one large data cell run out of the byte budget, not memory", () => {
    // The largest allocated cell of the store becomes the data of one value, and a list cell
    // full of that value's offset becomes a key's value list.
    let largest = { offset: 0, size: 0 };
    for (let pos = 4096 + 32; pos < base.length;) {
      const size = base.readInt32LE(pos);
      if (size === 0) break;
      if (-size > largest.size) largest = { offset: pos - 4096, size: -size };
      pos += Math.abs(size);
      if (base.toString("latin1", pos, pos + 4) === "hbin") pos += 32;
    }
    const valueList = description.node.valueListOffset;
    const vk = base.readUInt32LE(at(valueList, 0));
    const list = listOf(objects);
    const listSize = -base.readInt32LE(4096 + list) - 4;
    const bytes = craft((b) => {
      b.writeUInt32LE(largest.size - 4, at(vk, 4));
      b.writeUInt32LE(largest.offset, at(vk, 8));
      for (let i = 0; i < Math.floor(listSize / 4); i += 1) b.writeUInt32LE(vk, at(list, 4 * i));
      b.writeUInt32LE(Math.floor(listSize / 4), at(description.offset, 36));
      b.writeUInt32LE(list, at(description.offset, 40));
    });
    const key = openHive(bytes, { label: "crafted" }).key("Description") as HiveKey;
    expect(key.values()[0].raw.length).toBe(largest.size - 4);
    let calls = 0;
    const error = formatErrorOf(() => {
      for (;;) {
        key.values();
        calls += 1;
      }
    });
    expect(error.code).toBe("regf-byte-budget");
    expect(calls * Math.floor(listSize / 4) * (largest.size - 4)).toBeLessThan(80 * 2 ** 20);
  });

  test("file-level damage", () => {
    const codeOf = (bytes: Buffer): string => formatErrorOf(() => openHive(bytes)).code;
    expect(codeOf(base.subarray(0, 100))).toBe("regf-truncated");
    expect(codeOf(craft((b) => b.write("regx", 0, "latin1")))).toBe("regf-bad-signature");
    const withType = (type: number) =>
      craft((b) => {
        b.writeUInt32LE(type, 28);
        b.writeUInt32LE(xorChecksum(b), 508);
      });
    expect(codeOf(withType(6))).toBe("regf-not-primary");
    expect(codeOf(craft((b) => b.writeUInt32LE(2, 20)))).toBe("regf-unsupported-version");
    expect(codeOf(craft((b) => b.writeUInt32LE(3, 36)))).toBe("regf-bad-root-offset");
    expect(codeOf(craft((b) => b.writeUInt32LE(0x7ffffff8, 36)))).toBe("regf-root-unreadable");
  });

  test("a torn header (bad checksum) is dirty and still read, with a warning", () => {
    const hive = openHive(craft((b) => (b[508] ^= 1)));
    expect(hive.dirty).toBe(true);
    expect(hive.warnings[0]).toMatch(/^base block checksum mismatch \(stored 0x[0-9a-f]+, comp/);
  });
});

describeWithHives("the corrupted SYSTEM hive", [], () => {
  test("its root key is unreadable: one FormatError, one line", () => {
    const error = formatErrorOf(() =>
      openHive(readHiveFixture("corrupted_system_hive"), { label: "corrupted_system_hive" }),
    );
    expect(error.code).toBe("regf-root-unreadable");
    expect(error.message).toBe(
      "regf corrupted_system_hive: root key at cell 0x20 is unreadable: subkey list of key " +
        "(root): offset 0x1c7b28 is not a cell in the hive bins (0x0-0x19000)",
    );
  });
});

describeWithHives("keys nested deeper than 512 levels", ["hivexregedit"], () => {
  testWithTool("hivexregedit", "a 513-level chain made by hivex is refused at level 513", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "regf-deep-"));
    try {
      const file = path.join(dir, "BCD.deep");
      const reg = path.join(dir, "deep.reg");
      fs.writeFileSync(file, readHiveFixture("BCD"));
      const lines = Array.from({ length: 513 }, (_, i) => `[${"\\d".repeat(i + 1)}]\n`);
      fs.writeFileSync(reg, `Windows Registry Editor Version 5.00\n\n${lines.join("\n")}`);
      execFileSync("hivexregedit", ["--merge", file, reg]);
      const hive = openHive(fs.readFileSync(file), { label: "crafted" });
      const deepest = hive.key("d\\".repeat(512));
      expect(deepest?.depth).toBe(512);
      const error = formatErrorOf(() => deepest?.subkeys());
      expect(error.code).toBe("regf-too-deep");
      expect(formatErrorOf(() => [...hive.walk()]).code).toBe("regf-too-deep");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
