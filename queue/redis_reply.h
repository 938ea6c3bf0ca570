/* Reading Redis replies without trusting their shape, for every netra Redis client.
 *
 * Every function takes any reply, NULL included, and checks its type (and length) before it
 * reads a byte: a reply of the wrong shape is an error or a "no", never a crash. Strings are
 * compared and copied by their length, so a NUL byte inside one cannot make it read as another.
 * Nothing here keeps or frees a reply. A redisReply pointer returned is borrowed from the reply
 * passed in (valid until its freeReplyObject()); redis_reply_strdup()'s copy is the caller's to
 * free(). Errors name `what` (the command or script) and what was expected. */
#ifndef NETRA_QUEUE_REDIS_REPLY_H
#define NETRA_QUEUE_REDIS_REPLY_H

#include <stddef.h>

#include <hiredis/hiredis.h>

/* -1 with the server's message in err when reply is NULL or an error reply, else 0. */
int redis_reply_check(const redisReply *reply, const char *what, char *err, size_t err_len);
/* 1 when reply is an error reply starting with code (e.g. "NOSCRIPT", "BUSYGROUP"). */
int redis_reply_is_error(const redisReply *reply, const char *code);
/* Checks type (and, for arrays, elements >= min_elements). */
int redis_reply_expect(const redisReply *reply, int type, size_t min_elements, const char *what,
                       char *err, size_t err_len);
/* Checks for a flat array of name/value pairs (HGETALL, a stream entry's fields, WITHSCORES):
 * an array with an even number of elements. */
int redis_reply_expect_pairs(const redisReply *reply, const char *what, char *err,
                             size_t err_len);

/* 1 when reply is a bulk or status string. */
int redis_reply_is_string(const redisReply *reply);
/* 1 when reply is a string holding exactly text. */
int redis_reply_equals(const redisReply *reply, const char *text);
/* Integer replies, and bulk/status strings holding a decimal integer: 0 and *out, else -1 with
 * *out untouched. */
int redis_reply_integer(const redisReply *reply, long long *out);
/* A newly allocated NUL-terminated copy of a string reply; NULL when not a string or no memory. */
char *redis_reply_strdup(const redisReply *reply);
/* Copies a string reply into out (out_size bytes, NUL-terminated): 0, or -1 with out untouched
 * when reply is not a string or does not fit. */
int redis_reply_copy(const redisReply *reply, char *out, size_t out_size);

/* In an array of name/value pairs, the value of the first pair named name; NULL when there is
 * none or pairs is not an array. Only names are matched: a value that reads like a name is not
 * taken for one. */
const redisReply *redis_reply_field(const redisReply *pairs, const char *name);

#endif
