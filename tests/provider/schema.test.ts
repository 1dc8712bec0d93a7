/**
 * `bin/schema.json` is generated from one source (the step kinds, the components' spec, the
 * configuration) and agrees with the TypeScript the components are written in. No metaschema of
 * Pulumi packages ships with @pulumi/pulumi 3.248 (node_modules/@pulumi holds no pulumi.json), so
 * the structure the engine and the code generators rely on is checked here.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Project, type Type } from "ts-morph";
import { ALL_STEP_KINDS } from "../../src/provider/kinds";
import { buildSchema, packageVersion, SCHEMA_FILE, schemaText } from "../../src/provider/schema";
import {
  AWS_COMPONENT,
  AZURE_COMPONENT,
  OBJECT_TYPES,
  type ComponentSpec,
} from "../../src/provider/components";
import { CONFIG_SECTIONS } from "../../src/provider/config";
import { testSwapKind } from "../../src/provider/testing/testKind";
import { REPO_ROOT } from "./harness";

type Json = Record<string, unknown>;
const schema = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, SCHEMA_FILE), "utf8")) as Json;

test("bin/schema.json is what the generator writes now (npm run gen:schema)", () => {
  expect(fs.readFileSync(path.join(REPO_ROOT, SCHEMA_FILE), "utf8")).toBe(
    schemaText(ALL_STEP_KINDS, packageVersion()),
  );
});

/** Every place a property type sits in the schema, with where it is. */
function propertyTypes(s: Json): [string, Json][] {
  const out: [string, Json][] = [];
  const add = (where: string, props: unknown) => {
    for (const [k, p] of Object.entries((props ?? {}) as Record<string, Json>))
      out.push([`${where}.${k}`, p]);
  };
  add("config", (s.config as Json).variables);
  add("provider", (s.provider as Json).inputProperties);
  for (const [t, def] of Object.entries(s.types as Record<string, Json>)) add(t, def.properties);
  for (const [t, def] of Object.entries(s.resources as Record<string, Json>)) {
    add(`${t} input`, def.inputProperties);
    add(t, def.properties);
  }
  return out;
}

function checkType(where: string, p: Json, types: Json): string[] {
  const problems: string[] = [];
  if (p.plain) problems.push(`${where} is plain`);
  if (typeof p.$ref === "string") {
    const ref = p.$ref.replace("#/types/", "");
    if (!p.$ref.startsWith("#/types/") || !(ref in types))
      problems.push(`${where}: $ref ${p.$ref}`);
    return problems;
  }
  if (!["string", "number", "integer", "boolean", "array", "object"].includes(p.type as string)) {
    problems.push(`${where}: type ${String(p.type)}`);
  }
  if (p.type === "array") {
    if (!p.items) problems.push(`${where}: array without items`);
    else problems.push(...checkType(`${where}[]`, p.items as Json, types));
  }
  if (p.additionalProperties)
    problems.push(...checkType(`${where}{}`, p.additionalProperties as Json, types));
  return problems;
}

test("the schema has the structure of a Pulumi package schema", () => {
  expect(schema.name).toBe("vm-rescue");
  expect(schema.version).toBe(packageVersion());
  const types = schema.types as Json;
  const problems: string[] = [];
  for (const [where, p] of propertyTypes(schema)) problems.push(...checkType(where, p, types));
  for (const token of [...Object.keys(types), ...Object.keys(schema.resources as Json)]) {
    if (!/^vm-rescue:[a-z]+:[A-Z][A-Za-z]+$/.test(token)) problems.push(`token ${token}`);
  }
  for (const [t, def] of Object.entries(schema.resources as Record<string, Json>)) {
    const inputs = Object.keys((def.inputProperties ?? {}) as Json);
    const props = Object.keys((def.properties ?? {}) as Json);
    for (const r of (def.requiredInputs ?? []) as string[])
      if (!inputs.includes(r)) problems.push(`${t} requires ${r}`);
    for (const r of (def.required ?? []) as string[])
      if (!props.includes(r)) problems.push(`${t} outputs ${r}`);
    if (typeof def.description !== "string") problems.push(`${t} has no description`);
  }
  expect(problems).toEqual([]);
});

test("credentials are secret in the schema", () => {
  const types = schema.types as Record<string, { properties: Record<string, Json> }>;
  const secrets = Object.entries(types)
    .flatMap(([t, d]) =>
      Object.entries(d.properties).map(([k, p]) => [`${t}.${k}`, p.secret === true]),
    )
    .filter(([, s]) => s)
    .map(([k]) => k);
  expect(secrets.sort()).toEqual([
    "vm-rescue:index:AwsCredentials.secretKey",
    "vm-rescue:index:AwsCredentials.token",
    "vm-rescue:index:AzureCredentials.clientSecret",
    "vm-rescue:index:AzureCredentials.oidcToken",
  ]);
});

