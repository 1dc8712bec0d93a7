/**
 * A BCD store (the boot configuration Windows Boot Manager reads) is a regf hive:
 * `Objects\{guid}\Description` holds the object's `Type`, `Objects\{guid}\Elements\<id>` holds
 * one element in its `Element` value. This decodes every object and element, then the facts a
 * rescue needs: the boot manager's default entry and display order, and of that default loader
 * its path, description, system root, safe-boot, boot-status policy, EMS and debug settings and
 * whether it names its devices.
 */
import { FormatError } from "../formatError";
import { visible } from "../hive/errors";
import { Citation } from "../hive/facts";
import { Hive } from "../hive/hive";
import { HiveKey } from "../hive/key";
import { ReplaySource } from "../hive/replay";
import {
  ElementData,
  ElementFormat,
  WELL_KNOWN_OBJECTS,
  decodeElement,
  elementFormat,
  elementName,
  objectTypeName,
} from "./elements";

export interface BcdElement {
  /** The element id as its key is named: eight hex digits, e.g. `23000003`. */
  readonly id: string;
  /** The bcdedit name (`default`, `path`...), when known for this object's application. */
  readonly name?: string;
  readonly format: ElementFormat;
  readonly regType: string;
  readonly data: ElementData;
  /** The stored bytes, hex. */
  readonly rawHex: string;
  readonly problem?: string;
  readonly citation: Citation;
}

export interface BcdObject {
  /** The object's key name: a GUID in braces. */
  readonly guid: string;
  /** `{bootmgr}`, `{globalsettings}`... for well-known GUIDs. */
  readonly alias?: string;
  readonly type?: number;
  readonly typeName?: string;
  /** The object's description element (12000004), when it has one. */
  readonly description?: string;
  readonly elements: readonly BcdElement[];
  readonly citation: Citation;
}

export interface BootManagerFacts {
  readonly object: BcdObject;
  /** Element 23000003: the GUID of the entry booted by default. */
  readonly default?: BcdElement;
  /** Element 24000001: the entries of the boot menu, in order. */
  readonly displayOrder?: BcdElement;
  readonly timeout?: BcdElement;
}

export interface LoaderFacts {
  readonly object: BcdObject;
  readonly description?: BcdElement;
  /** Element 12000002 (`path`): the loader's file, e.g. `\Windows\system32\winload.efi`. */
  readonly path?: BcdElement;
  /** Element 22000002 (`systemroot`): e.g. `\Windows`. */
  readonly systemRoot?: BcdElement;
  /** Element 25000080: 0 minimal, 1 network, 2 dsrepair; absent when safe mode is off. */
  readonly safeBoot?: BcdElement;
  /** Element 250000e0. */
  readonly bootStatusPolicy?: BcdElement;
  /** Element 260000b0 (`ems`) of the loader, and 16000020 (`bootems`). */
  readonly ems?: BcdElement;
  readonly bootEms?: BcdElement;
  /** Element 260000a0 (`debug`). */
  readonly debug?: BcdElement;
  /** Whether the loader names its OS device (21000001) and its own device (11000001). */
  readonly osDevicePresent: boolean;
  readonly devicePresent: boolean;
}

export interface BcdStore {
  readonly file: string;
  readonly hive: {
    readonly dirty: boolean;
    readonly replayed: ReplaySource;
    readonly warnings: readonly string[];
  };
  readonly objects: readonly BcdObject[];
  readonly bootManager?: BootManagerFacts;
  /** The object the boot manager's default names, when it exists in the store. */
  readonly defaultLoader?: LoaderFacts;
  readonly warnings: readonly string[];
}

export const BOOTMGR_GUID = "{9dea862c-5cdd-4e70-acc1-f32b344d4795}";

/** safeboot values as bcdedit names them. */
export const SAFEBOOT_NAMES: Readonly<Record<number, string>> = {
  0: "Minimal",
  1: "Network",
  2: "DsRepair",
};

/** bootstatuspolicy values as bcdedit names them. */
export const BOOT_STATUS_POLICY_NAMES: Readonly<Record<number, string>> = {
  0: "DisplayAllFailures",
  1: "IgnoreAllFailures",
  2: "IgnoreShutdownFailures",
  3: "IgnoreBootFailures",
  4: "IgnoreCheckpointFailures",
  5: "DisplayShutdownFailures",
  6: "DisplayBootFailures",
  7: "DisplayCheckpointFailures",
};

