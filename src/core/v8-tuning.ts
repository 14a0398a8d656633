/**
 * V8 settings for Aura's own processes, applied when this module is imported: the `aura`
 * command and the benchmarks import it before anything else. Importing it changes no behaviour,
 * only what V8's optimizing compiler does with hot code.
 *
 * Why: `@noble/hashes`' BLAKE3 compresses a block with 112 calls to two small mixing functions,
 * each returning a fresh four-field object. V8 removes those objects only when it inlines the
 * calls into the compression function, and Node 20's cumulative inlining budget (920 bytes of
 * bytecode per optimized function) runs out before it has inlined them all: every block then
 * allocates about 4 KB and a one-block digest takes about 1.2 µs. With a budget of 2,500 bytes
 * the calls are inlined and the same digest takes about 0.55 µs, which nearly halves the cost of
 * DKD, resharing and content identifiers (`npm run bench`, docs/protocols.md, Performance).
 * An application that embeds Aura's modules in its own process gets the same by starting
 * `node` with {@link V8_FLAGS}.
 *
 * @module
 */
import { setFlagsFromString } from 'node:v8';

/** The V8 flags Aura's processes run with. */
export const V8_FLAGS: readonly string[] = ['--max-inlined-bytecode-size-cumulative=2500'];

for (const flag of V8_FLAGS) setFlagsFromString(flag);
