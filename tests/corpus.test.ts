/**
 * The corpus of real-format descriptions (tests/corpus/, sources in corpus.json) through the CLI's
 * `plan` (in this process; the process's own edges are tests/cli.badInputs.test.ts): each case names
 * the exit code and the one line printed, or the shape read; every file in the folder is a case (its expectation is in corpus.json). Variants a user
 * makes of the same document (a list of two, a Resource Graph answer, the UTF-16 files Windows
 * PowerShell writes, UTF-32, ids copied from the documentation) are built from the corpus files here.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { EXAMPLES, REPO_ROOT } from "./helpers/paths";
import { onceEach, runCliInProcess as runCli } from "./helpers/cliInProcess";

const CORPUS = path.join(REPO_ROOT, "tests", "corpus");
/** One corpus file: where it comes from, the plan command line, and what that plan must give. */
interface Entry {
  file: string;
  source: string;
  extract: string;
  shape: string | null;
  plan: string[];
  expect: { exit: number; shape?: string; line?: string };
}
const manifest = JSON.parse(fs.readFileSync(path.join(CORPUS, "corpus.json"), "utf8")) as {
  sources: Record<string, string>;
  files: Entry[];
};
/** Every file in the corpus folders: each is a case, so a new file is tested without a new line here. */
const onDisk = ["azure", "aws"].flatMap((d) =>
  fs.readdirSync(path.join(CORPUS, d)).map((f) => `${d}/${f}`),
);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "vm-rescue-corpus-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const corpus = (name: string) => path.join(CORPUS, name);
const read = (name: string) => JSON.parse(fs.readFileSync(corpus(name), "utf8"));
function derived(name: string, content: string | Buffer): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, content);
  return file;
}

/** A plan depends on its command line only: the twins' tests read the corpus files' own plans. */
const plan = onceEach((args: string[]) => runCli(["plan", ...args]));

const GET = "azure/rest-spec-2022-08-01-VirtualMachine_Get.json";
const SHOW = "azure/written-az-vm-show-2.61.json";
const EC2 = "aws/written-describe-instances-windows-2022.json";

type Case = [name: string, args: () => string[], exit: number, line: RegExp];
/** Variants a user makes of the corpus files (a list of two, a Resource Graph answer, PowerShell's encodings, docs' ids). */
const cases: Case[] = [
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
      derived("get-utf16le.json", utf16(fs.readFileSync(corpus(GET), "utf8"), "le")),
    ],
    2,
    /availabilitySet\.id is a placeholder or redacted id \("\/subscriptions\/\{subscription-id\}/,
  ],
  [
    "UTF-32LE with BOM: one line saying to save it as UTF-8",
    () => [
      "--azure-vm",
      derived("show-utf32le.json", utf32(fs.readFileSync(corpus(SHOW), "utf8"), "le")),
    ],
    2,
    /--azure-vm file \S+show-utf32le\.json is UTF-32 text, which is not supported; save it as UTF-8/,
  ],
  [
    "UTF-32BE with BOM: one line saying to save it as UTF-8",
    () => [
      "--azure-vm",
      derived("show-utf32be.json", utf32(fs.readFileSync(corpus(SHOW), "utf8"), "be")),
    ],
    2,
    /--azure-vm file \S+show-utf32be\.json is UTF-32 text, which is not supported; save it as UTF-8/,
  ],
  [
    "the Azure docs' all-zero subscription: a placeholder, not a VM",
    () => [
      "--azure-vm",
      derived(
        "show-zero-sub.json",
        fs
          .readFileSync(corpus(SHOW), "utf8")
          .replaceAll(
            "3b5f9c2e-8d41-4a7b-b6e0-52c19d8f4a73",
            "00000000-0000-0000-0000-000000000000",
          ),
      ),
    ],
    2,
    /--azure-vm: id is a placeholder or redacted id \("\/subscriptions\/00000000-0000-0000-0000-000000000000\//,
  ],
  [
    "the AWS docs' example instance id i-1234567890abcdef0: a placeholder, not an instance",
    () => [
      "--aws-instance",
      derived(
        "docs-instance.json",
        fs
          .readFileSync(corpus(EC2), "utf8")
          .replaceAll("i-0c3f81a9e6d25b4f7", "i-1234567890abcdef0"),
      ),
    ],
    2,
    /--aws-instance: InstanceId is i-1234567890abcdef0, an example id from the AWS documentation, not a real one/,
  ],
  [
    "the AWS docs' example volume id vol-049df61146c4d7901 as the root: a placeholder",
    () => [
      "--aws-instance",
      derived(
        "docs-root.json",
        fs
          .readFileSync(corpus(EC2), "utf8")
          .replaceAll("vol-0f2d7b91c4e6a8035", "vol-049df61146c4d7901"),
      ),
    ],
    2,
    /BlockDeviceMappings\[0\]\.Ebs\.VolumeId is vol-049df61146c4d7901, an example id from the AWS documentation/,
  ],
];

