// The headless `seisgrow` command line over io + ml. Each verb lives in src/cli/<verb>.ts.
import { SeisGrowError } from './shared/errors';
import { verbs } from './cli/verbs';

function usage(): string {
  const lines = Object.entries(verbs).map(([name, v]) => `  ${name.padEnd(10)} ${v.summary}`);
  return `usage: seisgrow <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nRun "seisgrow <command> --help" for a command's options.`;
}

/** Parse and dispatch; every SeisGrowError becomes one clear stderr line and exit code 1, never a stack trace. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name ? 0 : 2;
  }
  const verb = verbs[name];
  if (!verb) {
    console.error(`seisgrow: unknown command "${name}"\n${usage()}`);
    return 2;
  }
  try {
    return await (await verb.load())(rest);
  } catch (e) {
    if (e instanceof SeisGrowError) {
      console.error(`seisgrow ${name}: error: ${e.message}`);
      return 1;
    }
    const err = e as NodeJS.ErrnoException;
    if (err && typeof err.code === 'string' && err.path) {
      console.error(`seisgrow ${name}: error: ${err.path}: ${err.message}`);
      return 1;
    }
    console.error(`seisgrow ${name}: internal error: ${err?.stack ?? String(e)}`);
    return 70;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
}
