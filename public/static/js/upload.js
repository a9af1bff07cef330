// Image forms: a preview of the chosen file and an upload progress bar.
// The form is sent by XMLHttpRequest (fetch reports no upload progress) to
// the same action as without the script; the server answers with the
// address of the new page (X-Location), or with the form again when
// something was refused, which replaces the page's main content.

import { csrf, t } from './util.js';

/** initUpload enhances every image form under root. */
export function initUpload(root = document) {
  for (const input of root.querySelectorAll('input[type="file"][data-preview]')) {
    input.addEventListener('change', () => {
      const img = document.getElementById(input.dataset.preview);
      const file = input.files?.[0];
      if (!img || !file) return;
      if (img.dataset.url) URL.revokeObjectURL(img.dataset.url);
      img.dataset.url = img.src = URL.createObjectURL(file);
      img.hidden = false;
    });
  }
  for (const form of root.querySelectorAll('form[data-js="upload"]')) {
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      send(form);
    });
  }
}

function send(form) {
  const bar = form.querySelector('[data-progress]');
  const btn = form.querySelector('button[type="submit"]');
  const xhr = new XMLHttpRequest();
  xhr.open('POST', form.action);
  xhr.setRequestHeader('X-Requested-With', 'XMLHttpRequest');
  if (csrf) xhr.setRequestHeader('X-CSRF-Token', csrf);
  xhr.upload.addEventListener('progress', (e) => {
    if (!bar || !e.lengthComputable) return;
    bar.hidden = false;
    bar.value = Math.round((100 * e.loaded) / e.total);
  });
  xhr.addEventListener('load', () => {
    // Success: the server names the next page instead of redirecting, so
    // that its flash message survives for the browser's own visit.
    const next = xhr.getResponseHeader('X-Location');
    if (xhr.status === 204 && next) {
      location.assign(next);
      return;
    }
    // The form came back with reasons beside its fields (or an error page).
    const doc = new DOMParser().parseFromString(xhr.responseText, 'text/html');
    const fresh = doc.querySelector('main');
    const main = document.querySelector('main');
    if (fresh && main) {
      main.replaceWith(fresh);
      initUpload(fresh);
      fresh.querySelector('[role="alert"]')?.scrollIntoView({ block: 'center' });
    }
  });
  xhr.addEventListener('error', () => {
    if (btn) btn.disabled = false;
    if (bar) bar.hidden = true;
    alert(t('failed'));
  });
  if (btn) btn.disabled = true;
  xhr.send(new FormData(form));
}
