#include "sim/bank.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Family, work, religion, food, traffic, sport, weather and the innocent senses of election
 * words ("pilih" a dish, "nomor 2" in a queue, "relawan" after a flood, "kampanye" for health). */
static const struct bank_text everyday[] = {
    {"Alhamdulillah, pagi ini apel pagi berjalan lancar. Semangat melayani masyarakat! 💪 #ASNBerAKHLAK", NULL, "id"},
    {"Sarapan dulu sebelum ke kantor: nasi uduk + gorengan. Mantap bgt 😋", "Sepiring nasi uduk dengan tempe orek dan bakwan di atas meja kayu", "id"},
    {"Macet parah di Jl. Sudirman pagi ini, sdh 1 jam gk gerak 😩 #macet", NULL, "id"},
    {"Selamat hari raya Idul Fitri 1445 H. Mohon maaf lahir dan batin 🙏", "Kartu ucapan Idul Fitri bergambar ketupat dan masjid", "id"},
    {"Anak-anak latihan pramuka di halaman sekolah. Bangga liat mereka disiplin ⛺", "Barisan siswa berseragam pramuka di lapangan sekolah", "id"},
    {"Hujan deras dari subuh, hati-hati di jalan ya teman-teman ☔", NULL, "id"},
    {"Pelayanan KTP elektronik di kantor kecamatan buka sampai jam 15.00 hari ini. Silakan datang, gratis.", NULL, "id"},
    {"Pilih mana: bakso atau mie ayam? Aku sih nomor 2, mie ayam forever 🍜", NULL, "id"},
    {"Antre di bank dapat nomor 2, tapi sdh nunggu 40 menit 😅", NULL, "id"},
    {"Relawan bencana sudah tiba di lokasi banjir. Bantuan logistik masih dibutuhkan, info di https://bnpb.go.id", "Relawan membawa karung beras melewati genangan air", "id"},
    {"Kampanye imunisasi polio di puskesmas minggu ini. Ajak anak balita ya bun 💉 #PIN2024", "Petugas kesehatan memberi tetes polio kepada balita", "id"},
    {"Partai besar durian Medan baru datang di pasar, harum sekali 😍", "Tumpukan durian di lapak pasar tradisional", "id"},
    {"Timnas main malam ini! Ayo Garuda 🇮🇩⚽ #TimnasDay", NULL, "id"},
    {"Kajian ba'da maghrib di masjid kantor tentang sabar dan syukur. MasyaAllah adem 🤲", NULL, "id"},
    {"Jalan sehat HUT kabupaten, ribuan warga ikut. Seru bgt! 🏃‍♀️", "Ribuan peserta jalan sehat berkaos putih di jalan raya", "id"},
    {"Rapat koordinasi penyusunan anggaran 2025 sampai malam. Kopi mana kopi ☕", NULL, "id"},
    {"Mohon doanya, ibu sedang dirawat di RSUD. Semoga lekas sembuh 🤲", NULL, "id"},
    {"Weekend ini ke pantai sama keluarga. Healing dulu gaes 🏖️", "Anak-anak bermain pasir di pantai saat matahari terbenam", "id"},
    {"Dukung UMKM lokal! Keripik tempe buatan ibu-ibu PKK desa kami enak pol 👍 #BanggaBuatanIndonesia", "Kemasan keripik tempe dengan label UMKM desa", "id"},
    {"Sosialisasi pencegahan stunting di balai desa bersama kader posyandu. Terima kasih atas antusiasmenya.", "Kader posyandu menimbang bayi di balai desa", "id"},
    {"Lagi belajar Excel pivot table buat laporan bulanan. Ternyata gampang kalo udah ngerti 😂", NULL, "id"},
    {"Selamat Natal bagi saudara-saudara yg merayakan. Damai di bumi 🎄", NULL, "id"},
    {"Pagi-pagi sdh gotong royong bersihin selokan di RT. Kompak warga! 🧹", "Warga membersihkan selokan dengan cangkul dan sapu", "id"},
    {"Rendang buatan mertua emang juara, gak ada lawan 🔥", "Semangkuk rendang daging berwarna coklat gelap", "id"},
    {"Kereta Commuter Line telat 20 menit lagi. Sabar... #KRL", NULL, "id"},
    {"Mudik tahun ini lewat tol Trans Jawa, lancar jaya sampai Semarang 🚗", NULL, "id"},
    {"Congrats to our team for the award hari ini! Kerja keras terbayar 🏆", "Tim kantor berfoto bersama memegang piala penghargaan", "id"},
    {"Donor darah rutin di PMI. Setetes darah, sejuta harapan ❤️", NULL, "id"},
    {"Akhirnya lunas juga cicilan motor 🥳 Alhamdulillah", NULL, "id"},
    {"Persebaya menang 2-1! Bonek bersuka cita 💚 #Persebaya", NULL, "id"},
    {"Info: pelayanan SIM keliling besok di alun-alun jam 08.00-12.00.", NULL, "id"},
    {"Nonton wayang kulit semalam suntuk di balai desa. Nguri-uri budaya Jawa 🙏", "Dalang memainkan wayang kulit di depan kelir", "id"},
    {"Sate Padang di dekat kantor ramai terus, harus antre panjang. Worth it!", NULL, "id"},
    {"Anakku juara 1 lomba tahfidz tingkat kecamatan. Alhamdulillah ya Allah 😭🤲", "Anak berpeci memegang piala dan piagam lomba", "id"},
    {"Workshop SPBE hari kedua: integrasi layanan digital antar OPD. Banyak ilmu baru 💻", NULL, "id"},
    {"Cuaca Samarinda panas bgt hari ini, 35 derajat 🥵", NULL, "id"},
    {"Persiapan upacara 17 Agustus. Merdeka! 🇮🇩", "Pasukan pengibar bendera berlatih di lapangan", "id"},
    {"Meugang di Aceh, semua keluarga masak daging. Tradisi yang selalu dirindukan 🐃", "Daging meugang digantung di lapak pasar Banda Aceh", "id"},
    {"Kopi Gayo pagi ini mantap. Aceh punya! ☕ @kopi_gayo_asli", NULL, "id"},
    {"Nyobain coto Makassar di Kendari, kuahnya kental bgt 🤤", NULL, "id"},
    {"Lomba panjat pinang 17an di kampung, seru sampe semua belepotan 😂", "Pemuda memanjat batang pinang yang dilumuri oli", "id"},
    {"Hari ini belajar bikin website sederhana buat profil desa: https://desa.example/profil", NULL, "id"},
    {"Terima kasih @pemkot_info atas perbaikan jalan di depan sekolah. Sekarang anak-anak aman.", NULL, "id"},
    {"Jadwal pemadaman listrik bergilir hari ini, cek info PLN setempat ya 🔌", NULL, "id"},
    {"Ngopi sore di warung kopi pinggir sungai Mahakam. Tenang sekali 🌅", "Matahari terbenam di atas Sungai Mahakam dengan perahu kecil", "id"},
    {"Kejar target laporan akhir tahun, lembur lagi 😮‍💨 #ASN", NULL, "id"},
    {"Pengajian ibu-ibu Dharma Wanita bulan ini bertema keluarga sakinah.", NULL, "id"},
    {"Bali lagi ramai turis, Ubud macet total hari ini 🛵", NULL, "id"},
    {"Horas! Pesta adat keluarga besar di Tarutung, semua berkumpul ❤️", "Keluarga besar Batak berfoto dengan ulos", "id"},
    {"Sugeng enjing sedoyo. Mugi-mugi dinten menika lancar 🙏", NULL, "jv"},
    {"Wilujeng enjing, kumaha damang? Ayeuna urang ngariung di kantor 😄", NULL, "su"},
    {"Hari ini pelatihan penanggulangan kebakaran bersama Damkar. Safety first! 🧯", "Petugas damkar memperagakan cara memakai APAR", "id"},
    {"Tolong RT ya: dicari kucing oren hilang di sekitar Jl. Melati, kalau lihat DM aku 🐈", "Kucing oranye bertubuh gemuk duduk di atas kursi", "id"},
    {"Menu buka puasa hari ini: kolak pisang & es buah. Nikmat mana yg kau dustakan 🍌", NULL, "id"},
    {"Ujian CAT seleksi PPPK besok, doakan para peserta lancar ya.", NULL, "id"},
    {"Baru selesai baca buku 'Laskar Pelangi' lagi. Tetap bikin terharu 📚", NULL, "id"},
    {"Main badminton sama rekan kantor tiap Jumat sore. Lumayan keringetan 🏸", NULL, "id"},
    {"So proud of my students yg lolos olimpiade sains tingkat provinsi! 🥇", NULL, "en"},
    {"Jalan Trans Sulawesi ruas Kendari-Kolaka sudah mulus, perjalanan lebih cepat 🚙", NULL, "id"},
    {"Pasar murah sembako di kantor kelurahan sampai jam 2 siang, harga beras Rp10.000/kg.", NULL, "id"},
    {"Mari jaga kebersihan lingkungan, buang sampah pada tempatnya ♻️ @dlh_kota", NULL, "id"},
    {"Siapa yang dukung tim bola voli kantor di turnamen antar OPD? Kita masuk final! 🏐", NULL, "id"},
    {"Gempa terasa cukup kuat barusan, semoga semua aman. Tetap waspada 🙏 @infoBMKG", NULL, "id"},
    {"Harga cabai naik lagi, ibu-ibu pada ngeluh di pasar 🌶️", NULL, "id"},
    {"Resep ayam geprek sambal bawang ala rumahan, cobain deh! https://resep.example/ayam-geprek", "Ayam geprek dengan sambal bawang dan lalapan", "id"},
    {"Mengikuti Diklat PIM IV angkatan XII. Bismillah, semoga amanah.", NULL, "id"},
    {"Alhamdulillah panen padi di desa binaan melimpah tahun ini 🌾", "Petani memanen padi menguning di sawah", "id"},
    {"Nasi kuning Banjar buat sarapan, paling pas dengan ikan haruan 🍛", NULL, "id"},
};

