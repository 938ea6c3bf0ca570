// The console's words: Bahasa Indonesia by default, English on request (kept in localStorage).
// t('key', {n: 3}) fills {n}; a key missing in English falls back to Indonesian, and a key
// missing everywhere shows itself, so a gap is visible rather than blank.

const strings = {
  id: {
    'app.title': 'netra — meja peninjau',
    'lang.switch': 'English',
    'nav.queue': 'Antrean',
    'nav.dashboard': 'Dasbor',
    'nav.audit': 'Log audit',
    'nav.webhooks': 'Webhook',
    'nav.logout': 'Keluar',
    'nav.help': 'Bantuan (?)',
    'login.title': 'Masuk',
    'login.name': 'Nama pengguna',
    'login.password': 'Kata sandi',
    'login.submit': 'Masuk',
    'login.failed': 'Nama atau kata sandi salah.',
    'login.slowed': 'Terlalu banyak percobaan gagal. Coba lagi nanti.',
    'login.feed_role': 'Peran "feed" hanya membaca feed dan ekspor; konsol ini untuk peninjau.',
    'error.generic': 'Kesalahan: {message}',
    'error.network': 'Server tidak dapat dihubungi.',
    'loading': 'Memuat…',
    'queue.title': 'Antrean tinjauan',
    'queue.empty': 'Tidak ada kasus yang cocok.',
    'queue.more': 'Muat lebih banyak',
    'queue.count': '{n} kasus ditampilkan',
    'queue.export': 'Ekspor CSV',
    'filter.status': 'Status',
    'filter.region': 'Wilayah',
    'filter.agency': 'Instansi',
    'filter.platform': 'Platform',
    'filter.category': 'Kategori',
    'filter.min_score': 'Skor min',
    'filter.max_score': 'Skor maks',
    'filter.sort': 'Urutkan',
    'filter.apply': 'Terapkan',
    'filter.reset': 'Atur ulang',
    'filter.any': '(semua)',
    'sort.score': 'Skor partisan',
    'sort.age': 'Usia kasus',
    'order.desc': 'menurun',
    'order.asc': 'menaik',
    'col.score': 'Skor',
    'col.status': 'Status',
    'col.account': 'Akun',
    'col.region': 'Wilayah',
    'col.platform': 'Platform',
    'col.categories': 'Kategori',
    'col.text': 'Teks',
    'col.created': 'Dibuat',
    'status.open': 'terbuka',
    'status.pending': 'menunggu',
    'case.deleted': 'dihapus setelah ditandai',
    'case.deleted_title': 'Pos dihapus di platformnya (pertama tidak tampak {at}); bukti tetap disimpan',
    'case.deleted_detail': 'Dihapus setelah ditandai: terakhir terlihat {seen}, pertama tidak tampak {at} ({how}). Bukti tetap utuh.',
    'status.confirming': 'menunggu konfirmasi kedua',
    'status.escalated': 'dieskalasi',
    'status.confirmed': 'dikonfirmasi',
    'status.dismissed': 'ditolak',
    'status.all': 'semua',
    'case.title': 'Kasus {id}',
    'case.back': '← Kembali ke antrean',
    'case.post': 'Unggahan',
    'case.repost_of': 'Membagikan ulang dari {author}',
    'case.media': 'Media',
    'case.hashtags': 'Tagar',
    'case.mentions': 'Sebutan',
    'case.links': 'Tautan',
    'case.matches': 'Penjelasan skor',
    'case.match_unplaced': 'tidak dapat ditandai di teks',
    'case.account': 'Akun',
    'case.evidence': 'Bukti',
    'case.history': 'Riwayat keputusan',
    'case.no_decisions': 'Belum ada keputusan.',
    'case.scores': 'Partisan {partisan} · politik {political} · {ruleset}',
    'case.open_original': 'Buka unggahan asli',
    'case.confirmed_as': 'Dikonfirmasi sebagai {category} oleh {by}, {at}',
    'col.kind': 'Jenis',
    'kind.post': 'unggahan',
    'kind.repost': 'bagikan ulang',
    'kind.reply': 'balasan',
    'kind.quote': 'kutipan',
    'kind.follow': 'mengikuti',
    'kind.like': 'menyukai',
    'queue.follow_text': 'Mengikuti {name} (@{handle})',
    'queue.like_text': 'Menyukai unggahan {name} (@{handle}): {text}',
    'case.follow_title': 'Mengikuti akun',
    'case.like_title': 'Menyukai unggahan',
    'case.followed': '{actor} mengikuti {name} ({handle})',
    'case.followed_unnamed': '{actor} mengikuti {handle}',
    'case.liked': '{actor} menyukai unggahan {name} ({handle})',
    'case.liked_unnamed': '{actor} menyukai unggahan {handle}',
    'case.open_profile': 'Buka profil',
    'case.open_liked': 'Buka unggahan yang disukai',
    'case.bio': 'Bio akun yang diikuti',
    'case.liked_post': 'Unggahan yang disukai',
    'case.liked_unread': 'Teks unggahan ini tidak dapat dibaca.',
    'case.seen_at': 'Terlihat oleh netra',
    'case.versions': 'Versi unggahan ini ({count})',
    'case.versions_note': 'Penulis menyunting unggahan ini setelah ditandai. Setiap versi disimpan dengan buktinya sendiri; skor kasus tetap dari versi pertama.',
    'case.version': 'Versi {n}',
    'case.version_meta': 'Diambil {fetched} · {verdict} · partisan {partisan}',
    'case.version_link': 'Tautan bukti {position}',
    'case.versions_dropped': '{count} suntingan berikutnya tidak disimpan: kasus ini sudah menyimpan versi sebanyak batasnya.',
    'verdict.suspect': 'dicurigai',
    'verdict.political': 'politik',
    'verdict.clear': 'bersih',
    'field.rule': 'Aturan',
    'field.term': 'Istilah',
    'field.field': 'Bidang',
    'field.weight': 'Bobot',
    'field.name': 'Nama',
    'field.nip': 'NIP',
    'field.agency': 'Instansi',
    'field.region': 'Wilayah',
    'field.platform': 'Platform',
    'field.handle': 'Akun platform',
    'field.created_at': 'Diunggah',
    'field.fetched_at': 'Diambil',
    'field.raw_sha256': 'SHA-256 data mentah',
    'field.message_sha256': 'SHA-256 pesan',
    'field.evidence': 'Hash bukti',
    'field.chain_position': 'Posisi rantai',
    'field.chain_id': 'Entri rantai',
    'field.chain': 'Hash tautan rantai',
    'action.confirm': 'Konfirmasi (c)',
    'action.dismiss': 'Tolak (d)',
    'action.escalate': 'Eskalasi (e)',
    'action.reopen': 'Buka kembali',
    'action.cancel': 'Batal',
    'action.submit': 'Kirim',
    'decision.confirm': 'konfirmasi',
    'decision.dismiss': 'tolak',
    'decision.escalate': 'eskalasi',
    'decision.reopen': 'buka kembali',
    'decision.category': 'Kategori pelanggaran',
    'decision.note': 'Catatan',
    'decision.reason': 'Alasan',
    'decision.done': 'Kasus {id}: {status}',
    'decision.confirm_title': 'Konfirmasi pelanggaran',
    'decision.dismiss_title': 'Tolak kasus',
    'decision.escalate_title': 'Eskalasi ke supervisor',
    'decision.reopen_title': 'Buka kembali kasus',
    'category.vote_call': 'Ajakan memilih',
    'category.candidate_praise': 'Pujian kandidat',
    'category.campaign_material': 'Bahan kampanye',
    'category.campaign_symbol': 'Simbol kampanye',
    'category.candidate_photo': 'Foto kandidat',
    'category.campaign_team': 'Tim kampanye',
    'category.campaign_event': 'Acara kampanye',
    'category.negative_campaign': 'Kampanye negatif',
    'category.repost_candidate': 'Membagikan konten kandidat',
    'category.political_commentary': 'Komentar politik',
    'category.election_info': 'Informasi pemilu',
    'category.neutrality_news': 'Berita netralitas',
    'account.title': 'Akun {id}',
    'account.crawl': 'Perayapan',
    'account.cases': 'Kasus',
    'account.results': 'Unggahan terbaru yang dinilai',
    'account.rescan': 'Minta pindai ulang',
    'account.rescan_since': 'Sejak tanggal',
    'account.rescan_queued': 'Pindai ulang {id} diantrekan.',
    'account.not_watched': 'Akun ini sudah tidak ada di daftar pantauan.',
    'account.last_fetch': 'Terakhir diambil',
    'account.last_ok': 'Terakhir berhasil',
    'account.last_error': 'Kesalahan terakhir',
    'account.error_count': 'Jumlah kesalahan',
    'account.status': 'Status',
    'col.post': 'Unggahan',
    'col.verdict': 'Putusan',
    'col.case': 'Kasus',
    'col.scored_at': 'Dinilai',
    'dash.title': 'Dasbor',
    'dash.days': 'Hari',
    'dash.totals': 'Jumlah kasus',
    'dash.by_region': 'Per wilayah',
    'dash.by_day': 'Per hari',
    'dash.suspects': 'Tersangka',
    'dash.confirmed': 'Dikonfirmasi',
    'dash.window': '{from} s.d. {to}',
    'dash.truncated': 'Hitungan terpotong: terlalu banyak kasus.',
    'audit.title': 'Log audit',
    'audit.at': 'Waktu',
    'audit.who': 'Siapa',
    'audit.action': 'Tindakan',
    'audit.subject': 'Subjek',
    'audit.from': 'Dari',
    'audit.details': 'Rincian',
    'webhooks.title': 'Pengiriman webhook',
    'webhooks.empty': 'Tidak ada webhook yang dikonfigurasi.',
    'webhooks.pending_count': '{n} pengiriman masih dicoba ulang',
    'webhooks.attempts': 'Percobaan',
    'webhooks.last_status': 'Status HTTP terakhir',
    'webhooks.last_error': 'Kesalahan terakhir',
    'webhooks.next_attempt': 'Percobaan berikutnya',
    'webhooks.recent': 'Pengiriman terakhir',
    'webhooks.none_yet': 'Belum ada pengiriman.',
    'webhooks.policy': 'Paling banyak {attempts} percobaan per temuan; jeda awal {backoff} detik, berlipat ganda.',
    'help.title': 'Pintasan papan ketik',
    'help.j': 'kasus berikutnya',
    'help.k': 'kasus sebelumnya',
    'help.enter': 'buka kasus',
    'help.c': 'konfirmasi',
    'help.d': 'tolak',
    'help.e': 'eskalasi',
    'help.u': 'kembali ke antrean',
    'help.help': 'bantuan ini',
    'help.close': 'Tutup',
    'truncated': 'Daftar terpotong: pemindaian berhenti pada batasnya.',
  },
  en: {
    'app.title': 'netra — review desk',
    'lang.switch': 'Bahasa Indonesia',
    'nav.queue': 'Queue',
    'nav.dashboard': 'Dashboard',
    'nav.audit': 'Audit log',
    'nav.webhooks': 'Webhooks',
    'nav.logout': 'Log out',
    'nav.help': 'Help (?)',
    'login.title': 'Log in',
    'login.name': 'User name',
    'login.password': 'Password',
    'login.submit': 'Log in',
    'login.failed': 'Wrong name or password.',
    'login.slowed': 'Too many failed attempts. Try again later.',
    'login.feed_role': 'The "feed" role reads feeds and exports only; this console is for reviewers.',
    'error.generic': 'Error: {message}',
    'error.network': 'The server cannot be reached.',
    'loading': 'Loading…',
    'queue.title': 'Review queue',
    'queue.empty': 'No matching cases.',
    'queue.more': 'Load more',
    'queue.count': '{n} cases shown',
    'queue.export': 'Export CSV',
    'filter.status': 'Status',
    'filter.region': 'Region',
    'filter.agency': 'Agency',
    'filter.platform': 'Platform',
    'filter.category': 'Category',
    'filter.min_score': 'Min score',
    'filter.max_score': 'Max score',
    'filter.sort': 'Sort',
    'filter.apply': 'Apply',
    'filter.reset': 'Reset',
    'filter.any': '(any)',
    'sort.score': 'Partisan score',
    'sort.age': 'Case age',
    'order.desc': 'descending',
    'order.asc': 'ascending',
    'col.score': 'Score',
    'col.status': 'Status',
    'col.account': 'Account',
    'col.region': 'Region',
    'col.platform': 'Platform',
    'col.categories': 'Categories',
    'col.text': 'Text',
    'col.created': 'Opened',
    'status.open': 'open',
    'status.pending': 'pending',
    'case.deleted': 'deleted after flag',
    'case.deleted_title': 'The post was deleted on its platform (first missed {at}); the evidence is kept',
    'case.deleted_detail': 'Deleted after flag: last seen {seen}, first missed {at} ({how}). The evidence is intact.',
    'status.confirming': 'awaiting second confirmation',
    'status.escalated': 'escalated',
    'status.confirmed': 'confirmed',
    'status.dismissed': 'dismissed',
    'status.all': 'all',
    'case.title': 'Case {id}',
    'case.back': '← Back to the queue',
    'case.post': 'Post',
    'case.repost_of': 'Reposting {author}',
    'case.media': 'Media',
    'case.hashtags': 'Hashtags',
    'case.mentions': 'Mentions',
    'case.links': 'Links',
    'case.matches': 'Why it scored',
    'case.match_unplaced': 'cannot be marked in the text',
    'case.account': 'Account',
    'case.evidence': 'Evidence',
    'case.history': 'Decision history',
    'case.no_decisions': 'No decisions yet.',
    'case.scores': 'Partisan {partisan} · political {political} · {ruleset}',
    'case.open_original': 'Open the original post',
    'case.confirmed_as': 'Confirmed as {category} by {by}, {at}',
    'col.kind': 'Kind',
    'kind.post': 'post',
    'kind.repost': 'repost',
    'kind.reply': 'reply',
    'kind.quote': 'quote',
    'kind.follow': 'follow',
    'kind.like': 'like',
    'queue.follow_text': 'Followed {name} (@{handle})',
    'queue.like_text': 'Liked a post by {name} (@{handle}): {text}',
    'case.follow_title': 'Follow',
    'case.like_title': 'Like',
    'case.followed': '{actor} followed {name} ({handle})',
    'case.followed_unnamed': '{actor} followed {handle}',
    'case.liked': '{actor} liked a post by {name} ({handle})',
    'case.liked_unnamed': '{actor} liked a post by {handle}',
    'case.open_profile': 'Open the profile',
    'case.open_liked': 'Open the liked post',
    'case.bio': 'Bio of the followed account',
    'case.liked_post': 'The liked post',
    'case.liked_unread': 'The text of this post could not be read.',
    'case.seen_at': 'Seen by netra',
    'case.versions': 'Versions of this post ({count})',
    'case.versions_note': 'The author edited this post after it was flagged. Every version is kept with its own evidence; the case keeps the scores of the first.',
    'case.version': 'Version {n}',
    'case.version_meta': 'Fetched {fetched} · {verdict} · partisan {partisan}',
    'case.version_link': 'Evidence link {position}',
    'case.versions_dropped': '{count} later edits were not kept: the case holds as many versions as it may.',
    'verdict.suspect': 'suspect',
    'verdict.political': 'political',
    'verdict.clear': 'clear',
    'field.rule': 'Rule',
    'field.term': 'Term',
    'field.field': 'Field',
    'field.weight': 'Weight',
    'field.name': 'Name',
    'field.nip': 'NIP',
    'field.agency': 'Agency',
    'field.region': 'Region',
    'field.platform': 'Platform',
    'field.handle': 'Platform handle',
    'field.created_at': 'Posted',
    'field.fetched_at': 'Fetched',
    'field.raw_sha256': 'SHA-256 of the raw bytes',
    'field.message_sha256': 'SHA-256 of the message',
    'field.evidence': 'Evidence hash',
    'field.chain_position': 'Chain position',
    'field.chain_id': 'Chain entry',
    'field.chain': 'Chain link hash',
    'action.confirm': 'Confirm (c)',
    'action.dismiss': 'Dismiss (d)',
    'action.escalate': 'Escalate (e)',
    'action.reopen': 'Reopen',
    'action.cancel': 'Cancel',
    'action.submit': 'Submit',
    'decision.confirm': 'confirm',
    'decision.dismiss': 'dismiss',
    'decision.escalate': 'escalate',
    'decision.reopen': 'reopen',
    'decision.category': 'Breach category',
    'decision.note': 'Note',
    'decision.reason': 'Reason',
    'decision.done': 'Case {id}: {status}',
    'decision.confirm_title': 'Confirm a breach',
    'decision.dismiss_title': 'Dismiss the case',
    'decision.escalate_title': 'Escalate to a supervisor',
    'decision.reopen_title': 'Reopen the case',
    'category.vote_call': 'Call to vote',
    'category.candidate_praise': 'Praise of a candidate',
    'category.campaign_material': 'Campaign material',
    'category.campaign_symbol': 'Campaign symbol',
    'category.candidate_photo': 'Candidate photo',
    'category.campaign_team': 'Campaign team',
    'category.campaign_event': 'Campaign event',
    'category.negative_campaign': 'Negative campaign',
    'category.repost_candidate': 'Reposting a candidate',
    'category.political_commentary': 'Political commentary',
    'category.election_info': 'Election information',
    'category.neutrality_news': 'Neutrality news',
    'account.title': 'Account {id}',
    'account.crawl': 'Crawling',
    'account.cases': 'Cases',
    'account.results': 'Recently scored posts',
    'account.rescan': 'Request a rescan',
    'account.rescan_since': 'Since',
    'account.rescan_queued': 'Rescan {id} queued.',
    'account.not_watched': 'This account has left the watchlist.',
    'account.last_fetch': 'Last fetch',
    'account.last_ok': 'Last success',
    'account.last_error': 'Last error',
    'account.error_count': 'Errors',
    'account.status': 'Status',
    'col.post': 'Post',
    'col.verdict': 'Verdict',
    'col.case': 'Case',
    'col.scored_at': 'Scored',
    'dash.title': 'Dashboard',
    'dash.days': 'Days',
    'dash.totals': 'Cases',
    'dash.by_region': 'Per region',
    'dash.by_day': 'Per day',
    'dash.suspects': 'Suspects',
    'dash.confirmed': 'Confirmed',
    'dash.window': '{from} to {to}',
    'dash.truncated': 'Counts cut short: too many cases.',
    'audit.title': 'Audit log',
    'audit.at': 'When',
    'audit.who': 'Who',
    'audit.action': 'Action',
    'audit.subject': 'Subject',
    'audit.from': 'From',
    'audit.details': 'Details',
    'webhooks.title': 'Webhook deliveries',
    'webhooks.empty': 'No webhooks configured.',
    'webhooks.pending_count': '{n} deliveries still being retried',
    'webhooks.attempts': 'Attempts',
    'webhooks.last_status': 'Last HTTP status',
    'webhooks.last_error': 'Last error',
    'webhooks.next_attempt': 'Next attempt',
    'webhooks.recent': 'Latest deliveries',
    'webhooks.none_yet': 'No deliveries yet.',
    'webhooks.policy': 'At most {attempts} attempts per finding; first retry after {backoff} s, doubling.',
    'help.title': 'Keyboard shortcuts',
    'help.j': 'next case',
    'help.k': 'previous case',
    'help.enter': 'open the case',
    'help.c': 'confirm',
    'help.d': 'dismiss',
    'help.e': 'escalate',
    'help.u': 'back to the queue',
    'help.help': 'this help',
    'help.close': 'Close',
    'truncated': 'List cut short: the scan stopped at its limit.',
  },
};

