/**
 * `bin/schema.json` is generated from one source (the step kinds, the components' spec, the
 * configuration) and agrees with the TypeScript the components are written in. No metaschema of
 * Pulumi packages ships with @pulumi/pulumi 3.248 (node_modules/@pulumi holds no pulumi.json), so
 * the structure the engine and the code generators rely on is checked here.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Project, type Node, type Type } from "ts-morph";
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
import type { PropertySpec } from "../../src/steps/contract";
import { BASELINE_SPEC, GATE_SPEC } from "../../src/clouds/aws/stepKit";
import { rootVolumeSwapKind } from "../../src/clouds/aws/swap";
import { CollectTriageKind } from "../../src/clouds/azure/decision";
import { propertyJson } from "../../src/provider/types";

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

/** Pulumi's built-in named types (`pulumi.json#/<name>`). */
const BUILT_IN = [
  "pulumi.json#/Any",
  "pulumi.json#/Archive",
  "pulumi.json#/Asset",
  "pulumi.json#/Json",
];
/** What a property may hold beside its type (a type reference alone holds only its type's keys). */
const PROPERTY_KEYS = [
  "description",
  "secret",
  "default",
  "replaceOnChanges",
  "willReplaceOnChanges",
];

/**
 * A type reference under Pulumi's package-schema rules: a primitive (`type` alone), an array
 * (`type: array` with `items`), a map (`type: object`, values `additionalProperties`: strings when
 * left out, so an object with a shape must not be one) or a named type (`$ref` alone:
 * `#/types/<token>` declared in this schema, or a built-in). An object-typed property here is a
 * `$ref` to a declared object type or a map that says what its values are.
 */
function checkType(where: string, p: Json, types: Json, property = true): string[] {
  const problems: string[] = [];
  if (p.plain) problems.push(`${where} is plain`);
  const extra = (allowed: string[]) => {
    const keys = Object.keys(p).filter((k) => !allowed.includes(k));
    const other = property ? keys.filter((k) => !PROPERTY_KEYS.includes(k)) : keys;
    if (other.length > 0) problems.push(`${where}: ${other.join(", ")} beside ${allowed[0]}`);
  };
  if ("$ref" in p) {
    const ref = String(p.$ref);
    const declared = ref.startsWith("#/types/") && ref.slice("#/types/".length) in types;
    if (!declared && !BUILT_IN.includes(ref))
      problems.push(`${where}: $ref ${ref} is not declared`);
    extra(["$ref"]);
    return problems;
  }
  switch (p.type) {
    case "string":
    case "number":
    case "integer":
    case "boolean":
      extra(["type"]);
      break;
    case "array":
      extra(["type", "items"]);
      if (!p.items) problems.push(`${where}: an array without items`);
      else problems.push(...checkType(`${where}[]`, p.items as Json, types, false));
      break;
    case "object":
      extra(["type", "additionalProperties"]);
      if (!p.additionalProperties)
        problems.push(
          `${where}: an object that is neither a $ref nor a map with additionalProperties`,
        );
      else problems.push(...checkType(`${where}{}`, p.additionalProperties as Json, types, false));
      break;
    default:
      problems.push(`${where}: type ${String(p.type)}`);
  }
  return problems;
}

/** An object type's declaration: an object with properties, its required ones among them. */
function checkObjectType(token: string, def: Json): string[] {
  const problems: string[] = [];
  if (def.type !== "object") problems.push(`${token}: type ${String(def.type)}`);
  const props = def.properties as Json | undefined;
  if (!props || Object.keys(props).length === 0) problems.push(`${token}: no properties`);
  for (const r of (def.required ?? []) as string[])
    if (!props || !(r in props)) problems.push(`${token} requires ${r}, which it lacks`);
  if (typeof def.description !== "string") problems.push(`${token} has no description`);
  return problems;
}

