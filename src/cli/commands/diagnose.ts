import * as fs from "node:fs";
import type { Command } from "commander";
import { runAction, type CliContext } from "../context";
import { ExitCode, UsageError } from "../../vocabulary/exitCodes";
import type { EvidenceBundle, EvidenceRoute } from "../../evidence/bundle";
import type {
  ByteSource,
  DiskImage,
  DiskImageFormat,
  EbsDirectClient,
  HttpRangeOptions,
} from "../../evidence/disk";
import { isFormatError } from "../../evidence/formatError";
import type { DiskEvidence, EvidenceCaps, TransportCounters } from "../../evidence/fromDisk";
import type { SasOpener, SnapshotAccess } from "../../clouds/azure/snapshotRead";

/** The readers, the clouds' clients and the planner, loaded when the command runs (`--help` starts without them). */
const impl = () => ({
  ...(require("../../evidence/disk") as typeof import("../../evidence/disk")),
  ...(require("../../evidence/fromDisk") as typeof import("../../evidence/fromDisk")),
  ...(require("../../report/diagnosis") as typeof import("../../report/diagnosis")),
  ...(require("../../repair/fromEvidence") as typeof import("../../repair/fromEvidence")),
  ...(require("../../clouds/azure/runtime") as typeof import("../../clouds/azure/runtime")),
  ...(require("../../clouds/azure/snapshotRead") as typeof import("../../clouds/azure/snapshotRead")),
  ...(require("../../clouds/aws/ebsDirect") as typeof import("../../clouds/aws/ebsDirect")),
});

/** The planner on the bundle: the facts from the evidence readers, decided as plan-repair decides. */
function planFromBundle(bundle: EvidenceBundle): DiagnosePlan {
  const p = impl().planFromEvidence(bundle);
  return {
    lines: [`cloud: ${p.cloud}`, ...p.lines, ...p.facts.problems.map((x) => `problem: ${x}`)],
    json: {
      cloud: p.cloud,
      culprit: p.decision.repair.culprit,
      actions: p.decision.repair.plan.actions,
      decisions: p.decision.repair.decisions,
      findings: p.decision.findings,
      repairParams: p.decision.repairParams,
      problems: p.facts.problems,
    },
  };
}

/** What a planner makes of a bundle: lines for the text report and a value for `--json`. */
export interface DiagnosePlan {
  lines: string[];
  json: unknown;
}

export interface DiagnoseDeps {
  /**
   * SEAM (planner): evidence bundle → facts → repair plan. The facts come from
   * `collectFromEvidence(bundle)` in `src/evidence/facts/` (being written); whoever wires it in
   * passes this here (and in `registerDiagnose`'s call in main.ts). When absent, diagnose prints
   * the diagnosis without a plan and `--json` has `"plan": null`.
   */
  planFromBundle?: (bundle: EvidenceBundle) => DiagnosePlan | Promise<DiagnosePlan>;
  /** Options of the HTTP range source (tests shorten its retries). */
  http?: HttpRangeOptions;
  /** Overrides of the evidence caps. */
  caps?: Partial<EvidenceCaps>;
  /** `--azure-snapshot`: the grant and revoke calls (default: `@azure/arm-compute` as the environment's identity). */
  azureSnapshots?: (subscriptionId: string) => SnapshotAccess;
  /** `--azure-snapshot`: how the granted SAS is read (default: the HTTP range source). */
  sasOpener?: SasOpener;
  /** `--aws-snapshot`: the EBS direct client (default: `@aws-sdk/client-ebs` with the SDK's credentials). */
  ebs?: (region: string | undefined) => EbsDirectClient;
}

interface DiagnoseOptions {
  json?: boolean;
  azureSnapshotUrl?: string;
  azureSnapshot?: string;
  awsSnapshot?: string;
  region?: string;
}

/**
 * Registers `vm-rescue diagnose <disk> | --azure-snapshot-url URL | --azure-snapshot ID |
 * --aws-snapshot ID [--region R] [--json]`.
 */
