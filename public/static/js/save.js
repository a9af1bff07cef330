// Save a pin into one of your groups: the pin page's picker (a <details>
// the server renders, which works without script) and the same picker
// opened from a grid card. The script adds a filter box, sends saves and
// new groups through the JSON API and falls back to the plain form when
// the API fails for a reason other than a refusal.

import { api, csrf, el, t, tErr, setCounts, toast } from './util.js';

const me = document.body.dataset.me;
const detailPin = document.querySelector('[data-pin-detail]')?.dataset.pinDetail;

/** markButton shows whether the pin is in the button's group. */
function markButton(btn, saved) {
  btn.name = saved ? 'unsave' : 'save';
  btn.setAttribute('aria-pressed', String(saved));
  const mark = btn.querySelector('.saved-mark');
  if (mark) mark.textContent = saved ? t('save.saved') : t('save.save');
}

function groupButton(g, saved) {
  const btn = el('button', { type: 'submit', value: g.id, 'data-title': g.title },
    el('span', {}, g.title), ' ', el('span', { class: 'saved-mark' }));
  markButton(btn, saved);
  return el('li', {}, btn);
}

/** addFilter puts a search box over a picker's list of groups. */
function addFilter(panel) {
  const list = panel.querySelector('[data-saver-list]');
  if (!list || panel.querySelector('[data-filter]')) return;
  const id = `filter-${Math.random().toString(36).slice(2)}`;
  const input = el('input', { id, type: 'search', 'data-filter': '', autocomplete: 'off' });
  input.addEventListener('input', () => {
    const q = input.value.trim().toLowerCase();
    for (const li of list.children) {
      li.hidden = q !== '' && !li.querySelector('button').dataset.title.toLowerCase().includes(q);
    }
  });
  // Enter in the box must not save into the first group.
  input.addEventListener('keydown', (e) => { if (e.key === 'Enter') e.preventDefault(); });
  panel.prepend(el('div', { class: 'field' }, el('label', { for: id }, t('save.filter')), input));
}

async function save(form, btn) {
  const pin = new URL(form.action, location.href).pathname.split('/')[2];
  const on = btn.name === 'save';
  const r = await api(on ? 'PUT' : 'DELETE', `/api/v1/pins/${pin}/saves/${btn.value}`);
  markButton(btn, r.saved);
  if (pin === detailPin) setCounts('saves', r.save_count);
  if (r.saved) toast(t('save.done', btn.dataset.title), { ms: 3000 });
}

async function createAndSave(form) {
  const pin = new URL(form.action, location.href).pathname.split('/')[2];
  const title = form.querySelector('[name="new_title"]').value;
  const body = new FormData();
  body.set('title', title);
  if (form.querySelector('[name="secret"]').checked) body.set('secret', 'true');
  const res = await fetch('/api/v1/groups', {
    method: 'POST', body, credentials: 'same-origin', headers: { Accept: 'application/json', 'X-CSRF-Token': csrf },
  });
  const g = await res.json().catch(() => null);
  if (!res.ok) {
    const err = new Error(g?.error?.message ?? res.statusText);
    err.status = res.status;
    err.fields = g?.error?.fields ?? {};
    throw err;
  }
  const li = groupButton(g, false);
  const list = form.parentElement.querySelector('[data-saver-list]');
  list.prepend(li);
  form.reset();
  const btn = li.querySelector('button');
  try {
    await save(list.closest('form'), btn);
  } catch (err) {
    // The group exists now: only the save is left to the plain form.
    if (err.status === 404 || err.status === 405 || !err.status || err.status >= 500) fallback(list.closest('form'), btn);
    else throw err;
  }
}

function fallback(form, btn) {
  if (btn) form.append(el('input', { type: 'hidden', name: btn.name, value: btn.value }));
  form.submit();
}

