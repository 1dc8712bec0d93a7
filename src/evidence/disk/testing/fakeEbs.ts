import * as crypto from "crypto";
import type {
  EbsDirectClient,
  EbsGetSnapshotBlockInput,
  EbsGetSnapshotBlockOutput,
  EbsListSnapshotBlocksInput,
  EbsListSnapshotBlocksOutput,
} from "../ebsSnapshotSource";

/**
 * An in-memory stand-in for the EBS direct APIs, written from the API reference of
 * ListSnapshotBlocks and GetSnapshotBlock: 512 KiB blocks, VolumeSize in GiB, only written blocks
 * listed, MaxResults 100–10000 (a page may still hold fewer), opaque NextToken (pattern
 * `[A-Za-z0-9+/=]+`, absent on the last page; when given, StartingBlockIndex is ignored),
 * BlockToken per block, Checksum = base64 SHA-256 of BlockData with ChecksumAlgorithm "SHA256".
 * Errors carry the SDK's shape: `name` is the exception type, `$metadata.httpStatusCode` set.
 */

export const FAKE_EBS_BLOCK_SIZE = 524288;

export class EbsApiError extends Error {
  readonly $metadata: { httpStatusCode: number };
  constructor(name: string, status: number, message: string) {
    super(message);
    this.name = name;
    this.$metadata = { httpStatusCode: status };
  }
}

export interface FakeEbsOptions {
  /** The server may return fewer blocks per page than MaxResults (default: up to MaxResults). */
  pageLimit?: number;
  /** Pages that come back empty (with a NextToken) before the real ones, as the API allows. */
  emptyPagesFirst?: number;
  /** Hook to alter a GetSnapshotBlock answer (a flipped byte, a wrong checksum, a short block). */
  tamper?: (index: number, out: EbsGetSnapshotBlockOutput) => EbsGetSnapshotBlockOutput;
}

export class FakeEbs implements EbsDirectClient {
  readonly calls = { list: 0, get: 0 };
  private readonly nonce = crypto.randomBytes(8).toString("hex");
  private readonly issuedPages = new Map<string, number>();
  private emptyPagesLeft: number;

  /**
   * `blocks`: written block index → 512 KiB of data (a shorter buffer is zero-padded).
   */
  constructor(
    readonly snapshotId: string,
    readonly volumeSizeGiB: number,
    private readonly blocks: Map<number, Buffer>,
    private readonly options: FakeEbsOptions = {},
  ) {
    this.emptyPagesLeft = options.emptyPagesFirst ?? 0;
  }

  /** Every 512 KiB block of `disk` that holds a non-zero byte counts as written. */
  static fromDisk(snapshotId: string, disk: Buffer, options?: FakeEbsOptions): FakeEbs {
    const gib = Math.ceil(disk.length / 1024 ** 3);
    const blocks = new Map<number, Buffer>();
    const zeros = Buffer.alloc(FAKE_EBS_BLOCK_SIZE);
    for (let at = 0; at < disk.length; at += FAKE_EBS_BLOCK_SIZE) {
      const block = disk.subarray(at, at + FAKE_EBS_BLOCK_SIZE);
      if (!block.equals(zeros.subarray(0, block.length))) {
        blocks.set(at / FAKE_EBS_BLOCK_SIZE, Buffer.from(block));
      }
    }
    return new FakeEbs(snapshotId, gib, blocks, options);
  }

  private checkSnapshot(id: string): void {
    if (!/^snap-[0-9a-f]+$/.test(id)) {
      throw new EbsApiError("ValidationException", 400, `invalid snapshot id ${id}`);
    }
    if (id !== this.snapshotId) {
      throw new EbsApiError("ResourceNotFoundException", 404, `snapshot ${id} does not exist`);
    }
  }

  private blockToken(index: number): string {
    const mac = crypto.createHash("sha256").update(`${this.nonce}/${index}`).digest();
    return Buffer.concat([Buffer.from(`${index}:`), mac.subarray(0, 24)]).toString("base64");
  }

  async listSnapshotBlocks(
    input: EbsListSnapshotBlocksInput,
  ): Promise<EbsListSnapshotBlocksOutput> {
    this.calls.list++;
    this.checkSnapshot(input.SnapshotId);
    const max = input.MaxResults;
    if (max !== undefined && (!Number.isInteger(max) || max < 100 || max > 10000)) {
      throw new EbsApiError("ValidationException", 400, `MaxResults ${max} not in 100-10000`);
    }
    let start = input.StartingBlockIndex ?? 0;
    if (input.NextToken !== undefined) {
      const issued = this.issuedPages.get(input.NextToken);
      if (!/^[A-Za-z0-9+/=]+$/.test(input.NextToken) || issued === undefined) {
        throw new EbsApiError("ValidationException", 400, "invalid NextToken");
      }
      start = issued;
    }
    const perPage = Math.min(max ?? 10000, this.options.pageLimit ?? Infinity);
    const written = [...this.blocks.keys()].filter((i) => i >= start).sort((a, b) => a - b);
    let page = written.slice(0, perPage);
    let next = page.length < written.length ? written[page.length] : undefined;
    if (this.emptyPagesLeft > 0) {
      this.emptyPagesLeft--;
      page = [];
      next = start;
    }
    const out: EbsListSnapshotBlocksOutput = {
      Blocks: page.map((i) => ({ BlockIndex: i, BlockToken: this.blockToken(i) })),
      BlockSize: FAKE_EBS_BLOCK_SIZE,
      VolumeSize: this.volumeSizeGiB,
    };
    if (next !== undefined) {
      const plain = `${this.nonce}:${this.issuedPages.size}:${next}`;
      const token = Buffer.from(plain).toString("base64");
      this.issuedPages.set(token, next);
      out.NextToken = token;
    }
    return out;
  }

  async getSnapshotBlock(input: EbsGetSnapshotBlockInput): Promise<EbsGetSnapshotBlockOutput> {
    this.calls.get++;
    this.checkSnapshot(input.SnapshotId);
    const data = this.blocks.get(input.BlockIndex);
    if (!data || input.BlockToken !== this.blockToken(input.BlockIndex)) {
      throw new EbsApiError("ValidationException", 400, "invalid BlockToken for this BlockIndex");
    }
    const block = Buffer.alloc(FAKE_EBS_BLOCK_SIZE);
    data.copy(block);
    const out: EbsGetSnapshotBlockOutput = {
      BlockData: block,
      Checksum: crypto.createHash("sha256").update(block).digest("base64"),
      ChecksumAlgorithm: "SHA256",
      DataLength: FAKE_EBS_BLOCK_SIZE,
    };
    return this.options.tamper ? this.options.tamper(input.BlockIndex, out) : out;
  }
}
