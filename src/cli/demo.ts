/**
 * `npm run demo`: the account story of issue 11 (item 3), told with the `aura` command run as
 * separate processes on loopback in a fresh temporary directory: create a 2-of-3 account by DKG,
 * start its three devices as nodes, sign a message and verify it with `node:crypto` against the
 * group key, derive a context key by DKD, sync the journals, add a 4th device by resharing (same
 * group key, epoch bumped) and sign from it, set up three guardians (each its own one-device
 * authority), lose two devices (nodes killed, directories deleted), recover into a new device with
 * two guardians' approvals after the cooldown, sign from it under the unchanged group key (checked
 * with `node:crypto`), see signing refused with too few devices naming who is missing, and check
 * that every surviving journal holds the same facts. Each step is timed; a summary table ends the
 * run; the exit code is 0 only if every check passed. The earlier tour of the lower layers is
 * `npm run tour` (`tour.ts`).
 *
 * @module
 */
import { existsSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAura, spawnAura, verifiesWithNodeCrypto, type AuraProcess, type AuraRun } from './aura-process.ts';

interface Signed {
  readonly signature: string;
  readonly signers: readonly string[];
}

interface Check {
  readonly step: string;
  readonly name: string;
  readonly ok: boolean;
  readonly ms: number;
}

const checks: Check[] = [];
let step = '';
let stepStarted = 0;

function begin(title: string): void {
  step = title;
  stepStarted = performance.now();
  console.log(`\n${title}`);
}

function check(name: string, ok: boolean): void {
  const ms = Math.round(performance.now() - stepStarted);
  checks.push({ step, name, ok, ms });
  console.log(`  ${ok ? '✓' : '✗'} ${name} (${ms} ms)`);
}

function say(line: string): void {
  console.log(`  ${line}`);
}

function json(run: AuraRun): unknown {
  try {
    return JSON.parse(run.stdout) as unknown;
  } catch {
    say(`(no JSON: exit ${run.status}: ${run.stderr.trim()})`);
    return undefined;
  }
}

/**
 * Creates the one-device authorities of `names` (in parallel, passphrase in `passFile`) and starts
 * their nodes, each put in `nodes` as it starts (so the demo's end stops it); resolves when every
 * node is ready.
 */
async function startGuardians(names: readonly string[], dirOf: (name: string) => string, passFile: string, nodes: Map<string, AuraProcess>): Promise<{ made: AuraRun[]; guardianNodes: AuraProcess[] }> {
  const made = await Promise.all(names.map((name) => runAura(['init', '--devices', '1', '--threshold', '1', '--dir', `${dirOf(name)}-account`, '--passphrase-file', passFile, '--kdf-log-n', '14', '--json'])));
  for (const name of names) renameSync(join(`${dirOf(name)}-account`, 'device-1'), dirOf(name));
  const guardianNodes = names.map((name) => {
    const node = spawnAura(['node', '--dir', dirOf(name), '--passphrase-file', passFile, '--json']);
    nodes.set(name, node);
    return node;
  });
  await Promise.all(guardianNodes.map((node) => node.waitFor((line) => line.event === 'ready')));
  return { made, guardianNodes };
}

const root = mkdtempSync(join(tmpdir(), 'aura-demo-'));
const passFile = join(root, 'passphrase');
writeFileSync(passFile, 'demo passphrase, not for real accounts\n', { mode: 0o600 });
const accountDir = join(root, 'account');
const nodes = new Map<string, AuraProcess>();
const started = performance.now();

