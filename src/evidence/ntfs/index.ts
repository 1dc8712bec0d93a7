/** Read-only NTFS: open a volume over a ByteSource, look up, list and read files. */
export { openNtfs, NtfsVolume } from "./volume";
export type { ReadOptions } from "./volume";
export type { NtfsEntry } from "./entry";
export type { NtfsBootSector } from "./bootSector";
export type { WofCompression } from "./reparse";
export { ReparseTag } from "./reparse";
export { FileAttribute } from "./fileName";
export * from "./limits";
