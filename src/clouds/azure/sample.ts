/** The bundled sample story (`examples/`): what collect.ps1 printed on the sample VM's helper. */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import { packageRoot } from "../../vocabulary/packageRoot";

/** The bundled `examples/` folder of the package, from the sources or from `dist/`. */
export const examplesDir = (): string => path.join(packageRoot(), "examples");

/**
 * The bundled sample story as collect.ps1 would print it on the helper: `examples/collect-output.json`
 * with `examples/112926-9218-01.dmp` merged in as base64 (the sample lists it as over the size cap).
 */
export function sampleCollectOutput(): Record<string, unknown> {
  const dir = examplesDir();
  const doc = JSON.parse(fs.readFileSync(path.join(dir, "collect-output.json"), "utf8"));
  for (const m of doc.dumps.minidumps as {
    name: string;
    base64: string | null;
    truncated: boolean;
  }[]) {
    const file = path.join(dir, m.name);
    if (m.base64 === null && fs.existsSync(file))
      Object.assign(m, { base64: fs.readFileSync(file).toString("base64"), truncated: false });
  }
  return doc;
}

/**
 * The bundled sample snapshot (`examples/snapshot/disk.img.gz`, made by
 * `tools/make-sample-snapshot.sh` with mkntfs and ntfs-3g): an NTFS volume holding the sample
 * story's SYSTEM hive, minidump, setupapi.dev.log and a real BCD. Decompressed once into the
 * temporary folder (written aside and renamed, so concurrent runs never see half a file); returns
 * the raw image's path.
 */
export function sampleSnapshotImage(): string {
  const packed = path.join(examplesDir(), "snapshot", "disk.img.gz");
  const stat = fs.statSync(packed);
  const file = path.join(os.tmpdir(), `vm-rescue-sample-snapshot-${stat.size}-${stat.mtimeMs}.img`);
  if (!fs.existsSync(file)) {
    const aside = `${file}.${process.pid}.part`;
    fs.writeFileSync(aside, zlib.gunzipSync(fs.readFileSync(packed)));
    fs.renameSync(aside, file);
  }
  return file;
}
