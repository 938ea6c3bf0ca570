// The post text with its matched terms marked: text nodes and <mark> elements only, so the
// post's own characters are never parsed as HTML.
import { el } from './dom.js';

// ranges: [{start, end, title}] in UTF-16 code units of text (what JS strings index).
// Overlapping or nested ranges are merged into one mark; ranges outside the text, empty or
// inverted ones are ignored, so a bad explanation costs a highlight, never the text.
export function highlight(text, ranges) {
  const valid = ranges
    .filter((r) => Number.isInteger(r.start) && Number.isInteger(r.end) &&
      r.start >= 0 && r.end > r.start && r.end <= text.length)
    .sort((a, b) => a.start - b.start || b.end - a.end);
  const merged = [];
  for (const r of valid) {
    const last = merged[merged.length - 1];
    if (last && r.start < last.end) {
      last.end = Math.max(last.end, r.end);
      if (r.title && !last.titles.includes(r.title)) last.titles.push(r.title);
    } else {
      merged.push({ start: r.start, end: r.end, titles: r.title ? [r.title] : [] });
    }
  }
  const fragment = document.createDocumentFragment();
  let at = 0;
  for (const r of merged) {
    if (r.start > at) fragment.append(document.createTextNode(text.slice(at, r.start)));
    fragment.append(el('mark', { title: r.titles.join('\n') || undefined }, text.slice(r.start, r.end)));
    at = r.end;
  }
  if (at < text.length) fragment.append(document.createTextNode(text.slice(at)));
  return fragment;
}

// UTF-8 byte offset -> UTF-16 index into text, for explanations that count bytes. An offset
// inside a character, or past the end, gives -1.
export function utf8ToUtf16(text) {
  const table = new Map([[0, 0]]);
  let bytes = 0;
  for (let i = 0; i < text.length;) {
    const cp = text.codePointAt(i);
    bytes += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    i += cp > 0xffff ? 2 : 1;
    table.set(bytes, i);
  }
  return (offset) => (table.has(offset) ? table.get(offset) : -1);
}
