import { promises as fsp } from "fs";
import * as path from "path";
import { FormatError } from "../formatError";
import { assertReadRange, type ByteSource } from "./byteSource";

/** A byte source over a local file, with the handle to release when done. */
export interface FileByteSource {
  readonly source: ByteSource;
  close(): Promise<void>;
}

/**
 * Opens a local image file read-only (flag "r": the evidence is never written) and serves reads
 * from it. The size is taken once at open; a file that shrinks afterwards is reported, not padded.
 */
export async function openFileSource(filePath: string): Promise<FileByteSource> {
  const handle = await fsp.open(filePath, "r");
  let size: number;
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) {
      throw new FormatError("file-not-regular", `${filePath}: not a regular file`);
    }
    size = stat.size;
  } catch (e) {
    await handle.close();
    throw e;
  }
  const label = path.basename(filePath);
  let closed = false;
  const source: ByteSource = {
    size,
    label,
    async read(offset, length) {
      assertReadRange(label, size, offset, length);
      if (closed) throw new FormatError("file-closed", `${label}: read after the file was closed`);
      const out = Buffer.alloc(length);
      let done = 0;
      // A positional read may return fewer bytes than asked; loop until full or the file ends.
      while (done < length) {
        const { bytesRead } = await handle.read(out, done, length - done, offset + done);
        if (bytesRead === 0) {
          throw new FormatError(
            "file-short-read",
            `${label}: file ended at ${offset + done} while reading ${offset}+${length}`,
          );
        }
        done += bytesRead;
      }
      return out;
    },
  };
  return {
    source,
    async close() {
      if (closed) return;
      closed = true;
      await handle.close();
    },
  };
}
