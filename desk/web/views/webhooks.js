// Webhook delivery state (GET /api/webhooks): per receiver, the deliveries still being retried
// and the latest finished ones, so a reviewer sees whether Bawaslu got a confirmed finding.
import { api } from '../api.js';
import { append, el } from '../dom.js';
import { formatDateString, t } from '../i18n.js';

function caseLink(cid) {
  return typeof cid === 'string' && /^[0-9a-f]{32}$/.test(cid)
    ? el('a', { href: '#/case/' + cid, class: 'mono' }, cid.slice(0, 12)) : String(cid ?? '');
}

function table(cls, headers, rows) {
  return el('table', { class: cls },
    el('thead', {}, el('tr', {}, headers.map((h) => el('th', {}, t(h))))),
    el('tbody', {}, rows));
}

function receiver(hook) {
  const pending = Array.isArray(hook.pending) ? hook.pending : [];
  const recent = Array.isArray(hook.recent) ? hook.recent : [];
  return el('section', { class: 'webhook', dataset: { id: String(hook.id ?? '') } },
    el('h2', {}, el('code', {}, String(hook.url ?? ''))),
    el('p', {}, t('webhooks.pending_count', { n: hook.pending_count ?? pending.length })),
    pending.length ? table('pending', ['col.case', 'webhooks.attempts', 'webhooks.last_status',
      'webhooks.last_error', 'webhooks.next_attempt'], pending.map((d) => el('tr', {},
      el('td', {}, caseLink(d.case)), el('td', { class: 'num' }, String(d.attempts ?? '')),
      el('td', { class: 'num' }, d.last_status ? String(d.last_status) : ''),
      el('td', {}, String(d.last_error ?? '')), el('td', {}, formatDateString(d.next_attempt_at))))) : '',
    el('h3', {}, t('webhooks.recent')),
    recent.length ? table('recent', ['col.case', 'col.status', 'webhooks.attempts',
      'webhooks.last_status', 'webhooks.last_error', 'audit.at'], recent.map((d) => el('tr', {},
      el('td', {}, caseLink(d.case)), el('td', {}, el('span', { class: 'status ' + String(d.state ?? '') }, String(d.state ?? ''))),
      el('td', { class: 'num' }, String(d.attempts ?? '')),
      el('td', { class: 'num' }, d.last_status ? String(d.last_status) : ''),
      el('td', {}, String(d.last_error ?? '')), el('td', {}, formatDateString(d.at)))))
      : el('p', { class: 'empty' }, t('webhooks.none_yet')));
}

export async function renderWebhooks(container) {
  const answer = await api.webhooks();
  const hooks = Array.isArray(answer.webhooks) ? answer.webhooks : [];
  container.append(el('h1', {}, t('webhooks.title')));
  if (!hooks.length) {
    container.append(el('p', { class: 'empty' }, t('webhooks.empty')));
    return null;
  }
  append(container, [el('p', { class: 'sub' }, t('webhooks.policy', {
    attempts: answer.max_attempts ?? '', backoff: ((answer.backoff_ms ?? 0) / 1000).toString() })),
  hooks.map(receiver)]);
  return null;
}
