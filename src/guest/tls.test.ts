/**
 * Windows PowerShell 5.1 on .NET Framework may negotiate only TLS 1.0/1.1, which the storage
 * endpoints refuse: both scripts that upload force TLS 1.2 before their first upload (read from
 * the script as it is sent, common.ps1 in place).
 */
import { embedScript } from "./embed";

const TLS12 =
  "[Net.ServicePointManager]::SecurityProtocol = [Net.ServicePointManager]::SecurityProtocol -bor [Net.SecurityProtocolType]::Tls12";

describe.each(["collect.ps1", "repair.ps1"] as const)("%s forces TLS 1.2", (name) => {
  const text = embedScript(name);
  const lines = text.split(/\r?\n/);
  const tls = lines.findIndex((l) => l.trim() === TLS12);
  // A call, not the definition: an upload (Send-EvidenceFile) or any web request.
  const firstUpload = lines.findIndex(
    (l) =>
      /\bSend-EvidenceFile\s+-/.test(l) ||
      (/\bInvoke-(WebRequest|RestMethod)\b/.test(l) && !/^\s*#/.test(l)),
  );

  it("sets TLS 1.2 as a statement at the script's top level", () => {
    expect(tls).toBeGreaterThan(-1);
    expect(lines[tls]).toBe(TLS12);
  });

  it("before the first upload or web request", () => {
    expect(firstUpload).toBeGreaterThan(-1);
    expect(tls).toBeLessThan(firstUpload);
  });
});