export function registerDiagnose(program: Command, ctx: CliContext, deps: DiagnoseDeps = {}): void {
  program
    .command("diagnose")
    .description(
      "read a broken Windows disk (VHD, VHDX, raw image, or a snapshot over HTTP) and say what is wrong: control set, boot loader, crash culprits",
    )
    .argument("[disk]", "a disk image: .vhd, .vhdx or raw (the container is recognised by content)")
    .option("--azure-snapshot-url <url>", "a read-only SAS URL of a snapshot (never printed)")
    .option(
      "--azure-snapshot <id>",
      "an Azure snapshot resource id: read access is granted, the disk read over the SAS, the access revoked",
    )
    .option(
      "--aws-snapshot <id>",
      "a completed EBS snapshot id, read with the EBS direct APIs (ListSnapshotBlocks, GetSnapshotBlock)",
    )
    .option("--region <region>", "the AWS region of --aws-snapshot (default: the SDK's)")
    .option("--json", "print the diagnosis as JSON")
    .action((disk: string | undefined, opts: DiagnoseOptions) =>
      runAction(ctx, async () => diagnose(ctx, deps, disk, opts)),
    );
}

/** An opened disk: the virtual disk, its container, what its transport counts, how to release it. */
interface OpenedDisk extends DiskImage {
  route: EvidenceRoute;
  label: string;
  transport: () => TransportCounters;
  close(): Promise<void>;
}

type SourceKind = "file" | "url" | "azure-snapshot" | "aws-snapshot";

function chooseSource(disk: string | undefined, opts: DiagnoseOptions): SourceKind {
  const given = [
    disk !== undefined && "a disk image",
    opts.azureSnapshotUrl !== undefined && "--azure-snapshot-url",
    opts.azureSnapshot !== undefined && "--azure-snapshot",
    opts.awsSnapshot !== undefined && "--aws-snapshot",
  ].filter((g): g is string => g !== false);
  if (given.length === 0) {
    throw new UsageError(
      "diagnose needs a disk image, --azure-snapshot-url URL, --azure-snapshot ID or --aws-snapshot ID",
    );
  }
  if (given.length > 1) throw new UsageError(`diagnose reads one disk; got ${given.join(" and ")}`);
  if (opts.region !== undefined && opts.awsSnapshot === undefined) {
    throw new UsageError("--region goes with --aws-snapshot");
  }
  if (opts.azureSnapshot !== undefined) return "azure-snapshot";
  if (opts.awsSnapshot !== undefined) return "aws-snapshot";
  return disk !== undefined ? "file" : "url";
}

