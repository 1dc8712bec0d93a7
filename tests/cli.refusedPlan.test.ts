/**
 * An operator's choice that an invariant refuses, in `plan` and `rescue --simulate` on both clouds:
 * the refusal is thrown inside the mocked resources, where Pulumi wraps it in its own text; the
 * built CLI (dist/: `npm run build` first) prints it as one `vm-rescue:` line naming the invariant
 * and exits 2, in text and --json, with no Node warning after it.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { REPO_ROOT } from "./helpers/paths";

const BIN = path.join(REPO_ROOT, "bin", "vm-rescue.js");
const built = fs.existsSync(path.join(REPO_ROOT, "dist", "src", "cli", "main.js"));
const maybe = built ? describe : describe.skip;

const AZURE = ["--azure-vm", path.join(REPO_ROOT, "examples", "azure-vm.json")];
const AWS = ["--aws-instance", path.join(REPO_ROOT, "examples", "aws-instance.json")];

maybe("a plan an invariant refuses is one line and exit 2", () => {
  test.each<[string, string[], RegExp]>([
    [
      "plan, Azure",
      ["plan", ...AZURE, "--set", "driver=Ntfs"],
      /^vm-rescue: invariant boot-critical-driver: DisableDriver Ntfs: /,
    ],
    [
      "plan, AWS",
      ["plan", ...AWS, "--set", "driver=Ntfs", "--set", "kmsGrantConfirmed=true"],
      /^vm-rescue: invariant boot-critical-driver: DisableDriver Ntfs: /,
    ],
    [
      "rescue --simulate, Azure",
      ["rescue", "--simulate", "--driver", "disk", "--actions", "QuarantineDriverFile", "--yes"],
      /^vm-rescue: invariant boot-critical-driver: QuarantineDriverFile .*disk\.sys: /,
    ],
    [
      "rescue --simulate, AWS",
      ["rescue", "--simulate", "--cloud", "aws", "--driver", "Ntfs", "--yes"],
      /^vm-rescue: invariant boot-critical-driver: DisableDriver Ntfs: /,
    ],
  ])("%s", (_name, args, line) => {
    for (const mode of [[], ["--json"]]) {
      const r = spawnSync(process.execPath, [BIN, ...args, ...mode], {
        encoding: "utf8",
        cwd: REPO_ROOT,
        timeout: 120_000,
      });
      expect(r.stderr.trimEnd().split("\n")).toEqual([expect.stringMatching(line)]);
      expect(r.status).toBe(2);
      expect(r.stdout).toBe("");
    }
  });
});
