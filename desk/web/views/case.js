// The case page: the post (or the follow or the like) with its matched terms marked, why it
// scored, the versions of an edited post side by side, the account, the evidence hashes, the
// decision history, and the decision buttons (c, d, e; j/k move along the last queue shown; u
// goes back to it).
import { api } from '../api.js';
import { el, on, externalLink } from '../dom.js';
import { decide } from '../decision.js';
import { highlight } from '../highlight.js';
import { categoryLabel, formatDateString, formatScore, formatTime, kindLabel, statusLabel, t, tParts } from '../i18n.js';
import { deletedBadge, lastQueue } from './queue.js';

const DECIDABLE = ['pending', 'confirming', 'escalated'];
const EVIDENCE_FIELDS = ['raw_sha256', 'message_sha256', 'evidence', 'chain_position', 'chain_id', 'chain'];

// The matches placed in one field of the post ("text", "media[0].alt", ...), as highlight ranges.
function rangesFor(matches, field) {
  return matches
    .filter((m) => m.field === field && Number.isInteger(m.start16) && Number.isInteger(m.end16))
    .map((m) => ({ start: m.start16, end: m.end16, title: categoryLabel(m.category) + ': ' + m.rule }));
}

function marked(tag, attrs, value, matches, field) {
  const text = typeof value === 'string' ? value : '';
  return el(tag, attrs, highlight(text, rangesFor(matches, field)));
}

function definitions(pairs) {
  return el('dl', { class: 'pairs' }, pairs.map(([label, value]) =>
    [el('dt', {}, label), el('dd', {}, value ?? '')]));
}

// A follow or a like: "<ASN> followed <name> (@handle)" with the profile link and bio, or "<ASN>
// liked a post by <name> (@handle)" with the liked text and its link; the target's fields marked
// where the rules matched them.
function engagementSection(post, matches, account) {
  const target = post.target && typeof post.target === 'object' ? post.target : {};
  const follow = post.kind === 'follow';
  const handle = target.account || target.account_id || '';
  const named = typeof target.name === 'string' && target.name !== '';
  const sentence = tParts((follow ? 'case.followed' : 'case.liked') + (named ? '' : '_unnamed'), {
    actor: el('strong', { class: 'actor' }, account.name || post.author || ''),
    name: marked('strong', { class: 'target-name' }, target.name, matches, 'target.name'),
    handle: el('span', { class: 'target-account' }, '@',
      target.account ? marked('span', {}, target.account, matches, 'target.account') : handle),
  });
  const when = post.created_at || post.fetched_at;
  const section = el('section', { class: 'post engagement ' + (post.kind || ''), id: 'post',
    dataset: { kind: post.kind || '' } },
  el('h2', {}, t(follow ? 'case.follow_title' : 'case.like_title')),
  el('p', { class: 'byline' }, post.platform || '', ' · ', kindLabel(post.kind), ' · ',
    post.created_at ? formatDateString(when) : [t('case.seen_at'), ' ', formatDateString(when)]),
  el('p', { class: 'engagement-summary', id: 'engagement-summary' }, sentence),
  el('p', {}, externalLink(target.url, t(follow ? 'case.open_profile' : 'case.open_liked'))));
  const text = typeof target.text === 'string' ? target.text : '';
  if (follow) {
    section.append(el('h3', {}, t('case.bio')),
      marked('p', { class: 'post-text', id: 'target-text' }, text, matches, 'target.text'));
  } else {
    section.append(el('h3', {}, t('case.liked_post')), text
      ? el('blockquote', { class: 'liked' },
        marked('p', { class: 'post-text', id: 'target-text' }, text, matches, 'target.text'))
      : el('p', { class: 'empty', id: 'target-text' }, t('case.liked_unread')));
  }
  return section;
}

function postSection(post, matches, account) {
  if (post.kind === 'follow' || post.kind === 'like') return engagementSection(post, matches, account);
  const section = el('section', { class: 'post', id: 'post' },
    el('h2', {}, t('case.post')),
    el('p', { class: 'byline' },
      el('strong', { class: 'author' }, post.author || ''), ' · ', post.platform || '', ' · ',
      kindLabel(post.kind), ' · ', formatDateString(post.created_at), ' · ',
      externalLink(post.url, t('case.open_original'))),
    marked('p', { class: 'post-text', id: 'post-text', lang: post.lang || undefined }, post.text,
      matches, 'text'));
  if (post.repost_of && typeof post.repost_of === 'object') {
    section.append(el('blockquote', { class: 'repost' },
      el('p', { class: 'byline' }, marked('strong', {}, post.repost_of.author, matches, 'repost_of.author'),
        ' · ', externalLink(post.repost_of.url)),
      marked('p', { class: 'post-text' }, post.repost_of.text, matches, 'repost_of.text')));
  }
  const list = (key, values, field, render) => {
    if (!Array.isArray(values) || !values.length) return;
    section.append(el('h3', {}, t(key)),
      el('ul', { class: 'inline' }, values.map((value, i) => el('li', {}, render(value, field + '[' + i + ']')))));
  };
  list('case.hashtags', post.hashtags, 'hashtags', (v, f) => marked('span', {}, '#' + String(v ?? ''), shift(matches, f, 1), f));
  list('case.mentions', post.mentions, 'mentions', (v, f) => marked('span', {}, '@' + String(v ?? ''), shift(matches, f, 1), f));
  list('case.media', post.media, 'media', (m, f) => el('span', {},
    externalLink(m && m.url, (m && m.type) || 'media'), m && m.alt ? ': ' : '',
    m && m.alt ? marked('span', { class: 'alt' }, m.alt, matches, f + '.alt') : ''));
  list('case.links', post.links, 'links', (v) => externalLink(v));
  return section;
}

