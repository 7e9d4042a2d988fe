// Shared widgets: toasts, a confirmation dialog, busy buttons, a field
// checked by the server as it is typed.

import { get } from './api.js';
import { fill, h, message, throttle } from './dom.js';

// A short message in the corner, read out by screen readers (the toast
// area is a polite live region; errors are alerts).
export function toast(text, level = 'info') {
  const area = document.getElementById('toasts');
  const el = h('div', { class: `toast toast-${level}`, role: level === 'error' ? 'alert' : null }, text);
  area.append(el);
  setTimeout(() => el.remove(), level === 'error' ? 10000 : 5000);
}

// A modal yes/no question (a native <dialog>: focus is trapped and Escape
// cancels); resolves true when confirmed.
export function confirmAction(question, confirmLabel = 'OK') {
  return new Promise((resolve) => {
    const dialog = h('dialog', { class: 'confirm', 'aria-labelledby': 'confirm-text' },
      h('form', { method: 'dialog' },
        h('p', { id: 'confirm-text' }, question),
        h('div', { class: 'actions' },
          h('button', { value: 'cancel', type: 'submit' }, 'Cancel'),
          h('button', { value: 'ok', type: 'submit', class: 'danger' }, confirmLabel))));
    dialog.addEventListener('close', () => {
      resolve(dialog.returnValue === 'ok');
      dialog.remove();
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

// Runs fn while button is disabled and marked busy; errors become toasts.
// Returns fn's result, or undefined when it failed.
export async function busy(button, fn) {
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try {
    return await fn();
  } catch (err) {
    toast(err.message, 'error');
    return undefined;
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}

// A secret shown once (a new token, a share link): a read-only field,
// selected, with a Copy button and a hint.
export function shownOnce(id, label, value, hint) {
  const field = h('input', { id, readonly: true, value, 'aria-label': label });
  const copy = h('button', { type: 'button' }, 'Copy');
  copy.addEventListener('click', async () => {
    field.select();
    try {
      await navigator.clipboard.writeText(value);
      toast(`${label}: copied.`);
    } catch {
      toast('Copy the selected text by hand.', 'warning');
    }
  });
  queueMicrotask(() => field.select());
  return [h('p', { class: 'hint' }, hint), h('div', { class: 'row' }, field, copy)];
}

// Checks input with the server as it is typed (at most every 300 ms; an
// answer overtaken by a newer one is dropped): ask(value) resolves to what
// out shows, or throws, and then its message is shown and the form cannot
// be submitted. Returns the check, to run it on other events too.
export function liveCheck(input, out, ask) {
  let seq = 0;
  const check = throttle(async () => {
    const mine = ++seq;
    try {
      const shown = await ask(input.value);
      if (mine !== seq) return;
      input.setCustomValidity('');
      fill(out, shown);
    } catch (err) {
      if (mine !== seq) return;
      input.setCustomValidity(err.message);
      fill(out, message(err.message, 'error'));
    }
  }, 300);
  input.addEventListener('input', check);
  return check;
}

// The path a typed file name template gives (for streamerId's newest
// recording, or the newest at all), or why it is refused, shown below it:
// the server renders it with the worker's own code. At once, or (a list
// of forms) only once something is typed.
export function templatePreview(el, streamerId, { now = true } = {}) {
  const out = h('div', { id: `${el.id}-preview`, class: 'hint template-preview', 'aria-live': 'polite' });
  el.setAttribute('aria-describedby', `${el.getAttribute('aria-describedby') ?? ''} ${out.id}`.trim());
  const check = liveCheck(el, out, async (value) => {
    const r = await get('/api/settings/template_preview', { template: value.trim(), streamer_id: streamerId });
    return [r.sample ? 'With sample values: ' : `Recording #${r.recording_id} would be: `, h('code', {}, r.path)];
  });
  if (now) check();
  return out;
}
