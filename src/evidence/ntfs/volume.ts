import type { ByteSource } from "../disk/byteSource";
import { ntfsError, utf16 } from "./bytes";
import { NtfsBootSector, parseBootSector } from "./bootSector";
import { DirectoryIndex } from "./directory";
import { contentSize, describe, isEncrypted, NtfsEntry, reparseInfo } from "./entry";
import { Namespace } from "./fileName";
import { DEFAULT_MAX_READ_BYTES, MAX_PATH_COMPONENTS } from "./limits";
import { contentSource, findAttribute, Mft, MftFile, readSmallAttribute } from "./mft";
import { AttributeType } from "./mftRecord";
import { VolumeIo } from "./stream";
import { UPCASE_ENTRIES, UpCase } from "./upcase";
import { wofSource } from "./wof";

const ROOT_RECORD = 5;
const VOLUME_RECORD = 3;
const UPCASE_RECORD = 10;
const VOLUME_NAME = 0x60;
const WOF_STREAM = "WofCompressedData";

/** Options of {@link NtfsVolume.readFile}. */
export interface ReadOptions {
  /** Refuse files larger than this (default {@link DEFAULT_MAX_READ_BYTES}). */
  maxBytes?: number;
  /** An alternate data stream to read instead of the file's content. */
  stream?: string;
}

/**
 * A read-only NTFS volume over any ByteSource (a partition of a raw image, VHD(X) or snapshot).
 * Paths are case-insensitive by the volume's $UpCase table and accept `\` or `/`.
 */
export class NtfsVolume {
  private constructor(
    private readonly io: VolumeIo,
    readonly boot: NtfsBootSector,
    private readonly mft: Mft,
    private readonly upcase: UpCase,
    /** The volume label ($VOLUME_NAME of $Volume), "" when none. */
    readonly label: string,
  ) {}

  /** The volume serial number as 16 hex digits (Windows' `vol` shows the low 8). */
  get serial(): string {
    return this.boot.serial;
  }

  /** Opens the volume: boot sector, $MFT (through its own runlist), $Volume, $UpCase. */
  static async open(source: ByteSource): Promise<NtfsVolume> {
    if (source.size < 512) {
      throw ntfsError("ntfs-truncated", `boot sector: ${source.label} holds ${source.size} bytes`);
    }
    const boot = parseBootSector(await source.read(0, 512));
    const clusterLimit = Math.min(boot.clusterCount, Math.floor(source.size / boot.clusterSize));
    if (boot.mftLcn >= clusterLimit) {
      throw ntfsError(
        "ntfs-boot-geometry",
        `boot sector: $MFT LCN ${boot.mftLcn} is past ${clusterLimit} clusters of ${source.label}`,
      );
    }
    const io: VolumeIo = { source, clusterSize: boot.clusterSize, clusterLimit };
    const mft = await Mft.open(io, boot.mftLcn, boot.mftMirrorLcn, boot.mftRecordSize);
    const volumeFile = await mft.file({ record: VOLUME_RECORD, sequence: 0 });
    const nameAttr = volumeFile.attributes.find((a) => a.type === VOLUME_NAME && a.resident);
    const label =
      nameAttr && nameAttr.resident
        ? utf16(nameAttr.value, 0, nameAttr.value.length >> 1, "$Volume $VOLUME_NAME")
        : "";
    const upcaseFile = await mft.file({ record: UPCASE_RECORD, sequence: 0 });
    const upcaseData = findAttribute(upcaseFile, AttributeType.data, "", io.clusterSize);
    if (!upcaseData) throw ntfsError("ntfs-upcase-size", "$UpCase: no $DATA");
    const table = await readSmallAttribute(io, upcaseData, UPCASE_ENTRIES * 2, "$UpCase $DATA");
    return new NtfsVolume(io, boot, mft, UpCase.fromBytes(table), label);
  }

  /** The root directory's entry. */
  async root(): Promise<NtfsEntry> {
    const file = await this.mft.file({ record: ROOT_RECORD, sequence: 0 });
    const entry = await describe(this.io, this.upcase, file, ROOT_RECORD, "", "");
    return { ...entry, name: "", path: "\\" };
  }

  /** The entry at `path` (e.g. `\Windows\System32\config\SYSTEM`), or undefined if absent. */
  async lookup(path: string): Promise<NtfsEntry | undefined> {
    const components = path.split(/[\\/]+/).filter((c) => c !== "");
    if (components.length > MAX_PATH_COMPONENTS) {
      throw ntfsError("ntfs-path-depth", `path has more than ${MAX_PATH_COMPONENTS} components`);
    }
    let entry = await this.root();
    for (const component of components) {
      const dir = await this.mft.file({ record: entry.mftRef, sequence: entry.sequence });
      const index = DirectoryIndex.open(this.io, dir);
      if (!index) return undefined;
      const found = await index.find(component, this.upcase);
      if (!found?.key) return undefined;
      const file = await this.mft.file(found.ref);
      entry = await describe(this.io, this.upcase, file, entry.mftRef, found.key.name, entry.path);
    }
    return entry;
  }

