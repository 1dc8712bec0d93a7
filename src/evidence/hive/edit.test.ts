import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CONTRACT_VERSION, type RepairAction } from "../../collect/contract";
import { compileRepairPlan } from "../../repair/operations/compile";
import { operationsToEdits } from "../../repair/operations/hiveEdits";
import { applyWithHivex } from "../../repair/operations/testing/hivex";
import type { Operation } from "../../repair/operations/types";
import { BOOTMGR_GUID, decodeBcd } from "../bcd";
import {
  SAMPLE_SYSTEM_XZ,
  describeIf,
  fixture,
  missing,
  sampleSystemHive,
} from "../facts/testing/evidence";
import { type HiveEdit, MAX_LEAF, applyHiveEdits, lhHash } from "./edit";
import { openHive } from "./hive";

const WIN7 = fixture("hives", "SYSTEM_WIN7_X86");
const BCD = fixture("hives", "BCD");
const DIRTY = fixture("hives", "SYSTEM_WIN_10_1709");
const LOADER = "{733b62e5-f608-11eb-825c-c112f60133ab}";
const TEST_KEY = "ControlSet001\\Control\\VmRescueTest";
const LEAF = `${TEST_KEY}\\Nested\\Leaf`;
const CDD = "ControlSet001\\Control\\CriticalDeviceDatabase";

const sha = (b: Buffer): string => createHash("sha256").update(b).digest("hex");

