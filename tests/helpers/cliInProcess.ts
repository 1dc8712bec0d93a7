/**
 * The CLI in the test's own process: `main` with its output kept as the process would write it
 * (processIo ends every write with a newline). For tests about what a command prints and returns;
 * tests about the process itself (exit status, a stray warning, EPIPE, signals) spawn bin/.
 */
import { main } from "../../src/cli/main";

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

const line = (t: string) => (t.endsWith("\n") ? t : `${t}\n`);

export async function runCliInProcess(args: string[]): Promise<CliRun> {
  let out = "";
  let err = "";
  const code = await main(args, {
    isTty: false,
    out: (t) => (out += line(t)),
    err: (t) => (err += line(t)),
  });
  return { code, out, err };
}

/**
 * `run` memoised by its command line, for a test file whose runs depend on their arguments only:
 * each distinct command line runs once however many tests read its result.
 */
export function onceEach<R>(run: (args: string[]) => Promise<R>): (args: string[]) => Promise<R> {
  const runs = new Map<string, Promise<R>>();
  return (args) => {
    const key = JSON.stringify(args);
    let r = runs.get(key);
    if (!r) runs.set(key, (r = run(args)));
    return r;
  };
}
