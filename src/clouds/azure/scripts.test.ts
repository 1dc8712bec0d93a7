/** The repair Run Command carries the compiled operations repair.ps1 executes. */
import { SAMPLE_OPERATIONS } from "../../repair/operations/testing/sample";
import { repairRunCommand } from "./scripts";

describe("repairRunCommand", () => {
  const base = "https://acct.blob.core.windows.net/rescue";
  it("passes the compiled operations as -Operations, and keeps the upload parameters", () => {
    const rc = repairRunCommand({ Actions: ["DisableDriver"] }, base, SAMPLE_OPERATIONS);
    const byName = Object.fromEntries(rc.parameters.map((p) => [p.name, p.value]));
    expect(JSON.parse(Buffer.from(byName.Operations, "base64").toString("utf8"))).toEqual(
      SAMPLE_OPERATIONS,
    );
    expect(byName.UploadKind).toBe("AzureBlob");
    expect(JSON.parse(byName.UploadUrls)).toHaveProperty("SYSTEM");
  });

  it("leaves -Operations out when no compiled plan is given", () => {
    const rc = repairRunCommand({ Actions: ["DisableDriver"] }, base);
    expect(rc.parameters.map((p) => p.name)).not.toContain("Operations");
  });
});
