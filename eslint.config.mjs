// Lint: typescript-eslint's recommended rules and the tree's import boundaries
// (tools/architecture.cjs, explained in ARCHITECTURE.md).
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import tseslint from "typescript-eslint";
import architecture from "./tools/architecture.cjs";

const { packageViolation, violation } = architecture;

const root = path.dirname(fileURLToPath(import.meta.url));

/** The file a relative import names: itself, with .ts, or its folder's index.ts. */
function resolveModule(abs) {
  for (const f of [abs, `${abs}.ts`, path.join(abs, "index.ts")]) {
    if (fs.existsSync(f) && fs.statSync(f).isFile()) return f;
  }
  return abs;
}

/** Reports imports against the documented directions of the tree. */
const boundaries = {
  meta: { type: "problem", schema: [] },
  create(context) {
    const from = path.relative(root, context.filename);
    const check = (node, spec) => {
      if (typeof spec !== "string") return;
      let why;
      if (spec.startsWith(".")) {
        const abs = path.resolve(path.dirname(context.filename), spec);
        why = violation(from, path.relative(root, resolveModule(abs)));
      } else {
        why = packageViolation(from, spec);
      }
      if (why) context.report({ node, message: `import of "${spec}": ${why}` });
    };
    return {
      ImportDeclaration: (n) => check(n.source, n.source.value),
      ExportNamedDeclaration: (n) => n.source && check(n.source, n.source.value),
      ExportAllDeclaration: (n) => check(n.source, n.source.value),
      ImportExpression: (n) => n.source.type === "Literal" && check(n.source, n.source.value),
      CallExpression: (n) => {
        const arg = n.arguments[0];
        if (
          n.callee.type === "Identifier" &&
          n.callee.name === "require" &&
          arg?.type === "Literal"
        ) {
          check(arg, arg.value);
        }
      },
    };
  },
};

export default tseslint.config(
  {
    ignores: [
      "dist/**",
      "node_modules/**",
      "coverage/**",
      ".tools/**",
      "src/guest/params.generated.ts",
      "src/collect/validators.generated.ts",
      "src/repair/operations/validator.generated.ts",
    ],
  },
  ...tseslint.configs.recommended,
  {
    plugins: { "vm-rescue": { rules: { boundaries } } },
    rules: {
      "vm-rescue/boundaries": "error",
      // SDKs are required lazily where they are used, so `vm-rescue --help` and the pure commands
      // start without loading Pulumi or a cloud SDK.
      "@typescript-eslint/no-require-imports": "off",
      "@typescript-eslint/no-unused-vars": [
        "error",
        {
          argsIgnorePattern: "^_",
          varsIgnorePattern: "^_",
          destructuredArrayIgnorePattern: "^_",
          caughtErrors: "none",
        },
      ],
    },
  },
  {
    // Tests build hostile and partial inputs on purpose.
    files: ["**/*.test.ts", "tests/**", "**/testing/**", "bench/**", "examples/**"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
);
