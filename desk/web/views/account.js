// The account page: who it is, how its crawling goes, its cases and recent results, and a
// rescan request for supervisors.
import { api } from '../api.js';
import { el, on } from '../dom.js';
import { categoryLabel, formatScore, formatTime, t } from '../i18n.js';
import { caseTable } from './queue.js';

function definitions(pairs) {
  return el('dl', { class: 'pairs' }, pairs.map(([label, value]) =>
    [el('dt', {}, label), el('dd', {}, value ?? '')]));
}

function rescanForm(id, context) {
  const since = el('input', { id: 'rescan-since', type: 'date', required: true });
  const monthAgo = new Date(Date.now() - 30 * 86400000);
  since.value = monthAgo.toISOString().slice(0, 10);
  since.max = new Date().toISOString().slice(0, 10);
  const form = el('form', { class: 'rescan', id: 'rescan' },
    el('label', { for: 'rescan-since' }, t('account.rescan_since')), since,
    el('button', { type: 'submit', class: 'primary' }, t('account.rescan')));
  on(form, 'submit', async (event) => {
    event.preventDefault();
    const seconds = Math.floor(Date.parse(since.value + 'T00:00:00Z') / 1000);
    try {
      const answer = await api.rescan(id, Number.isFinite(seconds) ? seconds : undefined);
      context.notify(t('account.rescan_queued', { id: answer.rescan }));
    } catch (error) {
      context.failed(error);
    }
  });
  return form;
}

export async function renderAccount(container, id, context) {
  const answer = await api.account(id);
  const account = answer.account || {};
  const crawl = answer.crawl || {};
  const cases = Array.isArray(answer.cases) ? answer.cases : [];
  const results = Array.isArray(answer.results) ? answer.results : [];

  container.append(el('h1', {}, t('account.title', { id: account.id || id })));
  if (account.watched === false) container.append(el('p', { class: 'warning' }, t('account.not_watched')));
  container.append(el('div', { class: 'columns' },
    el('section', {}, el('h2', {}, t('case.account')), definitions([
      [t('field.name'), account.name], [t('field.nip'), account.nip], [t('field.agency'), account.agency],
      [t('field.region'), account.region], [t('field.platform'), account.platform],
      [t('field.handle'), account.handle], [t('account.status'), account.status]])),
    el('section', {}, el('h2', {}, t('account.crawl')), definitions([
      [t('account.last_fetch'), formatTime(crawl.last_fetch)], [t('account.last_ok'), formatTime(crawl.last_ok)],
      [t('account.last_error'), crawl.last_error], [t('account.error_count'), String(crawl.error_count ?? '')]]),
    context.session.role === 'supervisor' && account.watched !== false ? rescanForm(account.id || id, context) : '')));
  if (answer.truncated) container.append(el('p', { class: 'warning' }, t('truncated')));
  container.append(el('h2', {}, t('account.cases')));
  container.append(cases.length ? caseTable(cases).table : el('p', { class: 'empty' }, t('queue.empty')));
  container.append(el('h2', {}, t('account.results')),
    el('table', { class: 'results' },
      el('thead', {}, el('tr', {}, ['col.post', 'col.verdict', 'col.score', 'col.categories',
        'col.scored_at', 'col.case'].map((k) => el('th', {}, t(k))))),
      el('tbody', {}, results.map((r) => el('tr', {},
        el('td', { class: 'mono' }, r.post_id ?? ''), el('td', {}, r.verdict ?? ''),
        el('td', { class: 'score' }, formatScore(r.partisan)),
        el('td', {}, (r.categories || []).map((c) => el('span', { class: 'tag' }, categoryLabel(c)))),
        el('td', {}, formatTime(r.scored_at)),
        el('td', {}, r.case ? el('a', { href: '#/case/' + encodeURIComponent(r.case), class: 'mono' }, r.case.slice(0, 8)) : ''))))));
  return null;
}
