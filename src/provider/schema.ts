/**
 * The package schema the plugin serves (`GetSchema`) and `bin/schema.json` holds: generated from the
 * step kinds' PropertySpecs, the components' spec (`components.ts`) and the configuration
 * (`config.ts`). `npm run gen:schema` rewrites the file; a test fails when it is stale.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { PropertySpec } from "../steps/contract";
import { PACKAGE_NAME } from "../vocabulary/tokens";
import { packageRoot } from "../vocabulary/packageRoot";
import { COMPONENTS, OBJECT_TYPES, type ComponentProperty } from "./components";
import { CONFIG_SECTIONS, SIMULATED_CLOUD_DESCRIPTION } from "./config";
import { declareType, propertiesJson, requiredOf, type TypeTable } from "./types";
import type { AnyStepKind } from "./anyKind";

type Json = Record<string, unknown>;

/** Where the generated schema lives: next to the plugin's executable. */
export const SCHEMA_FILE = path.join("bin", "schema.json");

export const AZURE_CONFIG_TYPE = `${PACKAGE_NAME}:index:AzureCredentials`;
export const AWS_CONFIG_TYPE = `${PACKAGE_NAME}:index:AwsCredentials`;

/** The package version the plugin reports (package.json). */
export function packageVersion(): string {
  return JSON.parse(fs.readFileSync(path.join(packageRoot(), "package.json"), "utf8")).version;
}

function componentProperty(p: ComponentProperty): Json {
  const { optional: _optional, ...rest } = p;
  void _optional;
  return rest;
}

function componentProperties(specs: Record<string, ComponentProperty>): Json {
  return Object.fromEntries(Object.entries(specs).map(([k, p]) => [k, componentProperty(p)]));
}

function stepResource(kind: AnyStepKind, types: TypeTable): Json {
  const inputs = kind.inputs as Record<string, PropertySpec>;
  const outputs = kind.outputs as Record<string, PropertySpec>;
  return {
    description: kind.description,
    inputProperties: propertiesJson(inputs, types),
    requiredInputs: requiredOf(inputs),
    properties: propertiesJson({ ...inputs, ...outputs }, types),
    required: requiredOf({ ...inputs, ...outputs }),
  };
}

/** The package schema for the given step kinds. */
export function buildSchema(kinds: readonly AnyStepKind[], version: string): Json {
  const configVariables = {
    azure: { $ref: `#/types/${AZURE_CONFIG_TYPE}`, description: "Who the Azure steps run as." },
    aws: { $ref: `#/types/${AWS_CONFIG_TYPE}`, description: "Who the AWS steps run as." },
    simulatedCloud: { type: "string", description: SIMULATED_CLOUD_DESCRIPTION },
  };
  const types: TypeTable = {
    [AZURE_CONFIG_TYPE]: {
      type: "object",
      description: "Azure credentials of the steps (as the azure-native provider takes them).",
      properties: propertiesJson(CONFIG_SECTIONS.azure, {}),
    },
    [AWS_CONFIG_TYPE]: {
      type: "object",
      description: "AWS credentials of the steps (as the aws provider takes them).",
      properties: propertiesJson(CONFIG_SECTIONS.aws, {}),
    },
  };
  for (const [token, def] of Object.entries(OBJECT_TYPES)) declareType(types, token, def);
  const resources: Json = {};
  for (const kind of [...kinds].sort((a, b) => a.token.localeCompare(b.token))) {
    resources[kind.token] = stepResource(kind, types);
  }
  for (const c of COMPONENTS) {
    resources[c.token] = {
      isComponent: true,
      description: c.description,
      inputProperties: componentProperties(c.inputs),
      requiredInputs: requiredOf(c.inputs),
      properties: componentProperties(c.outputs),
      required: requiredOf(c.outputs),
    };
  }
  return {
    name: PACKAGE_NAME,
    displayName: "vm-rescue",
    version,
    description:
      "Rescue a Windows VM stuck in a BSOD boot loop (Azure, AWS): the rescue components and their imperative steps.",
    license: "Apache-2.0",
    config: { variables: configVariables },
    provider: {
      description: "Who the rescue's steps run as: the stack's credentials for each cloud.",
      inputProperties: configVariables,
    },
    types: Object.fromEntries(Object.entries(types).sort(([a], [b]) => a.localeCompare(b))),
    resources,
    language: { nodejs: { respectSchemaVersion: true } },
  };
}

/** The schema as the file holds it (and `GetSchema` returns it). */
export function schemaText(kinds: readonly AnyStepKind[], version: string): string {
  return `${JSON.stringify(buildSchema(kinds, version), null, 2)}\n`;
}
