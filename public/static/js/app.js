// Entry module: enhances whatever the page holds. Every feature works
// without it; the body's data attributes say who is signed in and which
// live topics the page shows.

import { api, setCounts, t, toast } from './util.js';
import { initGrid, newPinsBanner } from './grid.js';
import { initActions, addComment, removeComment } from './actions.js';
import { initUpload } from './upload.js';
import { initSave } from './save.js';
import { connect } from './live.js';
import { showViewers } from './presence.js';

const body = document.body;
const topics = (body.dataset.topics || '').split(' ').filter(Boolean);
const detail = document.querySelector('[data-pin-detail]');
const pinId = detail?.dataset.pinDetail;
const grid = document.querySelector('[data-grid]');

initActions();
initUpload();
initSave();
const onNewPin = grid ? (initGrid(grid), newPinsBanner(grid)) : () => {};

function setUnread(n) {
  for (const b of document.querySelectorAll('[data-unread]')) {
    b.textContent = String(n);
    b.hidden = n === 0;
  }
}

function noteText(n) {
  return t(`note.${n.kind}`, n.actor.nickname) + (n.pin ? ` — ${n.pin.title}` : '');
}

// revs keeps, per live count ('pin:<id>', 'profile:<id>'), the highest
// rev an event carried. Events may arrive out of order; the one with the
// highest rev carries the freshest count, so a lower one is dropped. An
// event without rev (an account deletion's recount) and the HTTP re-sync
// simply set the count.
const revs = new Map();
function fresh(key, rev) {
  if (typeof rev !== 'number') return true;
  if (rev < (revs.get(key) ?? 0)) return false;
  revs.set(key, rev);
  return true;
}

/** showPinEdit puts an edited pin's title, text and image on the open page. */
function showPinEdit(p) {
  const h1 = detail.querySelector('h1');
  if (h1) h1.textContent = p.title;
  let content = detail.querySelector('.content');
  if (p.content && !content) {
    content = document.createElement('p');
    content.className = 'content';
    h1?.after(content);
  }
  if (content) {
    if (p.content) content.textContent = p.content;
    else content.remove();
  }
  const img = detail.querySelector('.detail-img img');
  if (img && p.image_url && img.getAttribute('src') !== p.image_url) {
    img.src = p.image_url;
    img.srcset = `${p.thumb_url} 236w, ${p.image_url} 736w`;
    img.width = p.width;
    img.height = p.height;
    img.parentElement.style.aspectRatio = `${p.width} / ${p.height}`;
  }
  if (img) img.alt = p.title;
}

const handlers = {
  'pin.created': (pin) => onNewPin(pin),
  'comment.created': (c) => { if (c.pin_id === pinId) addComment(c); },
  'comment.deleted': (d) => removeComment(d.id),
  'pin.liked': (d) => {
    if (d.pin_id === pinId && fresh(`pin:${d.pin_id}`, d.rev)) setCounts('likes', d.like_count);
  },
  'pin.saved': (d) => { if (d.pin_id === pinId) setCounts('saves', d.save_count); },
  'pin.bookmarked': (d) => { if (d.pin_id === pinId) setCounts('bookmarks', d.bookmark_count); },
  'pin.updated': (p) => { if (p.id === pinId) showPinEdit(p); },
  'pin.deleted': (d) => { if (d.id === pinId) location.assign('/'); },
  presence: (d) => showViewers(d),
  'profile.followers': (d) => {
    if (fresh(`profile:${d.user_id}`, d.rev)) setCounts('followers', d.follower_count, `[data-user="${d.user_id}"]`);
  },
  'notification.created': (n) => {
    setUnread(n.unread_count);
    toast(noteText(n), { href: n.pin ? `/pins/${n.pin.id}` : `/users/${n.actor.id}` });
  },
};

// resync re-reads over HTTP what the page shows live, after a reconnect.
async function resync() {
  const jobs = [];
  if (pinId) {
    jobs.push(api('GET', `/api/v1/pins/${pinId}`).then((p) => {
      setCounts('likes', p.like_count);
      setCounts('bookmarks', p.bookmark_count);
      if (typeof p.save_count === 'number') setCounts('saves', p.save_count);
    }));
    jobs.push(api('GET', `/api/v1/pins/${pinId}/comments?limit=100`).then((page) => {
      const shown = new Set(page.items.map((c) => c.id));
      for (const li of document.querySelectorAll('[data-comment]')) {
        if (!shown.has(li.dataset.comment) && !page.next_cursor) removeComment(li.dataset.comment);
      }
      page.items.forEach(addComment);
    }));
  }
  for (const topic of topics.filter((x) => x.startsWith('profile:'))) {
    const id = topic.slice('profile:'.length);
    jobs.push(api('GET', `/api/v1/users/${id}`).then((u) => setCounts('followers', u.follower_count, `[data-user="${id}"]`)));
  }
  if (body.dataset.me) {
    jobs.push(api('GET', '/api/v1/notifications?limit=1').then((r) => setUnread(r.unread_count)));
  }
  await Promise.allSettled(jobs);
}

if (topics.length && 'WebSocket' in window) {
  connect(topics, (event, data) => handlers[event]?.(data), resync);
}
