import type { ByteSource } from "../disk/byteSource";
import { ntfsError } from "./bytes";

/**
 * A ByteSource over a WOF-compressed file (CompactOS): the compressed chunks are in the named
 * stream `WofCompressedData`. Decompression is not implemented yet, so opening one names the
 * algorithm in a FormatError, which the caller reports instead of returning wrong bytes.
 */
export function wofSource(
  packed: ByteSource,
  algorithm: string,
  size: number,
  label: string,
): ByteSource {
  void packed;
  void size;
  throw ntfsError(
    "ntfs-wof-unsupported",
    `${label} is WOF-compressed (${algorithm}); reading it is not supported`,
  );
}
