/** Transpile-only tests (swc); type checking is a separate `tsc --noEmit` step. */
module.exports = {
  testEnvironment: "node",
  transform: {
    "^.+\\.ts$": [
      "@swc/jest",
      {
        jsc: { target: "es2022", parser: { syntax: "typescript" } },
        module: { type: "commonjs", ignoreDynamic: true },
      },
    ],
  },
  testMatch: ["**/*.test.ts"],
  testPathIgnorePatterns: ["/node_modules/", "/dist/"],
  modulePathIgnorePatterns: ["<rootDir>/dist/"],
  testTimeout: 120000,
  setupFiles: ["<rootDir>/tests/setup/stackTraceLimit.js"],
  setupFilesAfterEnv: ["<rootDir>/tests/setup/simulationFolders.ts"],
  // Packages the Pulumi SDK loads but uses only to serialize functions: loaded on first use.
  moduleNameMapper: {
    "^typescript$": "<rootDir>/tests/setup/lazyModules/typescript.js",
    "^@npmcli/arborist$": "<rootDir>/tests/setup/lazyModules/arborist.js",
  },
  reporters: ["default", "<rootDir>/tests/summaryReporter.js"],
};