// Matches of a field shown with a prefix ('#', '@') moved past it.
function shift(matches, field, by) {
  return matches.filter((m) => m.field === field).map((m) => ({
    ...m,
    start16: Number.isInteger(m.start16) ? m.start16 + by : null,
    end16: Number.isInteger(m.end16) ? m.end16 + by : null,
  }));
}

function matchesSection(matches) {
  return el('section', { class: 'matches' },
    el('h2', {}, t('case.matches')),
    el('table', {},
      el('thead', {}, el('tr', {}, ['field.rule', 'col.categories', 'field.term', 'field.field',
        'field.weight'].map((k) => el('th', {}, t(k))))),
      el('tbody', {}, matches.map((m) => el('tr', {},
        el('td', {}, m.rule ?? ''), el('td', {}, categoryLabel(m.category ?? '')),
        el('td', {}, el('q', {}, m.term ?? '')),
        el('td', {}, m.field ?? '', Number.isInteger(m.start16) ? ''
          : el('span', { class: 'sub' }, ' (' + t('case.match_unplaced') + ')')),
        el('td', {}, typeof m.weight === 'number' ? m.weight.toFixed(2) : ''))))));
}

function historySection(decisions) {
  const section = el('section', { class: 'history', id: 'history' }, el('h2', {}, t('case.history')));
  if (!decisions.length) {
    section.append(el('p', { class: 'empty' }, t('case.no_decisions')));
    return section;
  }
  section.append(el('ol', {}, decisions.map((d) => el('li', { class: 'decision ' + (d.action || '') },
    el('span', { class: 'when' }, formatTime(d.at)), ' ',
    el('strong', {}, d.by ?? ''), ' (', d.role ?? '', '): ',
    el('span', { class: 'action' }, t('decision.' + d.action) === 'decision.' + d.action ? String(d.action) : t('decision.' + d.action)),
    d.category ? [' · ', categoryLabel(d.category)] : '',
    d.reason ? [' · ', el('q', {}, d.reason)] : '',
    d.note ? [' · ', el('q', {}, d.note)] : ''))));
  return section;
}

// ---- versions of the post: each edit kept by the case, side by side ----

// Words (and the spaces after them) of a text, for comparing versions.
function words(text) {
  return (typeof text === 'string' ? text : '').match(/\S+\s*|\s+/g) || [];
}

// The words of after, each marked when it is not in the longest common run of words shared
// with before. Past MAX_DIFF_CELLS the comparison would cost too much: the text is shown unmarked.
const MAX_DIFF_CELLS = 1000000;
function markedChanges(before, after) {
  const a = words(before);
  const b = words(after);
  if (a.length * b.length > MAX_DIFF_CELLS) return b.join('');
  const common = Array.from({ length: a.length + 1 }, () => new Uint32Array(b.length + 1));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      common[i][j] = a[i].trim() === b[j].trim() ? common[i + 1][j + 1] + 1
        : Math.max(common[i + 1][j], common[i][j + 1]);
    }
  }
  const out = [];
  let i = 0;
  for (let j = 0; j < b.length;) {
    if (i < a.length && a[i].trim() === b[j].trim()) {
      out.push(b[j]);
      i++;
      j++;
    } else if (i < a.length && common[i + 1][j] >= common[i][j + 1]) {
      i++;
    } else {
      out.push(el('ins', {}, b[j]));
      j++;
    }
  }
  return out;
}

function verdictLabel(verdict) {
  const key = 'verdict.' + verdict;
  return t(key) === key ? String(verdict ?? '') : t(key);
}

