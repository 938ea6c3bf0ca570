// The decision dialog (confirm with a category and a note, dismiss or reopen with a reason,
// escalate with a note), shared by the queue and the case page. Resolves to the API's answer,
// or null when the reviewer cancelled; an API error is shown in the dialog, which stays open.
import { api, ApiError } from './api.js';
import { el, on } from './dom.js';
import { CONFIRM_CATEGORIES, categoryLabel, t } from './i18n.js';

const MAX_TEXT_BYTES = 2000;

// categories: the case's own categories, offered first when they can be confirmed.
export function decide(cid, action, categories) {
  return new Promise((resolve) => {
    const fields = [];
    let category = null;
    if (action === 'confirm') {
      const own = (categories || []).filter((c) => CONFIRM_CATEGORIES.includes(c));
      const ordered = own.concat(CONFIRM_CATEGORIES.filter((c) => !own.includes(c)));
      category = el('select', { id: 'decision-category', name: 'category', required: true },
        ordered.map((c) => el('option', { value: c }, categoryLabel(c))));
      fields.push(el('label', { for: 'decision-category' }, t('decision.category')), category);
    }
    const needsReason = action === 'dismiss' || action === 'reopen';
    const text = el('input', {
      id: 'decision-text', name: needsReason ? 'reason' : 'note', type: 'text',
      maxlength: MAX_TEXT_BYTES, required: needsReason, autocomplete: 'off',
    });
    fields.push(el('label', { for: 'decision-text' }, t(needsReason ? 'decision.reason' : 'decision.note')),
      text);
    const error = el('p', { class: 'error', role: 'alert' });
    error.hidden = true;
    const submit = el('button', { type: 'submit', class: 'primary ' + action }, t('action.submit'));
    const cancel = el('button', { type: 'button' }, t('action.cancel'));
    const form = el('form', { class: 'decision' },
      el('h2', {}, t('decision.' + action + '_title')),
      el('p', { class: 'mono' }, cid),
      fields, error, el('div', { class: 'buttons' }, submit, cancel));
    const dialog = el('dialog', { id: 'decision', class: 'decision', dataset: { action } }, form);

    let answer = null;
    on(dialog, 'close', () => {
      dialog.remove();
      resolve(answer);
    });
    on(cancel, 'click', () => dialog.close());
    // Enter on the category list sends the form as it does in the text field.
    if (category) {
      on(category, 'keydown', (event) => {
        if (event.key === 'Enter') {
          event.preventDefault();
          form.requestSubmit();
        }
      });
    }
    on(form, 'submit', async (event) => {
      event.preventDefault();
      const value = text.value.trim();
      if (new TextEncoder().encode(value).length > MAX_TEXT_BYTES) {
        error.textContent = t('error.generic', { message: 'max ' + MAX_TEXT_BYTES + ' bytes' });
        error.hidden = false;
        return;
      }
      const body = { action };
      if (category) body.category = category.value;
      if (needsReason) body.reason = value;
      else if (value) body.note = value;
      submit.disabled = true;
      try {
        answer = await api.decide(cid, body);
        dialog.close();
      } catch (failure) {
        error.textContent = failure instanceof ApiError && failure.status === 0
          ? t('error.network') : t('error.generic', { message: failure.message });
        error.hidden = false;
        submit.disabled = false;
      }
    });
    document.body.append(dialog);
    dialog.showModal();
    (category || text).focus();
  });
}