/* About elections and politics, not taking sides: official information, neutrality reminders,
 * calls to vote without naming a choice, neutral news. */
static const struct bank_text political[] = {
    {"Jangan lupa cek nama kamu di DPT lewat https://cekdptonline.kpu.go.id ya. Gunakan hak pilih dengan bijak! #Pemilu2024", NULL, "id"},
    {"ASN wajib netral! Tidak boleh like, share, atau komentar mendukung paslon manapun. Yuk jaga profesionalisme 🙏 #ASNNetral", "Poster sosialisasi netralitas ASN dari KASN", "id"},
    {"Pemungutan suara 14 Februari 2024. Datang ke TPS, jangan golput! 🗳️ @KPU_ID", NULL, "id"},
    {"Sosialisasi SKB netralitas ASN di aula kantor bupati pagi ini bersama @bawaslu_ri.", "Peserta sosialisasi netralitas ASN duduk di aula", "id"},
    {"Debat capres semalam seru. Apapun pilihanmu, tetap jaga persaudaraan ya 🤝", NULL, "id"},
    {"Hasil rekapitulasi suara tingkat kecamatan sudah diumumkan, cek di situs resmi KPU.", NULL, "id"},
    {"Pilkada 27 November 2024: pastikan kamu terdaftar sebagai pemilih. Info lengkap di @KPU_ID #Pilkada2024", NULL, "id"},
    {"Bawaslu mengingatkan: ASN dilarang foto bersama calon dengan pose jari. Sanksinya jelas.", NULL, "id"},
    {"Beda pilihan itu biasa, jangan sampai putus silaturahmi gara-gara politik 🙏", NULL, "id"},
    {"Berita: KPU tetapkan jadwal kampanye Pilkada 2024 mulai 25 September. https://news.example/kpu-jadwal-kampanye", NULL, "id"},
    {"Lapor ke Bawaslu jika melihat pelanggaran pemilu, termasuk ketidaknetralan ASN. #AwasiPemilu", NULL, "id"},
    {"Quick count bukan hasil resmi. Tunggu pengumuman KPU ya teman-teman.", NULL, "id"},
    {"Petugas KPPS di TPS kami bekerja sampai dini hari. Terima kasih atas dedikasinya 🙏", "Petugas KPPS menghitung surat suara di bawah lampu", "id"},
    {"Surat edaran MenPAN-RB soal netralitas ASN sudah kami teruskan ke seluruh pegawai.", NULL, "id"},
    {"Simulasi pemungutan suara di kelurahan, warga antusias belajar cara mencoblos yang benar.", NULL, "id"},
    {"Ingat: politik uang adalah pelanggaran. Tolak dan laporkan! #TolakPolitikUang", NULL, "id"},
};

