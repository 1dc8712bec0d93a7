/**
 * The corpus of real-format descriptions (tests/corpus/, sources in corpus.json) through the built
 * CLI (`npm run build` first): each case names the exit code and the one line printed, or the shape
 * read. Variants a user makes of the same document (a list of two, a Resource Graph answer, the
 * UTF-16LE file Windows PowerShell 5.1's `>` writes) are built from the corpus files here.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { EXAMPLES, REPO_ROOT } from "./helpers/paths";

const CORPUS = path.join(REPO_ROOT, "tests", "corpus");
const CLI = path.join(REPO_ROOT, "bin", "vm-rescue.js");
const manifest = JSON.parse(fs.readFileSync(path.join(CORPUS, "corpus.json"), "utf8")) as {
  sources: Record<string, string>;
  files: { file: string; source: string; extract: string; shape: string | null }[];
};
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "vm-rescue-corpus-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const corpus = (name: string) => path.join(CORPUS, name);
const read = (name: string) => JSON.parse(fs.readFileSync(corpus(name), "utf8"));
function derived(name: string, content: string | Buffer): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, content);
  return file;
}

function plan(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, "plan", ...args], {
    encoding: "utf8",
    timeout: 120_000,
    env: { ...process.env, CI: "1" },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const GET = "azure/rest-spec-2022-08-01-VirtualMachine_Get.json";

type Case = [name: string, args: () => string[], exit: number, line: RegExp];
const cases: Case[] = [
  [
    "REST spec VirtualMachine_Get: placeholder ids refused naming the field",
    () => ["--azure-vm", corpus(GET)],
    2,
    /availabilitySet\.id is a placeholder or redacted id \("\/subscriptions\/\{subscription-id\}/,
  ],
  [
    "REST spec ephemeral OS disk",
    () => ["--azure-vm", corpus(manifest.files[1].file)],
    2,
    /storageProfile\.osDisk\.diffDiskSettings is Local: an ephemeral OS disk/,
  ],
  [
    "REST spec confidential VM",
    () => ["--azure-vm", corpus(manifest.files[2].file)],
    2,
    /securityProfile\.securityType is ConfidentialVM/,
  ],
  [
    "REST spec unmanaged (VHD) OS disk",
    () => ["--azure-vm", corpus(manifest.files[3].file)],
    2,
    /storageProfile\.osDisk\.vhd: an unmanaged \(VHD blob\) OS disk/,
  ],
  [
    "REST spec Linux VM",
    () => ["--azure-vm", corpus(manifest.files[4].file)],
    2,
    /storageProfile\.osDisk\.osType is Linux; vm-rescue rescues Windows VMs only/,
  ],
  [
    "az vm list of two VMs: pick one",
    () => ["--azure-vm", derived("list2.json", JSON.stringify([read(GET), read(GET)]))],
    2,
    /got a list of 2 VMs; pick one \(az vm show -g RG -n VM -o json\), or rescue a fleet/,
  ],
  [
    "Resource Graph answer with the REST body as its row: read, then its placeholders refused",
    () => [
      "--azure-vm",
      derived(
        "graph.json",
        JSON.stringify({ count: 1, data: [read(GET)], skip_token: null, total_records: 1 }),
      ),
    ],
    2,
    /availabilitySet\.id is a placeholder/,
  ],
  [
    "UTF-16LE with BOM (Windows PowerShell 5.1 `>`): the same line as its UTF-8 twin",
    () => [
      "--azure-vm",
      derived(
        "get-utf16.json",
        Buffer.concat([
          Buffer.from([0xff, 0xfe]),
          Buffer.from(fs.readFileSync(corpus(GET), "utf8"), "utf16le"),
        ]),
      ),
    ],
    2,
    /availabilitySet\.id is a placeholder or redacted id \("\/subscriptions\/\{subscription-id\}/,
  ],
  [
    "describe-instances --query result of three instances",
    () => ["--aws-instance", corpus(manifest.files[5].file)],
    2,
    /--aws-instance holds 3 instances; expected exactly one instance/,
  ],
  [
    "describe-instances output truncated by the docs page: not JSON, one line",
    () => ["--aws-instance", corpus(manifest.files[6].file)],
    2,
    /is not valid JSON/,
  ],
  [
    "describe-volumes of another instance",
    () => [
      "--aws-instance",
      path.join(EXAMPLES, "aws-instance.json"),
      "--volumes",
      corpus(manifest.files[7].file),
    ],
    2,
    /--volumes: vol-049df61146c4d7901 is attached to i-1234567890abcdef0, not i-0a1b2c3d4e5f67890/,
  ],
  [
    "describe-volumes without the root volume",
    () => [
      "--aws-instance",
      path.join(EXAMPLES, "aws-instance.json"),
      "--volumes",
      corpus(manifest.files[8].file),
    ],
    2,
    /--volumes does not hold the root volume vol-0a9b8c7d6e5f43210/,
  ],
];

describe("the corpus of real-format descriptions", () => {
  test("every file is listed with its source, and every listed file exists", () => {
    const onDisk = ["azure", "aws"].flatMap((d) =>
      fs.readdirSync(path.join(CORPUS, d)).map((f) => `${d}/${f}`),
    );
    expect(manifest.files.map((f) => f.file).sort()).toEqual(onDisk.sort());
    for (const f of manifest.files) expect(manifest.sources[f.source]).toMatch(/^https:\/\//);
  });

  test.each(cases)("%s", (_name, args, exit, line) => {
    const r = plan(args());
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(r.out).toBe("");
    expect(r.err.trimEnd().split("\n")).toHaveLength(1);
    expect(r.err).toMatch(line);
    expect(r.code).toBe(exit);
  });
});
