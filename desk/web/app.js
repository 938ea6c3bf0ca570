// The console's shell: session, header, routing between views (#/queue, #/case/<cid>,
// #/account/<id>, #/dashboard, #/audit, #/webhooks), keyboard dispatch and notices.
import { api, ApiError, setCsrf } from './api.js';
import { el, clear, on } from './dom.js';
import { initLanguage, language, setLanguage, t, useServerDefault } from './i18n.js';
import { renderLogin } from './views/login.js';
import { renderQueue } from './views/queue.js';
import { renderCase } from './views/case.js';
import { renderAccount } from './views/account.js';
import { renderDashboard } from './views/dashboard.js';
import { renderAudit } from './views/audit.js';
import { renderWebhooks } from './views/webhooks.js';
import { showHelp } from './views/help.js';

const STAFF = ['reviewer', 'supervisor'];

const session = { user: null, role: null };
let controller = null; // the current view's {onKey?}
let renderSerial = 0;

const view = document.getElementById('view');

function notify(message, kind) {
  const notice = document.getElementById('notice');
  notice.textContent = message;
  notice.className = kind === 'error' ? 'error' : 'info';
  notice.hidden = !message;
}

// An API error as the reader should see it; a lost session goes back to the login page.
function failed(error) {
  if (error instanceof ApiError && error.status === 401) {
    session.user = null;
    start();
    return;
  }
  if (error instanceof ApiError && error.status === 0) notify(t('error.network'), 'error');
  else notify(t('error.generic', { message: error.message }), 'error');
}

function navigate(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

const context = {
  session,
  notify,
  failed,
  navigate,
};

function renderHeader() {
  const top = document.getElementById('top');
  top.hidden = !session.user;
  document.title = t('app.title');
  const nav = clear(document.getElementById('nav'));
  const links = [['#/queue', 'nav.queue'], ['#/dashboard', 'nav.dashboard'],
    ['#/webhooks', 'nav.webhooks']];
  if (session.role === 'supervisor') links.push(['#/audit', 'nav.audit']);
  const current = location.hash.split('?')[0] || '#/queue';
  for (const [href, key] of links) {
    nav.append(el('a', { href, 'aria-current': current.startsWith(href) ? 'page' : undefined },
      t(key)));
  }
  document.getElementById('who').textContent = session.user ? session.user + ' · ' + session.role : '';
  document.getElementById('lang').textContent = t('lang.switch');
  document.getElementById('help-open').textContent = t('nav.help');
  document.getElementById('logout').textContent = t('nav.logout');
}

// #/name/arg?a=b -> {name, arg, params}
function parseHash() {
  const hash = location.hash.replace(/^#\/?/, '');
  const [pathPart, queryPart] = hash.split('?', 2);
  const [name, ...rest] = pathPart.split('/');
  let arg = '';
  try {
    arg = decodeURIComponent(rest.join('/'));
  } catch (_) {
    arg = '';
  }
  return { name: name || 'queue', arg, params: new URLSearchParams(queryPart || '') };
}

async function route() {
  if (!session.user) return;
  const serial = ++renderSerial;
  renderHeader();
  notify('');
  const { name, arg, params } = parseHash();
  clear(view).append(el('p', { class: 'loading' }, t('loading')));
  const target = document.createElement('div');
  const renderers = {
    queue: () => renderQueue(target, params, context),
    case: () => renderCase(target, arg, context),
    account: () => renderAccount(target, arg, context),
    dashboard: () => renderDashboard(target, params, context),
    audit: () => renderAudit(target, params, context),
    webhooks: () => renderWebhooks(target, params, context),
  };
  const render = renderers[name] || renderers.queue;
  try {
    const next = await render();
    if (serial !== renderSerial) return; // the reader moved on meanwhile
    controller = next || null;
    clear(view).append(...target.childNodes);
    if (controller && controller.mounted) controller.mounted();
  } catch (error) {
    if (serial !== renderSerial) return;
    controller = null;
    clear(view);
    failed(error);
  }
}

function typingIn(target) {
  return target instanceof HTMLElement &&
    (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));
}

function onKey(event) {
  if (!session.user || event.ctrlKey || event.metaKey || event.altKey) return;
  if (document.querySelector('dialog[open]') || typingIn(event.target)) return;
  // Enter on a focused link or button is theirs.
  if (event.key === 'Enter' && event.target instanceof Element && event.target.closest('a, button')) return;
  if (event.key === '?') {
    event.preventDefault();
    showHelp();
    return;
  }
  if (controller && controller.onKey && controller.onKey(event)) event.preventDefault();
}

async function loggedIn(me) {
  session.user = me.user;
  session.role = me.role;
  setCsrf(me.csrf);
  useServerDefault(me.language);
  if (!STAFF.includes(me.role)) {
    session.user = null;
    renderLogin(clear(view), context, loggedIn, t('login.feed_role'));
    renderHeader();
    return;
  }
  await route();
}

async function start() {
  renderHeader();
  try {
    const me = await api.me();
    await loggedIn(me);
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 401) notify(t('error.network'), 'error');
    session.user = null;
    setCsrf('');
    renderHeader();
    renderLogin(clear(view), context, loggedIn);
  }
}

function init() {
  initLanguage();
  on(window, 'hashchange', route);
  on(document, 'keydown', onKey);
  on(document.getElementById('lang'), 'click', () => {
    setLanguage(language() === 'id' ? 'en' : 'id');
    if (session.user) route();
    else start();
  });
  on(document.getElementById('help-open'), 'click', showHelp);
  on(document.getElementById('logout'), 'click', async () => {
    try {
      await api.logout();
    } catch (_) {
      // The session is dropped here whatever the server said.
    }
    session.user = null;
    setCsrf('');
    start();
  });
  start();
}

init();
