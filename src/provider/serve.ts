/**
 * Serves the `vm-rescue` provider for the given step kinds: the plugin's entry (`main.ts`) passes
 * every kind of both clouds.
 */
import { constructComponent } from "./construct";
import { engineLogger } from "./engineLog";
import { serveWithHooks } from "./grpcHooks";
import { packageVersion, schemaText } from "./schema";
import { StepProvider, type AnyStepKind } from "./stepProvider";

export function createProvider(kinds: readonly AnyStepKind[], args: string[]): StepProvider {
  const version = packageVersion();
  return new StepProvider({
    version,
    kinds,
    schema: () => schemaText(kinds, version),
    construct: constructComponent,
    log: engineLogger(args),
  });
}

export async function serve(kinds: readonly AnyStepKind[], args: string[]): Promise<void> {
  const p = createProvider(kinds, args);
  await serveWithHooks(p, (config) => p.configure(config), args);
}
