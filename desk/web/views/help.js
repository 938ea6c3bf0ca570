// The keyboard help, a modal dialog opened with '?'.
import { el, on } from '../dom.js';
import { t } from '../i18n.js';

export function showHelp() {
  if (document.querySelector('dialog[open]')) return;
  const keys = [['j', 'help.j'], ['k', 'help.k'], ['Enter', 'help.enter'], ['c', 'help.c'],
    ['d', 'help.d'], ['e', 'help.e'], ['u', 'help.u'], ['?', 'help.help']];
  const close = el('button', { type: 'submit' }, t('help.close'));
  const dialog = el('dialog', { id: 'help', class: 'help' },
    el('form', { method: 'dialog' },
      el('h2', {}, t('help.title')),
      el('dl', {}, keys.map(([key, label]) => [el('dt', {}, el('kbd', {}, key)), el('dd', {}, t(label))])),
      close));
  on(dialog, 'close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  close.focus();
}
