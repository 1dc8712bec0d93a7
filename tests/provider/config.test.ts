/**
 * Finding 10: the steps run as the stack's identity. The engine sends the provider's configuration
 * in Configure as `args` (secrets kept) and as `vm-rescue:config:<key>` variables (older engines:
 * only these); both give the same StepConfig.
 */
import { parseStepConfig } from "../../src/provider/config";
import { secretValue } from "./harness";

const azure = { clientId: "app-123", clientSecret: "s3cr3t", tenantId: "t-1", useOidc: false };

test("from args, secrets unwrapped for the steps", () => {
  const config = parseStepConfig(
    { azure: { ...azure, clientSecret: secretValue("s3cr3t") }, simulatedCloud: "/tmp/c.json" },
    new Map(),
  );
  expect(config).toEqual({ azure, simulatedCloud: "/tmp/c.json" });
});

test("from variables when the engine sends no args: objects arrive as JSON", () => {
  const config = parseStepConfig(
    undefined,
    new Map([
      ["vm-rescue:config:aws", JSON.stringify({ region: "eu-west-1", profile: "ops" })],
      ["vm-rescue:config:simulatedCloud", "/tmp/c.json"],
      ["other:config:region", "us-east-1"],
    ]),
  );
  expect(config).toEqual({
    aws: { region: "eu-west-1", profile: "ops" },
    simulatedCloud: "/tmp/c.json",
  });
});

test("the rescue project's own settings in the same namespace are left alone", () => {
  expect(
    parseStepConfig({ vmName: "app-vm-01", resourceGroup: "rg", swap: true }, new Map()),
  ).toEqual({});
});

test("a wrong credential setting is named", () => {
  expect(() => parseStepConfig({ aws: { secretKey: 5 } }, new Map())).toThrow(
    "vm-rescue:aws.secretKey must be a string",
  );
  expect(() => parseStepConfig({ azure: { secret: "x" } }, new Map())).toThrow(
    "vm-rescue:azure.secret is not a setting of the provider",
  );
  expect(() =>
    parseStepConfig({ azure: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" }, new Map()),
  ).toThrow(/not known yet/);
});