test("a step kind's resource: inputs, outputs, secrets and required keys from its PropertySpecs", () => {
  const r = (buildSchema([testSwapKind], "1.2.3").resources as Record<string, Json>)[
    testSwapKind.token
  ];
  expect(Object.keys(r.inputProperties as Json)).toEqual([
    "vmName",
    "repairDiskId",
    "note",
    "delayMs",
  ]);
  expect(r.requiredInputs).toEqual(["vmName", "repairDiskId"]);
  expect((r.properties as Record<string, Json>).serialLog).toMatchObject({
    type: "string",
    secret: true,
  });
  expect(r.required).toContain("swapped");
});

// --- the components' spec against the TypeScript ---

const project = new Project({
  tsConfigFilePath: path.join(REPO_ROOT, "tsconfig.json"),
  skipAddingFilesFromTsConfig: true,
});

function interfaceType(file: string, name: string): Type {
  const source = project.addSourceFileAtPath(path.join(REPO_ROOT, file));
  return source.getInterfaceOrThrow(name).getType();
}

/** The schema type a TypeScript type maps to. */
function schemaOf(t: Type): string {
  const type = t.getNonNullableType();
  if (type.isString()) return "string";
  if (type.isNumber()) return "number";
  if (type.isBoolean()) return "boolean";
  if (type.isArray()) return `array<${schemaOf(type.getArrayElementTypeOrThrow())}>`;
  const index = type.getStringIndexType();
  if (index) return `map<${schemaOf(index)}>`;
  const keys = type
    .getProperties()
    .map((p) => p.getName())
    .sort();
  for (const [token, def] of Object.entries(OBJECT_TYPES)) {
    if (JSON.stringify(Object.keys(def.properties).sort()) === JSON.stringify(keys)) return token;
  }
  return `unmapped ${type.getText()}`;
}

function specType(p: Json): string {
  if (typeof p.$ref === "string") return p.$ref.replace("#/types/", "");
  if (p.type === "integer") return "number";
  if (p.type === "array") return `array<${specType(p.items as Json)}>`;
  if (p.type === "object") return `map<${specType(p.additionalProperties as Json)}>`;
  return p.type as string;
}

function fromTypeScript(t: Type, node: import("ts-morph").Node) {
  return Object.fromEntries(
    t
      .getProperties()
      .map((s) => [
        s.getName(),
        { type: schemaOf(s.getTypeAtLocation(node)), optional: s.isOptional() },
      ]),
  );
}

function fromSpec(props: ComponentSpec["inputs"], outputs = false) {
  return Object.fromEntries(
    Object.entries(props).map(([k, p]) => [
      k,
      { type: specType(p as Json), optional: outputs ? false : p.optional === true },
    ]),
  );
}

test.each([
  [
    "AzureWindowsRescue",
    AZURE_COMPONENT,
    "src/clouds/azure/args.ts",
    "AzureWindowsRescueArgs",
    "AzureRescueOutputs",
  ],
  [
    "AwsWindowsRescue",
    AWS_COMPONENT,
    "src/clouds/aws/args.ts",
    "AwsWindowsRescueArgs",
    "AwsRescueOutputs",
  ],
])(
  "%s: the spec's inputs and outputs are the TypeScript args and outputs",
  (_n, spec, argsFile, args, outs) => {
    const argsFileNode = project.addSourceFileAtPath(path.join(REPO_ROOT, argsFile));
    expect(fromSpec(spec.inputs)).toEqual(
      fromTypeScript(interfaceType(argsFile, args), argsFileNode),
    );
    const outputsFile = "src/vocabulary/outputs.ts";
    const outputsNode = project.addSourceFileAtPath(path.join(REPO_ROOT, outputsFile));
    expect(fromSpec(spec.outputs, true)).toEqual(
      fromTypeScript(interfaceType(outputsFile, outs), outputsNode),
    );
  },
);

test("the configuration's settings are StepConfig's", () => {
  const file = "src/steps/contract.ts";
  const node = project.addSourceFileAtPath(path.join(REPO_ROOT, file));
  const config = interfaceType(file, "StepConfig");
  const tsKeys = (name: string) =>
    config
      .getPropertyOrThrow(name)
      .getTypeAtLocation(node)
      .getNonNullableType()
      .getProperties()
      .map((p) => p.getName());
  expect(Object.keys(CONFIG_SECTIONS.azure)).toEqual(tsKeys("azure"));
  expect(Object.keys(CONFIG_SECTIONS.aws)).toEqual(tsKeys("aws"));
  expect(config.getProperties().map((p) => p.getName())).toEqual([
    "azure",
    "aws",
    "simulatedCloud",
  ]);
});
