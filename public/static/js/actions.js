// Like, bookmark, follow and comment through the JSON API without a
// reload. Each is a plain form that works on its own; the script only
// takes over its submit event, and falls back to submitting the form when
// the API call fails for a reason other than a refusal.

import { api, el, fromTemplate, tErr, setCounts, idFromAction } from './util.js';

const me = document.body.dataset.me;

/** toggle flips the hidden on field and the button's pressed state. */
function setPressed(form, pressed) {
  form.querySelector('input[name="on"]').value = pressed ? '0' : '1';
  const btn = form.querySelector('button');
  btn.setAttribute('aria-pressed', String(pressed));
  if (btn.dataset.on) {
    btn.textContent = pressed ? btn.dataset.on : btn.dataset.off;
    btn.classList.toggle('primary', !pressed);
  }
}

const handlers = {
  async like(form) {
    const on = form.querySelector('input[name="on"]').value === '1';
    const r = await api(on ? 'PUT' : 'DELETE', `/api/v1/pins/${idFromAction(form)}/like`);
    setPressed(form, r.liked);
    setCounts('likes', r.like_count);
  },
  async bookmark(form) {
    const on = form.querySelector('input[name="on"]').value === '1';
    const r = await api(on ? 'PUT' : 'DELETE', `/api/v1/pins/${idFromAction(form)}/bookmark`);
    setPressed(form, r.bookmarked);
    setCounts('bookmarks', r.bookmark_count);
  },
  async follow(form) {
    const on = form.querySelector('input[name="on"]').value === '1';
    const user = form.dataset.user;
    const r = await api(on ? 'PUT' : 'DELETE', `/api/v1/users/${user}/follow`);
    setPressed(form, r.following);
    setCounts('followers', r.follower_count, `[data-user="${user}"]`);
  },
  async comment(form) {
    const box = form.querySelector('textarea');
    form.querySelector('.field-error')?.remove();
    try {
      const c = await api('POST', `/api/v1/pins/${idFromAction(form)}/comments`, { content: box.value });
      addComment(c);
      box.value = '';
    } catch (err) {
      if (err.status !== 422 && err.status !== 400) throw err;
      box.after(el('p', { class: 'field-error', role: 'alert' }, tErr(err.fields.content ?? err.message)));
    }
  },
  async uncomment(form) {
    const li = form.closest('[data-comment]');
    await api('DELETE', `/api/v1/comments/${li.dataset.comment}`);
    removeComment(li.dataset.comment);
  },
};

/**
 * formatDate writes a time much as the server-rendered pages do, but in
 * the browser's time zone and with Intl's punctuation ("Feb 3, 2001,
 * 04:05" where the server writes "Feb 3, 2001 04:05").
 */
function formatDate(iso) {
  return new Intl.DateTimeFormat(document.documentElement.lang, {
    year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).format(new Date(iso));
}

/**
 * addComment shows a comment once, however many times it arrives: the
 * page's comment template filled, the one with a delete form when it is
 * the viewer's own.
 */
export function addComment(c) {
  const list = document.querySelector('[data-comments]');
  if (!list || list.querySelector(`[data-comment="${c.id}"]`)) return;
  const mine = me && c.author.id === me;
  const li = fromTemplate(mine ? 'comment-template-mine' : 'comment-template', {
    id: c.id, content: c.content, author: c.author.id, nickname: c.author.nickname, avatar: c.author.avatar_url,
    // The pages' datetime is to the second; the API's has milliseconds.
    iso: c.created_at.replace(/\.\d+Z$/, 'Z'), date: formatDate(c.created_at),
  });
  if (!li) return;
  li.classList.add('fresh');
  list.append(li);
  bumpComments(1);
}

/** removeComment drops a deleted comment, if shown. */
export function removeComment(id) {
  const li = document.querySelector(`[data-comment="${id}"]`);
  if (!li) return;
  li.remove();
  bumpComments(-1);
}

function bumpComments(d) {
  for (const e of document.querySelectorAll('[data-count="comments"]')) {
    e.textContent = String(Math.max(0, (parseInt(e.textContent, 10) || 0) + d));
  }
}

/** initActions takes over the forms marked data-js (now and added later). */
export function initActions() {
  document.addEventListener('submit', async (ev) => {
    const form = ev.target;
    if (form.dataset.confirm && !confirm(form.dataset.confirm)) {
      ev.preventDefault();
      return;
    }
    const h = handlers[form.dataset.js];
    if (!h) return;
    ev.preventDefault();
    const btn = form.querySelector('button[type="submit"]');
    if (btn) btn.disabled = true;
    try {
      await h(form);
    } catch (err) {
      if (err.status && err.status < 500 && err.status !== 401 && err.status !== 403) {
        alert(tErr(err.message));
      } else {
        form.submit(); // the plain form still works, or shows why not
      }
    } finally {
      if (btn) btn.disabled = false;
    }
  });
}
