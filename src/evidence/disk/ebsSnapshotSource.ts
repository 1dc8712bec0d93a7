import * as crypto from "crypto";
import { FormatError } from "../formatError";
import { assertReadRange, type ByteSource } from "./byteSource";
import { cachedSource } from "./cachedSource";

/** EBS direct APIs serve snapshots in 512 KiB blocks. */
export const EBS_BLOCK_SIZE = 524288;
/** The documented MaxResults range of ListSnapshotBlocks. */
export const EBS_MIN_MAX_RESULTS = 100;
export const EBS_MAX_MAX_RESULTS = 10000;
/** Largest EBS volume (64 TiB), in GiB as ListSnapshotBlocks reports VolumeSize. */
export const EBS_MAX_VOLUME_GIB = 65536;
/** List pages followed at most (a page may be empty, so this is not derived from the size). */
export const EBS_MAX_LIST_PAGES = 20_000;
/** Written blocks indexed at most (4 Mi blocks = 2 TiB of written data; tokens stay in memory). */
export const EBS_MAX_LISTED_BLOCKS = 4 * 1024 * 1024;
/** GetSnapshotBlock calls in flight at once, whatever the size of a read. */
export const EBS_MAX_CONCURRENT_GETS = 8;

export interface EbsListSnapshotBlocksInput {
  SnapshotId: string;
  NextToken?: string;
  MaxResults?: number;
  /** Ignored by the API when NextToken is given; this source never sends it. */
  StartingBlockIndex?: number;
}

export interface EbsListSnapshotBlocksOutput {
  Blocks?: { BlockIndex?: number; BlockToken?: string }[];
  BlockSize?: number;
  /** Volume size in GiB. */
  VolumeSize?: number;
  NextToken?: string | null;
}

export interface EbsGetSnapshotBlockInput {
  SnapshotId: string;
  BlockIndex: number;
  BlockToken: string;
}

export interface EbsGetSnapshotBlockOutput {
  BlockData?: Uint8Array;
  /** Base64 of the SHA-256 of BlockData. */
  Checksum?: string;
  ChecksumAlgorithm?: string;
  DataLength?: number;
}

/**
 * The two EBS direct API calls this source needs, in the shapes of ListSnapshotBlocks and
 * GetSnapshotBlock. An adapter over `@aws-sdk/client-ebs` (which returns BlockData as a stream)
 * or the test fake implements it; retries on throttling belong to that client.
 */
export interface EbsDirectClient {
  listSnapshotBlocks(input: EbsListSnapshotBlocksInput): Promise<EbsListSnapshotBlocksOutput>;
  getSnapshotBlock(input: EbsGetSnapshotBlockInput): Promise<EbsGetSnapshotBlockOutput>;
}

export interface EbsSourceOptions {
  /** ListSnapshotBlocks page size (100–10000, default 10000). */
  maxResults?: number;
  /** 512 KiB blocks kept in the read cache (default 64 = 32 MiB). */
  cacheBlocks?: number;
}

export interface EbsStats {
  listCalls: number;
  getCalls: number;
  bytes: number;
}

export interface EbsSnapshotSource extends ByteSource {
  readonly stats: EbsStats;
  /** How many blocks the snapshot lists as written; the others read as zeros. */
  readonly writtenBlocks: number;
}

/**
 * A snapshot read through the EBS direct APIs: every written block's token is listed once (all
 * pages, NextToken loops and repeated blocks refused), then reads fetch the 512 KiB blocks they
 * touch, verify the SHA-256 checksum, and cache them. Blocks never written are not listed and
 * read as zeros, like the volume that would be created from the snapshot.
 */
