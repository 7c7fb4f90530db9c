// Slot health, the counters (with what they mean, from docs/server.md and docs/architecture.md,
// on hover) and the recording state, from /engine/status.
import { html } from './html.js';

const COUNTERS = [
  ['underruns', 'Underruns', 'Blocks the output needed that no slot had in time: the sink played silence (audible). Should stay 0.'],
  ['lateCycles', 'Late wake-ups', 'Output wake-ups later than one period (the null sink\'s clock caught up block by block).'],
  ['maxLateMs', 'Max late (ms)', 'Largest wake-up lateness of the output clock seen so far.'],
  ['reanchors', 'Re-anchors', 'Times the output clock was hopelessly late (> 200 ms) and moved its timeline instead of bursting.'],
  ['takenFromOther', 'From standby', 'Blocks taken from the standby slot because the active one did not have them in time (failover within one block, inaudible).'],
  ['divergences', 'Divergences', 'Blocks whose hashes differed between the two lockstep slots (should never happen: both render bit-identical blocks).'],
  ['failovers', 'Failovers', 'Times the output switched to the other slot because the active one failed or was suspect (silent, starving, slow).'],
  ['rejoins', 'Rejoins', 'Replacement workers that caught up from a snapshot and the journal and are heard again.'],
  ['commits', 'Commits', 'Patches committed (/patch/commit, /patch/load).'],
  ['recordDrops', 'Record drops', 'Blocks the record ring could not take because the main thread fell behind writing the file.'],
  ['journalEntries', 'Journal', 'Decided commands kept in the journal since the last base snapshot.'],
];
const CONTROL = [
  ['late', 'Late bundles', 'Timetagged messages that arrived after their time and were applied at the earliest safe frame (answered /late).'],
  ['lateDropped', 'Late dropped', 'Late timetagged messages dropped for clients with /client/late drop.'],
  ['failed', '/fail replies', 'Commands answered /fail (bad values, invalid patches, unknown modules...).'],
  ['unknownAddress', 'Unknown address', 'Messages to an address the command table does not have.'],
];

export function SlotHealth({ status }) {
  if (!status) return null;
  return html`<div class="slots">
    ${status.slotHealth.map((s) => html`<div class=${`slot ${s.state}${s.slot === status.activeSlot ? ' active' : ''}`} data-slot=${s.slot} data-state=${s.state}>
      <b>slot ${s.slot}</b> <span class="badge">${s.slot === status.activeSlot ? 'active' : s.state === 'lockstep' ? 'standby' : s.state}</span>
      <div class="muted" title="Render time per block: mean, 99th percentile, max (ms)">render ${s.renderMs.mean.toFixed(3)} / ${s.renderMs.p99.toFixed(3)} / ${s.renderMs.max.toFixed(2)} ms</div>
      <div class="muted">${s.blocksRendered} blocks${s.moduleFaults ? ` · ${s.moduleFaults} module faults` : ''}${s.lateCommands ? ` · ${s.lateCommands} late cmds` : ''}</div>
    </div>`)}
    <div class="muted small">${status.healthySlots}/${status.slots} healthy${status.degraded ? ' (degraded)' : ''} · spare ${status.spareWorker ? 'ready' : 'none'}
      ${status.rejoinMs ? ` · last rejoin ${status.rejoinMs.last} ms` : ''}</div>
  </div>`;
}

export function Counters({ status }) {
  if (!status) return null;
  const cell = ([key, label, help], value) => html`<div class="counter" title=${help} data-counter=${key}>
    <span class="label">${label}</span><span class=${`value${key === 'underruns' && value > 0 ? ' bad' : ''}`}>${value ?? '–'}</span></div>`;
  const latency = status.control?.latencyMs;
  return html`<div class="counters">
    ${COUNTERS.map((c) => cell(c, status[c[0]]))}
    ${CONTROL.map((c) => cell(c, status.control?.[c[0]]))}
    ${latency && cell(['latency', 'Cmd latency p50/p99', 'Arrival to effect of immediate module commands (ms): about the lead plus half a block.'], `${latency.p50 ?? '–'} / ${latency.p99 ?? '–'}`)}
  </div>`;
}

export function Recording({ recording, command }) {
  const on = recording?.recording;
  return html`<span class=${`recording${on ? ' on' : ''}`} data-recording=${on ? 1 : 0}>
    ${on ? html`● REC ${recording.seconds.toFixed(1)} s` : 'not recording'}
    <button data-action="record" onClick=${() => command(on ? '/record/stop' : '/record/start', on ? [] : [])}>${on ? 'Stop' : 'Record'}</button>
  </span>`;
}
