import { isFormatError } from "../formatError";
import { openHive } from "../hive/hive";
import {
  describeWithHives,
  hiveFixture,
  readHiveFixture,
  testWithTool,
} from "../hive/testing/fixtures";
import { dirtyCopy, newFormatLog } from "../hive/testing/logs";
import { hivexExport } from "../hive/testing/regExport";
import { BOOTMGR_GUID, decodeBcd } from "./bcd";
import { decodeElement, elementName, objectTypeName } from "./elements";

const DEFAULT_GUID = "{733b62e5-f608-11eb-825c-c112f60133ab}";

describeWithHives("decodeBcd: the UEFI BCD store of a Windows 10 machine", [], () => {
  const file = "EFI/Microsoft/Boot/BCD";
  const store = decodeBcd(openHive(readHiveFixture("BCD")), { file });

  test("{bootmgr}: default entry, display order, timeout", () => {
    const manager = store.bootManager;
    expect(manager?.object.guid).toBe(BOOTMGR_GUID);
    expect(manager?.object.alias).toBe("{bootmgr}");
    expect(manager?.object.typeName).toBe("Windows Boot Manager");
    expect(manager?.object.description).toBe("Windows Boot Manager");
    expect(manager?.default).toEqual({
      id: "23000003",
      name: "default",
      format: "object",
      regType: "REG_SZ",
      data: DEFAULT_GUID,
      rawHex: Buffer.from(`${DEFAULT_GUID}\u0000`, "utf16le").toString("hex"),
      citation: { file, key: `Objects\\${BOOTMGR_GUID}\\Elements\\23000003`, value: "Element" },
    });
    expect(manager?.displayOrder?.data).toEqual([DEFAULT_GUID]);
    expect(manager?.timeout?.data).toBe(30);
  });

  test("the default loader: Windows 10, winload.efi, no safeboot", () => {
    const loader = store.defaultLoader;
    expect(loader?.object.guid).toBe(DEFAULT_GUID);
    expect(loader?.object.typeName).toBe("Windows Boot Loader");
    expect(loader?.description?.data).toBe("Windows 10");
    expect(loader?.path?.data).toBe("\\Windows\\system32\\winload.efi");
    expect(loader?.path?.name).toBe("path");
    expect(loader?.systemRoot?.data).toBe("\\Windows");
    expect(loader?.safeBoot).toBeUndefined();
    expect(loader?.bootStatusPolicy).toBeUndefined();
    expect(loader?.debug).toBeUndefined();
    expect(loader?.ems).toBeUndefined();
    expect(loader?.osDevicePresent).toBe(true);
    expect(loader?.devicePresent).toBe(true);
    expect(store.warnings).toEqual([]);
  });

  test("loader elements take the loader's names; 23000003 there is resumeobject", () => {
    const byId = new Map(store.defaultLoader?.object.elements.map((e) => [e.id, e]));
    expect(byId.get("23000003")).toMatchObject({
      name: "resumeobject",
      data: "{733b62e4-f608-11eb-825c-c112f60133ab}",
    });
    expect(byId.get("250000c2")).toMatchObject({
      name: "bootmenupolicy",
      format: "integer",
      data: 1,
    });
    expect(byId.get("16000009")).toMatchObject({ name: "recoveryenabled", data: true });
    expect(byId.get("21000001")).toMatchObject({ name: "osdevice", format: "device" });
  });

  test("elements without a known name keep their id, raw bytes and format decoding", () => {
    const recovery = store.objects.find((o) => o.guid === "{733b62e6-f608-11eb-825c-c112f60133ab}");
    const setup = recovery?.elements.find((e) => e.id === "46000010");
    expect(setup).toEqual({
      id: "46000010",
      format: "boolean",
      regType: "REG_BINARY",
      data: true,
      rawHex: "01",
      citation: {
        file,
        key: "Objects\\{733b62e6-f608-11eb-825c-c112f60133ab}\\Elements\\46000010",
        value: "Element",
      },
    });
    expect(recovery?.description).toBe("Windows Recovery Environment");
  });

  testWithTool("hivexregedit", "every element's bytes are the ones hivex exports", () => {
    const exported = hivexExport(hiveFixture("BCD"));
    let compared = 0;
    for (const object of store.objects) {
      for (const e of object.elements) {
        const theirs = exported.get(e.citation.key)?.find((v) => v.name === "Element");
        expect(theirs?.bytes.toString("hex")).toBe(e.rawHex);
        compared += 1;
      }
    }
    const isElement = (key: string): boolean => /\\Elements\\[0-9a-f]{8}$/i.test(key);
    const exportedElements = [...exported.keys()].filter(isElement);
    expect(compared).toBe(exportedElements.length);
    expect(compared).toBeGreaterThan(50);
  });

  test("a dirty store is read with its .LOG1: the logged description wins", () => {
    const primary = readHiveFixture("BCD");
    const text = Buffer.from("Windows 10\u0000", "utf16le");
    const at = primary.indexOf(text);
    expect(primary.indexOf(text, at + 1)).toBe(-1);
    const modified = Buffer.from(primary);
    modified.write("Windows 11", at, "utf16le");
    const dirty = dirtyCopy(primary);
    const log = newFormatLog(primary, modified, 35);
    const hive = openHive(dirty, { logs: [{ name: "BCD.LOG1", bytes: log }] });
    expect(hive.replay).toMatchObject({ format: "new", logs: ["BCD.LOG1"], entries: 1, pages: 1 });
    const replayed = decodeBcd(hive, { file });
    expect(replayed.hive).toEqual({ dirty: true, replayed: "log1", warnings: [] });
    expect(replayed.defaultLoader?.description?.data).toBe("Windows 11");
    const primaryOnly = decodeBcd(openHive(dirty), { file });
    expect(primaryOnly.defaultLoader?.description?.data).toBe("Windows 10");
  });

  test("a hive without Objects is not a BCD store", () => {
    let error: unknown;
    try {
      decodeBcd(openHive(readHiveFixture("SYSTEM_WIN7_X86")), { file: "SYSTEM" });
    } catch (e) {
      error = e;
    }
    expect(isFormatError(error, "bcd-no-objects")).toBe(true);
  });
});

