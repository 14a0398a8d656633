/**
 * Where a device's passphrase comes from, in this order: a `--passphrase-file` (its first line),
 * the `AURA_PASSPHRASE` environment variable, or a prompt on the terminal (input not echoed). With
 * none of these (no file, no variable, no terminal) it is `agent.no-passphrase`.
 *
 * Source: issue 11 item 1.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { permanentError } from '../core/errors.ts';

/** The environment variable holding a passphrase. */
export const PASSPHRASE_ENV = 'AURA_PASSPHRASE';

/** Where to look for a passphrase. */
export interface PassphraseSource {
  /** A file whose first line is the passphrase. */
  readonly file?: string;
  /** The environment (default `process.env`). */
  readonly env?: NodeJS.ProcessEnv;
  /** What the prompt says (`passphrase for device-1: `). */
  readonly prompt?: string;
}

/**
 * The passphrase from `source`. Errors: `agent.passphrase-file` (unreadable or empty file),
 * `agent.no-passphrase`.
 */
export async function readPassphrase(source: PassphraseSource): Promise<string> {
  if (source.file !== undefined) {
    let text: string;
    try {
      text = readFileSync(source.file, 'utf8');
    } catch (error) {
      throw permanentError('agent.passphrase-file', `cannot read the passphrase file ${source.file}: ${(error as Error).message}`, { cause: error });
    }
    const line = text.split(/\r?\n/, 1)[0] ?? '';
    if (line === '') throw permanentError('agent.passphrase-file', `the passphrase file ${source.file} is empty`);
    return line;
  }
  const env = (source.env ?? process.env)[PASSPHRASE_ENV];
  if (env !== undefined && env !== '') return env;
  if (process.stdin.isTTY && process.stderr.isTTY) return promptHidden(source.prompt ?? 'passphrase: ');
  throw permanentError('agent.no-passphrase', `no passphrase: give --passphrase-file FILE, set ${PASSPHRASE_ENV}, or run on a terminal to be asked`);
}

/** Reads one line from the terminal without echoing it. */
function promptHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.resume();
  return new Promise((resolve, reject) => {
    let typed = '';
    const done = (error?: Error): void => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      if (error === undefined) resolve(typed);
      else reject(error);
    };
    const onData = (chunk: Buffer): void => {
      for (const char of chunk.toString('utf8')) {
        if (char === '\r' || char === '\n') {
          done();
          return;
        }
        if (char === '\u0003') {
          done(permanentError('agent.no-passphrase', 'interrupted at the passphrase prompt'));
          return;
        }
        if (char === '\u007f') typed = typed.slice(0, -1);
        else typed += char;
      }
    };
    stdin.on('data', onData);
  });
}
