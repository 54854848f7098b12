/* acl: a filter that lets a request through only with credentials listed in the filter's data.
 * The data is a whitespace-separated list: `user:password` entries accept Basic auth, any other entry is a bearer
 * token. Accepted requests get `x-acl-user` (the Basic user, or "bearer"); the rest are answered 401 with
 * `www-authenticate`, and never reach the function. */
#include "moc_core.h"

static int is_space(u8 c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ','; }

static int has_colon(const u8 *text, u32 len)
{
    for (u32 i = 0; i < len; i++)
        if (text[i] == ':') return 1;
    return 0;
}

/* Is `candidate` one of the entries of `list` of the wanted kind (basic: user:password; else a token)? */
static int listed(const u8 *list, u32 list_len, const u8 *candidate, u32 candidate_len, int basic)
{
    u32 i = 0;
    while (i < list_len) {
        while (i < list_len && is_space(list[i])) i++;
        u32 start = i;
        while (i < list_len && !is_space(list[i])) i++;
        const u8 *entry = list + start;
        u32 entry_len = i - start;
        if (entry_len > 0 && has_colon(entry, entry_len) == basic && moc_equal(entry, entry_len, candidate, candidate_len))
            return 1;
    }
    return 0;
}

static int deny(u32 out)
{
    core_write_exchange_buffer_status_code(out, 401);
    core_write_exchange_buffer_header(out, MOC_STR("www-authenticate"), MOC_STR("Basic realm=\"my-own-cluster\", Bearer realm=\"my-own-cluster\""));
    core_write_exchange_buffer_header(out, MOC_STR("content-type"), MOC_STR("application/json"));
    core_write_exchange_buffer(out, MOC_STR("{\"message\":\"authentication required\"}"));
    return 0;
}

int _start(void)
{
    u32 out = core_get_output_buffer_id();
    u32 size = 0, auth_len = 0, data_len = 0;
    const u8 *headers = moc_request_headers(&size);
    const u8 *auth, *data;
    if (!moc_map_get(headers, size, MOC_STR("authorization"), &auth, &auth_len)
        || !moc_map_get(headers, size, MOC_STR("x-moc-filter-data"), &data, &data_len))
        return deny(out);

    if (moc_starts_with(auth, auth_len, MOC_STR("Bearer "))) {
        if (!listed(data, data_len, auth + 7, auth_len - 7, 0))
            return deny(out);
        core_write_exchange_buffer_header(out, MOC_STR("x-acl-user"), MOC_STR("bearer"));
        return 0;
    }

    if (moc_starts_with(auth, auth_len, MOC_STR("Basic "))) {
        u32 decoded_id = core_base64_decode(auth + 6, auth_len - 6), decoded_len = 0;
        const u8 *decoded = decoded_id == 0 ? 0 : moc_read_all(decoded_id, &decoded_len);
        if (decoded == 0 || !listed(data, data_len, decoded, decoded_len, 1))
            return deny(out);
        u32 user_len = 0;
        while (decoded[user_len] != ':') user_len++;
        core_write_exchange_buffer_header(out, MOC_STR("x-acl-user"), decoded, user_len);
        return 0;
    }

    return deny(out);
}
