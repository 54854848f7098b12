/* __NAME__: answers "Hello, <input>!" as text/plain, on the founding `my-own-cluster` guest API (moc.h). */
#include "moc.h"

int _start(void)
{
    u32 size = 0;
    unsigned char *input = moc_read_buffer(moc_get_input_buffer_id(), &size);
    if (input == 0)
        return 1;

    u32 out = moc_get_output_buffer_id();
    moc_write_buffer_header(out, MOC_STR("content-type"), MOC_STR("text/plain; charset=utf-8"));
    moc_write_buffer(out, MOC_STR("Hello, "));
    if (size == 0)
        moc_write_buffer(out, MOC_STR("world"));
    else
        moc_write_buffer(out, input, size);
    moc_write_buffer(out, MOC_STR("!"));
    moc_print_debug(MOC_STR("__NAME__ answered"));
    return 0;
}