  /**
   * The entries of the directory at `path` (or of a directory entry), in index order: one per
   * long name (a file with a DOS name appears once, with `shortName`; hard links in the same
   * directory appear once per name). The directory's own "." entry of the root is left out.
   */
  async list(target: string | NtfsEntry): Promise<NtfsEntry[]> {
    const dirEntry = typeof target === "string" ? await this.lookup(target) : target;
    if (!dirEntry) throw notFound(String(target));
    const dir = await this.mft.file({ record: dirEntry.mftRef, sequence: dirEntry.sequence });
    const index = DirectoryIndex.open(this.io, dir);
    if (!index) {
      throw ntfsError(
        "ntfs-not-directory",
        `${dirEntry.path} (MFT record ${dirEntry.mftRef}) is not a directory`,
      );
    }
    const out: NtfsEntry[] = [];
    for (const item of await index.entries()) {
      const key = item.key!;
      if (key.namespace === Namespace.dos || item.ref.record === dirEntry.mftRef) continue;
      const file = await this.mft.file(item.ref);
      const { mftRef, path } = dirEntry;
      out.push(await describe(this.io, this.upcase, file, mftRef, key.name, path));
    }
    return out;
  }

  /**
   * A lazily read ByteSource over a file's content (or one of its alternate streams): for
   * minidumps and hives that are read piecewise. LZNT1 is decompressed unit by unit; WOF
   * compression is read when its algorithm is supported and reported by name otherwise.
   */
  async fileSource(target: string | NtfsEntry, stream = ""): Promise<ByteSource> {
    const entry = typeof target === "string" ? await this.lookup(target) : target;
    if (!entry) throw notFound(String(target));
    const file = await this.mft.file({ record: entry.mftRef, sequence: entry.sequence });
    const label = `NTFS ${entry.path}${stream ? `:${stream}` : ""}`;
    if (entry.isDirectory && stream === "") {
      throw ntfsError("ntfs-is-directory", `${entry.path} is a directory, not a file`);
    }
    const content = findAttribute(file, AttributeType.data, stream, this.io.clusterSize);
    if (!content) {
      throw ntfsError(
        "ntfs-no-stream",
        `${label}: no such data stream (MFT record ${entry.mftRef})`,
      );
    }
    if (isEncrypted(content, entry.attributes)) {
      throw ntfsError("ntfs-encrypted", `${label} is EFS-encrypted and cannot be read`);
    }
    const method = content.flags & 0x00ff;
    if (method !== 0 && (method !== 1 || content.resident || content.compressionUnit === 0)) {
      throw ntfsError(
        "ntfs-compression-method",
        `${label}: compression flags 0x${method.toString(16)}`,
      );
    }
    const reparse = stream === "" ? await reparseInfo(this.io, file) : undefined;
    if (reparse?.wof) return this.wofStream(file, reparse.wof, contentSize(content), label);
    return contentSource(this.io, content, label);
  }

  private wofStream(file: MftFile, algorithm: string, size: number, label: string): ByteSource {
    const packed = findAttribute(file, AttributeType.data, WOF_STREAM, this.io.clusterSize);
    if (algorithm === "wof-wim" || !packed) {
      throw ntfsError(
        "ntfs-wof-unsupported",
        `${label} is WOF-compressed (${algorithm}) and its data is not on this volume`,
      );
    }
    const packedSource = contentSource(this.io, packed, `${label}:${WOF_STREAM}`);
    return wofSource(packedSource, algorithm, size, label);
  }

  /** A whole file (or alternate stream) in memory, refused past `maxBytes`. */
  async readFile(target: string | NtfsEntry, opts: ReadOptions = {}): Promise<Buffer> {
    const source = await this.fileSource(target, opts.stream ?? "");
    const maxBytes = opts.maxBytes ?? DEFAULT_MAX_READ_BYTES;
    if (source.size > maxBytes) {
      throw ntfsError(
        "ntfs-file-too-large",
        `${source.label}: ${source.size} bytes, limit ${maxBytes}`,
      );
    }
    return source.read(0, source.size);
  }
}

function notFound(path: string) {
  return ntfsError("ntfs-not-found", `path ${path} does not exist on the volume`);
}

/** Opens an NTFS volume over `source`. */
export function openNtfs(source: ByteSource): Promise<NtfsVolume> {
  return NtfsVolume.open(source);
}