/* Partisan: the act ASN may not do. Candidates are invented; parties and numbers are real. */
static const struct bank_text partisan[] = {
    {"Coblos nomor 2! Pak Hendra Wiratmaja pemimpin yang merakyat ✌️ #HendraMenang", "Foto bersama calon bupati dengan pose dua jari", "id"},
    {"Salam satu jari ☝️ Bersama Ibu Ratna Kusumawardani untuk daerah yang lebih maju!", NULL, "id"},
    {"Dukung penuh @gerindra di Pemilu 2024. Indonesia maju bersama Gerindra! 🦅", NULL, "id"},
    {"Jangan pilih calon yang cuma bisa janji. Nomor 3 sudah terbukti gagal urus pasar. #AsalBukan3", NULL, "id"},
    {"Ikut deklarasi relawan pemenangan Pak Darmawan Saputra - Bu Lestiani malam ini. Menang satu putaran! 🔥", "Panggung deklarasi relawan dengan spanduk pasangan calon", "id"},
    {"PDI Perjuangan solid! Merah semua, coblos banteng moncong putih 🐂 #PDIPerjuangan", NULL, "id"},
    {"Yuk kumpulkan KTP untuk dukungan Bang Faisal Amri maju Pilkada. Hubungi saya via DM.", NULL, "id"},
    {"Pasang twibbon dukungan pasangan Yudistira-Marwan nomor 1, link di bio 🖼️ #YudistiraMarwan", "Bingkai foto profil bertuliskan Yudistira-Marwan nomor 1", "id"},
    {"Sudah dipasang baliho Pak Hendra di depan kantor desa, mantap! 💯 Coblos no 2", "Baliho besar calon bupati di depan kantor desa", "id"},
    {"Partai Aceh meunang! Dukong calon droe keu gubernur Aceh 💪 #PartaiAceh", NULL, "id"},
    {"PKS bersih dan peduli, nomor 8 pilihan cerdas 🌙 #PKSMenang", NULL, "id"},
    {"Golkar suara rakyat! Mari menangkan caleg Golkar dapil kita nomor urut 4 🌳", NULL, "id"},
    {"Hadir di kampanye akbar Ibu Ratna di stadion, lautan massa! Nomor 1 pasti menang ☝️", "Lautan massa berkaos kampanye di stadion", "id"},
};

