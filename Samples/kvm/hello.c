#include "moc_guest.h"

int hello(void)
{
    static const char message[] = "hello from kvm";
    uint32_t out = get_output_buffer_id();
    write_buffer_header(out, "content-type", 12, "text/plain", 10);
    write_buffer(out, message, sizeof message - 1);
    return 0;
}
