/* uppercase: answers the request body with ASCII letters upper-cased, as text/plain. */
#include "moc.h"

int _start(void)
{
    u32 size = 0;
    unsigned char *text = moc_read_buffer(moc_get_input_buffer_id(), &size);
    if (text == 0)
        return 1;

    for (u32 i = 0; i < size; i++)
    {
        if (text[i] >= 'a' && text[i] <= 'z')
            text[i] = (unsigned char)(text[i] - 'a' + 'A');
    }

    u32 out = moc_get_output_buffer_id();
    moc_write_buffer_header(out, MOC_STR("content-type"), MOC_STR("text/plain; charset=utf-8"));
    moc_write_buffer_header(out, MOC_STR("x-moc-sample"), MOC_STR("uppercase"));
    moc_write_buffer(out, text, size);
    return 0;
}
