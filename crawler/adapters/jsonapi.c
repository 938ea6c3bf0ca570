#include "crawler/adapters/adapter.h"

#include "config/log.h"

/* Placeholder until the jsonapi adapter lands. */
static int not_yet(char *err, size_t err_len)
{
    return error_set(err, err_len, "the jsonapi adapter is not built yet");
}

static int build_request(const struct adapter_context *context, struct adapter_request *out,
                         char *err, size_t err_len)
{
    (void)context;
    (void)out;
    return not_yet(err, err_len);
}

static int parse(const struct adapter_context *context, const struct adapter_response *response,
                 struct adapter_result *out, char *err, size_t err_len)
{
    (void)context;
    (void)response;
    (void)out;
    return not_yet(err, err_len);
}

const struct adapter adapter_jsonapi = {"jsonapi", build_request, parse};
