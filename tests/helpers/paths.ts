/** Where tests find the repository's files and the shared fixtures beside it. */
import * as path from "node:path";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");
export const EXAMPLES = path.join(REPO_ROOT, "examples");
export const SCHEMAS = path.join(REPO_ROOT, "schemas");
export const TOOLS = path.join(REPO_ROOT, "tools");
/** `../shared/fixtures` beside the repository: real dumps, hives and event logs (may be absent). */
export const SHARED_FIXTURES = path.resolve(REPO_ROOT, "..", "shared", "fixtures");
