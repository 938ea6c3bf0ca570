// The reviewer console in Debian's Chromium against the real netra-desk, netra-worker and Redis:
// log in, work three cases with the keyboard and see their decisions in the API and the audit
// log, see a confirmation appear in the JSON Feed, check that posts carrying HTML or script
// render as inert text, see a follow and a like case say whom the account followed and what it
// liked, in both languages, up to the feed and the webhook, and see an edited post's versions
// side by side. Saves screenshots of the queue and the case page in
// $NETRA_BINARY_DIR/browser/.
//
//   node console.test.mjs NETRA_DESK NETRA NETRA_WORKER SEED_POSTS   (see run-console-test)
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const TIME_LIMIT_MS = 90_000;
const here = path.dirname(fileURLToPath(import.meta.url));
const [deskBin, netraBin, workerBin, seedBin] = process.argv.slice(2);
if (!seedBin) {
  console.error('usage: console.test.mjs NETRA_DESK NETRA NETRA_WORKER SEED_POSTS');
  process.exit(2);
}
const source = process.env.NETRA_SOURCE_DIR || path.resolve(here, '../..');
const out = path.join(process.env.NETRA_BINARY_DIR || '.', 'browser');
const redisUrl = process.env.NETRA_TEST_REDIS_URL;
const { chromium } = await import(process.env.NETRA_PLAYWRIGHT);

const XSS_IMG = '<img src=x onerror=alert(1)>';
const XSS_SCRIPT = '<script>alert(1)</script>';
const users = {
  reviewer: { name: 'rina', role: 'reviewer', password: 'rina-' + randomBytes(6).toString('hex') },
  supervisor: { name: 'sari', role: 'supervisor', password: 'sari-' + randomBytes(6).toString('hex'),
    token: randomBytes(32).toString('hex') },
  feed: { name: 'bawaslu', role: 'feed', token: randomBytes(32).toString('hex') },
};

const children = [];
let passed = 0;
let shownPage = null; // screenshotted when a step fails

function caseId(account, postId) {
  return createHash('sha256').update(account + '\n' + postId).digest('hex').slice(0, 32);
}

const cids = {
  team: caseId('asn-jti-101', 'x:1001'),
  img: caseId('asn-jti-101', 'x:1002'),
  script: caseId('asn-jti-101', 'x:1003'),
  event: caseId('asn-ach-101', 'mastodon:2001'),
  emoji: caseId('asn-ach-101', 'mastodon:2002'),
  follow: caseId('asn-ach-101', 'mastodon:follow:109876:4401'),
  like: caseId('asn-jti-101', 'x:like:5550001:1860000000000000001'),
};

async function step(name, fn) {
  const started = Date.now();
  await fn();
  passed++;
  console.log(`ok ${passed} - ${name} (${Date.now() - started} ms)`);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function hashSecret(secret, kind) {
  const args = kind === 'token' ? ['desk-hash', '--token'] : ['desk-hash'];
  return execFileSync(netraBin, args, { input: secret + '\n' }).toString().trim();
}

function run(bin, args, logName) {
  const log = fs.openSync(path.join(out, logName), 'a');
  const child = spawn(bin, args, { stdio: ['ignore', log, log] });
  children.push(child);
  return child;
}

// SIGTERM; resolves to the exit status, or the signal's name when it died of one.
function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode ?? child.signalCode);
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal));
    child.kill('SIGTERM');
  });
}

