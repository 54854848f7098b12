/* greet: answers "Hello, <request body>!" ("Hello, world!" for an empty body). */
#include "moc.h"

int _start(void)
{
    u32 in = moc_get_input_buffer_id();
    u32 size = 0;
    unsigned char *name = moc_read_buffer(in, &size);
    if (name == 0)
        return 1;

    u32 out = moc_get_output_buffer_id();
    moc_write_buffer_header(out, MOC_STR("content-type"), MOC_STR("text/plain; charset=utf-8"));
    moc_write_buffer(out, MOC_STR("Hello, "));
    if (size == 0)
        moc_write_buffer(out, MOC_STR("world"));
    else
        moc_write_buffer(out, name, size);
    moc_write_buffer(out, MOC_STR("!"));
    moc_print_debug(MOC_STR("greet: said hello"));
    return 0;
}
