#include "sim/people.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const struct sim_region regions[] = {
    {"aceh", "Aceh", "ach"},
    {"dki-jakarta", "DKI Jakarta", "dki"},
    {"jawa-tengah", "Jawa Tengah", "jtg"},
    {"jawa-timur", "Jawa Timur", "jtm"},
    {"kalimantan-timur", "Kalimantan Timur", "ktm"},
    {"sulawesi-tenggara", "Sulawesi Tenggara", "stg"},
    {"jawa-barat", "Jawa Barat", "jbr"},
    {"sumatera-utara", "Sumatera Utara", "smu"},
};

/* Per region: given names, family or second names, and the districts agencies sit in. A name
 * may start with a title or honorific ("Teuku", "I Gusti") that the username drops. */
struct region_people {
    const char *const *given;
    size_t given_count;
    const char *const *family;
    size_t family_count;
    const char *const *places;
    size_t place_count;
};

static const char *const aceh_given[] = {"Teuku Rizal", "Cut Nyak", "Muhammad Iqbal", "Zulfikar",
                                         "Nurul", "Rina", "Teuku Fadli", "Cut Meutia", "Khairul",
                                         "Safrizal", "Rahmawati", "Munawar"};
static const char *const aceh_family[] = {"Maulana", "Fitriani", "Syahputra", "Harun",
                                          "Hidayati", "Marlina", "Ibrahim", "Yusuf", "Hasballah"};
static const char *const aceh_places[] = {"Kabupaten Pidie", "Kota Banda Aceh",
                                          "Kabupaten Aceh Besar", "Kabupaten Bireuen",
                                          "Kota Lhokseumawe"};

static const char *const dki_given[] = {"Budi", "Dewi Lestari", "Andi", "Siti", "Yohanes",
                                        "Fadli", "Ratna", "Hendra", "Mega", "Rudi", "Lina"};
static const char *const dki_family[] = {"Santoso", "Putri", "Prasetyo", "Rahmawati",
                                         "Situmorang", "Ramadhan", "Kurniawan", "Gunawan",
                                         "Wijaya"};
static const char *const dki_places[] = {"Provinsi DKI Jakarta", "Kota Administrasi Jakarta Selatan",
                                         "Kota Administrasi Jakarta Timur",
                                         "Kota Administrasi Jakarta Utara"};

static const char *const jtg_given[] = {"Sri", "Agus", "Ahmad", "Endang", "Bambang", "Retno",
                                        "Slamet", "Wahyu", "Dwi", "Joko", "Siti Nur"};
static const char *const jtg_family[] = {"Wahyuningsih", "Setiawan", "Fauzi", "Purwaningsih",
                                         "Hermawan", "Anggraini", "Riyadi", "Susilo", "Handayani"};
static const char *const jtg_places[] = {"Kota Semarang", "Kabupaten Klaten", "Kabupaten Banyumas",
                                         "Kabupaten Magelang", "Kota Surakarta", "Kabupaten Pati"};

static const char *const jtm_given[] = {"Tri", "Eko Prasetyo", "Moch.", "Lilik", "Hendro", "Nanik",
                                        "Rizky Aditya", "Imam", "Yuli", "Agung", "Ninik"};
static const char *const jtm_family[] = {"Wulandari", "Nugroho", "Arifin", "Suryani", "Wibowo",
                                         "Sulistyowati", "Pratama", "Syafii", "Hartono"};
static const char *const jtm_places[] = {"Kota Surabaya", "Kabupaten Sidoarjo", "Kabupaten Jember",
                                         "Kota Malang", "Kabupaten Banyuwangi", "Kabupaten Kediri",
                                         "Kota Madiun"};

static const char *const ktm_given[] = {"Muhammad", "Aji Rahmad", "Yuliana", "Syamsul", "Noor",
                                        "Rusdiansyah", "Fitri", "Awang", "Dayang"};
static const char *const ktm_family[] = {"Syahrani", "Hidayat", "Paembonan", "Bahri", "Hayati",
                                         "Effendi", "Aminah", "Faroek"};
static const char *const ktm_places[] = {"Kota Samarinda", "Kabupaten Kutai Kartanegara",
                                         "Kota Balikpapan", "Kota Bontang",
                                         "Kabupaten Kutai Timur"};

static const char *const stg_given[] = {"La Ode Muhammad", "Wa Ode", "Asrun", "Hasnawati", "Sitti",
                                        "La Ode Ahmad", "Andi", "Nurjannah"};
static const char *const stg_family[] = {"Saleh", "Nurhalimah", "Tamburaka", "Lakidende", "Rahim",
                                         "Sabara", "Mokui"};
static const char *const stg_places[] = {"Kota Kendari", "Kabupaten Buton", "Kabupaten Konawe",
                                         "Kota Baubau", "Kabupaten Kolaka"};

static const char *const jbr_given[] = {"Dadang", "Euis", "Asep", "Fitri", "Cecep", "Neng",
                                        "Ujang", "Iis", "Yayan"};
static const char *const jbr_family[] = {"Suhendar", "Komalasari", "Saepudin", "Handayani",
                                         "Supriatna", "Nurhayati", "Sutisna"};
static const char *const jbr_places[] = {"Kabupaten Garut", "Kota Bandung", "Kabupaten Bogor",
                                         "Kota Depok", "Kabupaten Cianjur"};