function onSubmit(ev) {
  const form = ev.target;
  const kind = form.dataset?.js;
  if (kind !== 'save' && kind !== 'savenew') return;
  ev.preventDefault();
  const btn = kind === 'save' ? ev.submitter : null;
  if (kind === 'save' && !btn?.value) return;
  const job = kind === 'save' ? save(form, btn) : createAndSave(form);
  form.querySelector('.field-error')?.remove();
  job.catch((err) => {
    if (err.status === 422 || err.status === 400) {
      const why = tErr(err.fields?.title ?? err.message);
      (kind === 'savenew' ? form.querySelector('[name="new_title"]') : form.lastElementChild)
        .after(el('p', { class: 'field-error', role: 'alert' }, why));
    } else if (err.status && err.status < 500 && err.status !== 404 && err.status !== 405) {
      alert(tErr(err.message));
    } else {
      fallback(form, btn); // the plain form still works, or shows why not
    }
  });
}

/** pickerFor builds the picker of a card's pin from the API. */
async function pickerFor(pinId) {
  const [groups, pin] = await Promise.all([
    api('GET', '/api/v1/groups'),
    api('GET', `/api/v1/pins/${pinId}`),
  ]);
  const saved = new Set(pin.saved_group_ids ?? []);
  const hidden = () => el('input', { type: 'hidden', name: '_csrf', value: csrf });
  const list = el('ul', { class: 'saver-list', 'data-saver-list': '' }, ...groups.items.map((g) => groupButton(g, saved.has(g.id))));
  const action = `/pins/${pinId}/save`;
  const newId = `new-${pinId}`;
  const secretBox = el('input', { type: 'checkbox', name: 'secret', value: '1' });
  const panel = el('div', { class: 'picker', role: 'dialog', 'aria-label': t('save.choose') },
    el('form', { method: 'post', action, 'data-js': 'save' }, hidden(), el('p', { class: 'saver-h' }, t('save.choose')), list),
    el('form', { method: 'post', action, class: 'saver-new', 'data-js': 'savenew' }, hidden(),
      el('label', { for: newId }, t('save.newgroup')),
      el('input', { id: newId, name: 'new_title', maxlength: 50, required: true }),
      el('label', { class: 'check' }, secretBox, ' ', t('save.secret')),
      el('button', { class: 'btn', type: 'submit' }, t('save.create'))),
    el('button', { class: 'btn', type: 'button', 'data-close': '' }, t('save.close')));
  addFilter(panel);
  return panel;
}

function closePickers(except) {
  for (const p of document.querySelectorAll('.card .picker')) if (p !== except) p.remove();
}

async function onCardSave(ev) {
  const link = ev.target.closest?.('[data-save-pin]');
  if (!link || !me) return; // signed out: the link leads to the pin page
  ev.preventDefault();
  const card = link.closest('.card');
  const open = card.querySelector('.picker');
  if (open) { open.remove(); return; }
  closePickers();
  try {
    const panel = await pickerFor(link.dataset.savePin);
    card.append(panel);
    panel.querySelector('[data-filter]')?.focus();
  } catch {
    location.assign(link.href);
  }
}

/** initSave enhances the pin page's picker and the cards' Save buttons. */
export function initSave() {
  document.addEventListener('submit', onSubmit);
  document.addEventListener('click', (ev) => {
    if (ev.target.closest?.('[data-close]')) {
      const p = ev.target.closest('.picker');
      p?.closest('.card')?.querySelector('[data-save-pin]')?.focus();
      p?.remove();
      return;
    }
    onCardSave(ev);
  });
  document.addEventListener('keydown', (ev) => {
    if (ev.key !== 'Escape') return;
    closePickers();
    const d = document.querySelector('details.saver[open]');
    if (d) { d.open = false; d.querySelector('summary').focus(); }
  });
  const saver = document.querySelector('details.saver');
  if (saver) {
    addFilter(saver.querySelector('.saver-panel'));
    if (location.hash === '#save') saver.open = true;
  }
}
