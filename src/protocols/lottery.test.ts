import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { toHex } from '../core/bytes.ts';
import { isAuraError } from '../core/errors.ts';
import { MemoryTransport } from '../runtime/memory-transport.ts';
import type { RoleImpl } from '../runtime/run-role.ts';
import { commitmentOf, runCommitReveal } from './commit-reveal.ts';
import { lotteryContext, runLottery, verifyLottery } from './lottery.ts';
import { chiSquareUniform, drawAll, setupOf, winnerCounts } from '../../test/support/coordination.ts';

/** A member that reveals a value other than the one it committed to. */
function lyingRevealer(honest: RoleImpl): RoleImpl {
  return {
    ...honest,
    send: {
      ...honest.send,
      Reveal: (to: string) => {
        const { reveal } = honest.send!['Reveal']!(to) as { reveal: { value: Uint8Array; blinding: Uint8Array } }; // the lottery sends Reveal
        return { reveal: { value: reveal.value.map((b) => b ^ 1), blinding: reveal.blinding } };
      },
    },
  };
}

describe('commit-reveal', () => {
  it('every participant opens the same values, and the values are the ones committed to', async () => {
    const { setup, random } = setupOf(4, 'cr');
    const context = { purpose: 'test', session: setup.session, members: setup.members };
    const transport = new MemoryTransport();
    const values = setup.members.map((_, k) => new Uint8Array([k, k + 1]));
    const opened = await Promise.all(setup.members.map((device, k) => runCommitReveal(context, { device, value: values[k]!, random: random.fork(device) }, transport)));
    for (const o of opened) {
      assert.deepEqual([...o.values.entries()].map(([k, v]) => [k, [...v]]), values.map((v, k) => [k, [...v]]));
      assert.deepEqual(o.bad, []);
      assert.deepEqual(o.transcript, opened[0]!.transcript);
    }
  });

  it('a commitment is bound to its member: the same opening does not open another member\'s commitment', () => {
    const { setup } = setupOf(2, 'bind');
    const context = { purpose: 'test', session: setup.session, members: setup.members };
    const opening = { value: new Uint8Array([1]), blinding: new Uint8Array(32) };
    assert.notDeepEqual(commitmentOf(context, setup.members[0]!, opening), commitmentOf(context, setup.members[1]!, opening));
    assert.notDeepEqual(commitmentOf(context, setup.members[0]!, opening), commitmentOf({ ...context, purpose: 'other' }, setup.members[0]!, opening));
  });
});

describe('lottery', () => {
  for (const n of [3, 5, 7]) {
    it(`n = ${n}: every participant gets the same winner, and the transcript verifies to it`, async () => {
      const { setup, results } = await drawAll(n, `agree-${n}`);
      const winners = new Set(results.map((r) => r.winner));
      assert.equal(winners.size, 1);
      assert.ok(setup.members.includes(results[0]!.winner));
      for (const r of results) {
        const verified = verifyLottery(r.transcript);
        assert.equal(verified.winner, r.winner);
        assert.equal(toHex(verified.combined), toHex(r.combined));
        assert.equal(verified.index, setup.members.indexOf(r.winner));
        assert.deepEqual(r.excluded, []);
      }
    });
  }

  it('a reveal that does not match its commitment names its sender, who is not eligible; all still agree', async () => {
    for (const seed of ['liar-1', 'liar-2', 'liar-3', 'liar-4']) {
      const { setup, results } = await drawAll(4, seed, { index: 2, impl: lyingRevealer });
      const liar = setup.members[2]!;
      for (const r of results.filter((_, k) => k !== 2)) {
        assert.deepEqual(r.excluded, [liar]);
        assert.notEqual(r.winner, liar);
        assert.equal(r.winner, results[0]!.winner);
        assert.equal(verifyLottery(r.transcript).winner, r.winner);
      }
    }
  });

  it('verifyLottery rejects a transcript naming another winner, a missing reveal, and sees through an altered reveal', async () => {
    const { setup, results } = await drawAll(3, 'verify');
    const { transcript } = results[0]!;
    const other = setup.members.find((m) => m !== transcript.winner)!; // three members
    assert.throws(() => verifyLottery({ ...transcript, winner: other }), (e) => isAuraError(e, 'protocols.lottery.wrong-winner'));
    assert.throws(() => verifyLottery({ ...transcript, reveals: transcript.reveals.slice(1) }), (e) => isAuraError(e, 'protocols.lottery.bad-transcript'));
    const altered = transcript.reveals.map((r, k) => (k === 0 ? { value: r.value.map((b) => b ^ 0xff), blinding: r.blinding } : r));
    const drawn = (() => {
      try {
        return verifyLottery({ ...transcript, reveals: altered });
      } catch (error) {
        assert.ok(isAuraError(error, 'protocols.lottery.wrong-winner'));
        return undefined;
      }
    })();
    if (drawn !== undefined) assert.deepEqual(drawn.excluded, [setup.members[0]]);
    assert.equal(lotteryContext(setup).valueLength, 32);
  });

  it('a participant that claims another winner is named for disagreement and the rest draw again without it (its own view is its own business)', async () => {
    const disagreeing = (honest: RoleImpl): RoleImpl => ({
      ...honest,
      send: { ...honest.send, Winner: (to: string) => {
        const { winner } = honest.send!['Winner']!(to) as { winner: { winner: number; combined: Uint8Array } }; // the lottery sends Winner
        return { winner: { winner: (winner.winner + 1) % 4, combined: winner.combined } };
      } },
    });
    const { setup, random } = setupOf(4, 'disagree');
    const transport = new MemoryTransport();
    const settled = await Promise.allSettled(setup.members.map((device, k) => runLottery(setup, { device, random: random.fork(device) }, transport, k === 1 ? { roleImpl: (honest, attempt) => (attempt === 0 ? disagreeing(honest) : honest) } : {})));
    const honest = settled.filter((_, k) => k !== 1).map((s) => (s.status === 'fulfilled' ? s.value : assert.fail(String(s.reason))));
    for (const r of honest) {
      assert.deepEqual(r.disagreeing.map((a) => a.device), [setup.members[1]]);
      assert.equal(r.winner, honest[0]!.winner);
      assert.notEqual(r.winner, setup.members[1]);
    }
  });
});

describe('lottery fairness', () => {
  it('over 90 seeds among 3 members, the winners fit a uniform draw (chi-square, 2 degrees of freedom, below 13.82: p = 0.001)', async () => {
    const counts = await winnerCounts(3, 90, 'fair');
    const statistic = chiSquareUniform(counts);
    assert.ok(statistic < 13.82, `chi-square ${statistic.toFixed(2)} over counts ${counts.join(', ')}`);
  });
});