// The partisan categories a confirmation may name (docs/api.md, Decisions).
export const CONFIRM_CATEGORIES = ['vote_call', 'candidate_praise', 'campaign_material',
  'campaign_symbol', 'candidate_photo', 'campaign_team', 'campaign_event', 'negative_campaign',
  'repost_candidate'];

const STORAGE_KEY = 'netra.lang';
let current = 'id';

export function initLanguage() {
  let saved = null;
  try {
    saved = localStorage.getItem(STORAGE_KEY);
  } catch (_) {
    saved = null;
  }
  current = saved === 'en' ? 'en' : 'id';
  document.documentElement.lang = current;
  return current;
}

// The server's desk.language (from /api/me), used until the reader picks one.
export function useServerDefault(lang) {
  let saved = null;
  try {
    saved = localStorage.getItem(STORAGE_KEY);
  } catch (_) {
    saved = null;
  }
  if (saved === null && (lang === 'en' || lang === 'id')) {
    current = lang;
    document.documentElement.lang = current;
  }
}

export function language() {
  return current;
}

export function setLanguage(lang) {
  current = lang === 'en' ? 'en' : 'id';
  document.documentElement.lang = current;
  try {
    localStorage.setItem(STORAGE_KEY, current);
  } catch (_) {
    // A browser without storage keeps the choice for this page only.
  }
}

