#include "moc_guest.h"

static int counter = 7;
static int zeroed;
static char copied[64];

/* Returns counter++ + zeroed++: 7 on every call when no state survives between calls. */
int next(void)
{
    return counter++ + zeroed++;
}

/* Reports what an earlier call's get_buffer left in `copied` (0 when host writes are undone), then copies the input. */
int leak(void)
{
    int before = copied[0];
    get_buffer(get_input_buffer_id(), copied, sizeof copied);
    return before;
}
