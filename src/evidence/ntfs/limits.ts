/**
 * Upper bounds for every count, size and depth the NTFS reader takes from the disk. The volume is
 * hostile input: a crafted record could claim a billion runs or an index that points back at
 * itself, so each loop checks one of these and throws a FormatError instead of hanging or
 * allocating without limit. The values sit far above anything Windows writes.
 */

/** Largest cluster the boot sector may declare (Windows allows up to 2 MiB). */
export const MAX_CLUSTER_SIZE = 2 * 1024 * 1024;
/** Largest MFT record or INDX record (Windows uses 1 KiB / 4 KiB records). */
export const MAX_RECORD_SIZE = 64 * 1024;
/** Attributes in one MFT record (a 64 KiB record of minimal 24-byte attributes stays below). */
export const MAX_ATTRIBUTES_PER_RECORD = 4096;
/** Runs in one attribute's runlist, over all its extension records. */
export const MAX_RUNS_PER_ATTRIBUTE = 1_000_000;
/** Bytes of an $ATTRIBUTE_LIST value (each entry is at least 32 bytes). */
export const MAX_ATTRIBUTE_LIST_BYTES = 1024 * 1024;
/** Distinct extension records one file may spread its attributes over. */
export const MAX_EXTENSION_RECORDS = 8192;
/** Depth of a directory's $I30 B+-tree (a million entries need about six levels). */
export const MAX_INDEX_DEPTH = 32;
/** Entries one directory listing returns. */
export const MAX_DIRECTORY_ENTRIES = 1_000_000;
/** Components of a looked-up path. */
export const MAX_PATH_COMPONENTS = 256;
/** Bytes of a resident attribute value or an $INDEX_ROOT we parse. */
export const MAX_RESIDENT_BYTES = MAX_RECORD_SIZE;
/** Default `maxBytes` of `readFile`: larger files must go through `fileSource`. */
export const DEFAULT_MAX_READ_BYTES = 512 * 1024 * 1024;
/** Largest LZNT1 compression unit (16 clusters of 4 KiB is 64 KiB). */
export const MAX_COMPRESSION_UNIT_BYTES = 1024 * 1024;
/** Bytes of a reparse point value we parse. */
export const MAX_REPARSE_BYTES = 16 * 1024;
/** Parsed MFT records kept in memory per volume (lookups revisit parent directories). */
export const RECORD_CACHE_ENTRIES = 512;
/** Bytes of a WOF chunk table (4 bytes per 4 KiB chunk: 16 GiB of file per 16 MiB). */
export const MAX_WOF_TABLE_BYTES = 16 * 1024 * 1024;