export function t(key, params) {
  const template = strings[current][key] ?? strings.id[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (whole, name) =>
    (params && name in params ? String(params[name]) : whole));
}

// t() as a list of strings and the nodes given for its placeholders, for el() to append: a
// sentence whose parts are links or marked text, in each language's own word order.
export function tParts(key, params) {
  const template = strings[current][key] ?? strings.id[key] ?? key;
  return template.split(/(\{\w+\})/).filter((part) => part !== '').map((part) => {
    const name = /^\{(\w+)\}$/.exec(part);
    return name && params && name[1] in params ? params[name[1]] : part;
  });
}

// A message kind's label (post, reply, follow, like, ...), or the kind itself when unknown.
export function kindLabel(kind) {
  const key = 'kind.' + kind;
  const label = t(key);
  return label === key ? String(kind ?? '') : label;
}

// A category's label, or the id itself for a category this console does not know.
export function categoryLabel(id) {
  const key = 'category.' + id;
  const label = t(key);
  return label === key ? String(id) : label;
}

export function statusLabel(status) {
  const key = 'status.' + status;
  const label = t(key);
  return label === key ? String(status) : label;
}

export function locale() {
  return current === 'en' ? 'en-GB' : 'id-ID';
}

export function formatTime(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '';
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'short' })
    .format(new Date(ms));
}

// A platform's RFC 3339 string, shown in the reader's locale; kept as given when unparseable.
export function formatDateString(value) {
  if (typeof value !== 'string' || value === '') return '';
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? value : formatTime(ms);
}

export function formatScore(value) {
  return typeof value === 'number' ? value.toFixed(3) : '';
}
