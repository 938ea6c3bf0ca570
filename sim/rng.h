/* The simulator's only source of randomness: a small deterministic generator (splitmix64), so
 * the same --seed always yields the same world. Each account draws from its own stream, which
 * keeps an account's posts independent of when and in what order the world is advanced. */
#ifndef NETRA_SIM_RNG_H
#define NETRA_SIM_RNG_H

#include <stddef.h>
#include <stdint.h>

struct sim_rng {
    uint64_t state;
};

/* A stream for (seed, stream): different streams of one seed do not overlap in practice. */
void sim_rng_init(struct sim_rng *rng, uint64_t seed, uint64_t stream);
uint64_t sim_rng_next(struct sim_rng *rng);
/* Uniform in [0, n); n must be > 0. */
uint64_t sim_rng_below(struct sim_rng *rng, uint64_t n);
/* Uniform in [0, 1). */
double sim_rng_unit(struct sim_rng *rng);
/* 1 with probability p. */
int sim_rng_chance(struct sim_rng *rng, double p);
/* A 64-bit mix of x, for ids and names derived from other values. */
uint64_t sim_hash64(uint64_t x);
/* FNV-1a over bytes, then mixed: stable ids from strings. */
uint64_t sim_hash_bytes(const void *data, size_t len, uint64_t seed);

#endif
