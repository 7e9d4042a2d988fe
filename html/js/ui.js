// Shared widgets: toasts, a confirmation dialog, busy buttons.

import { h } from './dom.js';

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
