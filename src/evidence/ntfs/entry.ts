import { ntfsError } from "./bytes";
import {
  FileAttribute,
  FileName,
  Namespace,
  parseFileName,
  parseStandardInformation,
} from "./fileName";
import { MAX_REPARSE_BYTES } from "./limits";
import { AttributeContent, findAttribute, MftFile, readSmallAttribute } from "./mft";
import { AttributeType } from "./mftRecord";
import { parseReparsePoint, ReparseInfo, WofCompression } from "./reparse";
import { VolumeIo } from "./stream";
import { UpCase } from "./upcase";

/** One file or directory as `lookup` and `list` report it. */
export interface NtfsEntry {
  /** The long (Win32 or POSIX) name under which it was found in its parent. */
  name: string;
  /** The 8.3 name, when the file has a separate DOS name in that parent. */
  shortName?: string;
  /** Full path from the root with backslashes, in the volume's spelling. */
  path: string;
  /** MFT record number and its sequence (together the NTFS file reference). */
  mftRef: number;
  sequence: number;
  isDirectory: boolean;
  /** Bytes of the unnamed $DATA stream (0 for directories). */
  size: number;
  created?: Date;
  modified?: Date;
  mftModified?: Date;
  accessed?: Date;
  /** FILE_ATTRIBUTE_* flags from $STANDARD_INFORMATION. */
  attributes: number;
  /** Names this file has (hard links count), from the record header. */
  linkCount: number;
  /** Alternate data streams (named $DATA), e.g. "Zone.Identifier". */
  streams: { name: string; size: number }[];
  /** How the content is stored when not plainly: LZNT1 or a WOF algorithm. */
  compressed?: "lznt1" | WofCompression | "wof-wim";
  /** Reparse tag, when the file is a reparse point (junction, symlink, WOF...). */
  reparseTag?: number;
}

/** Size of an attribute's content. */
export function contentSize(content: AttributeContent): number {
  return content.resident ? content.value.length : content.dataSize;
}

/** Every $FILE_NAME of a file (one per hard link, plus DOS names). */
export function fileNames(file: MftFile): FileName[] {
  return file.attributes
    .filter((a) => a.type === AttributeType.fileName)
    .map((a) => {
      if (!a.resident) {
        throw ntfsError(
          "ntfs-file-name",
          `MFT record ${file.record.number}: $FILE_NAME is non-resident`,
        );
      }
      return parseFileName(a.value, `MFT record ${file.record.number}`);
    });
}

/** The $REPARSE_POINT of a file, parsed, or undefined. */
export async function reparseInfo(io: VolumeIo, file: MftFile): Promise<ReparseInfo | undefined> {
  const content = findAttribute(file, AttributeType.reparsePoint, "", io.clusterSize);
  if (!content) return undefined;
  const where = `MFT record ${file.record.number}`;
  const value = await readSmallAttribute(io, content, MAX_REPARSE_BYTES, `${where} $REPARSE_POINT`);
  return parseReparsePoint(value, where);
}

/**
 * Describes a file found under `parentRecord` by the name `nameHint` (the index key that led to
 * it), taking sizes and times from the file's own record rather than the index copy, which
 * Windows updates lazily.
 */
export async function describe(
  io: VolumeIo,
  upcase: UpCase,
  file: MftFile,
  parentRecord: number,
  nameHint: string,
  parentPath: string,
): Promise<NtfsEntry> {
  const record = file.record;
  const names = fileNames(file).filter((n) => n.parent.record === parentRecord);
  const long = names.filter((n) => n.namespace !== Namespace.dos);
  const wanted = upcase.upcase(nameHint);
  const chosen = long.find((n) => upcase.upcase(n.name) === wanted) ?? long[0];
  const dos = names.find((n) => n.namespace === Namespace.dos);
  const name = chosen?.name ?? nameHint;
  const si = file.attributes.find((a) => a.type === AttributeType.standardInformation);
  const info = si?.resident
    ? parseStandardInformation(si.value, `MFT record ${record.number}`)
    : chosen;
  const streams: { name: string; size: number }[] = [];
  let size = 0;
  let lznt1 = false;
  for (const streamName of new Set(
    file.attributes.filter((a) => a.type === AttributeType.data).map((a) => a.name),
  )) {
    const content = findAttribute(file, AttributeType.data, streamName, io.clusterSize)!;
    if (streamName === "") {
      size = contentSize(content);
      lznt1 = (content.flags & 0x00ff) !== 0;
    } else {
      streams.push({ name: streamName, size: contentSize(content) });
    }
  }
  const reparse = await reparseInfo(io, file);
  const entry: NtfsEntry = {
    name,
    path: parentPath === "\\" || parentPath === "" ? `\\${name}` : `${parentPath}\\${name}`,
    mftRef: record.number,
    sequence: record.sequence,
    isDirectory: record.isDirectory,
    size: record.isDirectory ? 0 : size,
    created: info?.created,
    modified: info?.modified,
    mftModified: info?.mftModified,
    accessed: info?.accessed,
    attributes: info?.fileAttributes ?? 0,
    linkCount: record.linkCount,
    streams,
  };
  if (dos && dos.name !== name) entry.shortName = dos.name;
  if (reparse) entry.reparseTag = reparse.tag;
  if (reparse?.wof) entry.compressed = reparse.wof;
  else if (lznt1) entry.compressed = "lznt1";
  return entry;
}

/** True when the flags of a stream say encrypted ($EFS), which this reader cannot decrypt. */
export function isEncrypted(content: AttributeContent, attributes: number): boolean {
  return (content.flags & 0x4000) !== 0 || (attributes & FileAttribute.encrypted) !== 0;
}
