#include "moc_guest.h"

static char text[64 * 1024];

/* Uppercases the input buffer into the output buffer; returns the number of bytes, -1 when too large. */
int uppercase(void)
{
    uint32_t in = get_input_buffer_id();
    uint32_t size = get_buffer_size(in);
    if (size > sizeof text) {
        static const char error[] = "input too large";
        print_debug(error, sizeof error - 1);
        return -1;
    }
    uint32_t n = get_buffer(in, text, size);
    for (uint32_t i = 0; i < n; i++) {
        if (text[i] >= 'a' && text[i] <= 'z') {
            text[i] = (char)(text[i] - 'a' + 'A');
        }
    }
    write_buffer(get_output_buffer_id(), text, n);
    return (int)n;
}
