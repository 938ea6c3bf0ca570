// The Bluesky reference network for netra's interop tests: @atproto/dev-env's TestNetwork (PLC
// directory, PDS and AppView, each on a free port) and a small control port through which a test
// writes accounts and records, always over the real PDS's XRPC API.
//
// node network.mjs URLS_FILE   (DB_POSTGRES_URL, DB_POSTGRES_SCHEMA and REDIS_HOST set)
//
// When the network is up it writes URLS_FILE (atomically) with {"plc", "pds", "appview",
// "control"}. The control port (127.0.0.1) takes POST with a JSON body and answers JSON; every
// write waits until the AppView has indexed it, so the AppView shows it when the answer comes:
//   /account {handle, displayName}            -> {did, handle}   createAccount + profile record
//   /blob    {handle, mimeType, base64}        -> {blob}          uploadBlob
//   /record  {handle, collection, record}      -> {uri, cid}      createRecord (blob refs and
//                                                                   CID links as lexicon JSON)
//   /delete  {handle, uri}                     -> {}              deleteRecord
//   /deactivate {handle}                      -> {}              deactivateAccount
//   /profile {handle, displayName, description} -> {}             putRecord of the profile
// An error answers 4xx/5xx with {"error": message}. SIGTERM or SIGINT closes the network.
import fs from 'node:fs';
import http from 'node:http';

import { AtpAgent } from '@atproto/api';
import { TestNetwork } from '@atproto/dev-env';
import { jsonToLex } from '@atproto/lexicon';

const BODY_MAX = 8 * 1024 * 1024;
const PASSWORD = 'netra-interop-password';

const urlsFile = process.argv[2];
if (!urlsFile) {
  console.error('usage: node network.mjs URLS_FILE');
  process.exit(2);
}

const network = await TestNetwork.create({ dbPostgresSchema: process.env.DB_POSTGRES_SCHEMA });
const agents = new Map(); // handle -> logged-in AtpAgent

class RequestError extends Error {}

function agentOf(handle) {
  const agent = agents.get(handle);
  if (!agent) throw new RequestError(`no account ${JSON.stringify(handle)} was created here`);
  return agent;
}

function need(body, field) {
  if (typeof body[field] !== 'string' || body[field] === '')
    throw new RequestError(`${field}: expected a non-empty string`);
  return body[field];
}

const routes = {
  async '/account'(body) {
    const handle = need(body, 'handle');
    const agent = new AtpAgent({ service: network.pds.url });
    await agent.createAccount({ handle, email: `${handle}@netra.test`, password: PASSWORD });
    agents.set(handle, agent);
    await agent.com.atproto.repo.putRecord({
      repo: agent.session.did,
      collection: 'app.bsky.actor.profile',
      rkey: 'self',
      record: { $type: 'app.bsky.actor.profile', displayName: need(body, 'displayName') },
    });
    return { did: agent.session.did, handle: agent.session.handle };
  },
  async '/blob'(body) {
    const agent = agentOf(need(body, 'handle'));
    const bytes = Buffer.from(need(body, 'base64'), 'base64');
    const res = await agent.com.atproto.repo.uploadBlob(bytes, { encoding: need(body, 'mimeType') });
    return { blob: res.data.blob.toJSON() };
  },
  async '/record'(body) {
    const agent = agentOf(need(body, 'handle'));
    if (typeof body.record !== 'object' || body.record === null)
      throw new RequestError('record: expected an object');
    const res = await agent.com.atproto.repo.createRecord({
      repo: agent.session.did,
      collection: need(body, 'collection'),
      record: jsonToLex(body.record),
    });
    return { uri: res.data.uri, cid: res.data.cid };
  },
  async '/delete'(body) {
    const agent = agentOf(need(body, 'handle'));
    const uri = need(body, 'uri');
    const match = /^at:\/\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(uri);
    if (!match) throw new RequestError('uri: expected at://<did>/<collection>/<rkey>');
    await agent.com.atproto.repo.deleteRecord({ repo: match[1], collection: match[2], rkey: match[3] });
    return {};
  },
  async '/profile'(body) {
    const agent = agentOf(need(body, 'handle'));
    await agent.com.atproto.repo.putRecord({
      repo: agent.session.did,
      collection: 'app.bsky.actor.profile',
      rkey: 'self',
      record: {
        $type: 'app.bsky.actor.profile',
        displayName: need(body, 'displayName'),
        description: need(body, 'description'),
      },
    });
    return {};
  },
  async '/deactivate'(body) {
    await agentOf(need(body, 'handle')).com.atproto.server.deactivateAccount({});
    return {};
  },
};

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > BODY_MAX) {
        reject(new RequestError(`body over ${BODY_MAX} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function answer(res, status, value) {
  const text = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

// One request at a time: each waits for the AppView to index it, and the tests write in order.
let queue = Promise.resolve();

const control = http.createServer((req, res) => {
  queue = queue.then(async () => {
    const route = routes[req.url];
    if (req.method !== 'POST' || !route) {
      answer(res, 404, { error: `no ${req.method} ${req.url} here` });
      return;
    }
    try {
      let body;
      try {
        body = JSON.parse(await readBody(req));
      } catch (err) {
        throw err instanceof RequestError ? err : new RequestError(`body: not JSON (${err.message})`);
      }
      if (typeof body !== 'object' || body === null) throw new RequestError('body: expected an object');
      const result = await route(body);
      await network.processAll();
      answer(res, 200, result);
    } catch (err) {
      const status = err instanceof RequestError ? 400 : 502;
      console.error(`network: ${req.url}: ${err.stack || err}`);
      answer(res, status, { error: String(err.message || err) });
    }
  });
});

await new Promise((resolve) => control.listen(0, '127.0.0.1', resolve));

let closing = false;
async function close(signal) {
  if (closing) return;
  closing = true;
  console.error(`network: ${signal}, closing`);
  control.close();
  await network.close();
  process.exit(0);
}
process.on('SIGTERM', () => close('SIGTERM'));
process.on('SIGINT', () => close('SIGINT'));

const urls = {
  plc: network.plc.url,
  pds: network.pds.url,
  appview: network.bsky.url,
  control: `http://127.0.0.1:${control.address().port}`,
};
fs.writeFileSync(`${urlsFile}.tmp`, JSON.stringify(urls) + '\n');
fs.renameSync(`${urlsFile}.tmp`, urlsFile);
console.error(`network: up ${JSON.stringify(urls)}`);
