// The audit log (supervisors): every decision, login, export, rescan and watchlist change,
// oldest first, paged with next_since.
import { api } from '../api.js';
import { el, on } from '../dom.js';
import { formatTime, t } from '../i18n.js';

function row(entry) {
  const details = entry.details === null || entry.details === undefined ? '' : JSON.stringify(entry.details);
  const subject = typeof entry.subject === 'string' && /^[0-9a-f]{32}$/.test(entry.subject)
    ? el('a', { href: '#/case/' + entry.subject, class: 'mono' }, entry.subject.slice(0, 12))
    : String(entry.subject ?? '');
  return el('tr', { dataset: { action: String(entry.action ?? '') } },
    el('td', { class: 'when' }, formatTime(entry.at)),
    el('td', {}, String(entry.who ?? ''), el('div', { class: 'sub' }, String(entry.role ?? ''))),
    el('td', {}, String(entry.action ?? '')), el('td', {}, subject),
    el('td', { class: 'mono' }, String(entry.from ?? '')),
    el('td', {}, el('code', { class: 'details' }, details)));
}

export async function renderAudit(container, params, context) {
  const since = Number(params.get('since')) || 0;
  const first = await api.audit({ since, limit: 200 });
  let next = first.next_since;
  const body = el('tbody', {}, (first.entries || []).map(row));
  const more = el('button', { type: 'button' }, t('queue.more'));
  more.hidden = next === null || next === undefined;
  on(more, 'click', async () => {
    more.disabled = true;
    try {
      const page = await api.audit({ since: next, limit: 200 });
      for (const entry of page.entries || []) body.append(row(entry));
      next = page.next_since;
      more.hidden = next === null || next === undefined;
    } catch (error) {
      context.failed(error);
    } finally {
      more.disabled = false;
    }
  });
  container.append(el('h1', {}, t('audit.title')),
    el('table', { class: 'audit', id: 'audit' },
      el('thead', {}, el('tr', {}, ['audit.at', 'audit.who', 'audit.action', 'audit.subject',
        'audit.from', 'audit.details'].map((k) => el('th', {}, t(k))))), body),
    more);
  return null;
}
