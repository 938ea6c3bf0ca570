// netra-desk's JSON API (docs/api.md) as the console uses it: same-origin requests with the
// session cookie, the CSRF token on every POST, and errors as ApiError with the status and the
// server's message.

let csrfToken = '';

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export function setCsrf(token) {
  csrfToken = typeof token === 'string' ? token : '';
}

async function request(method, path, body) {
  const headers = { Accept: 'application/json' };
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  if (method !== 'GET') headers['X-CSRF-Token'] = csrfToken;
  let response;
  try {
    response = await fetch(path, init);
  } catch (_) {
    throw new ApiError(0, 'network');
  }
  let payload = null;
  try {
    payload = await response.json();
  } catch (_) {
    payload = null;
  }
  if (!response.ok) {
    const message = payload && typeof payload.error === 'string' ? payload.error : response.statusText;
    throw new ApiError(response.status, message);
  }
  return payload;
}

// A query string from an object, leaving out empty values.
export function query(params) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(name, String(value));
  }
  const text = search.toString();
  return text ? '?' + text : '';
}

const segment = encodeURIComponent;

export const api = {
  me: () => request('GET', '/api/me'),
  login: (name, password) => request('POST', '/api/login', { name, password }),
  logout: () => request('POST', '/api/logout'),
  cases: (params) => request('GET', '/api/cases' + query(params)),
  case: (cid) => request('GET', '/api/cases/' + segment(cid)),
  decide: (cid, decision) => request('POST', '/api/cases/' + segment(cid) + '/decision', decision),
  account: (id) => request('GET', '/api/accounts/' + segment(id)),
  rescan: (id, since) => request('POST', '/api/accounts/' + segment(id) + '/rescan',
    since ? { since } : {}),
  stats: (days) => request('GET', '/api/stats' + query({ days })),
  audit: (params) => request('GET', '/api/audit' + query(params)),
  webhooks: () => request('GET', '/api/webhooks'),
};
