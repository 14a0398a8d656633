/**
 * Entry point of the `aura` command (see `bin/aura.js`). The V8 settings load first, before any
 * code is hot (`core/v8-tuning.ts`), then the polyfill libp2p needs on Node 20.
 */
import '../core/v8-tuning.ts';
import '../handlers/network/promise-with-resolvers.ts';
import { runCli } from './program.ts';

process.exitCode = await runCli(process.argv.slice(2));