async function waitFor(what, fn, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      const value = await fn();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}${last ? ': ' + last.message : ''}`);
}

function tail(file, lines = 30) {
  try {
    return fs.readFileSync(path.join(out, file), 'utf8').split('\n').slice(-lines).join('\n');
  } catch (_) {
    return '(no log)';
  }
}

async function main() {
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  // A Bawaslu receiver on loopback: it takes every delivery.
  const deliveries = [];
  const receiver = http.createServer((request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      deliveries.push(Buffer.concat(chunks).toString());
      response.end('ok');
    });
  });
  await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  // Every process that loads the config needs the secret it names.
  process.env.NETRA_BROWSER_WEBHOOK_SECRET = randomBytes(24).toString('hex');
  const prefix = `netra-browser-${process.pid}:`;
  const config = {
    redis: { url: redisUrl, key_prefix: prefix },
    stream: { block_ms: 100 },
    worker: { rules_dir: path.join(source, 'config/rules') },
    desk: {
      listen: `127.0.0.1:${port}`,
      threads: 2,
      web_dir: path.join(source, 'desk/web'),
      public_url: base,
      webhooks: [{ url: `http://127.0.0.1:${receiver.address().port}/netra`, secret: '$ENV:NETRA_BROWSER_WEBHOOK_SECRET' }],
      webhook_backoff_ms: 100,
      users: Object.values(users).map((u) => ({
        name: u.name,
        role: u.role,
        password: u.password ? hashSecret(u.password, 'password') : undefined,
        token: u.token ? hashSecret(u.token, 'token') : undefined,
      })),
    },
  };
  const configPath = path.join(out, 'netra.json');
  fs.writeFileSync(configPath, JSON.stringify(config, null, 2));

  const api = async (token, pathname, init = {}) => {
    const response = await fetch(base + pathname, {
      ...init, headers: { Authorization: 'Bearer ' + token, ...(init.headers || {}) },
    });
    const body = await response.json();
    assert.equal(response.status, 200, `${pathname}: ${response.status} ${JSON.stringify(body)}`);
    return body;
  };
  const staff = (pathname) => api(users.supervisor.token, pathname);
  let desk = null;
  const feedIds = async () => (await api(users.feed.token, '/feeds/alerts.json')).items.map((i) => i.id);

  await step('netra-desk starts and the worker opens five cases from the seeded posts', async () => {
    execFileSync(netraBin, ['--config', configPath, 'watchlist', 'import',
      path.join(here, 'fixtures/watchlist.csv')], { stdio: ['ignore', 'ignore', 'inherit'] });
    const queued = execFileSync(seedBin, [configPath, path.join(here, 'fixtures/posts.jsonl')]).toString().trim();
    assert.equal(queued, '5');
    desk = run(deskBin, ['--config', configPath], 'desk.log');
    await waitFor('/healthz', async () => (await fetch(base + '/healthz')).status === 200);
    const worker = run(workerBin, ['--config', configPath, '--name', 'browser-worker'], 'worker.log');
    await waitFor('five cases', async () => (await staff('/api/cases?status=all')).cases.length === 5);
    assert.equal(await stop(worker), 0, 'netra-worker exit status');
  });

  const response = await fetch(base + '/');
  const csp = response.headers.get('content-security-policy') || '';
  await step('the console is served with a CSP that allows only its own scripts', async () => {
    assert.equal(response.status, 200);
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  });

  const browser = await chromium.launch({ executablePath: process.env.NETRA_CHROMIUM, headless: true });
  try {
    const context = await browser.newContext({ viewport: { width: 1360, height: 860 }, locale: 'id-ID',
      timezoneId: 'Asia/Jakarta' });
    const page = await context.newPage();
    shownPage = page;
    page.setDefaultTimeout(10_000);
    const dialogs = [];
    const pageErrors = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      dialog.dismiss().catch(() => {});
    });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await context.addInitScript(() => {
      window.__cspViolations = [];
      document.addEventListener('securitypolicyviolation', (event) =>
        window.__cspViolations.push(event.violatedDirective + ' ' + event.blockedURI));
    });

    const selectedCid = () => page.$eval('table.cases tr.selected', (row) => row.dataset.cid);
    const rowCids = () => page.$$eval('table.cases tbody tr', (rows) => rows.map((r) => r.dataset.cid));

    await step('a wrong password is refused and the right one opens the queue', async () => {
      await page.goto(base + '/');
      await page.fill('#login-name', users.reviewer.name);
      await page.fill('#login-password', 'not-the-password');
      await page.press('#login-password', 'Enter');
      await page.locator('#login p.error').waitFor({ state: 'visible' });
      await page.fill('#login-password', users.reviewer.password);
      await page.press('#login-password', 'Enter');
      await page.locator('table.cases tbody tr').first().waitFor();
      assert.equal((await rowCids()).length, 5);
      assert.equal(await page.textContent('h1'), 'Antrean tinjauan');
      // Highest partisan score first: the campaign declaration, then the campaign team.
      assert.deepEqual((await rowCids()).slice(0, 2), [cids.event, cids.team]);
      assert.equal(await selectedCid(), cids.event);
    });

    await step('queue rows show hostile post text literally', async () => {
      const texts = await page.$$eval('table.cases td.text', (cells) => cells.map((c) => c.textContent));
      assert.ok(texts.includes('Ayo coblos nomor 2 ' + XSS_IMG), texts.join(' | '));
      assert.ok(texts.includes('Ayo coblos nomor 2! ' + XSS_SCRIPT), texts.join(' | '));
      assert.equal(await page.locator('main img').count(), 0);
      await page.screenshot({ path: path.join(out, 'queue.png') });
    });

    let confirmedCategory;
    await step('j/k move the selection; c confirms with a category and a note', async () => {
      await page.keyboard.press('j');
      await page.keyboard.press('j');
      await page.keyboard.press('k');
      assert.equal(await selectedCid(), cids.team);
      assert.ok(!(await feedIds()).includes('urn:netra:alert:' + cids.team), 'in the feed before it is confirmed');
      await page.keyboard.press('c');
      const category = page.locator('#decision-category');
      await category.waitFor();
      assert.equal(await category.inputValue(), 'campaign_team'); // the case's own category first
      await page.keyboard.press('ArrowDown');
      confirmedCategory = await category.inputValue();
      assert.notEqual(confirmedCategory, 'campaign_team');
      await page.keyboard.press('Tab');
      await page.keyboard.type('masuk tim sukses paslon');
      await page.keyboard.press('Enter');
      await page.locator('#decision').waitFor({ state: 'detached' });
      await waitFor('the confirmed row to leave the queue', async () => !(await rowCids()).includes(cids.team));
      const kase = await staff('/api/cases/' + cids.team);
      assert.equal(kase.status, 'confirmed');
      assert.equal(kase.confirmed_category, confirmedCategory);
      assert.deepEqual(kase.confirmed_by, [users.reviewer.name]);
      assert.equal(kase.decisions.at(-1).note, 'masuk tim sukses paslon');
    });

    await step('the confirmed case appears in the JSON Feed', async () => {
      assert.ok((await feedIds()).includes('urn:netra:alert:' + cids.team));
      const fromConsole = await page.evaluate(async () =>
        (await (await fetch('/feeds/alerts.json')).json()).items.map((i) => i.id));
      assert.ok(fromConsole.includes('urn:netra:alert:' + cids.team));
    });

    await step('the webhook page shows the finding delivered', async () => {
      await waitFor('the webhook delivery', () => deliveries.some((d) => d.includes(cids.team)));
      await waitFor('the delivery in /api/webhooks', async () => (await staff('/api/webhooks'))
        .webhooks[0].recent.some((d) => d.case === cids.team));
      await page.goto(base + '/#/webhooks');
      await page.locator(`section.webhook table.recent a[href="#/case/${cids.team}"]`).waitFor();
      await page.goto(base + '/#/queue');
      await page.locator('table.cases tbody tr').first().waitFor();
      await page.keyboard.press('j');
      assert.equal(await selectedCid(), (await rowCids())[1]);
    });

    await step('d dismisses the next case with a reason', async () => {
      const cid = await selectedCid();
      assert.notEqual(cid, cids.team);
      await page.keyboard.press('d');
      await page.locator('#decision-text').waitFor();
      await page.keyboard.press('Enter'); // a reason is required: the dialog stays
      assert.equal(await page.locator('#decision').count(), 1);
      await page.keyboard.type('berita netral, bukan ajakan');
      await page.keyboard.press('Enter');
      await page.locator('#decision').waitFor({ state: 'detached' });
      await waitFor('the dismissed row to leave the queue', async () => !(await rowCids()).includes(cid));
      const kase = await staff('/api/cases/' + cid);
      assert.equal(kase.status, 'dismissed');
      assert.equal(kase.decisions.at(-1).reason, 'berita netral, bukan ajakan');
      assert.ok(!(await feedIds()).includes('urn:netra:alert:' + cid));
    });

    await step('e escalates the first case, which stays in the queue', async () => {
      await page.keyboard.press('k');
      assert.equal(await selectedCid(), cids.event);
      await page.keyboard.press('e');
      await page.locator('#decision-text').waitFor();
      await page.keyboard.type('perlu pendapat supervisor');
      await page.keyboard.press('Enter');
      await page.locator('#decision').waitFor({ state: 'detached' });
      await page.locator(`tr[data-cid="${cids.event}"][data-status="escalated"]`).waitFor();
      assert.equal((await staff('/api/cases/' + cids.event)).status, 'escalated');
    });

    await step('Enter opens the case page with the terms marked and the history', async () => {
      await page.keyboard.press('Enter');
      await page.waitForURL('**/#/case/' + cids.event);
      await page.locator('#post-text mark').first().waitFor();
      const marks = await page.$$eval('#post-text mark', (nodes) => nodes.map((n) => n.textContent));
      assert.ok(marks.includes('deklarasi dukungan') || marks.some((m) => m.includes('dukungan')), marks.join('|'));
      assert.match(await page.textContent('#history'), /perlu pendapat supervisor/);
      // The post's url was javascript:alert(1): shown as text, never a link.
      assert.equal(await page.locator('a[href^="javascript:"]').count(), 0);
      assert.match(await page.textContent('#post'), /javascript:alert\(1\)/);
      // The media description holds markup: text too.
      assert.match(await page.textContent('#post'), /poster deklarasi <b>Mualem<\/b>/);
      assert.equal(await page.locator('#post b').count(), 0);
      await page.screenshot({ path: path.join(out, 'case.png'), fullPage: true });
    });

    await step('the account page lists the account\'s cases and scored posts', async () => {
      await page.click('section.account a');
      await page.waitForURL('**/#/account/asn-ach-101');
      await page.locator('table.cases tbody tr').first().waitFor();
      assert.equal(await page.locator('h1').textContent(), 'Akun asn-ach-101');
      assert.deepEqual((await rowCids()).sort(), [cids.event, cids.emoji].sort());
      assert.equal(await page.locator('table.results tbody tr').count(), 2);
    });

    await step('marks fall on the right characters after emoji (UTF-16 offsets)', async () => {
      await page.goto(base + '/#/case/' + cids.emoji);
      await page.locator('#post-text mark').first().waitFor();
      const marks = await page.$$eval('#post-text mark', (nodes) => nodes.map((n) => n.textContent));
      const kase = await staff('/api/cases/' + cids.emoji);
      const expected = kase.explanation.matches.filter((m) => m.field === 'text' && m.start16 !== null)
        .map((m) => kase.post.text.slice(m.start16, m.end16));
      assert.ok(expected.length > 0);
      for (const term of expected) assert.ok(marks.some((m) => m.includes(term)), `${term} not in ${marks.join('|')}`);
      // Each emoji before the terms is two UTF-16 code units (four UTF-8 bytes): counting code
      // points or bytes instead moves every mark.
      assert.ok(marks.some((m) => /coblos/i.test(m)), `marks misplaced: ${marks.join('|')}`);
    });

    for (const [cid, payload] of [[cids.img, XSS_IMG], [cids.script, XSS_SCRIPT]]) {
      await step(`the post ${payload} renders as inert text`, async () => {
        await page.goto(base + '/#/case/' + cid);
        await page.locator('#post-text').waitFor();
        assert.ok((await page.textContent('#post-text')).includes(payload));
        assert.equal(await page.locator('#post-text *:not(mark)').count(), 0);
        assert.equal(await page.locator('img').count(), 0);
        assert.deepEqual(await page.$$eval('script', (nodes) => nodes.map((n) => n.getAttribute('src'))), ['app.js']);
        await page.waitForTimeout(200); // an onerror would have fired by now
        assert.deepEqual(dialogs, []);
        assert.deepEqual(await page.evaluate(() => window.__cspViolations), []);
      });
    }

    await step('the dashboard counts suspects and confirmations per region', async () => {
      await page.goto(base + '/#/dashboard');
      await page.locator('#dash-regions').waitFor();
      const regions = await page.$$eval('#dash-regions tbody tr', (rows) => rows.map((r) => r.dataset.key));
      assert.deepEqual(regions.sort(), ['aceh', 'jawa-timur']);
      assert.equal(await page.textContent('#dash-regions tr[data-key="jawa-timur"] td.num'), '3');
      await page.screenshot({ path: path.join(out, 'dashboard.png'), fullPage: true });
    });

    await step('? lists the keys; English is one click away', async () => {
      await page.goto(base + '/#/queue');
      await page.locator('table.cases').waitFor();
      await page.keyboard.press('?');
      await page.locator('#help kbd', { hasText: 'j' }).first().waitFor();
      await page.keyboard.press('Escape');
      await page.locator('#help').waitFor({ state: 'detached' });
      await page.click('#lang');
      await page.locator('h1', { hasText: 'Review queue' }).waitFor();
      await page.click('#lang');
      await page.locator('h1', { hasText: 'Antrean tinjauan' }).waitFor();
    });

    await step('a supervisor sees every decision in the audit log', async () => {
      const supervisor = await browser.newPage({ viewport: { width: 1360, height: 860 } });
      await supervisor.goto(base + '/');
      await supervisor.fill('#login-name', users.supervisor.name);
      await supervisor.fill('#login-password', users.supervisor.password);
      await supervisor.press('#login-password', 'Enter');
      await supervisor.locator('table.cases').waitFor();
      await supervisor.click('a[href="#/audit"]');
      await supervisor.locator('#audit tbody tr').first().waitFor();
      const actions = await supervisor.$$eval('#audit tbody tr', (rows) => rows.map((r) => r.dataset.action));
      for (const action of ['login', 'login_failed', 'decision.confirm', 'decision.dismiss', 'decision.escalate']) {
        assert.ok(actions.includes(action), `${action} not in ${actions.join(',')}`);
      }
      await supervisor.close();
    });

    await step('the queue shows a follow and a like as such', async () => {
      // Their scoring is the worker's to test: here they are recorded as it records cases.
      const opened = execFileSync(seedBin, ['--cases', configPath,
        path.join(here, 'fixtures/engagement.jsonl')]).toString().trim();
      assert.equal(opened, '2');
      await page.goto(base + '/#/queue?status=all');
      await page.locator(`tr[data-cid="${cids.like}"]`).waitFor();
      const row = (cid) => page.locator(`tr[data-cid="${cid}"]`);
      assert.equal(await row(cids.follow).locator('td.kind span').getAttribute('data-kind'), 'follow');
      assert.equal(await row(cids.follow).locator('td.kind').textContent(), 'mengikuti');
      assert.equal(await row(cids.like).locator('td.kind').textContent(), 'menyukai');
      assert.equal(await row(cids.follow).locator('td.text').textContent(),
        'Mengikuti Tim Pemenangan Paslon 02 Aceh (@timpemenangan@kampanye.example)');
      assert.match(await row(cids.like).locator('td.text').textContent(),
        /^Menyukai unggahan Relawan Paslon 02 🗳️ \(@relawan_paslon02\): 🗳️ Coblos nomor 2!/);
      assert.equal(await row(cids.event).locator('td.kind').textContent(), 'unggahan');
    });

    await step('a follow case names whom, links the profile and marks the bio', async () => {
      await page.goto(base + '/#/case/' + cids.follow);
      const summary = page.locator('#engagement-summary');
      await summary.waitFor();
      assert.equal(await summary.textContent(),
        'Cut Meutia Rahmah mengikuti Tim Pemenangan Paslon 02 Aceh (@timpemenangan@kampanye.example)');
      const marks = await page.$$eval('#engagement-summary mark', (nodes) => nodes.map((n) => n.textContent));
      assert.deepEqual(marks, ['Tim Pemenangan', 'timpemenangan@kampanye.example']);
      assert.equal(await page.locator('#post a[href="https://kampanye.example/@timpemenangan"]').count(), 1);
      // The bio's markup is text; its matched words are marked.
      assert.equal(await page.textContent('#target-text'),
        'Akun resmi tim pemenangan paslon nomor urut 02 se-Aceh. <b>Coblos 02!</b>');
      assert.deepEqual(await page.$$eval('#target-text mark', (nodes) => nodes.map((n) => n.textContent)),
        ['tim pemenangan']);
      assert.equal(await page.locator('#post b').count(), 0);
      await page.screenshot({ path: path.join(out, 'follow.png'), fullPage: true });
    });

    await step('a like case names whose post, marks its text after emoji and links it', async () => {
      await page.goto(base + '/#/case/' + cids.like);
      const summary = page.locator('#engagement-summary');
      await summary.waitFor();
      assert.equal(await summary.textContent(),
        'Dimas Prasetyo menyukai unggahan Relawan Paslon 02 🗳️ (@relawan_paslon02)');
      assert.deepEqual(await page.$$eval('#target-text mark', (nodes) => nodes.map((n) => n.textContent)),
        ['Coblos nomor 2', 'Menangkan paslon']);
      assert.equal(await page.locator(
        '#post a[href="https://x.com/relawan_paslon02/status/1860000000000000001"]').count(), 1);
      await page.screenshot({ path: path.join(out, 'like.png'), fullPage: true });
      await page.click('#lang');
      await page.locator('#engagement-summary', { hasText: 'liked a post by' }).waitFor();
      assert.equal(await page.textContent('#engagement-summary'),
        'Dimas Prasetyo liked a post by Relawan Paslon 02 🗳️ (@relawan_paslon02)');
      await page.click('#lang');
      await page.locator('#engagement-summary', { hasText: 'menyukai unggahan' }).waitFor();
    });

    await step('a confirmed like reaches the JSON Feed and the webhook saying what was liked', async () => {
      await page.keyboard.press('c');
      await page.locator('#decision-category').waitFor();
      await page.keyboard.press('Tab');
      await page.keyboard.type('menyukai ajakan memilih paslon');
      await page.keyboard.press('Enter');
      await page.locator('#decision').waitFor({ state: 'detached' });
      await waitFor('the like confirmed', async () => (await staff('/api/cases/' + cids.like)).status === 'confirmed');
      const item = (await api(users.feed.token, '/feeds/alerts.json')).items
        .find((i) => i.id === 'urn:netra:alert:' + cids.like);
      assert.ok(item, 'the like is not in the feed');
      assert.equal(item._netra.kind, 'like');
      assert.equal(item._netra.target.account, 'relawan_paslon02');
      assert.match(item.content_text, /menyukai unggahan Relawan Paslon 02/);
      assert.ok(item.tags.includes('like'));
      await waitFor('the like\'s webhook delivery', () => deliveries.some((d) => d.includes(cids.like)));
      const body = JSON.parse(deliveries.find((d) => d.includes(cids.like)));
      assert.equal(body.kind, 'like');
      assert.equal(body.target.url, 'https://x.com/relawan_paslon02/status/1860000000000000001');
      assert.match(body.target.text, /Coblos nomor 2!/);
    });

    await step('an edited post shows its versions side by side, the edit marked, in both languages', async () => {
      // The author softened the post after it was flagged: the case keeps both versions.
      const recorded = execFileSync(seedBin, ['--cases', configPath,
        path.join(here, 'fixtures/edits.jsonl')]).toString().trim();
      assert.equal(recorded, '1');
      const kase = await staff('/api/cases/' + cids.img);
      assert.equal(kase.versions.length, 2);
      assert.equal(kase.versions[1].post.text, 'Ayo datang ke TPS ' + XSS_IMG);
      assert.equal(kase.post.text, 'Ayo coblos nomor 2 ' + XSS_IMG, 'the case keeps its first version');
      await page.goto(base + '/#/case/' + cids.img);
      const columns = page.locator('#versions article.version');
      await columns.first().waitFor();
      assert.equal(await columns.count(), 2);
      assert.deepEqual(await page.$$eval('#versions article.version', (nodes) => nodes.map((n) => n.dataset.version)),
        ['1', '2']);
      assert.match(await columns.nth(1).locator('.byline').textContent(), /^Diambil .* · dicurigai · partisan/);
      assert.deepEqual(await columns.nth(1).locator('ins').allTextContents(), ['datang ', 'ke ', 'TPS ']);
      assert.ok((await columns.nth(1).locator('.version-text').textContent()).includes(XSS_IMG));
      assert.equal(await page.locator('img').count(), 0);
      await page.click('#lang');
      await page.locator('#versions h2', { hasText: 'Versions of this post (2)' }).waitFor();
      assert.match(await columns.nth(0).locator('.byline').textContent(), /^Fetched .* · suspect · partisan/);
      await page.click('#lang');
      await page.locator('#versions h2', { hasText: 'Versi unggahan ini (2)' }).waitFor();
      await page.screenshot({ path: path.join(out, 'versions.png'), fullPage: true });
    });

    await step('no dialog, page error or CSP violation at any point', async () => {
      assert.deepEqual(dialogs, []);
      assert.deepEqual(pageErrors, []);
    });
  } catch (error) {
    await shownPage.screenshot({ path: path.join(out, 'failure.png'), fullPage: true }).catch(() => {});
    throw error;
  } finally {
    await browser.close();
    receiver.close();
  }

  await step('netra-desk stops cleanly on SIGTERM', async () => {
    assert.equal(await stop(desk), 0, 'netra-desk exit status');
  });
}

const watchdog = setTimeout(() => {
  console.error(`not ok - the browser test took more than ${TIME_LIMIT_MS / 1000} s`);
  for (const child of children) child.kill('SIGKILL');
  process.exit(1);
}, TIME_LIMIT_MS);

let status = 0;
try {
  await main();
  console.log(`${passed} passed, 0 failed`);
} catch (error) {
  status = 1;
  console.error(`not ok ${passed + 1} - ${error.stack || error}`);
  console.error('--- desk.log\n' + tail('desk.log') + '\n--- worker.log\n' + tail('worker.log'));
  console.log(`${passed} passed, 1 failed`);
} finally {
  await Promise.all(children.map(stop));
  clearTimeout(watchdog);
}
process.exit(status);
