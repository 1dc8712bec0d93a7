/**
 * The simulated Azure file keeps long blobs beside it, so every simulated call reads and writes a
 * small JSON file; what a step wrote reads back byte for byte, and the file's other parts stay.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  readFileBlob,
  readFileBlobBytes,
  readSimulatedAzure,
  writeFileBlob,
  writeSimulatedAzure,
} from "./simulatedFile";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "vm-rescue-simfile-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

test("a long shipped file lives beside the state file and reads back exactly", async () => {
  const file = path.join(tmp, "cloud.json");
  fs.writeFileSync(file, JSON.stringify({ aws: { kept: true } }));
  const hive = crypto.randomBytes(512 * 1024);
  const collect = JSON.stringify({ files: "x".repeat(200 * 1024) });
  writeFileBlob(file, "https://a/c/collect/SYSTEM", hive);
  writeFileBlob(file, "https://a/c/collect-output.json", Buffer.from(collect));
  writeFileBlob(file, "https://a/c/small.json", Buffer.from("{}"));

  expect(fs.statSync(file).size).toBeLessThan(4 * 1024);
  expect(fs.readdirSync(`${file}.blobs`)).toHaveLength(2);
  // Buffer.equals: jest's deep equality would compare half a million bytes one by one.
  const back = Buffer.from(readFileBlobBytes(file, "https://a/c/collect/SYSTEM", 1 << 20)!);
  expect(back.equals(hive)).toBe(true);
  expect(await readFileBlob(file, "https://a/c/collect-output.json")).toBe(collect);
  expect(await readFileBlob(file, "https://a/c/small.json")).toBe("{}");
  expect(JSON.parse(fs.readFileSync(file, "utf8")).aws).toEqual({ kept: true });

  // A compute call reads and writes the state back: the blobs are unchanged by it.
  writeSimulatedAzure(file, { ...readSimulatedAzure(file), clockMs: 5 });
  expect(Buffer.from(readFileBlobBytes(file, "https://a/c/collect/SYSTEM", 16)!)).toEqual(
    hive.subarray(0, 16),
  );
  expect(fs.readdirSync(`${file}.blobs`)).toHaveLength(2);
});

test("a blob whose text looks like a side-file marker reads back as itself", async () => {
  const file = path.join(tmp, "marker.json");
  writeFileBlob(file, "https://a/c/odd.json", Buffer.from("@blob:sha256:x"));
  writeFileBlob(file, "https://a/c/odd.bin", Buffer.from("@blob:sha256:y"));
  expect(await readFileBlob(file, "https://a/c/odd.json")).toBe("@blob:sha256:x");
  expect(Buffer.from(readFileBlobBytes(file, "https://a/c/odd.json", 64)!).toString()).toBe(
    "@blob:sha256:x",
  );
  expect(Buffer.from(readFileBlobBytes(file, "https://a/c/odd.bin", 64)!).toString()).toBe(
    "@blob:sha256:y",
  );
});
