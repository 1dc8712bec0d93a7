import { promises as fs } from "fs";
import type { ByteSource } from "../../disk/byteSource";

/** A ByteSource over a local image file (tests only), with `close` to release the handle. */
export async function openFileSource(
  path: string,
  start = 0,
  length?: number,
): Promise<ByteSource & { close(): Promise<void> }> {
  const handle = await fs.open(path, "r");
  const size = length ?? (await handle.stat()).size - start;
  return {
    size,
    label: path,
    async read(offset, len) {
      if (offset < 0 || len < 0 || offset + len > size) {
        throw new RangeError(`${path}: read ${offset}+${len} past its end (${size} bytes)`);
      }
      const buf = Buffer.alloc(len);
      let done = 0;
      while (done < len) {
        const { bytesRead } = await handle.read(buf, done, len - done, start + offset + done);
        if (bytesRead === 0) {
          throw new RangeError(`${path}: unexpected end at ${start + offset + done}`);
        }
        done += bytesRead;
      }
      return buf;
    },
    close: () => handle.close(),
  };
}
