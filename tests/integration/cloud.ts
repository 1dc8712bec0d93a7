/**
 * Shared gate of the real-cloud integration tests: they need the Pulumi CLI and credentials, and a
 * disposable broken VM named by environment variables. Where any of that is missing every test in the
 * file is skipped with one clear message saying what is missing — they never pretend to pass.
 */
import { execFileSync } from "child_process";

export function pulumiCliVersion(): string | null {
  try {
    return execFileSync("pulumi", ["version"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  } catch {
    return null;
  }
}

/** Returns why the suite cannot run, or null when it can. */
export function missingForCloudRun(requiredEnv: string[]): string | null {
  const missing: string[] = [];
  if (!pulumiCliVersion()) missing.push("the Pulumi CLI (pulumi on PATH)");
  for (const name of requiredEnv) if (!process.env[name]) missing.push(name);
  return missing.length === 0 ? null : missing.join(", ");
}

/** `describe` or `describe.skip` with a message printed once. */
export function describeCloud(title: string, requiredEnv: string[], body: () => void): void {
  const missing = missingForCloudRun(requiredEnv);
  if (missing) {
    console.log(`skipped: ${title} — needs ${missing}`);
    describe.skip(`${title} (skipped: needs ${missing})`, body);
  } else {
    describe(title, body);
  }
}
