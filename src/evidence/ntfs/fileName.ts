import { filetime, need, utf16 } from "./bytes";
import { FileReference, readFileReference } from "./mftRecord";

/** $FILE_NAME namespaces: which naming rules a name obeys. */
export const Namespace = { posix: 0, win32: 1, dos: 2, win32AndDos: 3 } as const;

/** File attribute flags (in $STANDARD_INFORMATION and $FILE_NAME). */
export const FileAttribute = {
  readOnly: 0x1,
  hidden: 0x2,
  system: 0x4,
  directory: 0x10,
  sparse: 0x200,
  reparsePoint: 0x400,
  compressed: 0x800,
  encrypted: 0x4000,
  /** Set in $FILE_NAME (and index keys) of directories: the file has an $I30 index. */
  hasIndex: 0x10000000,
} as const;

/** The four timestamps NTFS keeps. */
export interface Times {
  created: Date | undefined;
  modified: Date | undefined;
  mftModified: Date | undefined;
  accessed: Date | undefined;
}

/** A $FILE_NAME value (an MFT attribute or a directory index key). */
export interface FileName extends Times {
  parent: FileReference;
  name: string;
  namespace: number;
  /** Size as last copied into the name; Windows updates it lazily, so prefer $DATA's size. */
  dataSize: number;
  fileAttributes: number;
}

function times(value: Buffer, offset: number): Times {
  return {
    created: filetime(value, offset),
    modified: filetime(value, offset + 8),
    mftModified: filetime(value, offset + 16),
    accessed: filetime(value, offset + 24),
  };
}

/** Parses a $FILE_NAME value: parent reference, times, sizes, flags and the UTF-16 name. */
export function parseFileName(value: Buffer, where: string): FileName {
  need(value, 0, 66, `${where} $FILE_NAME`);
  const length = value[64];
  return {
    parent: readFileReference(value, 0),
    ...times(value, 8),
    dataSize: value.readUInt32LE(52) * 0x100000000 + value.readUInt32LE(48),
    fileAttributes: value.readUInt32LE(56),
    namespace: value[65],
    name: utf16(value, 66, length, `${where} $FILE_NAME name`),
  };
}

/** $STANDARD_INFORMATION: the times Explorer shows and the file attribute flags. */
export interface StandardInformation extends Times {
  fileAttributes: number;
}

export function parseStandardInformation(value: Buffer, where: string): StandardInformation {
  need(value, 0, 36, `${where} $STANDARD_INFORMATION`);
  return { ...times(value, 0), fileAttributes: value.readUInt32LE(32) };
}
