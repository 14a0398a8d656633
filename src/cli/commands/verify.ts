/**
 * `aura verify --key HEX --message TEXT|--message-file F --signature HEX`: checks any Ed25519
 * signature (RFC 8032, strict, with `node:crypto`), no device needed. Exit 0 when it verifies,
 * 1 (`verify.invalid`) when it does not.
 *
 * Source: issue 11 item 2.
 *
 * @module
 */
import { createPublicKey, verify } from 'node:crypto';
import type { Command } from 'commander';
import { fromHex } from '../../core/bytes.ts';
import { permanentError } from '../../core/errors.ts';
import { printResult, usageError } from '../device-options.ts';
import { messageOf } from './sign.ts';

interface VerifyOptions {
  readonly key: string;
  readonly signature: string;
  readonly message?: string;
  readonly messageFile?: string;
  readonly json?: boolean;
}

/** Adds the `verify` command to `program`. */
export function registerVerifyCommand(program: Command): void {
  program
    .command('verify')
    .description('check an Ed25519 signature (any key; no device needed)')
    .requiredOption('--key <hex>', 'the 32-byte public key (e.g. a group key), hex')
    .requiredOption('--signature <hex>', 'the 64-byte signature, hex')
    .option('--message <text>', 'the message (UTF-8 text)')
    .option('--message-file <file>', 'the message (the bytes of a file)')
    .option('--json', 'print JSON')
    .action((options: VerifyOptions) => {
      runVerify(options);
    });
}

function runVerify(options: VerifyOptions): void {
  const key = hexOption(options.key, '--key', 32);
  const signature = hexOption(options.signature, '--signature', 64);
  const message = messageOf(options);
  const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(key).toString('base64url') }, format: 'jwk' });
  const valid = verify(null, message, publicKey, signature);
  if (!valid) throw permanentError('verify.invalid', 'the signature does not verify under this key and message');
  printResult(options.json, { valid }, () => ['valid: the signature verifies under this key']);
}

function hexOption(text: string, option: string, length: number): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = fromHex(text);
  } catch {
    throw usageError(`${option} must be hex, got "${text.slice(0, 20)}"`);
  }
  if (bytes.length !== length) throw usageError(`${option} must be ${length} bytes (${length * 2} hex digits), got ${bytes.length}`);
  return bytes;
}
