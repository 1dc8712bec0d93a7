/**
 * Whom an Azure step runs as: the `vm-rescue` provider configuration first, then the `ARM_*`
 * variables the azure-native provider reads, then the Azure SDK's default chain — key by key, as
 * azure-native resolves its own settings.
 */
import {
  ClientAssertionCredential,
  ClientSecretCredential,
  DefaultAzureCredential,
} from "@azure/identity";
import { azureAuthSettings, azureCredential } from "./runtime";

const VARS = [
  "ARM_TENANT_ID",
  "ARM_CLIENT_ID",
  "ARM_CLIENT_SECRET",
  "ARM_USE_OIDC",
  "ARM_OIDC_TOKEN",
  "ARM_OIDC_TOKEN_FILE_PATH",
  "ARM_OIDC_REQUEST_URL",
  "ARM_OIDC_REQUEST_TOKEN",
  "ACTIONS_ID_TOKEN_REQUEST_URL",
  "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
  "AZURE_TENANT_ID",
  "AZURE_CLIENT_ID",
  "AZURE_CLIENT_SECRET",
];

let saved: NodeJS.ProcessEnv;
beforeEach(() => {
  saved = { ...process.env };
  for (const k of VARS) delete process.env[k];
});
afterEach(() => {
  process.env = saved;
});

const fields = (c: object) => c as unknown as { tenantId: string; clientSecret: string };

describe("Azure credential precedence", () => {
  test("ARM_* client secret (as azure-native reads it) with no provider config: a client-secret credential", () => {
    Object.assign(process.env, {
      ARM_TENANT_ID: "env-tenant",
      ARM_CLIENT_ID: "env-client",
      ARM_CLIENT_SECRET: "env-secret",
    });
    const c = azureCredential({});
    expect(c).toBeInstanceOf(ClientSecretCredential);
    expect(fields(c)).toMatchObject({ tenantId: "env-tenant", clientSecret: "env-secret" });
  });

  test("the provider configuration wins over ARM_* key by key", () => {
    Object.assign(process.env, {
      ARM_TENANT_ID: "env-tenant",
      ARM_CLIENT_ID: "env-client",
      ARM_CLIENT_SECRET: "env-secret",
    });
    const c = azureCredential({ tenantId: "cfg-tenant", clientSecret: "cfg-secret" });
    expect(fields(c)).toMatchObject({ tenantId: "cfg-tenant", clientSecret: "cfg-secret" });
    expect(azureAuthSettings({ tenantId: "cfg-tenant" })).toMatchObject({
      tenantId: "cfg-tenant",
      clientId: "env-client",
    });
  });

  test("ARM_USE_OIDC with ARM_OIDC_TOKEN: the token is the client assertion", async () => {
    Object.assign(process.env, {
      ARM_TENANT_ID: "t",
      ARM_CLIENT_ID: "c",
      ARM_USE_OIDC: "true",
      ARM_OIDC_TOKEN: "env-jwt",
    });
    const c = azureCredential(undefined);
    expect(c).toBeInstanceOf(ClientAssertionCredential);
    const assertion = (c as unknown as { getAssertion(): Promise<string> }).getAssertion;
    expect(await assertion()).toBe("env-jwt");
    const fromConfig = azureCredential({ oidcToken: "cfg-jwt" });
    expect(
      await (fromConfig as unknown as { getAssertion(): Promise<string> }).getAssertion(),
    ).toBe("cfg-jwt");
  });

  test("useOidc=false in the provider configuration overrides ARM_USE_OIDC", () => {
    Object.assign(process.env, { ARM_USE_OIDC: "true", ARM_OIDC_TOKEN: "jwt" });
    expect(azureCredential({ useOidc: false })).toBeInstanceOf(DefaultAzureCredential);
  });

  test("a client secret in the provider configuration beats the CI's OIDC variables", () => {
    Object.assign(process.env, {
      ARM_TENANT_ID: "t",
      ARM_CLIENT_ID: "c",
      ARM_USE_OIDC: "true",
      ARM_OIDC_TOKEN: "jwt",
    });
    expect(azureCredential({ clientSecret: "s" })).toBeInstanceOf(ClientSecretCredential);
  });

  test("nothing configured and no ARM_*: the SDK's default chain (AZURE_* stays its business)", () => {
    process.env.AZURE_CLIENT_SECRET = "sdk-secret";
    expect(azureCredential({})).toBeInstanceOf(DefaultAzureCredential);
  });
});
