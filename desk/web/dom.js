// Building the page without HTML parsing: every string, from the platforms or from the API,
// reaches the document through textContent or an attribute set one by one, never innerHTML.
// That, with the Content-Security-Policy netra-desk sends, keeps a post such as
// `<img src=x onerror=...>` inert text.

// el('tr', {class: 'row', dataset: {cid}}, child, 'text', ...) -> a new element. Attributes
// named on* are refused so no handler can be set from data; listeners go through on().
export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) throw new Error('el: event attribute ' + name);
    if (name === 'dataset') Object.assign(node.dataset, value);
    else if (name === 'text') node.textContent = String(value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  append(node, children);
  return node;
}

export function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function clear(node) {
  node.replaceChildren();
  return node;
}

export function on(node, type, handler, options) {
  node.addEventListener(type, handler, options);
  return node;
}

// A link to a platform URL, or the URL as plain text when it is not http(s): a post's url comes
// from the platform and must never become javascript: or data: in an href.
export function externalLink(url, label) {
  let safe = null;
  try {
    const parsed = new URL(String(url));
    if (parsed.protocol === 'https:' || parsed.protocol === 'http:') safe = parsed.href;
  } catch (_) {
    safe = null;
  }
  if (!safe) return el('span', { class: 'url unsafe' }, String(url ?? ''));
  return el('a', { href: safe, rel: 'noopener noreferrer nofollow', target: '_blank', class: 'url' },
    label ?? safe);
}
