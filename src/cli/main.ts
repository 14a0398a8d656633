/** Entry point of the `aura` command (see `bin/aura.js`). The polyfill loads first: libp2p needs it on Node 20. */
import '../handlers/network/promise-with-resolvers.ts';
import { runCli } from './program.ts';

process.exitCode = await runCli(process.argv.slice(2));
