/* jwt: a filter that accepts `authorization: Bearer <JWT>` signed with RS256 by a key of the JWKS given as the
 * filter's data (core.jwt_verify_rs256 checks alg, kid, signature, exp and nbf). Accepted requests get the token's
 * claims as compact JSON in `x-jwt-claims`; anything else is answered 401 and never reaches the function. */
#include "moc_core.h"

static int deny(u32 out)
{
    core_write_exchange_buffer_status_code(out, 401);
    core_write_exchange_buffer_header(out, MOC_STR("www-authenticate"), MOC_STR("Bearer realm=\"my-own-cluster\", error=\"invalid_token\""));
    core_write_exchange_buffer_header(out, MOC_STR("content-type"), MOC_STR("application/json"));
    core_write_exchange_buffer(out, MOC_STR("{\"message\":\"a valid bearer token is required\"}"));
    return 0;
}

int _start(void)
{
    u32 out = core_get_output_buffer_id();
    u32 size = 0, auth_len = 0, jwks_len = 0, claims_len = 0;
    const u8 *headers = moc_request_headers(&size);
    const u8 *auth, *jwks;
    if (!moc_map_get(headers, size, MOC_STR("authorization"), &auth, &auth_len)
        || !moc_map_get(headers, size, MOC_STR("x-moc-filter-data"), &jwks, &jwks_len)
        || !moc_starts_with(auth, auth_len, MOC_STR("Bearer ")))
        return deny(out);

    u32 claims_id = core_jwt_verify_rs256(auth + 7, auth_len - 7, jwks, jwks_len);
    const u8 *claims = claims_id == 0 ? 0 : moc_read_all(claims_id, &claims_len);
    if (claims == 0)
        return deny(out);

    core_write_exchange_buffer_header(out, MOC_STR("x-jwt-claims"), claims, claims_len);
    return 0;
}
