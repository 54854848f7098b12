#include "moc_guest.h"

static char url[2048];
static char body[64 * 1024];

/* Fetches the URL given as input (get_url, through the egress policy) into the output buffer; returns the
 * response buffer id, 0 when refused or failed (the reason is in the function's log). */
int fetch(void)
{
    uint32_t in = get_input_buffer_id();
    uint32_t size = get_buffer_size(in);
    if (size > sizeof url) {
        return 0;
    }
    uint32_t response = get_url(url, get_buffer(in, url, size));
    if (response == 0) {
        return 0;
    }
    uint32_t n = get_buffer(response, body, sizeof body);
    write_buffer(get_output_buffer_id(), body, n);
    return (int)response;
}
