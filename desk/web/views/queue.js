// The review queue: filters, sort, cursor paging, a selection moved with j/k, Enter to open,
// and c/d/e to decide the selected case without leaving the list.
import { api } from '../api.js';
import { el, on } from '../dom.js';
import { decide } from '../decision.js';
import { CONFIRM_CATEGORIES, categoryLabel, formatTime, formatScore, kindLabel, statusLabel, t } from '../i18n.js';

const STATUSES = ['open', 'pending', 'confirming', 'escalated', 'confirmed', 'dismissed', 'all'];
const CATEGORIES = CONFIRM_CATEGORIES.concat(['political_commentary', 'election_info',
  'neutrality_news']);
const FILTERS = ['status', 'region', 'agency', 'platform', 'category', 'min_score', 'max_score',
  'sort', 'order'];
const OPEN_STATUSES = ['pending', 'confirming', 'escalated'];

// What the case page needs from the last queue shown: its order (for j/k there) and its hash
// (to go back with the same filters).
export const lastQueue = { hash: '#/queue', ids: [] };

function filterForm(params, context) {
  const input = (name, attrs) => el('input', { id: 'f-' + name, name, value: params.get(name) || '',
    ...attrs });
  const select = (name, options) => {
    const node = el('select', { id: 'f-' + name, name },
      options.map(([value, label]) => el('option', { value }, label)));
    node.value = params.get(name) || options[0][0];
    return node;
  };
  const field = (name, control) => el('div', { class: 'field' },
    el('label', { for: 'f-' + name }, t('filter.' + name)), control);
  const form = el('form', { id: 'filters', class: 'filters' },
    field('status', select('status', STATUSES.map((s) => [s, statusLabel(s)]))),
    field('region', input('region', { placeholder: 'jawa-timur' })),
    field('agency', input('agency')),
    field('platform', input('platform', { placeholder: 'x, mastodon' })),
    field('category', select('category', [['', t('filter.any')]].concat(
      CATEGORIES.map((c) => [c, categoryLabel(c)])))),
    field('min_score', input('min_score', { type: 'number', min: 0, max: 1, step: 0.01 })),
    field('max_score', input('max_score', { type: 'number', min: 0, max: 1, step: 0.01 })),
    field('sort', select('sort', [['score', t('sort.score')], ['age', t('sort.age')]])),
    el('div', { class: 'field' }, el('label', { for: 'f-order' }, '\u00a0'),
      select('order', [['', '—'], ['desc', t('order.desc')], ['asc', t('order.asc')]])),
    el('div', { class: 'field buttons' },
      el('button', { type: 'submit', class: 'primary' }, t('filter.apply')),
      el('button', { type: 'reset', id: 'filters-reset' }, t('filter.reset'))));
  on(form, 'submit', (event) => {
    event.preventDefault();
    const next = new URLSearchParams();
    for (const name of FILTERS) {
      const value = form.elements[name].value.trim();
      if (value && !(name === 'status' && value === 'open') && !(name === 'sort' && value === 'score')) {
        next.set(name, value);
      }
    }
    const text = next.toString();
    context.navigate('#/queue' + (text ? '?' + text : ''));
  });
  on(form, 'reset', (event) => {
    event.preventDefault();
    context.navigate('#/queue');
  });
  return form;
}

// What the row says of the case: the post's text, or whom a follow followed, or what a like liked
// (a follow or a like has no text of its own).
function rowText(item) {
  const target = item.target && typeof item.target === 'object' ? item.target : null;
  if (!target || (item.kind !== 'follow' && item.kind !== 'like')) return item.text || '';
  return t(item.kind === 'follow' ? 'queue.follow_text' : 'queue.like_text', {
    name: target.name || target.account || '', handle: target.account || target.account_id || '',
    text: target.text || '' });
}

// The post was deleted on its platform after netra flagged it; the evidence is kept.
export function deletedBadge(deletedAt) {
  return el('span', { class: 'badge deleted', title: t('case.deleted_title', { at: formatTime(deletedAt) }) },
    t('case.deleted'));
}

export function caseRow(item) {
  const account = item.account || {};
  const kind = item.kind || 'post';
  return el('tr', { class: 'case', dataset: { cid: item.id, status: item.status } },
    el('td', { class: 'score' }, formatScore(item.partisan)),
    el('td', {}, el('span', { class: 'status ' + item.status }, statusLabel(item.status)),
      item.deleted_at > 0 ? [' ', deletedBadge(item.deleted_at)] : []),
    el('td', { class: 'account' },
      el('a', { href: '#/account/' + encodeURIComponent(account.id || '') }, account.name || account.id || ''),
      el('div', { class: 'sub' }, account.agency || '')),
    el('td', {}, item.region || ''),
    el('td', {}, item.platform || ''),
    el('td', { class: 'kind' }, el('span', { class: 'kind ' + kind, dataset: { kind } }, kindLabel(kind))),
    el('td', { class: 'categories' }, (item.categories || []).map((c) =>
      el('span', { class: 'tag' }, categoryLabel(c)))),
    el('td', { class: 'text' }, el('a', { href: '#/case/' + item.id, class: 'open' }, rowText(item))),
    el('td', { class: 'when' }, formatTime(item.created)));
}

