// The event log: commits, /fail and /late replies, failovers, rejoins, outages, module faults.
import { html } from './html.js';

export function EventLog({ events }) {
  return html`<ol class="log" id="event-log">
    ${events.slice(-80).reverse().map((e) => html`<li class=${`ev ${e.kind}`} data-kind=${e.kind}>
      <time>${new Date(e.t).toLocaleTimeString()}</time> <b>${e.kind}</b> ${e.text}</li>`)}
  </ol>`;
}
