/**
 * The EBS direct APIs the snapshot reader needs (ListSnapshotBlocks, GetSnapshotBlock) over
 * `@aws-sdk/client-ebs`: its BlockData stream is read into bytes, the rest passes through (the
 * reader checks sizes and checksums). The package (a dependency) is loaded only when a snapshot is
 * read, so the other commands start without it.
 */
import type {
  EbsDirectClient,
  EbsGetSnapshotBlockOutput,
  EbsListSnapshotBlocksOutput,
} from "../../evidence/disk";

/** The parts of `@aws-sdk/client-ebs` used here. */
interface EbsModule {
  EBSClient: new (config: { region?: string }) => { send(command: unknown): Promise<unknown> };
  ListSnapshotBlocksCommand: new (input: unknown) => unknown;
  GetSnapshotBlockCommand: new (input: unknown) => unknown;
}

/** The package of the EBS direct client (a dependency in package.json). */
export const EBS_CLIENT_PACKAGE = "@aws-sdk/client-ebs";

function loadEbs(): EbsModule {
  try {
    return require(EBS_CLIENT_PACKAGE) as EbsModule;
  } catch {
    throw new Error(
      `reading an EBS snapshot needs the ${EBS_CLIENT_PACKAGE} package, which this installation does not have`,
    );
  }
}

/** The EBS direct client of `region` (default: the SDK's, e.g. AWS_REGION) with the SDK's credentials. */
export function sdkEbsClient(region?: string): EbsDirectClient {
  const ebs = loadEbs();
  const client = new ebs.EBSClient(region ? { region } : {});
  return {
    async listSnapshotBlocks(input) {
      return (await client.send(
        new ebs.ListSnapshotBlocksCommand(input),
      )) as EbsListSnapshotBlocksOutput;
    },
    async getSnapshotBlock(input) {
      const out = (await client.send(new ebs.GetSnapshotBlockCommand(input))) as Omit<
        EbsGetSnapshotBlockOutput,
        "BlockData"
      > & { BlockData?: { transformToByteArray(): Promise<Uint8Array> } };
      const data = out.BlockData ? await out.BlockData.transformToByteArray() : undefined;
      return {
        BlockData: data,
        Checksum: out.Checksum,
        ChecksumAlgorithm: out.ChecksumAlgorithm,
        DataLength: out.DataLength,
      };
    },
  };
}
