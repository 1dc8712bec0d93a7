import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { describeKey, escapeText, formatKey } from "./describe";
import { openHive } from "./hive";
import { describeWithHives, readHiveFixture } from "./testing/fixtures";

describeWithHives("describeKey / formatKey on SYSTEM_WIN_10_1709", [], () => {
  const hive = openHive(readHiveFixture("SYSTEM_WIN_10_1709"));

  test("a service key as plain, JSON-able data", () => {
    const description = describeKey(hive, "\\ControlSet001\\Services\\storahci");
    expect(description).toBeDefined();
    const roundTrip = JSON.parse(JSON.stringify(description));
    expect(roundTrip).toEqual(description);
    expect(description?.path).toBe("ControlSet001\\Services\\storahci");
    expect(description?.subkeys).toEqual([
      { name: "Parameters", lastWritten: expect.any(String), subkeys: 2, values: 7 },
    ]);
    expect(description?.values.slice(0, 3)).toEqual([
      {
        name: "ImagePath",
        type: 2,
        typeName: "REG_EXPAND_SZ",
        size: 60,
        data: "System32\\drivers\\storahci.sys",
      },
      { name: "Type", type: 4, typeName: "REG_DWORD", size: 4, data: 1 },
      { name: "Start", type: 4, typeName: "REG_DWORD", size: 4, data: 0 },
    ]);
  });

  test("as text", () => {
    const text = formatKey(describeKey(hive, "ControlSet001\\Services\\storahci")!);
    const lines = text.split("\n");
    expect(lines[0]).toBe("Key: \\ControlSet001\\Services\\storahci");
    expect(lines).toContain('  "ImagePath"  REG_EXPAND_SZ  "System32\\drivers\\storahci.sys"');
    expect(lines).toContain('  "Start"  REG_DWORD  0 (0x0)');
    expect(lines).toContain('  "Tag"  REG_DWORD  31 (0x1f)');
    expect(lines).toContain('  "Owners"  REG_MULTI_SZ  ["mshdc.inf"]');
    expect(lines).toContain("Subkeys (1):");
    expect(lines).toContain("  Parameters  (2 subkeys, 7 values)");
    expect(lines).toContain(
      "Warning: hive is dirty (primary 4317, secondary 4316) and no transaction logs were given: " +
        "reading the primary as it is, so its most recent changes may be missing",
    );
  });

  test("binary data is shown as hex, long data cut with its size", () => {
    const key = describeKey(hive, "ControlSet001\\Control\\GroupOrderList");
    const line = (key ? formatKey(key) : "").split("\n").find((l) => l.includes('"SCSI miniport"'));
    expect(line).toMatch(/^ {2}"SCSI miniport" {2}REG_BINARY {2}3f 00 00 00 00 01 00 00 01 01 /);
    expect(line).toMatch(/ ([0-9a-f]{2} ){63}[0-9a-f]{2} … \(\d+ bytes\)$/);
  });

  test("an absent key is undefined", () => {
    expect(describeKey(hive, "ControlSet001\\NoSuchKey")).toBeUndefined();
  });
});

const CRAFTED = "formatKey escapes what a crafted hive puts in names and data";

describeWithHives(CRAFTED, ["hivexregedit"], () => {
  test("ESC and RIGHT-TO-LEFT OVERRIDE in a key name, a value name and string data", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "regf-describe-"));
    const file = path.join(dir, "BCD.evil");
    const reg = path.join(dir, "evil.reg");
    try {
      fs.writeFileSync(file, readHiveFixture("BCD"));
      fs.writeFileSync(
        reg,
        "Windows Registry Editor Version 5.00\n\n[\\Evil\u001b[31mKey\u202eabc]\n" +
          '"Bell\u0007"=hex(1):41,00,1b,00,2e,20,42,00,00,00\n',
      );
      execFileSync("hivexregedit", ["--merge", file, reg]);
      const hive = openHive(fs.readFileSync(file));
      const description = describeKey(hive, "Evil\u001b[31mKey\u202eabc");
      expect(description?.name).toBe("Evil\u001b[31mKey\u202eabc");
      expect(description?.values[0]).toMatchObject({ name: "Bell\u0007", data: "A\u001b\u202eB" });
      const text = formatKey(description!);
      expect(text).toContain("Key: \\Evil\\x1b[31mKey\\u202eabc\n");
      expect(text).toContain('  "Bell\\x07"  REG_SZ  "A\\x1b\\u202eB"\n');
      expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u202e]/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

test("escapeText makes controls, separators and bidi controls visible", () => {
  expect(escapeText("a\nb\tc\u007f\u0085\u2028\u200f\u2066\u202ad")).toBe(
    "a\\x0ab\\x09c\\x7f\\x85\\u2028\\u200f\\u2066\\u202ad",
  );
  expect(escapeText("C:\\Windows\\système")).toBe("C:\\Windows\\système");
});