export async function ebsSnapshotSource(
  client: EbsDirectClient,
  snapshotId: string,
  options: EbsSourceOptions = {},
): Promise<EbsSnapshotSource> {
  const label = `ebs:${snapshotId}`;
  const maxResults = options.maxResults ?? EBS_MAX_MAX_RESULTS;
  if (
    !Number.isSafeInteger(maxResults) ||
    maxResults < EBS_MIN_MAX_RESULTS ||
    maxResults > EBS_MAX_MAX_RESULTS
  ) {
    throw new FormatError("ebs-options", `${label}: MaxResults ${maxResults} is not 100-10000`);
  }
  const stats: EbsStats = { listCalls: 0, getCalls: 0, bytes: 0 };
  const tokens = new Map<number, string>();
  const seenTokens = new Set<string>();
  let volumeGiB: number | undefined;
  let nextToken: string | undefined;
  for (let page = 0; ; page++) {
    if (page >= EBS_MAX_LIST_PAGES) {
      throw new FormatError("ebs-list-pages", `${label}: more than ${EBS_MAX_LIST_PAGES} pages`);
    }
    stats.listCalls++;
    const out = await client.listSnapshotBlocks({
      SnapshotId: snapshotId,
      MaxResults: maxResults,
      ...(nextToken ? { NextToken: nextToken } : {}),
    });
    const where = `${label}: ListSnapshotBlocks page ${page + 1}`;
    if (out.BlockSize !== EBS_BLOCK_SIZE) {
      throw new FormatError("ebs-block-size", `${where}: BlockSize ${out.BlockSize}, not 524288`);
    }
    const size = out.VolumeSize;
    if (!Number.isSafeInteger(size) || size! <= 0 || size! > EBS_MAX_VOLUME_GIB) {
      throw new FormatError("ebs-volume-size", `${where}: VolumeSize ${size} GiB`);
    }
    if (volumeGiB !== undefined && size !== volumeGiB) {
      throw new FormatError(
        "ebs-volume-size",
        `${where}: VolumeSize ${size} GiB, earlier pages said ${volumeGiB}`,
      );
    }
    volumeGiB = size!;
    const blockCount = (volumeGiB * 1024 ** 3) / EBS_BLOCK_SIZE;
    for (const block of out.Blocks ?? []) {
      const index = block.BlockIndex;
      if (!Number.isSafeInteger(index) || index! < 0 || index! >= blockCount) {
        throw new FormatError("ebs-block-index", `${where}: BlockIndex ${index} of ${blockCount}`);
      }
      if (typeof block.BlockToken !== "string" || block.BlockToken.length === 0) {
        throw new FormatError("ebs-block-token", `${where}: block ${index} has no BlockToken`);
      }
      if (tokens.has(index!)) {
        throw new FormatError("ebs-duplicate-block", `${where}: block ${index} listed twice`);
      }
      if (tokens.size >= EBS_MAX_LISTED_BLOCKS) {
        throw new FormatError(
          "ebs-too-many-blocks",
          `${where}: more than ${EBS_MAX_LISTED_BLOCKS} written blocks`,
        );
      }
      tokens.set(index!, block.BlockToken);
    }
    if (!out.NextToken) break;
    if (seenTokens.has(out.NextToken)) {
      throw new FormatError("ebs-list-loop", `${where}: NextToken repeats an earlier page's`);
    }
    seenTokens.add(out.NextToken);
    nextToken = out.NextToken;
  }
  const size = volumeGiB! * 1024 ** 3;

  let inFlight = 0;
  const waiting: (() => void)[] = [];
  /** Runs `call` when fewer than EBS_MAX_CONCURRENT_GETS others are running. */
  async function limited<T>(call: () => Promise<T>): Promise<T> {
    while (inFlight >= EBS_MAX_CONCURRENT_GETS) await new Promise<void>((r) => waiting.push(r));
    inFlight++;
    try {
      return await call();
    } finally {
      inFlight--;
      waiting.shift()?.();
    }
  }

  async function fetchBlock(index: number): Promise<Buffer> {
    const token = tokens.get(index);
    if (token === undefined) return Buffer.alloc(EBS_BLOCK_SIZE);
    stats.getCalls++;
    const request = { SnapshotId: snapshotId, BlockIndex: index, BlockToken: token };
    const out = await limited(() => client.getSnapshotBlock(request));
    const where = `${label}: GetSnapshotBlock ${index}`;
    const data = out.BlockData;
    if (!data || out.DataLength !== EBS_BLOCK_SIZE || data.length !== EBS_BLOCK_SIZE) {
      throw new FormatError(
        "ebs-block-length",
        `${where}: ${data?.length ?? 0} bytes, DataLength ${out.DataLength}, expected 524288`,
      );
    }
    if (out.ChecksumAlgorithm !== "SHA256") {
      throw new FormatError(
        "ebs-checksum-algorithm",
        `${where}: checksum algorithm ${out.ChecksumAlgorithm}, expected SHA256`,
      );
    }
    const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const digest = crypto.createHash("sha256").update(bytes).digest("base64");
    if (digest !== out.Checksum) {
      throw new FormatError(
        "ebs-checksum",
        `${where}: SHA-256 ${digest} does not match the checksum ${out.Checksum}`,
      );
    }
    stats.bytes += bytes.length;
    return bytes;
  }

  const blocks: ByteSource = {
    size,
    label,
    async read(offset, length) {
      assertReadRange(label, size, offset, length);
      if (length === 0) return Buffer.alloc(0);
      const first = Math.floor(offset / EBS_BLOCK_SIZE);
      const last = Math.floor((offset + length - 1) / EBS_BLOCK_SIZE);
      const indexes = Array.from({ length: last - first + 1 }, (_, i) => first + i);
      const all = Buffer.concat(await Promise.all(indexes.map(fetchBlock)));
      const from = offset - first * EBS_BLOCK_SIZE;
      return all.subarray(from, from + length);
    },
  };
  const cached = cachedSource(blocks, {
    blockSize: EBS_BLOCK_SIZE,
    maxBlocks: options.cacheBlocks ?? 64,
  });
  return {
    size,
    label,
    stats,
    writtenBlocks: tokens.size,
    read: (offset, length) => cached.read(offset, length),
  };
}
