// Shared helpers: translated texts, the JSON API client (cookie session
// plus the CSRF header), element building and toasts.

const texts = new Map();
for (const d of document.getElementById('i18n')?.content.querySelectorAll('data') ?? []) {
  texts.set(d.value, d.textContent);
}

/** t returns the text named key, with each %s or %d replaced by args in turn. */
export function t(key, ...args) {
  let s = texts.get(key) ?? key;
  for (const a of args) s = s.replace(/%[sd]/, String(a));
  return s;
}

/**
 * tn is t for a count: the key's ".one" form for exactly one, when the
 * page's language has one (English does, Korean has no plural).
 */
export function tn(key, n, ...args) {
  return t(n === 1 && texts.has(`${key}.one`) ? `${key}.one` : key, n, ...args);
}

/**
 * tErr translates a reason the API gave (a field's code such as
 * "required", or an error message) through the server's "err:" texts.
 * A reason the catalog does not know is shown as it is on an English page
 * and as the general failure message on any other, never as raw English.
 */
export function tErr(msg) {
  if (!msg) return t('failed');
  const known = texts.get(`err:${msg}`);
  if (known) return known;
  const m = /^at most (\d+) characters$/.exec(msg);
  if (m && texts.has('err.atmost')) return t('err.atmost', m[1]);
  return document.documentElement.lang === 'en' ? msg : t('failed');
}

const csrf = document.querySelector('meta[name="csrf-token"]')?.content ?? '';

/**
 * api calls the JSON API with the session cookie. The CSRF token goes in a
 * header because the cookie alone would be ambient authority.
 */
export async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (csrf) headers['X-CSRF-Token'] = csrf;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, {
    method, headers, credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 204) return null;
  const data = await res.json().catch(() => null);
  if (!res.ok) {
    const err = new Error(data?.error?.message ?? res.statusText);
    err.status = res.status;
    err.fields = data?.error?.fields ?? {};
    throw err;
  }
  return data;
}

export { csrf };

/** el builds an element; text children are set as text, never as HTML. */
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v == null) continue;
    if (k === 'class') e.className = v;
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) {
    if (c == null) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

/**
 * fromTemplate clones the page's <template id=id>, which the server
 * renders with the same code as its real cards and comments, for a
 * placeholder whose every field shows as a text of its own; data-slots
 * names those texts. Each one, in any attribute or text of the clone, is
 * replaced by the field's value in values (as text, never as HTML). It
 * returns null when the page has no such template.
 */
export function fromTemplate(id, values) {
  const tpl = document.getElementById(id);
  if (!tpl) return null;
  const slots = new Map(Object.entries(JSON.parse(tpl.dataset.slots)).map(([name, text]) => [text, name]));
  // One pass, longest placeholder first: a value is never searched again.
  const re = new RegExp([...slots.keys()].sort((a, b) => b.length - a.length)
    .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
  const fill = (s) => s.replace(re, (text) => String(values[slots.get(text)] ?? ''));
  const node = tpl.content.firstElementChild.cloneNode(true);
  for (const e of [node, ...node.querySelectorAll('*')]) {
    for (const a of e.attributes) a.value = fill(a.value);
  }
  const texts = document.createTreeWalker(node, NodeFilter.SHOW_TEXT);
  while (texts.nextNode()) texts.currentNode.data = fill(texts.currentNode.data);
  return node;
}

/** toast shows a short message in the polite live region. */
export function toast(message, { href, kind, ms = 6000 } = {}) {
  const box = document.querySelector('[data-toasts]');
  if (!box) return null;
  const item = el('div', { class: 'toast' + (kind ? ' ' + kind : ''), role: 'status' },
    href ? el('a', { href }, message) : message);
  box.append(item);
  if (ms > 0) setTimeout(() => item.remove(), ms);
  return item;
}

/**
 * setCounts writes n into every [data-count=name] matching extra, and
 * into the word after it (data-single / data-many: "1 follower").
 */
export function setCounts(name, n, extra = '') {
  for (const e of document.querySelectorAll(`[data-count="${name}"]${extra}`)) {
    e.textContent = String(n);
    const word = e.nextElementSibling;
    if (word?.dataset.many) word.textContent = n === 1 && word.dataset.single ? word.dataset.single : word.dataset.many;
  }
}

/** pinIdOf reads the pin id out of a form action like /pins/<id>/like. */
export function idFromAction(form) {
  return new URL(form.action, location.href).pathname.split('/')[2];
}