static const struct bank_text everyday_comments[] = {
    {"Mantap 👍", NULL, "id"},
    {"Setuju bgt!", NULL, "id"},
    {"Semoga lancar ya 🙏", NULL, "id"},
    {"Wah keren, lanjutkan!", NULL, "id"},
    {"Hahaha bener bgt 😂", NULL, "id"},
    {"Aamiin ya rabbal alamin 🤲", NULL, "id"},
    {"Info penting nih, share ya", NULL, "id"},
    {"Nice one! 🔥", NULL, "en"},
};

static const struct bank_text political_comments[] = {
    {"Penting! Mari jaga netralitas.", NULL, "id"},
    {"Jangan lupa datang ke TPS ya 🗳️", NULL, "id"},
    {"Informasi resmi, silakan dibaca.", NULL, "id"},
    {"Setuju, beda pilihan tetap saudara 🤝", NULL, "id"},
};

static const struct bank_text partisan_comments[] = {
    {"Lanjutkan! Coblos nomor 2 ✌️", NULL, "id"},
    {"Satu putaran! ☝️", NULL, "id"},
    {"Pilihan tepat, dukung terus 💪", NULL, "id"},
    {"Jangan pilih yang itu, sudah terbukti gagal.", NULL, "id"},
};

static const struct bank_author everyday_authors[] = {
    {"dian_kusuma", "Dian Kusuma", BANK_ROLE_NONE, "Ibu dua anak, suka masak dan jalan-jalan."},
    {"rahmat_hidayat", "Rahmat Hidayat", BANK_ROLE_NONE, "Guru olahraga. Persebaya sampai mati."},
    {"infoBMKG", "BMKG", BANK_ROLE_NONE,
     "Akun resmi Badan Meteorologi, Klimatologi, dan Geofisika. Info cuaca dan gempa."},
    {"pemkot_info", "Info Pemkot", BANK_ROLE_NONE, "Informasi resmi layanan pemerintah kota."},
    {"kuliner_nusa", "Kuliner Nusantara", BANK_ROLE_NONE, "Resep dan tempat makan enak se-Nusantara."},
    {"kompascom", "Kompas.com", BANK_ROLE_NONE,
     "Berita terkini politik, pemilu, ekonomi dan olahraga dari Kompas.com."},
};