export function caseTable(items) {
  const body = el('tbody', {}, items.map(caseRow));
  const table = el('table', { class: 'cases' },
    el('thead', {}, el('tr', {}, ['col.score', 'col.status', 'col.account', 'col.region',
      'col.platform', 'col.kind', 'col.categories', 'col.text', 'col.created'].map((key) => el('th', {}, t(key))))),
    body);
  return { table, body };
}

export async function renderQueue(container, params, context) {
  const query = {};
  for (const name of FILTERS) if (params.get(name)) query[name] = params.get(name);
  const first = await api.cases(query);
  const items = first.cases.slice();
  let cursor = first.next_cursor;
  const statusFilter = query.status || 'open';

  const { table, body } = caseTable(items);
  const count = el('p', { class: 'count' });
  const more = el('button', { type: 'button', id: 'queue-more' }, t('queue.more'));
  const empty = el('p', { class: 'empty' }, t('queue.empty'));
  const truncated = el('p', { class: 'warning' }, t('truncated'));
  truncated.hidden = !first.truncated;
  let selected = items.length ? 0 : -1;

  lastQueue.hash = location.hash || '#/queue';
  const rows = () => Array.from(body.rows);
  const refresh = () => {
    lastQueue.ids = rows().map((row) => row.dataset.cid);
    count.textContent = t('queue.count', { n: lastQueue.ids.length });
    more.hidden = !cursor;
    empty.hidden = lastQueue.ids.length > 0;
    table.hidden = lastQueue.ids.length === 0;
    rows().forEach((row, i) => {
      row.classList.toggle('selected', i === selected);
      row.setAttribute('aria-selected', i === selected ? 'true' : 'false');
    });
  };
  const select = (index) => {
    const all = rows();
    if (!all.length) {
      selected = -1;
      refresh();
      return;
    }
    selected = Math.max(0, Math.min(all.length - 1, index));
    refresh();
    all[selected].scrollIntoView({ block: 'nearest' });
  };

  on(body, 'click', (event) => {
    const row = event.target.closest('tr.case');
    if (row) select(rows().indexOf(row));
  });
  on(more, 'click', async () => {
    more.disabled = true;
    try {
      const page = await api.cases({ ...query, cursor });
      cursor = page.next_cursor;
      truncated.hidden = truncated.hidden && !page.truncated;
      for (const item of page.cases) body.append(caseRow(item));
      if (selected < 0 && page.cases.length) selected = 0;
      refresh();
    } catch (error) {
      context.failed(error);
    } finally {
      more.disabled = false;
    }
  });

  // A decision taken from the list: the row goes when the case no longer matches the filter
  // (it left the queue), else shows its new status; the selection stays at the same place,
  // which is the next case.
  const decideSelected = async (action) => {
    const row = rows()[selected];
    if (!row) return;
    const cid = row.dataset.cid;
    const item = items.find((c) => c.id === cid);
    const answer = await decide(cid, action, item ? item.categories : []);
    if (!answer) return;
    context.notify(t('decision.done', { id: cid, status: statusLabel(answer.status) }));
    const stillMatches = statusFilter === 'all' || answer.status === statusFilter ||
      (statusFilter === 'open' && OPEN_STATUSES.includes(answer.status));
    if (stillMatches) {
      if (item) item.status = answer.status;
      const status = row.querySelector('.status');
      status.className = 'status ' + answer.status;
      status.textContent = statusLabel(answer.status);
      row.dataset.status = answer.status;
      select(selected);
    } else {
      row.remove();
      select(selected);
    }
  };

  container.append(
    el('h1', {}, t('queue.title')),
    filterForm(params, context),
    el('div', { class: 'toolbar' }, count,
      el('a', { href: '/api/export/cases.csv', class: 'button', download: 'cases.csv' }, t('queue.export'))),
    truncated, empty, table, more);
  refresh();

  return {
    mounted() {
      if (selected >= 0) select(selected);
    },
    onKey(event) {
      switch (event.key) {
        case 'j': select(selected + 1); return true;
        case 'k': select(selected - 1); return true;
        case 'Enter':
          if (selected >= 0) context.navigate('#/case/' + rows()[selected].dataset.cid);
          return true;
        case 'c': decideSelected('confirm'); return true;
        case 'd': decideSelected('dismiss'); return true;
        case 'e': decideSelected('escalate'); return true;
        default: return false;
      }
    },
  };
}
