/** The BCD store decoder (a BCD store is a regf hive; open it with `openHive`). */
export { decodeBcd, BOOTMGR_GUID, BOOT_STATUS_POLICY_NAMES, SAFEBOOT_NAMES } from "./bcd";
export type { BcdElement, BcdObject, BcdStore, BootManagerFacts, LoaderFacts } from "./bcd";
export {
  APPLICATION_TYPES,
  WELL_KNOWN_OBJECTS,
  decodeElement,
  elementFormat,
  elementName,
  objectTypeName,
} from "./elements";
export type { ElementData, ElementFormat } from "./elements";
