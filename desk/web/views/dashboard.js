// The dashboard: cases by status, and suspects and confirmations per region and per day, as
// tables with <meter> bars (no chart library, no inline style).
import { api } from '../api.js';
import { el, on } from '../dom.js';
import { statusLabel, t } from '../i18n.js';

const DAY_CHOICES = [7, 30, 90, 366];

function bar(value, max, cls) {
  return el('meter', { class: cls, min: 0, max: Math.max(max, 1), value: value || 0, title: String(value || 0) });
}

function barTable(idPrefix, label, rows, key) {
  const max = Math.max(1, ...rows.map((r) => Math.max(r.suspects || 0, r.confirmed || 0)));
  return el('table', { class: 'bars', id: idPrefix },
    el('thead', {}, el('tr', {}, el('th', {}, label), el('th', {}, t('dash.suspects')), el('th', {}),
      el('th', {}, t('dash.confirmed')), el('th', {}))),
    el('tbody', {}, rows.map((r) => el('tr', { dataset: { key: String(r[key] ?? '') } },
      el('th', {}, String(r[key] ?? '')),
      el('td', { class: 'num' }, String(r.suspects || 0)), el('td', {}, bar(r.suspects, max, 'suspects')),
      el('td', { class: 'num' }, String(r.confirmed || 0)), el('td', {}, bar(r.confirmed, max, 'confirmed'))))));
}

export async function renderDashboard(container, params, context) {
  const requested = Number(params.get('days'));
  const days = DAY_CHOICES.includes(requested) ? requested : 30;
  const stats = await api.stats(days);
  const totals = stats.totals || {};
  const chooser = el('select', { id: 'dash-days' }, DAY_CHOICES.map((d) => el('option', { value: d }, String(d))));
  chooser.value = String(days);
  on(chooser, 'change', () => context.navigate('#/dashboard?days=' + chooser.value));

  container.append(
    el('h1', {}, t('dash.title')),
    el('p', {}, el('label', { for: 'dash-days' }, t('dash.days') + ' '), chooser, ' ',
      t('dash.window', { from: stats.from || '', to: stats.to || '' })),
    stats.truncated ? el('p', { class: 'warning' }, t('dash.truncated')) : '',
    el('h2', {}, t('dash.totals')),
    el('dl', { class: 'totals', id: 'dash-totals' },
      ['suspects', 'open', 'pending', 'confirming', 'escalated', 'confirmed', 'dismissed'].map((k) =>
        el('div', {}, el('dt', {}, k === 'suspects' ? t('dash.suspects') : statusLabel(k)),
          el('dd', {}, String(totals[k] ?? 0))))),
    el('div', { class: 'columns' },
      el('section', {}, el('h2', {}, t('dash.by_region')),
        barTable('dash-regions', t('col.region'), Array.isArray(stats.regions) ? stats.regions : [], 'region')),
      el('section', {}, el('h2', {}, t('dash.by_day')),
        barTable('dash-days-table', t('dash.days'), Array.isArray(stats.days) ? stats.days : [], 'day'))));
  return null;
}
