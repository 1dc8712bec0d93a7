/**
 * BCD element ids and object types. An element id packs a class (top 4 bits: 1 library,
 * 2 application, 3 device), a format (next 4 bits) and a subtype; application-class ids mean
 * different things for different applications (0x23000003 is the boot manager's `default` but a
 * loader's `resumeobject`), so names are looked up by the object's application type. Names are
 * the ones `bcdedit` shows; ids without a name here are kept with their raw data.
 */
import { JsonData, jsonData } from "../hive/facts";
import { HiveValue } from "../hive/key";

export type ElementFormat =
  "device" | "string" | "object" | "objectList" | "integer" | "boolean" | "integerList" | "unknown";

const FORMATS: readonly ElementFormat[] = [
  "unknown",
  "device",
  "string",
  "object",
  "objectList",
  "integer",
  "boolean",
  "integerList",
];

export function elementFormat(id: number): ElementFormat {
  return FORMATS[(id >>> 24) & 0xf] ?? "unknown";
}

/** Library elements: the same meaning in every application. */
const LIBRARY: Readonly<Record<number, string>> = {
  0x11000001: "device",
  0x12000002: "path",
  0x12000004: "description",
  0x12000005: "locale",
  0x14000006: "inherit",
  0x15000007: "truncatememory",
  0x14000008: "recoverysequence",
  0x16000009: "recoveryenabled",
  0x16000010: "bootdebug",
  0x15000011: "debugtype",
  0x16000020: "bootems",
  0x16000040: "advancedoptions",
  0x16000041: "optionsedit",
  0x16000048: "nointegritychecks",
  0x16000049: "testsigning",
  0x16000060: "isolatedcontext",
  0x15000065: "displaymessage",
  0x15000066: "displaymessageoverride",
  0x17000077: "allowedinmemorysettings",
};

/** Boot manager (and firmware boot manager) elements. */
const BOOT_MANAGER: Readonly<Record<number, string>> = {
  0x24000001: "displayorder",
  0x24000002: "bootsequence",
  0x23000003: "default",
  0x25000004: "timeout",
  0x26000005: "resume",
  0x23000006: "resumeobject",
  0x24000010: "toolsdisplayorder",
  0x26000020: "displaybootmenu",
  0x26000021: "noerrordisplay",
  0x21000022: "bcddevice",
  0x22000023: "bcdfilepath",
};

/** Windows boot loader (winload) elements, also in {bootloadersettings}. */
const OS_LOADER: Readonly<Record<number, string>> = {
  0x21000001: "osdevice",
  0x22000002: "systemroot",
  0x23000003: "resumeobject",
  0x26000010: "detecthal",
  0x22000011: "kernel",
  0x22000012: "hal",
  0x25000020: "nx",
  0x25000021: "pae",
  0x26000022: "winpe",
  0x26000024: "nocrashautoreboot",
  0x26000025: "lastknowngood",
  0x25000080: "safeboot",
  0x26000081: "safebootalternateshell",
  0x26000090: "bootlog",
  0x26000091: "sos",
  0x260000a0: "debug",
  0x260000b0: "ems",
  0x250000c1: "driverloadfailurepolicy",
  0x250000c2: "bootmenupolicy",
  0x250000e0: "bootstatuspolicy",
  0x260000e1: "disableelamdrivers",
  0x250000f0: "hypervisorlaunchtype",
};

/** Resume-from-hibernation application elements. */
const RESUME: Readonly<Record<number, string>> = {
  0x21000001: "filedevice",
  0x22000002: "filepath",
};

/** Application types (low 20 bits of an application object's type). */
export const APPLICATION_TYPES: Readonly<Record<number, string>> = {
  1: "Firmware Boot Manager",
  2: "Windows Boot Manager",
  3: "Windows Boot Loader",
  4: "Resume from Hibernate",
  5: "Windows Memory Tester",
  6: "Legacy OS Loader (ntldr)",
  7: "Setup Loader",
  8: "Boot Sector",
  9: "Startup Module",
  0xa: "Boot Application",
  0xfffff: "Firmware Application",
};