/** What Windows PowerShell writes: the text in UTF-16 with its byte-order mark. */
function utf16(text: string, order: "le" | "be"): Buffer {
  const le = Buffer.from(text, "utf16le");
  return Buffer.concat([
    Buffer.from(order === "le" ? [0xff, 0xfe] : [0xfe, 0xff]),
    order === "le" ? le : le.swap16(),
  ]);
}

/** The text in UTF-32 with its byte-order mark. */
function utf32(text: string, order: "le" | "be"): Buffer {
  const points = [0xfeff, ...Array.from(text, (c) => c.codePointAt(0) as number)];
  const out = Buffer.alloc(points.length * 4);
  points.forEach((p, i) =>
    order === "le" ? out.writeUInt32LE(p, i * 4) : out.writeUInt32BE(p, i * 4),
  );
  return out;
}

const expand = (arg: string, file: string) =>
  arg === "{file}"
    ? corpus(file)
    : arg
        .replace(/^\{corpus\}\//, CORPUS + path.sep)
        .replace(/^\{examples\}\//, EXAMPLES + path.sep);

describe("the corpus of real-format descriptions", () => {
  test("every file is listed with its source and expectation, and every listed file exists", () => {
    expect(manifest.files.map((f) => f.file).sort()).toEqual([...onDisk].sort());
    for (const f of manifest.files) {
      expect(manifest.sources[f.source]).toMatch(/^https:\/\//);
      expect(f.plan).toContain("{file}");
      expect(f.expect.shape ?? f.expect.line).toBeDefined();
    }
  });

  test.each(onDisk)("%s", async (name) => {
    const entry = manifest.files.find((f) => f.file === name);
    if (!entry) throw new Error(`${name} is not listed in tests/corpus/corpus.json`);
    const r = await plan(entry.plan.map((a) => expand(a, name)));
    expect(r.err).not.toMatch(/\n\s+at /);
    if (entry.expect.shape !== undefined) {
      // Planned: the output names the file and the shape it was read as.
      expect(r.err).toBe("");
      expect(r.out).toContain(`Read ${corpus(name)}: ${entry.expect.shape} (utf-8)`);
      expect(r.out).toMatch(/^Plan for stack \S+ \((azure|aws)\): \d+ resources$/m);
    } else {
      expect(r.out).toBe("");
      expect(r.err.trimEnd().split("\n")).toHaveLength(1);
      expect(r.err).toMatch(/^vm-rescue: /);
      expect(r.err).toMatch(new RegExp(entry.expect.line as string));
    }
    expect(r.code).toBe(entry.expect.exit);
  });

  test.each(cases)("%s", async (_name, args, exit, line) => {
    const r = await plan(args());
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(r.out).toBe("");
    expect(r.err.trimEnd().split("\n")).toHaveLength(1);
    expect(r.err).toMatch(line);
    expect(r.code).toBe(exit);
  });

  /**
   * What Windows PowerShell 5.1's `>` writes: each planned corpus file saved as UTF-16LE with a
   * BOM here plans exactly like the file itself; only the line saying what was read differs.
   */
  test.each(manifest.files.filter((f) => f.expect.shape !== undefined).map((f) => f.file))(
    "%s: its UTF-16LE twin with BOM plans exactly like it",
    async (name) => {
      const entry = manifest.files.find((f) => f.file === name) as Entry;
      const twin = derived(
        `utf16le-${path.basename(name)}`,
        utf16(fs.readFileSync(corpus(name), "utf8"), "le"),
      );
      const args = (file: string) =>
        entry.plan.map((a) => (a === "{file}" ? file : expand(a, name)));
      const [utf8, utf16le] = [await plan(args(corpus(name))), await plan(args(twin))];
      expect(utf8).toMatchObject({ code: 0, err: "" });
      const read = (file: string, encoding: string) =>
        `Read ${file}: ${entry.expect.shape} (${encoding})\n`;
      expect(utf8.out).toContain(read(corpus(name), "utf-8"));
      expect(utf16le.out).toContain(read(twin, "utf-16le with BOM"));
      expect(
        utf16le.out.replace(read(twin, "utf-16le with BOM"), read(corpus(name), "utf-8")),
      ).toBe(utf8.out);
      expect(utf16le.err).toBe(utf8.err);
      expect(utf16le.code).toBe(utf8.code);
    },
  );

  test("UTF-16BE with BOM plans like its UTF-8 twin", async () => {
    const r = await plan([
      "--azure-vm",
      derived("show-utf16be.json", utf16(fs.readFileSync(corpus(SHOW), "utf8"), "be")),
    ]);
    expect(r.err).toBe("");
    expect(r.out).toMatch(/: az vm show \(utf-16be with BOM\)$/m);
    expect(r.code).toBe(0);
  });
});