static const char *const smu_given[] = {"Rahmat", "Masniari", "Poltak", "Abdul Rahman", "Togar",
                                        "Rosmawati", "Fransiskus", "Nurhaida"};
static const char *const smu_family[] = {"Siregar", "Simanjuntak", "Hutapea", "Lubis", "Nasution",
                                         "Sinaga", "Harahap"};
static const char *const smu_places[] = {"Kota Medan", "Kabupaten Deli Serdang", "Kabupaten Toba",
                                         "Kota Binjai", "Kota Pematangsiantar"};

#define PEOPLE(prefix)                                                                             \
    {prefix##_given, COUNT(prefix##_given), prefix##_family, COUNT(prefix##_family),              \
     prefix##_places, COUNT(prefix##_places)}

static const struct region_people region_people[] = {
    PEOPLE(aceh), PEOPLE(dki), PEOPLE(jtg), PEOPLE(jtm),
    PEOPLE(ktm),  PEOPLE(stg), PEOPLE(jbr), PEOPLE(smu),
};

_Static_assert(COUNT(regions) == COUNT(region_people), "every region has its people");

static const char *const agencies[] = {
    "Dinas Pendidikan",       "Dinas Kesehatan",
    "BKPSDM",                 "Dinas Sosial",
    "Dinas Perhubungan",      "Badan Pendapatan Daerah",
    "Satpol PP",              "Dinas Pekerjaan Umum",
    "Dinas Kependudukan dan Pencatatan Sipil",
    "Bappeda",                "Dinas Pertanian",
    "Dinas Komunikasi dan Informatika",
    "RSUD",                   "Sekretariat Daerah",
    "Dinas Lingkungan Hidup", "Dinas Perikanan",
    "Kantor Kecamatan",       "Puskesmas",
};

/* Given-name words that are titles: kept in the name, left out of the username. */
static const char *const titles[] = {"Teuku", "Cut", "Nyak", "La", "Ode", "Wa", "Moch.", "Andi",
                                     "Awang", "Dayang"};

size_t people_region_count(void)
{
    return COUNT(regions);
}

const struct sim_region *people_region(size_t index)
{
    return &regions[index % COUNT(regions)];
}

static int is_title(const char *word, size_t len)
{
    for (size_t i = 0; i < COUNT(titles); i++)
        if (strlen(titles[i]) == len && memcmp(titles[i], word, len) == 0)
            return 1;
    return 0;
}

/* "Teuku Rizal Maulana" -> "rizal.maulana": the last word of the given names that is not a
 * title, a dot, the family name; only [a-z]. */
static void make_username(const char *given, const char *family, char *out, size_t out_len)
{
    const char *pick = given;
    size_t pick_len = 0;
    const char *p = given;
    while (*p) {
        while (*p == ' ')
            p++;
        const char *word = p;
        while (*p && *p != ' ')
            p++;
        size_t len = (size_t)(p - word);
        if (len > 0 && !is_title(word, len)) {
            pick = word;
            pick_len = len;
        }
    }
    if (pick_len == 0)
        pick_len = strcspn(given, " ");
    size_t n = 0;
    for (size_t i = 0; i < pick_len && n + 1 < out_len; i++)
        if (isalpha((unsigned char)pick[i]))
            out[n++] = (char)tolower((unsigned char)pick[i]);
    if (n + 1 < out_len)
        out[n++] = '.';
    for (const char *f = family; *f && n + 1 < out_len; f++)
        if (isalpha((unsigned char)*f))
            out[n++] = (char)tolower((unsigned char)*f);
    out[n] = '\0';
}

void people_make(struct sim_rng *rng, size_t region_index, struct sim_person *out)
{
    const struct region_people *rp = &region_people[region_index % COUNT(region_people)];
    const char *given = rp->given[sim_rng_below(rng, rp->given_count)];
    const char *family = rp->family[sim_rng_below(rng, rp->family_count)];
    snprintf(out->name, sizeof(out->name), "%s %s", given, family);
    make_username(given, family, out->username, sizeof(out->username));

    int birth_year = 1965 + (int)sim_rng_below(rng, 33);
    int birth_month = 1 + (int)sim_rng_below(rng, 12);
    int birth_day = 1 + (int)sim_rng_below(rng, 28);
    int hired_year = birth_year + 22 + (int)sim_rng_below(rng, 8);
    if (hired_year > 2023)
        hired_year = 2023;
    int hired_month = 1 + (int)sim_rng_below(rng, 12);
    int sex = 1 + (int)sim_rng_below(rng, 2);
    int serial = 1 + (int)sim_rng_below(rng, 30);
    /* Every value is in range, so the number is exactly 18 digits; the wide buffer only keeps
     * the compiler's truncation check quiet. */
    char nip[96];
    snprintf(nip, sizeof(nip), "%04d%02d%02d%04d%02d%d%03d", birth_year, birth_month, birth_day,
             hired_year, hired_month, sex, serial);
    snprintf(out->nip, sizeof(out->nip), "%.18s", nip);

    const char *agency = agencies[sim_rng_below(rng, COUNT(agencies))];
    const char *place = rp->places[sim_rng_below(rng, rp->place_count)];
    snprintf(out->agency, sizeof(out->agency), "%s %s", agency, place);
}
