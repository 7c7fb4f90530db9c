// A big commit while a note plays (staged commits: the slots prepare the patch in turn before a
// later apply frame): the sink plays exactly the offline replay of the journal, sample for
// sample, through the load, the crossfade, gates sent to the new modules before they exist,
// and the way back to a small patch. Real server process, real UDP, null sink, f32 recording.
// Timing (underruns, how far ahead the frame lies) is measured by `bench bigcommit`, not here.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { w2Document, w2Voices } from '../fixtures/w2.js';
import { RIG_PATCH, bothInLockstep, compareWithReplay, startRig } from '../helpers/failover-rig.js';

const BLOCK = 128;

test('a 128-voice W2 load while a note plays: the recording equals the journal replay', { timeout: 120_000 }, async () => {
  const rig = await startRig();
  try {
    const w2 = w2Document(w2Voices(128));
    // The rig's patch plus 128 W2 voices: its modules are kept (crossfade copies prepared ahead).
    const rename = (ref: string): string => (ref === 'out' || ref.startsWith('out.') ? ref : `w${ref}`);
    const voices = { modules: w2.modules.map((m) => ({ ...m, id: rename(m.id) })), connections: w2.connections.map((c) => ({ ...c, from: rename(c.from), to: rename(c.to) })) };
    const big = { ...w2, modules: [...RIG_PATCH.modules, ...voices.modules], connections: [...RIG_PATCH.connections, ...voices.connections] };
    mkdirSync(join(rig.server.dataDir, 'patches'), { recursive: true });
    writeFileSync(join(rig.server.dataDir, 'patches', 'big.json'), JSON.stringify(big));
    writeFileSync(join(rig.server.dataDir, 'patches', 'small.json'), JSON.stringify(RIG_PATCH));
    const client = rig.client;
    const started = await client.request('/record/start', ['big', 'f32']);
    assert.equal(started.address, '/done', JSON.stringify(started.args));
    await client.send('/gate/e1', 1);
    await new Promise((r) => setTimeout(r, 300));
    const loaded = await client.request('/patch/load', ['big'], 10_000);
    assert.equal(loaded.address, '/done', JSON.stringify(loaded.args));
    const frame = Number(loaded.args[1]);
    assert.equal(frame % BLOCK, 0, 'a commit applies at a block boundary');
    // Gates for modules the load creates: they apply no earlier than the load itself.
    await client.send('/gate/wenv0', 1);
    await client.send('/gate/wenv5', 1);
    await client.send('/mod/o1/freq', 165);
    await rig.waitFor('the load to be rendered', (s) => s['consumedBlocks'] * BLOCK > frame + 48_000 * 0.3 && bothInLockstep(s), 20_000);
    await client.send('/gate/wenv0', 0);
    await client.send('/gate/e1', 0);
    const back = await client.request('/patch/load', ['small'], 10_000);
    assert.equal(back.address, '/done', JSON.stringify(back.args));
    await new Promise((r) => setTimeout(r, 400));
    await client.request('/sync', [1]);
    const stopped = await client.request('/record/stop');
    assert.equal(stopped.address, '/done', JSON.stringify(stopped.args));
    const status = await rig.status();
    assert.equal(status['divergences'], 0, 'the slots never disagreed');
    assert.equal(status['commits'], 2);
    await rig.stop();
    const c = compareWithReplay(rig.stateDir, String(stopped.args[1]), Number(stopped.args[3]), BLOCK);
    assert.ok(c.blocks > 200, `recorded ${c.blocks} blocks`);
    // An underrun (whole-VM starvation) plays a silent block, counted; anything else must match.
    assert.equal(c.mismatched, c.silentMismatches, `${c.mismatched} of ${c.blocks} blocks differ from the replay, ${c.silentMismatches} of them silent`);
    assert.ok(c.mismatched <= status['underruns'], `${c.mismatched} silent blocks but only ${status['underruns']} underruns counted`);
  } finally {
    await rig.stop();
  }
});
