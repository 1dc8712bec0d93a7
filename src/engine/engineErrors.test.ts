import { EngineError, engineMessage, errorDiagnostic } from "./engineErrors";

/** A CommandError as the SDK builds it from execa's error (see automation/cmd.js). */
function commandError(stderr: string, stdout = "") {
  const e = new Error(`code: -2\n stdout: \n stderr: ${stderr}\n err?: Error: x\n`);
  e.name = "CommandError";
  return Object.assign(e, { commandResult: { stdout, stderr, code: -2 } });
}

test("the CLI's `error:` line, not the SDK's `code: …` nor execa's header", () => {
  const e = commandError(
    "Command failed with exit code 255: /x/pulumi up --yes\nwarning: something\nerror: the passphrase is wrong\n",
  );
  expect(engineMessage(e)).toBe("the passphrase is wrong");
  expect(
    engineMessage(commandError("Command failed with exit code 1: pulumi x\nplain text\n")),
  ).toBe("plain text");
  expect(engineMessage(new Error("boom\n    at f (x.js:1)"))).toBe("boom");
});

test("error diagnostics: resource-less first; the program's exception line, not the runner's header", () => {
  const d = (message: string, urn = "") =>
    errorDiagnostic({
      sequence: 1,
      timestamp: 1,
      diagnosticEvent: { urn, message, color: "never", severity: "error" },
    } as never);
  expect(
    d(
      "<{%reset%}>Running program '/p' failed with an unhandled exception:\nSettingError: missing x\n",
    ),
  ).toBe("SettingError: missing x");
  expect(d("quota exceeded", "urn:pulumi:s::p::azure-native:compute:Snapshot::snap")).toBe(
    "snap: quota exceeded",
  );
  expect(engineMessage(null, ["snap: quota exceeded", "could not load plugin"])).toBe(
    "could not load plugin",
  );
});

test("kinds: a lock or pending operations; a canceled update", () => {
  expect(
    EngineError.from(commandError("error: the stack is currently locked by 1 lock(s)")).kind,
  ).toBe("locked");
  expect(EngineError.from(commandError("error: update canceled")).kind).toBe("canceled");
  expect(EngineError.from(commandError("error: boom"), [], true).kind).toBe("canceled");
  expect(EngineError.from(commandError("error: boom")).kind).toBe("failed");
});