describe("BCD elements", () => {
  test("names depend on the object's application", () => {
    expect(elementName(0x23000003, 0x10100002)).toBe("default");
    expect(elementName(0x23000003, 0x10200003)).toBe("resumeobject");
    expect(elementName(0x12000002, undefined)).toBe("path");
    expect(elementName(0x22000002, 0x10200003)).toBe("systemroot");
    expect(elementName(0x260000b0, 0x10200003)).toBe("ems");
    expect(elementName(0x26000020, 0x10100002)).toBe("displaybootmenu");
    expect(elementName(0x25000080, 0x10200003)).toBe("safeboot");
    expect(elementName(0x29999999, 0x10200003)).toBeUndefined();
  });

  test("object types", () => {
    expect(objectTypeName(0x10100002)).toBe("Windows Boot Manager");
    expect(objectTypeName(0x101fffff)).toBe("Firmware Application");
    expect(objectTypeName(0x20200003)).toBe("Inheritable settings");
  });

  test("element data of the wrong size is kept raw with a problem", () => {
    const value = {
      name: "Element",
      type: 3,
      typeName: "REG_BINARY",
      data: Buffer.from("0102", "hex"),
      raw: Buffer.from("0102", "hex"),
    };
    expect(decodeElement("integer", value)).toEqual({
      data: { hex: "0102" },
      problem: "integer element stored as REG_BINARY of 2 bytes, not 8 bytes",
    });
    expect(decodeElement("boolean", value).data).toBe(true);
    const big = { ...value, raw: Buffer.from("ffffffffffffffff", "hex") };
    expect(decodeElement("integer", big).data).toBe("18446744073709551615");
  });
});