console.log(`Aura demo: a 2-of-3 threshold account on three devices, each its own process (in ${root})`);
try {
  begin('1. Create the account: aura init --devices 3 --threshold 2 (DKG among three device nodes over libp2p)');
  const init = json(await runAura(['init', '--devices', '3', '--threshold', '2', '--dir', accountDir, '--passphrase-file', passFile, '--kdf-log-n', '14', '--json'])) as
    | { authority: string; groupKey: string; devices: { name: string; dir: string; device: string }[] }
    | undefined;
  check('three device directories and one authority were created', init?.devices.length === 3);
  if (init === undefined) throw new Error('aura init failed; nothing else can run');
  say(`authority ${init.authority}`);
  say(`group key ${init.groupKey}`);
  const dirOf = (name: string): string => join(accountDir, name);
  const guardians = ['guardian-1', 'guardian-2', 'guardian-3'];
  const guardianDir = (name: string): string => join(root, name);

  begin('2. Start the three devices: aura node --dir … (separate processes on 127.0.0.1)');
  for (const device of init.devices) nodes.set(device.name, spawnAura(['node', '--dir', device.dir, '--passphrase-file', passFile, '--json']));
  await Promise.all([...nodes.values()].map((n) => n.waitFor((line) => line.event === 'ready')));
  await Promise.all([...nodes.values()].map((n) => n.waitFor((line) => line.event === 'peer-online')));
  const status = json(await runAura(['status', '--dir', dirOf('device-1'), '--json'])) as { epoch: number; members: { name: string; online: boolean }[] } | undefined;
  say(`online: ${status?.members.filter((m) => m.online).map((m) => m.name).join(', ') ?? '?'}`);
  check('every device is up and sees the others', status?.members.every((m) => m.online) === true);
  // The guardians are other people's accounts, independent of this one: they are created and started
  // while steps 3 to 5b run (step 6 reports them), so their processes' start-up overlaps the protocol runs.
  const guardianAccounts = startGuardians(guardians, guardianDir, passFile, nodes);
  guardianAccounts.catch(() => undefined); // awaited in step 6; a failure before then is reported there

  begin('3. Sign with the account: aura sign --dir device-1 (FROST among the online devices)');
  const message = 'Aura demo: pay 10 to Bob';
  const signed = json(await runAura(['sign', '--dir', dirOf('device-1'), '--message', message, '--json'])) as Signed | undefined;
  say(`signature ${signed?.signature ?? '(none)'} by ${signed?.signers.join(', ') ?? '?'}`);
  check('node:crypto verifies the signature under the group key', signed !== undefined && verifiesWithNodeCrypto(init.groupKey, message, signed.signature));
  const forged = await runAura(['verify', '--key', init.groupKey, '--message', 'Aura demo: pay 99 to Bob', '--signature', signed?.signature ?? '00'.repeat(64)]);
  check('aura verify refuses the signature for another message', forged.status === 1);

  begin('4. Derive a context key: aura derive --dir device-1 --context mail (DKD among the online devices)');
  const derived = json(await runAura(['derive', '--dir', dirOf('device-1'), '--context', 'mail', '--passphrase-file', passFile, '--json'])) as
    | { publicKey: string; fact: string; members: string[] }
    | undefined;
  say(`context key ${derived?.publicKey ?? '(none)'} derived by ${derived?.members.join(', ') ?? '?'}`);
  check('every online device derived the same context key', derived !== undefined && /^[0-9a-f]{64}$/.test(derived.publicKey) && derived.members.length === 3);

  begin('5. Sync the journals: aura sync --dir device-1 --once (anti-entropy with every online device)');
  const synced = json(await runAura(['sync', '--dir', dirOf('device-1'), '--once', '--passphrase-file', passFile, '--json'])) as
    | { results: { name: string; outcome: string }[]; sent: number; received: number }
    | undefined;
  say(`${synced?.results.map((r) => `${r.name} ${r.outcome}`).join(', ') ?? '?'}; facts sent ${synced?.sent ?? '?'}, received ${synced?.received ?? '?'}`);
  check('device-1 converged with every other device', synced !== undefined && synced.results.length === 2 && synced.results.every((r) => r.outcome === 'converged'));

  begin('5b. Add a 4th device: aura device add --dir device-1 --new-dir device-4 (resharing onto four devices)');
  const added = json(await runAura(['device', 'add', '--dir', dirOf('device-1'), '--new-dir', dirOf('device-4'), '--passphrase-file', passFile, '--kdf-log-n', '14', '--json'])) as
    | { members: string[]; epoch: number; groupKey: string; ms: number }
    | undefined;
  say(`members ${added?.members.join(', ') ?? '?'}; epoch ${status?.epoch ?? '?'} -> ${added?.epoch ?? '?'} (resharing and signing the change: ${added?.ms ?? '?'} ms)`);
  const fourthStatus = json(await runAura(['status', '--dir', dirOf('device-4'), '--json'])) as { groupKey: string; epoch: number; members: unknown[] } | undefined;
  check('aura status of device-4: the group key is unchanged and the epoch bumped', fourthStatus?.groupKey === init.groupKey && status !== undefined && fourthStatus.epoch === status.epoch + 1 && fourthStatus.members.length === 4);
  // device-4 runs as a node from here on (guardian setup reshares every device's share); it signs through it.
  const fourth = spawnAura(['node', '--dir', dirOf('device-4'), '--passphrase-file', passFile, '--json']);
  nodes.set('device-4', fourth);
  await fourth.waitFor((line) => line.event === 'peer-online');
  const fromFourth = json(await runAura(['sign', '--dir', dirOf('device-4'), '--message', message, '--json'])) as Signed | undefined;
  say(`signed by ${fromFourth?.signers.join(', ') ?? '?'}`);
  check('device-4 signs with one other under the same group key', fromFourth !== undefined && fromFourth.signers.length === 2 && fromFourth.signers.includes('device-4') && verifiesWithNodeCrypto(init.groupKey, message, fromFourth.signature));

  begin('6. Three guardians, each its own one-device authority (aura init --devices 1 --threshold 1, aura node, alongside steps 3-5b), then aura guardian add');
  const { made, guardianNodes } = await guardianAccounts;
  check('three guardian authorities were created and their nodes started', made.every((r) => r.status === 0));
  const setup = json(await runAura(['guardian', 'add', '--dir', dirOf('device-1'), ...guardians.flatMap((name) => ['--guardian-dir', guardianDir(name)]), '--cooldown', '2s', '--json'])) as
    | { guardians: string[]; devices: string[]; groupKey: string; ms: number }
    | undefined;
  say(`guardians ${setup?.guardians.join(', ') ?? '?'} of devices ${setup?.devices.join(', ') ?? '?'}, recovery cooldown 2 s (guardian setup and resharing: ${setup?.ms ?? '?'} ms)`);
  // The owners finish when the guardians acknowledged their shares; each guardian's node then records the guardianship.
  const joined = await Promise.all(guardianNodes.map((node) => node.waitFor((line) => line.event === 'guardian-joined')));
  check('every guardian holds a recovery share of the unchanged group key', setup?.guardians.length === 3 && setup.groupKey === init.groupKey && joined.every((line) => line.authority === init.authority));

  begin('7. Lose device-2 and device-3: their nodes killed, their directories deleted');
  for (const name of ['device-2', 'device-3']) {
    nodes.get(name)?.child.kill('SIGKILL');
    await nodes.get(name)?.exited;
    nodes.delete(name);
    rmSync(dirOf(name), { recursive: true, force: true });
  }
  check('device-2 and device-3 are gone', !existsSync(dirOf('device-2')) && !existsSync(dirOf('device-3')));

  begin('8. Recover into a new device: aura recovery start, two guardians approve, the cooldown passes');
  const newDir = dirOf('device-5');
  const recovering = spawnAura(['recovery', 'start', '--dir', newDir, '--authority', init.authority, '--guardian-dir', guardianDir('guardian-1'), '--passphrase-file', passFile, '--kdf-log-n', '14', '--json']);
  nodes.set('recovery', recovering);
  const request = String((await recovering.waitFor((line) => line.event === 'requested')).request);
  say(`request ${request}`);
  // Each guardian's person approves the request its node shows.
  const approvals = await Promise.all(
    ['guardian-1', 'guardian-2'].map(async (name) => {
      await nodes.get(name)?.waitFor((line) => line.event === 'recovery-requested' && line.request === request);
      return runAura(['recovery', 'approve', '--dir', guardianDir(name), '--request', request, '--json']);
    }),
  );
  check('guardian-1 and guardian-2 approve the request', approvals.every((r) => r.status === 0));
  const cooling = await recovering.waitFor((line) => line.event === 'cooldown' || line.event === 'recovered');
  say(cooling.event === 'cooldown' ? `cooldown until ${String(cooling.endsAt)}: the owner could still dispute (aura recovery dispute)` : 'recovered');
  const recovered = (await recovering.waitFor((line) => line.event === 'recovered')) as { groupKey?: string; members?: string[]; approvers?: string[]; ms?: number };
  check('the recovery exited 0', (await recovering.exited) === 0);
  nodes.delete('recovery');
  say(`device-5 holds a share; devices now ${recovered.members?.join(', ') ?? '?'}, approved by ${recovered.approvers?.join(', ') ?? '?'} (${recovered.ms ?? '?'} ms)`);
  check('the group key is unchanged and the surviving devices took part', recovered.groupKey === init.groupKey && recovered.members?.join(',') === 'device-1,device-4,device-5');

  begin('9. Sign from the recovered device: aura node --dir device-5, aura sign --dir device-5');
  const fifth = spawnAura(['node', '--dir', newDir, '--passphrase-file', passFile, '--json']);
  nodes.set('device-5', fifth);
  await fifth.waitFor((line) => line.event === 'peer-online');
  const fifthStatus = json(await runAura(['status', '--dir', newDir, '--json'])) as { epoch: number; members: { name: string; inTree: boolean }[]; guardians: string[] } | undefined;
  say(`epoch ${fifthStatus?.epoch ?? '?'}; in the tree: ${fifthStatus?.members.filter((m) => m.inTree).map((m) => m.name).join(', ') ?? '?'} and ${fifthStatus?.guardians.length ?? '?'} guardians`);
  // Epochs: 0 at creation, 1 after the device add, 2 after guardian setup (the guardians' leaves), 3 after the recovery.
  check('aura status of device-5: the tree holds device-1, device-4 and device-5 and the guardians, the epoch bumped by guardian setup and recovery', fifthStatus?.epoch === 3 && fifthStatus.members.map((m) => `${m.name}:${m.inTree}`).join(',') === 'device-1:true,device-4:true,device-5:true' && fifthStatus.guardians.length === 3);
  const recoveredMessage = 'Aura demo: recovered, pay 5 to Carol';
  const fromFifth = json(await runAura(['sign', '--dir', newDir, '--message', recoveredMessage, '--json'])) as Signed | undefined;
  say(`signature ${fromFifth?.signature ?? '(none)'} by ${fromFifth?.signers.join(', ') ?? '?'}`);
  check('node:crypto verifies the new signature under the unchanged group key', fromFifth !== undefined && fromFifth.signers.includes('device-5') && verifiesWithNodeCrypto(init.groupKey, recoveredMessage, fromFifth.signature));
  const fifthSync = json(await runAura(['sync', '--dir', newDir, '--once', '--json'])) as { results: { name: string; outcome: string; error?: string }[] } | undefined;
  say(`sync: ${fifthSync?.results.map((r) => `${r.name} ${r.outcome}${r.error === undefined ? "" : ` (${r.error})`}`).join(', ') ?? '(no answer)'}`);
  check('device-5 synced the journal with the others', fifthSync !== undefined && fifthSync.results.length > 0 && fifthSync.results.every((r) => r.outcome === 'converged'));

  begin('10. Stop device-4 and device-5 (Ctrl-C): one device cannot sign alone');
  for (const name of ['device-4', 'device-5']) {
    nodes.get(name)?.child.kill('SIGINT');
    await nodes.get(name)?.exited;
    nodes.delete(name);
  }
  await nodes.get('device-1')?.waitFor((line) => line.event === 'peer-offline' && line.name === 'device-5');
  const alone = await runAura(['sign', '--dir', dirOf('device-1'), '--message', message]);
  say(alone.stderr.trim().split('\n')[0] ?? '');
  check('signing is refused, naming the missing devices', alone.status === 1 && /too-few-online.*missing: .*device-4.*device-5/.test(alone.stderr));

  begin('11. Stop device-1 (Ctrl-C) and compare the surviving journals');
  const first = nodes.get('device-1');
  first?.child.kill('SIGINT');
  check('device-1 stops cleanly on Ctrl-C', (await first?.exited) === 0);
  nodes.delete('device-1');
  const surviving = ['device-1', 'device-4', 'device-5'];
  const journals = await Promise.all(surviving.map(async (name) => json(await runAura(['journal', '--dir', dirOf(name), '--json'])) as { cid: string }[] | undefined));
  const sets = journals.map((entries) => (entries ?? []).map((e) => e.cid).sort().join(','));
  say(`facts per journal: ${journals.map((entries, k) => `${surviving[k] ?? '?'} ${entries?.length ?? '?'}`).join(', ')}`);
  check('every surviving journal holds the same facts', sets.every((s) => s !== '' && s === sets[0]));
} catch (error) {
  check(`the demo ran to the end (${(error as Error).message})`, false);
} finally {
  for (const node of nodes.values()) node.child.kill('SIGKILL');
  await Promise.all([...nodes.values()].map((n) => n.exited));
  rmSync(root, { recursive: true, force: true });
}

const failed = checks.filter((c) => !c.ok);
const width = Math.max(...checks.map((c) => c.name.length));
console.log('\nSummary');
console.log(`  ${'check'.padEnd(width)}  result  ms (since its step began)`);
for (const c of checks) console.log(`  ${c.name.padEnd(width)}  ${c.ok ? 'pass  ' : 'FAIL  '}  ${c.ms}`);
console.log(`\n${checks.length - failed.length} of ${checks.length} checks passed in ${((performance.now() - started) / 1000).toFixed(1)} s.`);
process.exitCode = failed.length === 0 ? 0 : 1;
