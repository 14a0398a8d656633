/** Entry point of the `aura` command (see `bin/aura.js`). */
import { runCli } from './program.ts';

process.exitCode = await runCli(process.argv.slice(2));