async function openImageFile(file: string): Promise<OpenedDisk> {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new UsageError(`disk image not found: ${file}`);
  }
  if (!stat.isFile()) throw new UsageError(`${file} is not a file`);
  let opened;
  try {
    opened = await impl().openFileSource(file);
  } catch (e) {
    if (isFormatError(e)) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read ${file}${code ? ` (${code})` : ""}`);
  }
  const counted = impl().countingSource(opened.source);
  try {
    const image = await impl().openDiskImageSource(counted);
    const transport = () => ({ requests: counted.counters.reads, bytes: counted.counters.bytes });
    const label = opened.source.label;
    return { ...image, route: "disk-image", label, transport, close: () => opened.close() };
  } catch (e) {
    await opened.close();
    throw e;
  }
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

async function openSnapshotUrl(url: string, http: HttpRangeOptions = {}): Promise<OpenedDisk> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError("--azure-snapshot-url: the URL does not parse");
  }
  if (
    parsed.protocol !== "https:" &&
    !(parsed.protocol === "http:" && LOOPBACK.has(parsed.hostname))
  ) {
    throw new UsageError("--azure-snapshot-url must be https (a SAS is a secret)");
  }
  const remote = await impl().httpRangeSource(url, http);
  try {
    const image = await impl().openDiskImageSource(remote);
    const transport = () => ({ requests: remote.stats.requests, bytes: remote.stats.bytes });
    const close = async () => remote.close();
    return { ...image, route: "azure-snapshot", label: remote.label, transport, close };
  } catch (e) {
    remote.close();
    throw e;
  }
}

/** What was read, and from which image (`source` is a label: never a SAS). */
interface ReadDisk {
  bundle: DiskEvidence;
  image: { source: string; format: DiskImageFormat; size: number };
}

/** A file or a SAS URL given by the user: opened, read, closed. */
async function readOpened(
  kind: "file" | "url",
  target: string,
  deps: DiagnoseDeps,
): Promise<ReadDisk> {
  let opened: OpenedDisk | undefined;
  try {
    opened =
      kind === "file" ? await openImageFile(target) : await openSnapshotUrl(target, deps.http);
    const source: ByteSource = opened.source;
    const bundle = await impl().readEvidenceFromDisk(source, {
      route: opened.route,
      caps: deps.caps,
      transport: opened.transport,
    });
    return { bundle, image: { source: opened.label, format: opened.format, size: source.size } };
  } finally {
    await opened?.close();
  }
}

const firstLine = (e: unknown) => (e instanceof Error ? e.message : String(e)).split("\n")[0];

/** `--azure-snapshot ID`: read access granted, the SAS read, the access revoked. */
async function readAzureSnapshot(
  id: string,
  deps: DiagnoseDeps,
  warn: (line: string) => void,
): Promise<ReadDisk> {
  let ref;
  try {
    ref = impl().snapshotRef(id);
  } catch (e) {
    throw new UsageError(`--azure-snapshot: ${firstLine(e)}`);
  }
  try {
    const access =
      deps.azureSnapshots?.(ref.subscriptionId) ??
      impl().armSnapshotAccess(ref.subscriptionId, { credential: impl().azureCredential() });
    const open = deps.sasOpener ?? impl().httpSasOpener(deps.http);
    const read = await impl().readSnapshotEvidence(access, id, open, { caps: deps.caps });
    if (read.warning) warn(`warning: ${read.warning}`);
    return { bundle: read.evidence, image: { ...read.image, source: `azure:${ref.name}` } };
  } catch (e) {
    if (isFormatError(e)) throw e;
    throw new UsageError(`--azure-snapshot ${ref.name}: ${firstLine(e)}`);
  }
}

/** `--aws-snapshot ID`: the completed snapshot's blocks through the EBS direct APIs. */
async function readAwsSnapshot(id: string, region: string | undefined, deps: DiagnoseDeps) {
  if (!/^snap-[0-9a-f]{8,17}$/.test(id)) {
    throw new UsageError(`--aws-snapshot: ${JSON.stringify(id)} is not a snapshot id (snap-…)`);
  }
  try {
    const source = await impl().ebsSnapshotSource((deps.ebs ?? impl().sdkEbsClient)(region), id);
    const { stats } = source;
    const bundle = await impl().readEvidenceFromDisk(source, {
      route: "aws-snapshot",
      caps: deps.caps,
      transport: () => ({ requests: stats.listCalls + stats.getCalls, bytes: stats.bytes }),
    });
    return { bundle, image: { source: source.label, format: "raw" as const, size: source.size } };
  } catch (e) {
    if (isFormatError(e)) throw e;
    throw new UsageError(`--aws-snapshot ${id}: ${firstLine(e)}`);
  }
}

async function diagnose(
  ctx: CliContext,
  deps: DiagnoseDeps,
  disk: string | undefined,
  opts: DiagnoseOptions,
): Promise<number> {
  const started = Date.now();
  const kind = chooseSource(disk, opts);
  try {
    const { bundle, image } =
      kind === "azure-snapshot"
        ? await readAzureSnapshot(opts.azureSnapshot as string, deps, (l) => ctx.io.err(l))
        : kind === "aws-snapshot"
          ? await readAwsSnapshot(opts.awsSnapshot as string, opts.region, deps)
          : await readOpened(kind, (disk ?? opts.azureSnapshotUrl) as string, deps);
    const plan = await (deps.planFromBundle ?? planFromBundle)(bundle);
    const triage = impl().triageOf(bundle);
    const report = impl().buildReport(
      bundle,
      image,
      triage,
      Date.now() - started,
      plan?.json ?? null,
    );
    ctx.io.out(
      opts.json
        ? JSON.stringify(report, null, 2)
        : impl().renderReport(report, triage, plan?.lines ?? null),
    );
    return ExitCode.Ok;
  } catch (e) {
    if (isFormatError(e)) throw new UsageError(e.message.split("\n")[0]);
    throw e;
  }
}