/**
 * Decodes a BCD store opened with `openHive`. Throws FormatError (`bcd-no-objects`) when the hive
 * has no `Objects` key; odd objects and elements are kept raw with warnings.
 */
export function decodeBcd(hive: Hive, source: { file: string }): BcdStore {
  const file = source.file;
  const objectsKey = hive.key("Objects");
  if (objectsKey === undefined) {
    const detail = "no Objects key at the root (not a BCD store?)";
    throw new FormatError("bcd-no-objects", `BCD store ${visible(file)}: ${detail}`);
  }
  const warnings: string[] = [];
  const objects = objectsKey.subkeys().map((key) => readObject(key, file, warnings));
  const byGuid = (guid: string): BcdObject | undefined =>
    objects.find((o) => o.guid.toLowerCase() === guid.toLowerCase());
  const manager = byGuid(BOOTMGR_GUID);
  if (manager === undefined) warnings.push("the store has no {bootmgr} object");
  const bootManager = manager && {
    object: manager,
    default: element(manager, "23000003"),
    displayOrder: element(manager, "24000001"),
    timeout: element(manager, "25000004"),
  };
  const defaultGuid = bootManager?.default?.data;
  let defaultLoader: LoaderFacts | undefined;
  if (typeof defaultGuid === "string") {
    const loader = byGuid(defaultGuid);
    if (loader === undefined) warnings.push(`the default entry ${visible(defaultGuid)} is absent`);
    else defaultLoader = loaderFacts(loader);
  } else if (bootManager !== undefined) {
    warnings.push("{bootmgr} names no default entry (element 23000003)");
  }
  return {
    file,
    hive: { dirty: hive.dirty, replayed: hive.replayed, warnings: hive.warnings },
    objects,
    bootManager,
    defaultLoader,
    warnings,
  };
}

function element(object: BcdObject, id: string): BcdElement | undefined {
  return object.elements.find((e) => e.id === id);
}

function loaderFacts(object: BcdObject): LoaderFacts {
  return {
    object,
    description: element(object, "12000004"),
    path: element(object, "12000002"),
    systemRoot: element(object, "22000002"),
    safeBoot: element(object, "25000080"),
    bootStatusPolicy: element(object, "250000e0"),
    ems: element(object, "260000b0"),
    bootEms: element(object, "16000020"),
    debug: element(object, "260000a0"),
    osDevicePresent: element(object, "21000001") !== undefined,
    devicePresent: element(object, "11000001") !== undefined,
  };
}

function readObject(key: HiveKey, file: string, warnings: string[]): BcdObject {
  const typeValue = key.subkey("Description")?.value("Type");
  const type = typeof typeValue?.data === "number" ? typeValue.data : undefined;
  if (type === undefined) warnings.push(`object ${visible(key.name)} has no REG_DWORD Type`);
  const elementsKey = key.subkey("Elements");
  const elements: BcdElement[] = [];
  for (const elementKey of elementsKey?.subkeys() ?? []) {
    const decoded = readElement(elementKey, type, file);
    if (typeof decoded === "string") warnings.push(decoded);
    else elements.push(decoded);
  }
  const description = elements.find((e) => e.id === "12000004")?.data;
  const alias = WELL_KNOWN_OBJECTS.get(key.name.toLowerCase());
  return {
    guid: key.name,
    ...(alias === undefined ? {} : { alias }),
    ...(type === undefined ? {} : { type, typeName: objectTypeName(type) }),
    ...(typeof description === "string" ? { description } : {}),
    elements,
    citation: { file, key: key.path },
  };
}

function readElement(
  key: HiveKey,
  objectType: number | undefined,
  file: string,
): BcdElement | string {
  const value = key.value("Element");
  if (value === undefined) return `element ${visible(key.path)} has no Element value`;
  const id = /^[0-9a-f]{8}$/i.test(key.name) ? parseInt(key.name, 16) : undefined;
  const format = id === undefined ? "unknown" : elementFormat(id);
  const name = id === undefined ? undefined : elementName(id, objectType);
  const decoded = decodeElement(format, value);
  return {
    id: key.name.toLowerCase(),
    ...(name === undefined ? {} : { name }),
    format,
    regType: value.typeName,
    data: decoded.data,
    rawHex: value.raw.toString("hex"),
    ...(decoded.problem === undefined ? {} : { problem: decoded.problem }),
    citation: { file, key: key.path, value: "Element" },
  };
}
