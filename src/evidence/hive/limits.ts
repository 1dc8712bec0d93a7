/**
 * Every bound the hive reader puts on counts and offsets read from the file. A hive from a broken
 * VM's disk may be crafted, so each loop over an on-disk count stops at one of these and the reader
 * throws a FormatError instead of hanging or allocating without end. The values sit well above
 * what real hives hold (a SYSTEM hive has some 100,000 keys, depth < 30, hives of tens of MB).
 */

/** Size of the base block (file header) and of the alignment of hive bins. */
export const BASE_BLOCK_SIZE = 4096;

/** Largest hive image the reader builds, also after a log grows it (real hives: tens of MB). */
export const MAX_HIVE_BYTES = 512 * 1024 * 1024;

/** Deepest key path the reader follows; Windows itself refuses keys deeper than 512 levels. */
export const MAX_KEY_DEPTH = 512;

/** Most subkeys one key may list (all of its li/lf/lh lists together, through ri). */
export const MAX_SUBKEYS_PER_KEY = 1_000_000;

/** Most values one key may list. */
export const MAX_VALUES_PER_KEY = 1_000_000;

/** How deep index roots (ri) may nest; Windows writes one level, so deeper means crafted. */
export const MAX_INDEX_ROOT_DEPTH = 4;

/** Most segments a big-data (db) value may have: 65535 x 16344 bytes is about 1 GB. */
export const MAX_BIG_DATA_SEGMENTS = 65_535;

/** Bytes of data in each big-data segment (as Windows writes them). */
export const BIG_DATA_SEGMENT_SIZE = 16_344;

/** Data larger than this is kept in big-data (db) cells by hives of format 1.4 and later. */
export const BIG_DATA_THRESHOLD = 16_344;

/**
 * Subkey and value list entries one opened hive may expand in total (each key object expands its
 * lists once), per allocated cell of the hive, plus a fixed allowance. A real hive lists each key
 * once, so a walk expands about one entry per key and value cell; a crafted hive that lists one
 * key under many parents (a graph, not a tree) would make a walk exponential, and this budget
 * turns that into a FormatError.
 */
export const VISITS_PER_CELL = 8;
export const VISIT_ALLOWANCE = 200_000;

/**
 * Bytes of value data one opened hive may hand out: a multiple of the image size plus a fixed
 * allowance. A full walk reads each value once (at most the image size); values that share one
 * large data cell would otherwise let a small hive make the reader copy without end.
 */
export const BYTES_PER_IMAGE_BYTE = 16;
export const BYTES_ALLOWANCE = 64 * 1024 * 1024;

/** Warnings kept per hive; more are counted in a last summary line. */
export const MAX_WARNINGS = 100;

/** Log entries read from one new-format (HvLE) transaction log. */
export const MAX_LOG_ENTRIES = 100_000;

/** Dirty pages one log entry may reference. */
export const MAX_LOG_PAGES_PER_ENTRY = 1_000_000;
