#include "sim/rng.h"

uint64_t sim_hash64(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

uint64_t sim_hash_bytes(const void *data, size_t len, uint64_t seed)
{
    const unsigned char *p = data;
    uint64_t h = 0xCBF29CE484222325ull ^ seed;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001B3ull;
    }
    return sim_hash64(h);
}

void sim_rng_init(struct sim_rng *rng, uint64_t seed, uint64_t stream)
{
    rng->state = sim_hash64(seed ^ sim_hash64(stream + 0x632BE59BD9B4E019ull));
}

uint64_t sim_rng_next(struct sim_rng *rng)
{
    rng->state += 0x9E3779B97F4A7C15ull;
    uint64_t z = rng->state;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

uint64_t sim_rng_below(struct sim_rng *rng, uint64_t n)
{
    /* Rejection keeps the draw uniform; the loop almost never repeats. */
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do {
        x = sim_rng_next(rng);
    } while (x >= limit);
    return x % n;
}

double sim_rng_unit(struct sim_rng *rng)
{
    return (double)(sim_rng_next(rng) >> 11) * (1.0 / 9007199254740992.0);
}

int sim_rng_chance(struct sim_rng *rng, double p)
{
    return sim_rng_unit(rng) < p;
}