/** Every `$ref` in the schema, wherever it sits. */
function refs(v: unknown): string[] {
  if (Array.isArray(v)) return v.flatMap(refs);
  if (typeof v !== "object" || v === null) return [];
  return Object.entries(v).flatMap(([k, x]) =>
    k === "$ref" && typeof x === "string" ? [x] : refs(x),
  );
}

test("the schema has the structure of a Pulumi package schema", () => {
  expect(schema.name).toBe("vm-rescue");
  expect(schema.version).toBe(packageVersion());
  const types = schema.types as Json;
  const problems: string[] = [];
  for (const [where, p] of propertyTypes(schema)) problems.push(...checkType(where, p, types));
  for (const [token, def] of Object.entries(types))
    problems.push(...checkObjectType(token, def as Json));
  for (const token of [...Object.keys(types), ...Object.keys(schema.resources as Json)]) {
    if (!/^vm-rescue:[a-z]+:[A-Z][A-Za-z]+$/.test(token)) problems.push(`token ${token}`);
  }
  const used = new Set(refs(schema).map((r) => r.replace("#/types/", "")));
  for (const token of Object.keys(types))
    if (!used.has(token)) problems.push(`${token} is never used`);
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

test("the type rules catch an untyped object, an inline shape, a dangling $ref and a bare array", () => {
  const types = { "vm-rescue:index:SwapGate": {} };
  const found = (p: Json) => checkType("x", p, types);
  expect(found({ type: "object", description: "d" })).toEqual([
    "x: an object that is neither a $ref nor a map with additionalProperties",
  ]);
  expect(
    found({ type: "object", properties: {}, additionalProperties: { type: "string" } }),
  ).toEqual(["x: properties beside type"]);
  expect(found({ $ref: "#/types/vm-rescue:index:Gate" })).toEqual([
    "x: $ref #/types/vm-rescue:index:Gate is not declared",
  ]);
  expect(found({ $ref: "#/types/vm-rescue:index:SwapGate", type: "object" })).toEqual([
    "x: type beside $ref",
  ]);
  expect(found({ type: "array" })).toEqual(["x: an array without items"]);
  expect(found({ type: "array", items: { type: "string", description: "d" } })).toEqual([
    "x[]: description beside type",
  ]);
  expect(found({ type: "object", additionalProperties: { $ref: "pulumi.json#/Any" } })).toEqual([]);
});

test("the only maps are the ones whose keys are free (tags, script parameters)", () => {
  const maps = propertyTypes(schema)
    .filter(([, p]) => p.type === "object" || (p.items as Json | undefined)?.type === "object")
    .map(([where]) => where.replace(/ input\./, "."))
    .filter((w, i, all) => all.indexOf(w) === i)
    .sort();
  expect(maps).toEqual([
    "vm-rescue:aws:BackupSnapshot.tags",
    "vm-rescue:aws:SsmCommand.parameters",
    "vm-rescue:index:AwsStandbyHelper.tags",
    "vm-rescue:index:AwsWindowsRescue.tags",
    "vm-rescue:index:AzureWindowsRescue.tags",
    "vm-rescue:index:StandbyHelper.tags",
  ]);
});

test("the steps' objects are declared types: gate, baselines, culprit, repair parameters, triage", () => {
  const ref = (token: string, key: string) => {
    const p = (
      (schema.resources as Record<string, Json>)[token].properties as Record<string, Json>
    )[key];
    return (p.$ref ?? (p.items as Json | undefined)?.$ref) as string | undefined;
  };
  expect({
    azureGate: ref("vm-rescue:azure:OsDiskSwap", "gate"),
    serialBaseline: ref("vm-rescue:azure:OsDiskSwap", "serialBaseline"),
    verifyBaseline: ref("vm-rescue:azure:BootVerification", "serialBaseline"),
    rollbackBaseline: ref("vm-rescue:azure:OsDiskRollback", "serialBaseline"),
    awsGate: ref("vm-rescue:aws:RootVolumeSwap", "gate"),
    consoleBaseline: ref("vm-rescue:aws:RootVolumeSwap", "consoleBaseline"),
    triageGate: ref("vm-rescue:azure:CollectTriage", "gate"),
    culprit: ref("vm-rescue:azure:CollectTriage", "culprit"),
    repairParams: ref("vm-rescue:azure:CollectTriage", "repairParams"),
    triage: ref("vm-rescue:azure:CollectTriage", "triage"),
    findings: ref("vm-rescue:azure:CollectTriage", "findings"),
    decision: ref("vm-rescue:azure:CollectTriage", "decision"),
  }).toEqual({
    azureGate: "#/types/vm-rescue:index:SwapGate",
    serialBaseline: "#/types/vm-rescue:index:SerialBaseline",
    verifyBaseline: "#/types/vm-rescue:index:SerialBaseline",
    rollbackBaseline: "#/types/vm-rescue:index:SerialBaseline",
    awsGate: "#/types/vm-rescue:index:SwapGate",
    consoleBaseline: "#/types/vm-rescue:index:SerialBaseline",
    triageGate: "#/types/vm-rescue:index:SwapGate",
    culprit: "#/types/vm-rescue:index:Culprit",
    repairParams: "#/types/vm-rescue:index:RepairParams",
    triage: "#/types/vm-rescue:index:TriageResult",
    findings: "#/types/vm-rescue:index:DriverFinding",
    decision: "#/types/vm-rescue:index:RepairDecision",
  });
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

// --- the steps' object types against the TypeScript of the values they hold ---

/**
 * Where TypeScript values do not fit a PropertySpec: keys, optionality (null is optional), types.
 * `types` are the types a value may have (the members of a union, each checked).
 */
function mismatches(where: string, types: Type[], spec: PropertySpec, node: Node): string[] {
  const members = types.flatMap((t) => {
    const n = t.getNonNullableType();
    return n.isUnion() && !n.isBoolean() && spec.type !== "string" ? n.getUnionTypes() : [n];
  });
  if (spec.objectType) {
    const props = spec.objectType.properties;
    // A union of objects (a repair action's arguments): the keys are all of theirs.
    const byKey = new Map<string, { types: Type[]; optional: boolean }>();
    for (const m of members) {
      for (const s of m.getProperties()) {
        const pt = s.getTypeAtLocation(node);
        const e = byKey.get(s.getName()) ?? { types: [], optional: false };
        e.types.push(pt);
        e.optional ||= s.isOptional() || pt.isNullable();
        byKey.set(s.getName(), e);
      }
    }
    const out: string[] = [];
    for (const [k, e] of byKey) {
      const optional = e.optional || e.types.length < members.length;
      if (!(k in props)) out.push(`${where}.${k}: not in ${spec.objectType.name}`);
      else {
        if (!props[k].optional && optional) out.push(`${where}.${k}: may be missing`);
        if (props[k].optional && !optional) out.push(`${where}.${k}: always there`);
        out.push(...mismatches(`${where}.${k}`, e.types, props[k], node));
      }
    }
    for (const k of Object.keys(props))
      if (!byKey.has(k)) out.push(`${where}.${k}: not in the type`);
    return out;
  }
  return members.flatMap((type) => {
    const fits: Record<PropertySpec["type"], () => boolean> = {
      string: () =>
        type.isString() ||
        type.isStringLiteral() ||
        (type.isUnion() && type.getUnionTypes().every((u) => u.isString() || u.isStringLiteral())),
      // A number literal (a contract version `1`) is a number too.
      number: () => type.isNumber() || type.isNumberLiteral(),
      integer: () => type.isNumber() || type.isNumberLiteral(),
      boolean: () => type.isBoolean() || type.isBooleanLiteral(),
      array: () => type.isArray() || type.isTuple(),
      object: () => type.getStringIndexType() !== undefined,
    };
    if (!fits[spec.type]()) return [`${where}: ${type.getText()} is not a ${spec.type}`];
    if (spec.type === "array") {
      const elements = type.isTuple()
        ? type.getTupleElements()
        : [type.getArrayElementTypeOrThrow()];
      return mismatches(`${where}[]`, elements, spec.items!, node);
    }
    if (spec.type === "object")
      return mismatches(
        `${where}{}`,
        [type.getStringIndexType()!],
        spec.items ?? STRING_SPEC,
        node,
      );
    return [];
  });
}

const STRING_SPEC: PropertySpec = { type: "string", description: "A value." };

const objectSpec = (name: string, properties: Record<string, PropertySpec>): PropertySpec => ({
  type: "object",
  description: name,
  objectType: { name, description: name, properties },
});

test.each([
  ["src/swap/serialLog.ts", "SerialBaseline", BASELINE_SPEC],
  ["src/repair/decide.ts", "SwapGate", GATE_SPEC],
  [
    "src/clouds/azure/decision.ts",
    "TriageOutcome",
    objectSpec("CollectTriage outputs", CollectTriageKind.outputs as Record<string, PropertySpec>),
  ],
  [
    "src/clouds/aws/swap.ts",
    "RootVolumeSwapOutputs",
    objectSpec("RootVolumeSwap", {
      ...(rootVolumeSwapKind.inputs as Record<string, PropertySpec>),
      ...(rootVolumeSwapKind.outputs as Record<string, PropertySpec>),
    }),
  ],
])("%s %s: the schema's object types hold what the TypeScript holds", (file, name, spec) => {
  const source = project.addSourceFileAtPath(path.join(REPO_ROOT, file));
  const decl = source.getInterface(name) ?? source.getTypeAliasOrThrow(name);
  expect(mismatches(name, [decl.getType()], spec, source)).toEqual([]);
});

test("the TypeScript check catches a missing key, a wrong type and a nullable required key", () => {
  const source = project.createSourceFile(
    "inline-check.ts",
    "export interface T { a: string; b: number | null; c: boolean[] }",
    { overwrite: true },
  );
  const t = source.getInterfaceOrThrow("T").getType();
  const spec = objectSpec("T", {
    a: { type: "boolean", description: "a" },
    b: { type: "integer", description: "b" },
    d: { type: "string", description: "d" },
  });
  expect(mismatches("T", [t], spec, source).sort()).toEqual([
    "T.a: string is not a boolean",
    "T.b: may be missing",
    "T.c: not in T",
    "T.d: not in the type",
  ]);
});

test("an object type is declared once under types, nested ones too; two shapes of a name fail", () => {
  const inner = {
    name: "Inner",
    description: "i",
    properties: { n: { type: "integer", description: "n" } },
  } as const;
  const outer = {
    name: "Outer",
    description: "o",
    properties: { inner: { type: "object", objectType: inner, description: "x", optional: true } },
  } as const;
  const types = {};
  expect(
    propertyJson(
      {
        type: "array",
        items: { type: "object", objectType: outer, description: "e" },
        description: "l",
      },
      types,
    ),
  ).toEqual({
    type: "array",
    items: { $ref: "#/types/vm-rescue:index:Outer" },
    description: "l",
  });
  expect(types).toEqual({
    "vm-rescue:index:Inner": {
      type: "object",
      description: "i",
      properties: { n: { type: "integer", description: "n" } },
      required: ["n"],
    },
    "vm-rescue:index:Outer": {
      type: "object",
      description: "o",
      properties: { inner: { $ref: "#/types/vm-rescue:index:Inner", description: "x" } },
      required: [],
    },
  });
  expect(propertyJson({ type: "object", description: "m" }, {})).toEqual({
    type: "object",
    additionalProperties: { type: "string" },
    description: "m",
  });
  const other = { ...inner, properties: { m: { type: "string", description: "m" } } } as const;
  expect(() =>
    propertyJson({ type: "object", objectType: other, description: "y" }, types),
  ).toThrow("the schema type vm-rescue:index:Inner is declared with two shapes");
});