/** Runs a hivex tool on a copy of `hive` written to a temporary file. */
function hivex(
  hive: Buffer,
  tool: string,
  args: (file: string) => string[],
  input?: string,
): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vmr-edit-"));
  try {
    const file = path.join(dir, "hive");
    fs.writeFileSync(file, hive);
    return execFileSync(tool, args(file), {
      encoding: "utf8",
      input,
      stdio: ["pipe", "pipe", "ignore"],
      maxBuffer: 16 * 1024 * 1024,
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
/** `hivexregedit --export` of one key and its subkeys (an independent listing). */
const exportKey = (hive: Buffer, key: string): string =>
  hivex(hive, "hivexregedit", (file) => ["--export", file, key]);
/** The subkey names hivexsh lists, in the order of the key's subkey list. */
const hivexLs = (hive: Buffer, key: string): string[] =>
  hivex(hive, "hivexsh", (file) => [file], `cd \\${key}\nls\n`)
    .split("\n")
    .filter(Boolean);

/** Subkey names in the order of the key's subkey list, as our reader walks it. */
const listOrder = (hive: Buffer, key: string): string[] =>
  openHive(hive)
    .key(key)
    ?.subkeys()
    .map((k) => k.name) ?? [];
function expectSorted(names: string[]): void {
  const upper = names.map((n) => n.toUpperCase());
  expect(upper.filter((n, i) => i > 0 && !(upper[i - 1] < n))).toEqual([]);
}

const plan = (...actions: Omit<RepairAction, "reason">[]) => ({
  schemaVersion: CONTRACT_VERSION,
  kind: "repairPlan" as const,
  dryRun: false,
  actions: actions.map((a) => ({ ...a, reason: "test" }) as RepairAction),
});

describeIf(
  missing([WIN7, BCD, DIRTY, SAMPLE_SYSTEM_XZ], ["hivexsh", "hivexregedit", "xz"]),
  "regf edits appended in a new hive bin",
  () => {
    const win7 = fs.readFileSync(WIN7);
    const win7Sha = sha(win7);
    const edits: HiveEdit[] = [
      { kind: "createKey", path: LEAF },
      { kind: "setValue", path: LEAF, name: "sz", type: "REG_SZ", data: "hello" },
      { kind: "setValue", path: LEAF, name: "ex", type: "REG_EXPAND_SZ", data: "%SystemRoot%\\x" },
      { kind: "setValue", path: LEAF, name: "multi", type: "REG_MULTI_SZ", data: ["a", "bc"] },
      { kind: "setValue", path: LEAF, name: "dw", type: "REG_DWORD", data: 0xdeadbeef },
      { kind: "setValue", path: LEAF, name: "qw", type: "REG_QWORD", data: 0x1122334455667788n },
      { kind: "setValue", path: LEAF, name: "b1", type: "REG_BINARY", data: Buffer.from([1]) },
      { kind: "setValue", path: LEAF, name: "b9", type: "REG_BINARY", data: Buffer.alloc(9, 7) },
      { kind: "setValue", path: LEAF, name: "Ünï€", type: "REG_SZ", data: "€uro" },
      { kind: "setValue", path: LEAF, name: "", type: "REG_SZ", data: "def" },
      { kind: "setValue", path: LEAF.toUpperCase(), name: "SZ", type: "REG_SZ", data: "again" },
      { kind: "createKey", path: `${TEST_KEY}\\Ключ` },
      { kind: "createKey", path: `${TEST_KEY.toLowerCase()}\\NESTED` },
      { kind: "createKey", path: `${CDD}\\zz_vmrescue` },
    ];
    const edited = applyHiveEdits(win7, edits);

    it("writes keys and values of every type that hivex and openHive read back", () => {
      const utf16 = (s: string) =>
        [...Buffer.from(`${s}\u0000`, "utf16le")].map((b) => b.toString(16).padStart(2, "0"));
      expect(exportKey(edited, TEST_KEY).split("\n")).toEqual([
        "Windows Registry Editor Version 5.00",
        "",
        `[\\${TEST_KEY}]`,
        "",
        `[\\${TEST_KEY}\\Nested]`,
        "",
        `[\\${LEAF}]`,
        `@=hex(1):${utf16("def").join(",")}`,
        '"b1"=hex(3):01',
        '"b9"=hex(3):07,07,07,07,07,07,07,07,07',
        '"dw"=dword:deadbeef',
        `"ex"=hex(2):${utf16("%SystemRoot%\\x").join(",")}`,
        `"multi"=hex(7):${utf16("a\u0000bc\u0000").join(",")}`,
        '"qw"=hex(b):88,77,66,55,44,33,22,11',
        `"sz"=hex(1):${utf16("again").join(",")}`,
        `"Ünï€"=hex(1):${utf16("€uro").join(",")}`,
        "",
        `[\\${TEST_KEY}\\Ключ]`,
        "",
        "",
      ]);
      const hive = openHive(edited);
      expect(hive.warnings).toEqual([]);
      expect(hive.dirty).toBe(false);
      const values = hive.key(LEAF)?.values() ?? [];
      expect(values.map((v) => [v.name, v.typeName, v.data])).toEqual([
        ["sz", "REG_SZ", "again"],
        ["ex", "REG_EXPAND_SZ", "%SystemRoot%\\x"],
        ["multi", "REG_MULTI_SZ", ["a", "bc"]],
        ["dw", "REG_DWORD", 0xdeadbeef],
        ["qw", "REG_QWORD", 0x1122334455667788n],
        ["b1", "REG_BINARY", Buffer.from([1])],
        ["b9", "REG_BINARY", Buffer.alloc(9, 7)],
        ["Ünï€", "REG_SZ", "€uro"],
        ["", "REG_SZ", "def"],
      ]);
      const base = hive.baseBlock;
      expect(base.primarySequence).toBe(base.secondarySequence);
      expect(base.primarySequence).toBe(openHive(win7).baseBlock.primarySequence + 1);
      expect(edited.length % 4096).toBe(0);
      expect(base.hiveBinsDataSize).toBe(edited.length - 4096);
    });

    it("leaves the input and the rest of the hive as they were", () => {
      expect(sha(win7)).toBe(win7Sha);
      for (const key of [
        "Select",
        "ControlSet001\\Control\\CrashControl",
        "ControlSet001\\services\\Tcpip",
      ])
        expect(exportKey(edited, key)).toBe(exportKey(win7, key));
      const before = hivexLs(win7, "ControlSet001\\Control");
      const after = hivexLs(edited, "ControlSet001\\Control");
      expect(after.filter((n) => n !== "VmRescueTest")).toEqual(before);
      // Windows keeps subkey lists sorted by uppercased name (hivexsh ls sorts, so read the list).
      const order = listOrder(edited, "ControlSet001\\Control");
      expect(order.filter((n) => n !== "VmRescueTest")).toEqual(
        listOrder(win7, "ControlSet001\\Control"),
      );
      expectSorted(order);
      expect(edited.subarray(0, win7.length).equals(win7)).toBe(false);
    });

    it("adds a key to a list split under an index root (ri) and keeps it sorted", () => {
      const before = hivexLs(win7, CDD);
      const after = hivexLs(edited, CDD);
      expect(before.length).toBeGreaterThan(MAX_LEAF * 2);
      expect(after.filter((n) => n !== "zz_vmrescue")).toEqual(before);
      const order = listOrder(edited, CDD);
      expect(order.filter((n) => n !== "zz_vmrescue")).toEqual(listOrder(win7, CDD));
      expectSorted(order);
      const list = openHive(edited).key(CDD)?.node.subkeyListOffset ?? 0;
      expect(edited.toString("latin1", 4096 + list + 4, 4096 + list + 6)).toBe("ri");
      const leaves = edited.readUInt16LE(4096 + list + 6);
      expect(leaves).toBe(Math.ceil(after.length / MAX_LEAF));
      const hashes: number[] = [];
      for (let i = 0; i < leaves; i += 1) {
        const leaf = 4096 + edited.readUInt32LE(4096 + list + 8 + 4 * i) + 4;
        expect(edited.toString("latin1", leaf, leaf + 2)).toBe("lh");
        for (let j = 0; j < edited.readUInt16LE(leaf + 2); j += 1)
          hashes.push(edited.readUInt32LE(leaf + 8 + 8 * j));
      }
      expect(hashes).toEqual(order.map(lhHash));
    });

    it.each([
      ["the Windows 7 SYSTEM", () => win7, "tcpip"],
      ["the sample SYSTEM", sampleSystemHive, "cxnetmon"],
    ])("gives %s the values hivexregedit gives for the same operations", (_, bytes, service) => {
      const hive = bytes();
      const system = openHive(hive, { label: "SYSTEM" });
      const compiled = compileRepairPlan(
        plan(
          { action: "DisableDriver", args: { service } },
          { action: "EnableCrashDump", args: { kind: "small" } },
        ),
        { system, bcd: null },
        { checkOnly: true },
      );
      const key = "ControlSet001\\Services\\VmRescueNew";
      const extra: Operation[] = [
        {
          ...{ phase: "registry", op: "createKey", hive: "SYSTEM", key },
          ...{ action: "DisableDriver", target: key, undo: null },
        },
        {
          ...{ phase: "registry", op: "setValue", hive: "SYSTEM", key, name: "Owners" },
          ...{ action: "DisableDriver", target: key, undo: null, expected: null },
          value: { type: "REG_MULTI_SZ", data: ["x.inf", "y.inf"] },
        },
      ];
      const ops = [...compiled.operations, ...extra];
      const oursBytes = applyHiveEdits(hive, operationsToEdits(ops, "SYSTEM"));
      const theirsBytes = applyWithHivex(hive, ops, "SYSTEM");
      const [ours, theirs] = [openHive(oursBytes), openHive(theirsBytes)];
      const written = ops.flatMap((o) => (o.op === "setValue" ? [o] : []));
      expect(written.map((o) => o.name)).toEqual(
        expect.arrayContaining(["Start", "CrashDumpEnabled", "NMICrashDump", "Owners"]),
      );
      for (const o of written) {
        const mine = ours.key(o.key)?.value(o.name);
        expect(mine?.typeName).toBe(o.value.type);
        expect(mine?.data).toEqual(o.value.data);
        expect(mine?.raw).toEqual(theirs.key(o.key)?.value(o.name)?.raw);
      }
      for (const k of new Set(written.map((o) => o.key)))
        expect(exportKey(oursBytes, k)).toBe(exportKey(theirsBytes, k));
    });

    it("writes EnableEms and SetSafeBoot to the real BCD store and ClearSafeBoot removes it", () => {
      const bcd = fs.readFileSync(BCD);
      const bcdSha = sha(bcd);
      const evidence = (bytes: Buffer) => {
        const hive = openHive(bytes, { label: "BCD" });
        return { system: openHive(win7), bcd: decodeBcd(hive, { file: "BCD" }) };
      };
      const set = compileRepairPlan(
        plan(
          { action: "EnableEms", args: {} },
          { action: "SetSafeBoot", args: { mode: "network" } },
        ),
        evidence(bcd),
        { checkOnly: true },
      ).operations;
      expect(evidence(bcd).bcd.defaultLoader?.safeBoot).toBeUndefined();
      const ours = applyHiveEdits(bcd, operationsToEdits(set, "BCD"));
      const theirs = applyWithHivex(bcd, set, "BCD");
      expect(sha(bcd)).toBe(bcdSha);
      const store = evidence(ours).bcd;
      expect(store.warnings).toEqual([]);
      expect(store.hive.warnings).toEqual([]);
      expect(store.defaultLoader?.object.guid).toBe(LOADER);
      expect(store.defaultLoader?.ems?.data).toBe(true);
      expect(store.defaultLoader?.safeBoot?.data).toBe(1);
      const bootems = store.bootManager?.object.elements.find((e) => e.id === "16000020");
      expect(bootems?.data).toBe(true);
      const hivexStore = evidence(theirs).bcd;
      for (const [guid, id] of [
        [LOADER, "260000b0"],
        [LOADER, "25000080"],
        [BOOTMGR_GUID, "16000020"],
      ]) {
        const rawHex = (s: typeof store) =>
          s.objects.find((o) => o.guid === guid)?.elements.find((e) => e.id === id)?.rawHex;
        expect(rawHex(store)).toBe(rawHex(hivexStore));
        const lsval = hivex(
          ours,
          "hivexsh",
          (file) => [file],
          `cd \\Objects\\${guid}\\Elements\\${id}\nlsval\n`,
        );
        expect(lsval.trim()).toBe(
          id === "25000080" ? '"Element"=hex(3):01,00,00,00,00,00,00,00' : '"Element"=hex(3):01',
        );
      }
      // A 1.3 store keeps lf lists (name hints), not lh.
      const elements = openHive(ours).key(`Objects\\${LOADER}\\Elements`);
      const list = elements?.node.subkeyListOffset ?? 0;
      expect(ours.toString("latin1", 4096 + list + 4, 4096 + list + 6)).toBe("lf");

      const clear = compileRepairPlan(plan({ action: "ClearSafeBoot", args: {} }), evidence(ours), {
        checkOnly: true,
      }).operations;
      const cleared = applyHiveEdits(ours, operationsToEdits(clear, "BCD"));
      expect(evidence(cleared).bcd.defaultLoader?.safeBoot).toBeUndefined();
      expect(evidence(cleared).bcd.defaultLoader?.ems?.data).toBe(true);
      const ls = hivexLs(cleared, `Objects\\${LOADER}\\Elements`);
      expect(ls).toEqual(
        hivexLs(ours, `Objects\\${LOADER}\\Elements`).filter((n) => n !== "25000080"),
      );
      expect(hivexLs(theirs, `Objects\\${LOADER}\\Elements`)).toContain("25000080");
    });

    it("maps operations to edits: SYSTEM writes, BCD element keys", () => {
      const op = { action: "EnableEms", target: "t", undo: null } as const;
      const ops: Operation[] = [
        { ...op, phase: "registry", op: "createKey", hive: "SYSTEM", key: "A\\B" },
        {
          ...{ ...op, phase: "registry", op: "setValue", hive: "SYSTEM", key: "A\\B", name: "N" },
          ...{ expected: null, value: { type: "REG_DWORD", data: 1 } },
        },
        {
          ...{ ...op, phase: "bcd", op: "setElement", entry: "{e}", elementId: "25000080" },
          ...{ element: "safeboot", expected: null, value: 2 },
        },
        {
          ...{ ...op, phase: "bcd", op: "setElement", entry: "{e}", elementId: "260000b0" },
          ...{ element: "ems", expected: null, value: null },
        },
      ];
      expect(operationsToEdits(ops, "SYSTEM")).toEqual([
        { kind: "createKey", path: "A\\B" },
        { kind: "setValue", path: "A\\B", name: "N", type: "REG_DWORD", data: 1 },
      ]);
      expect(operationsToEdits(ops, "BCD")).toEqual([
        { kind: "createKey", path: "Objects\\{e}\\Elements\\25000080" },
        {
          ...{ kind: "setValue", path: "Objects\\{e}\\Elements\\25000080", name: "Element" },
          ...{ type: "REG_BINARY", data: Buffer.from([2, 0, 0, 0, 0, 0, 0, 0]) },
        },
        { kind: "deleteKey", path: "Objects\\{e}\\Elements\\260000b0" },
      ]);
    });

    it("refuses a dirty hive, a missing key, a key with subkeys and an oversized value", () => {
      const dirty = fs.readFileSync(DIRTY);
      expect(() => applyHiveEdits(dirty, [{ kind: "createKey", path: "X" }])).toThrow(
        /dirty \(sequence numbers 4317\/4316\)/,
      );
      const bcd = fs.readFileSync(BCD);
      const set = (p: string, data: Uint8Array): HiveEdit => ({
        ...{ kind: "setValue", path: p, name: "Element" },
        ...{ type: "REG_BINARY", data },
      });
      expect(() =>
        applyHiveEdits(bcd, [set("Objects\\{nope}\\Elements", Buffer.alloc(1))]),
      ).toThrow(/no key Objects\\\{nope\} \(create it first\)/);
      expect(() =>
        applyHiveEdits(bcd, [{ kind: "deleteKey", path: "Objects\\{nope}\\X" }]),
      ).toThrow(/cannot delete key .*: no key Objects\\\{nope\}/);
      expect(() =>
        applyHiveEdits(bcd, [{ kind: "deleteKey", path: `Objects\\${LOADER}` }]),
      ).toThrow(/subkeys: only a leaf key is deleted/);
      expect(() => applyHiveEdits(bcd, [set("Objects", Buffer.alloc(16_345))])).toThrow(
        /16345 bytes of data; at most 16344/,
      );
      expect(applyHiveEdits(bcd, [set("Objects", Buffer.alloc(16_344))]).length).toBeGreaterThan(
        bcd.length,
      );
    });

    it("hashes names as the lh lists of the real hive do", () => {
      const hive = openHive(win7);
      const services = hive.key("ControlSet001\\services");
      const list = services?.node.subkeyListOffset ?? 0;
      const at = 4096 + list + 4;
      expect(win7.toString("latin1", at, at + 2)).toBe("lh");
      const names = services?.subkeys().map((k) => k.name) ?? [];
      const hashes = names.map((_, i) => win7.readUInt32LE(at + 8 + 8 * i));
      expect(names.map(lhHash)).toEqual(hashes);
    });
  },
);