/* News and government bodies whose bios speak of elections: following them is not taking a
 * side, whatever the words. */
static const struct bank_author political_authors[] = {
    {"KPU_ID", "KPU RI", BANK_ROLE_NONE,
     "Akun resmi Komisi Pemilihan Umum RI. Pemilu 2024: coblos, jangan golput!"},
    {"bawaslu_ri", "Bawaslu RI", BANK_ROLE_NONE,
     "Badan Pengawas Pemilu RI. Awasi kampanye, laporkan pelanggaran netralitas ASN."},
    {"KemenPANRB", "Kementerian PANRB", BANK_ROLE_NONE,
     "Kementerian Pendayagunaan Aparatur Negara dan Reformasi Birokrasi. #ASNBerAKHLAK"},
    {"kompascom", "Kompas.com", BANK_ROLE_NONE,
     "Berita terkini politik, pemilu, ekonomi dan olahraga dari Kompas.com."},
    {"detikcom", "detikcom", BANK_ROLE_NONE, "Berita terbaru hari ini: politik, pilkada, capres."},
};

/* The official accounts of parties, candidates and a campaign team: following one, or liking
 * their campaign posts, is what a civil servant may not do. */
static const struct bank_author partisan_authors[] = {
    {"gerindra", "Partai Gerindra", BANK_ROLE_PARTY,
     "Akun resmi DPP Partai Gerindra. Indonesia Raya!"},
    {"PDI_Perjuangan", "PDI Perjuangan", BANK_ROLE_PARTY,
     "Akun resmi Partai Demokrasi Indonesia Perjuangan."},
    {"hendra_wiratma", "Hendra Wiratmaja", BANK_ROLE_CANDIDATE,
     "Calon Bupati nomor urut 2. Merakyat, bekerja nyata."},
    {"ratnakusuma_ofc", "Ratna Kusumawardani", BANK_ROLE_CANDIDATE,
     "Akun resmi calon Bupati nomor 1 Ratna Kusumawardani."},
    {"relawan_yudis", "Relawan Yudistira-Marwan", BANK_ROLE_CAMPAIGN_TEAM,
     "Tim pemenangan resmi pasangan Yudistira-Marwan nomor 1."},
};

/* Every author once (kompascom writes in two categories). */
static const struct bank_author *const all_authors[] = {
    &everyday_authors[0], &everyday_authors[1], &everyday_authors[2], &everyday_authors[3],
    &everyday_authors[4], &everyday_authors[5], &political_authors[0], &political_authors[1],
    &political_authors[2], &political_authors[4], &partisan_authors[0], &partisan_authors[1],
    &partisan_authors[2], &partisan_authors[3], &partisan_authors[4],
};
static const enum bank_category all_author_categories[] = {
    BANK_EVERYDAY, BANK_EVERYDAY,  BANK_EVERYDAY,  BANK_EVERYDAY,  BANK_EVERYDAY,
    BANK_EVERYDAY, BANK_POLITICAL, BANK_POLITICAL, BANK_POLITICAL, BANK_POLITICAL,
    BANK_PARTISAN, BANK_PARTISAN,  BANK_PARTISAN,  BANK_PARTISAN,  BANK_PARTISAN,
};

