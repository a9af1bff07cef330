// Presence: the pin page's "N viewing", from the presence events of the
// pin's topic (the only pin topic a page subscribes to). The count
// includes this page itself.

import { t } from './util.js';

let seen = 0;

/**
 * showViewers shows the count of a presence event {viewers, rev}. Events
 * may arrive out of order; one with a lower rev than one already shown is
 * older and is dropped. A new subscriber is told the count with the rev of
 * the latest event, so an equal rev is taken.
 */
export function showViewers(d) {
  if (typeof d.viewers !== 'number') return;
  if (typeof d.rev === 'number') {
    if (d.rev < seen) return;
    seen = d.rev;
  }
  for (const e of document.querySelectorAll('[data-viewers]')) {
    e.textContent = t('viewing', d.viewers);
    e.hidden = d.viewers < 1;
  }
}
