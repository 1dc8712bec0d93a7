import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { rescueIdOfStack } from "./rollback";

test("the rescue id of a stack: its workspace config's (YAML or JSON form), else the stack name's", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vm-rescue-ws-"));
  try {
    expect(rescueIdOfStack("App-VM-01-rescue", dir)).toBe("app-vm-01-rescue");
    fs.writeFileSync(
      path.join(dir, "Pulumi.inc-7.yaml"),
      "config:\n  vm-rescue:cloud: azure\n  vm-rescue:rescueId: inc-7-r2\n",
    );
    expect(rescueIdOfStack("inc-7", dir)).toBe("inc-7-r2");
    fs.writeFileSync(
      path.join(dir, "Pulumi.inc-8.yaml"),
      JSON.stringify({ config: { "vm-rescue:rescueId": "inc-8-r3" } }, null, 2),
    );
    expect(rescueIdOfStack("inc-8", dir)).toBe("inc-8-r3");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
