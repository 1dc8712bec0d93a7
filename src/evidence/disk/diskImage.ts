import type { ByteSource } from "./byteSource";
import { openFileSource } from "./fileSource";
import { hasVhdCookie, openVhd, VHD_FOOTER_SIZE } from "./vhd";
import { hasVhdxSignature, openVhdx } from "./vhdx";

export type DiskImageFormat = "raw" | "vhd-fixed" | "vhd-dynamic" | "vhdx";

export interface DiskImage {
  /** The virtual disk: sector 0 is its MBR, whatever the container. */
  source: ByteSource;
  format: DiskImageFormat;
}

export interface OpenDiskImage extends DiskImage {
  close(): Promise<void>;
}

/**
 * Recognises the container by content, not by file name (an exported snapshot is often called
 * `.vhd` whatever it holds): `vhdxfile` at 0 is VHDX; a `conectix` footer in the last sector
 * (or, for a dynamic disk with a damaged end, in the first) is VHD; anything else is raw.
 */
export async function openDiskImageSource(file: ByteSource): Promise<DiskImage> {
  const head = await file.read(0, Math.min(file.size, VHD_FOOTER_SIZE));
  if (hasVhdxSignature(head)) {
    const { source, format } = await openVhdx(file);
    return { source, format };
  }
  const tail =
    file.size >= VHD_FOOTER_SIZE
      ? await file.read(file.size - VHD_FOOTER_SIZE, VHD_FOOTER_SIZE)
      : Buffer.alloc(0);
  if (hasVhdCookie(tail) || hasVhdCookie(head)) return openVhd(file);
  return { source: file, format: "raw" };
}

/** Opens an image file read-only and detects its container; `close()` releases the file. */
export async function openDiskImage(filePath: string): Promise<OpenDiskImage> {
  const file = await openFileSource(filePath);
  try {
    const image = await openDiskImageSource(file.source);
    return { ...image, close: () => file.close() };
  } catch (e) {
    await file.close();
    throw e;
  }
}
