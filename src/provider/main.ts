/**
 * The entry of the `vm-rescue` provider plugin (`bin/pulumi-resource-vm-rescue`): the engine starts
 * it with its own address, reads the port from the first line of stdout and talks gRPC.
 */
import { ALL_STEP_KINDS } from "./kinds";
import { serve } from "./serve";

serve(ALL_STEP_KINDS, process.argv.slice(2)).catch((e: Error) => {
  process.stderr.write(`vm-rescue plugin: ${e.message}\n`);
  process.exit(1);
});