/** A readable name for an object's Description\Type. */
export function objectTypeName(type: number): string {
  const kind = type >>> 28;
  const application = type & 0xfffff;
  if (kind === 1) return APPLICATION_TYPES[application] ?? "Application";
  if (kind === 2) return "Inheritable settings";
  if (kind === 3) return "Device options";
  return "Unknown";
}

/** The element's bcdedit name for an object of `objectType`, if known. */
export function elementName(id: number, objectType: number | undefined): string | undefined {
  if (id >>> 28 === 1) return LIBRARY[id];
  if (id >>> 28 !== 2 || objectType === undefined) return undefined;
  const application = objectType & 0xfffff;
  if (application === 1 || application === 2) return BOOT_MANAGER[id];
  if (application === 3) return OS_LOADER[id];
  if (application === 4) return RESUME[id];
  return undefined;
}

/** Well-known object GUIDs (lower case), as `bcdedit` names them. */
export const WELL_KNOWN_OBJECTS: ReadonlyMap<string, string> = new Map([
  ["{9dea862c-5cdd-4e70-acc1-f32b344d4795}", "{bootmgr}"],
  ["{a5a30fa2-3d06-4e9f-b5f4-a01df9d1fcba}", "{fwbootmgr}"],
  ["{b2721d73-1db4-4c62-bf78-c548a880142d}", "{memdiag}"],
  ["{466f5a88-0af2-4f76-9038-095b170dc21c}", "{ntldr}"],
  ["{fa926493-6f1c-4193-a414-58f0b2456d1e}", "{current}"],
  ["{1cae1eb7-a0df-4d4d-9851-4860e34ef535}", "{default}"],
  ["{7ea2e1ac-2e61-4728-aaa3-896d9d0a9f0e}", "{globalsettings}"],
  ["{6efb52bf-1766-41db-a6b3-0ee5eff72bd7}", "{bootloadersettings}"],
  ["{1afa9c49-16ab-4a5c-901b-212802da9460}", "{resumeloadersettings}"],
  ["{4636856e-540f-4170-a130-a84776f4c654}", "{dbgsettings}"],
  ["{0ce4991b-e6b3-4b16-b23c-5e0d9250e5d9}", "{emssettings}"],
  ["{5189b25c-5558-4bf2-bca4-289b11bd29e2}", "{badmemory}"],
  ["{ae5534e0-a924-466c-b836-758539a3ee3a}", "{ramdiskoptions}"],
  ["{7ff607e0-4395-11db-b0de-0800200c9a66}", "{hypervisorsettings}"],
]);

/** The decoded data of an element, by its format (integers past 2^53 as decimal strings). */
export type ElementData =
  string | string[] | number | boolean | (number | string)[] | { readonly hex: string };

/**
 * Decodes an element value by the format its id names: strings and GUIDs as REG_SZ, object lists
 * as REG_MULTI_SZ, integers as 8 little-endian bytes (a decimal string past 2^53), booleans as
 * bytes with any non-zero meaning true, integer lists as runs of 8 bytes. Anything that does not
 * have the registry type or size the format needs stays raw hex with a `problem`.
 */
export function decodeElement(
  format: ElementFormat,
  value: HiveValue,
): { data: ElementData; problem?: string } {
  const raw = value.raw;
  const wrong = (need: string): { data: JsonData; problem: string } => ({
    data: jsonData(raw),
    problem: `${format} element stored as ${value.typeName} of ${raw.length} bytes, not ${need}`,
  });
  switch (format) {
    case "string":
    case "object":
      return typeof value.data === "string" ? { data: value.data } : wrong("REG_SZ");
    case "objectList":
      return Array.isArray(value.data) ? { data: value.data } : wrong("REG_MULTI_SZ");
    case "integer":
      return raw.length === 8 ? { data: integer(raw, 0) } : wrong("8 bytes");
    case "boolean":
      if (raw.length === 0 || raw.length > 8) return wrong("1 byte");
      return { data: raw.some((b) => b !== 0) };
    case "integerList":
      if (raw.length % 8 !== 0) return wrong("a multiple of 8 bytes");
      return { data: Array.from({ length: raw.length / 8 }, (_, i) => integer(raw, i * 8)) };
    default:
      return { data: jsonData(raw) };
  }
}

function integer(raw: Buffer, at: number): number | string {
  const n = raw.readBigUInt64LE(at);
  return n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n.toString();
}