// Nothing for a post never edited; else one column per version, the words each edit added
// marked against the version before it.
function versionsSection(versions, dropped) {
  if (!Array.isArray(versions) || versions.length < 2) return null;
  return el('section', { class: 'versions', id: 'versions' },
    el('h2', {}, t('case.versions', { count: versions.length })),
    el('p', { class: 'sub' }, t('case.versions_note')),
    dropped > 0 ? el('p', { class: 'versions-dropped' }, t('case.versions_dropped', { count: dropped })) : '',
    el('div', { class: 'version-columns' }, versions.map((v, i) => {
      const post = v && v.post && typeof v.post === 'object' ? v.post : {};
      const evidence = v && v.evidence && typeof v.evidence === 'object' ? v.evidence : {};
      const previous = i > 0 && versions[i - 1] && versions[i - 1].post ? versions[i - 1].post.text : null;
      return el('article', { class: 'version verdict-' + String(v && v.verdict), dataset: { version: String(v && v.version) } },
        el('h3', {}, t('case.version', { n: v && v.version })),
        el('p', { class: 'byline' }, t('case.version_meta', { fetched: formatDateString(v && v.fetched_at),
          verdict: verdictLabel(v && v.verdict), partisan: formatScore(v && v.partisan) })),
        el('p', { class: 'post-text version-text' }, i > 0 ? markedChanges(previous, post.text)
          : String(post.text ?? '')),
        el('p', { class: 'sub' }, t('case.version_link', { position: evidence.chain_position ?? '' }), ' · ',
          el('code', {}, String(evidence.evidence ?? ''))));
    })));
}

export async function renderCase(container, cid, context) {
  const item = await api.case(cid);
  const matches = (item.explanation && Array.isArray(item.explanation.matches)) ? item.explanation.matches : [];
  const account = item.account || {};
  const evidence = item.evidence || {};
  const supervisor = context.session.role === 'supervisor';
  const position = lastQueue.ids.indexOf(item.id);

  const act = async (action) => {
    if (action === 'reopen' ? !supervisor || DECIDABLE.includes(item.status) : !DECIDABLE.includes(item.status)) return;
    const answer = await decide(item.id, action, item.categories);
    if (!answer) return;
    context.navigate('#/case/' + item.id);
    context.notify(t('decision.done', { id: item.id, status: statusLabel(answer.status) }));
  };
  const button = (action, cls) => {
    const node = el('button', { type: 'button', id: 'act-' + action, class: cls + ' ' + action }, t('action.' + action));
    on(node, 'click', () => act(action));
    return node;
  };
  const actions = el('div', { class: 'actions' });
  if (DECIDABLE.includes(item.status)) {
    actions.append(button('confirm', 'primary'), button('dismiss', ''), button('escalate', ''));
  } else if (supervisor) {
    actions.append(button('reopen', ''));
  }

  const summary = [el('span', { class: 'status ' + item.status, id: 'case-status', dataset: { status: item.status } },
    statusLabel(item.status)), ' ',
  t('case.scores', { partisan: formatScore(item.partisan), political: formatScore(item.political),
    ruleset: item.ruleset || '' })];
  if (item.deleted) {
    summary.push(' ', deletedBadge(item.deleted.deleted_at), el('p', { class: 'deleted' },
      t('case.deleted_detail', { at: formatTime(item.deleted.deleted_at),
        seen: formatTime(item.deleted.last_seen), how: item.deleted.how || '' })));
  }
  if (item.status === 'confirmed' && item.confirmed_category) {
    summary.push(el('p', {}, t('case.confirmed_as', { category: categoryLabel(item.confirmed_category),
      by: (item.confirmed_by || []).join(', '), at: formatTime(item.confirmed_at) })));
  }

  container.append(
    el('p', {}, el('a', { href: lastQueue.hash }, t('case.back'))),
    el('h1', {}, t('case.title', { id: item.id })),
    el('div', { class: 'summary' }, summary),
    el('div', { class: 'categories' }, (item.categories || []).map((c) => el('span', { class: 'tag' }, categoryLabel(c)))),
    actions,
    el('div', { class: 'case-grid' },
      el('div', {}, postSection(item.post || {}, matches, account), matchesSection(matches)),
      el('aside', {},
        el('section', { class: 'account' }, el('h2', {}, t('case.account')),
          definitions([
            [t('field.name'), el('a', { href: '#/account/' + encodeURIComponent(account.id || '') }, account.name || account.id || '')],
            [t('field.nip'), account.nip], [t('field.agency'), account.agency],
            [t('field.region'), account.region], [t('field.platform'), account.platform],
            [t('field.handle'), account.handle]])),
        el('section', { class: 'evidence', id: 'evidence' }, el('h2', {}, t('case.evidence')),
          definitions([[t('field.created_at'), formatDateString(item.post && item.post.created_at)],
            [t('field.fetched_at'), formatDateString(item.post && item.post.fetched_at)]]
            .concat(EVIDENCE_FIELDS.map((f) => [t('field.' + f), el('code', {}, String(evidence[f] ?? ''))])))),
        historySection(Array.isArray(item.decisions) ? item.decisions : []))));

  const versions = versionsSection(item.versions, Number(item.versions_dropped) || 0);
  if (versions) container.querySelector('.case-grid > div').append(versions);

  const go = (offset) => {
    const next = lastQueue.ids[position + offset];
    if (position >= 0 && next) context.navigate('#/case/' + next);
  };
  return {
    onKey(event) {
      switch (event.key) {
        case 'j': go(1); return true;
        case 'k': go(-1); return true;
        case 'u': context.navigate(lastQueue.hash); return true;
        case 'c': act('confirm'); return true;
        case 'd': act('dismiss'); return true;
        case 'e': act('escalate'); return true;
        default: return false;
      }
    },
  };
}
