/**
 * Bounds of the EVTX reader. The event log comes from a broken VM's disk and may be crafted, so
 * every count, size and recursion the format allows is capped here; a record past a cap is skipped
 * with a warning (or the file refused with a FormatError), never read without limit. Some bounds
 * come from the format itself: a record lies inside its 64 KiB chunk (its size is checked against
 * the chunk's free-space offset), and strings and values carry 16-bit lengths checked against the
 * bytes that remain, so no on-disk length can ask for more than the chunk holds.
 */

/** Size of the file header block; chunks start right after it. */
export const FILE_HEADER_SIZE = 4096;
/** Every chunk is exactly 64 KiB. */
export const CHUNK_SIZE = 0x10000;
/** Size of a chunk header (tables included); records start here. */
export const CHUNK_HEADER_SIZE = 512;
/** Fixed part of an event record: signature, size, id, written time and the trailing size copy. */
export const RECORD_OVERHEAD = 28;

/** Deepest element nesting inside one BinXML fragment (real logs use fewer than 10). */
export const MAX_ELEMENT_DEPTH = 64;
/** Deepest nesting of template instances through BinXML substitution values (real logs: 2). */
export const MAX_TEMPLATE_DEPTH = 8;
/** Most substitution values one template instance may carry (real logs: tens). */
export const MAX_SUBSTITUTIONS = 1024;
/** Most XML nodes one record may expand to; repeated substitutions could otherwise multiply. */
export const MAX_NODES_PER_RECORD = 20_000;
/** Most characters of text one record may expand to. */
export const MAX_TEXT_PER_RECORD = 1 << 20;
/**
 * Most template-definition bytes parsed per chunk. Real definitions are disjoint regions of the
 * 64 KiB chunk, so four chunks' worth only trips on crafted offsets that re-parse the same bytes.
 */
export const MAX_TEMPLATE_BYTES_PER_CHUNK = 4 * CHUNK_SIZE;
/** Most elements in an array value (a 64 KiB value of int8 stays under this). */
export const MAX_ARRAY_ITEMS = 0x10000;
/** Most warnings kept; the rest are counted in one closing line. */
export const MAX_WARNINGS = 1000;