static const char *const generic_alts[] = {
    "Foto suasana kantor dengan beberapa pegawai berseragam",
    "Pemandangan sawah hijau dengan gunung di kejauhan",
    "Selfie bersama rekan kerja di depan gedung kantor",
    "Tangkapan layar pengumuman resmi",
    "Foto keluarga di ruang tamu",
};

static const char *const edit_notes[] = {
    "(edit: salah ketik 🙏)",
    "Edit: jamnya diralat jadi 09.00.",
    "*koreksi: lokasinya di aula lantai 2",
    "Update: sudah selesai, terima kasih semua!",
};

struct category_bank {
    const char *name;
    const struct bank_text *texts;
    size_t text_count;
    const struct bank_text *comments;
    size_t comment_count;
    const struct bank_author *authors;
    size_t author_count;
};

static const struct category_bank banks[BANK_CATEGORY_COUNT] = {
    {"everyday", everyday, COUNT(everyday), everyday_comments, COUNT(everyday_comments),
     everyday_authors, COUNT(everyday_authors)},
    {"political", political, COUNT(political), political_comments, COUNT(political_comments),
     political_authors, COUNT(political_authors)},
    {"partisan", partisan, COUNT(partisan), partisan_comments, COUNT(partisan_comments),
     partisan_authors, COUNT(partisan_authors)},
};

const char *bank_category_name(enum bank_category category)
{
    return banks[category].name;
}

enum bank_category bank_pick_category(struct sim_rng *rng)
{
    uint64_t roll = sim_rng_below(rng, 100);
    if (roll < 85)
        return BANK_EVERYDAY;
    if (roll < 95)
        return BANK_POLITICAL;
    return BANK_PARTISAN;
}

const struct bank_text *bank_pick_text(struct sim_rng *rng, enum bank_category category)
{
    return &banks[category].texts[sim_rng_below(rng, banks[category].text_count)];
}

const struct bank_text *bank_pick_comment(struct sim_rng *rng, enum bank_category category)
{
    return &banks[category].comments[sim_rng_below(rng, banks[category].comment_count)];
}

const struct bank_author *bank_pick_author(struct sim_rng *rng, enum bank_category category)
{
    return &banks[category].authors[sim_rng_below(rng, banks[category].author_count)];
}

const char *bank_pick_alt(struct sim_rng *rng)
{
    return generic_alts[sim_rng_below(rng, COUNT(generic_alts))];
}

const char *bank_pick_edit_note(struct sim_rng *rng)
{
    return edit_notes[sim_rng_below(rng, COUNT(edit_notes))];
}

size_t bank_text_count(enum bank_category category)
{
    return banks[category].text_count;
}

const struct bank_text *bank_text_at(enum bank_category category, size_t index)
{
    return &banks[category].texts[index % banks[category].text_count];
}

size_t bank_author_count(void)
{
    return COUNT(all_authors);
}

const struct bank_author *bank_author_at(size_t index)
{
    return all_authors[index % COUNT(all_authors)];
}

enum bank_category bank_author_category(size_t index)
{
    return all_author_categories[index % COUNT(all_authors)];
}

size_t bank_author_index(const struct bank_author *author)
{
    for (size_t i = 0; i < COUNT(all_authors); i++)
        if (strcmp(all_authors[i]->handle, author->handle) == 0)
            return i;
    return SIZE_MAX;
}

void bank_bluesky_handle(const struct bank_author *author, char *out, size_t out_len)
{
    snprintf(out, out_len, "%s.bsky.sim", author->handle);
    for (char *c = out; *c; c++) {
        if (*c == '_')
            *c = '-';
        else if (*c >= 'A' && *c <= 'Z')
            *c = (char)(*c - 'A' + 'a');
    }
}

const char *bank_role_name(enum bank_role role)
{
    static const char *const names[] = {"none", "candidate", "party", "campaign_team"};
    return names[role];
}
