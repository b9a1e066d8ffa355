#include "eas/sink.h"

#include <string.h>

eas_err eas_buf_sink_write(void *ctx, const uint8_t *data, size_t len)
{
    eas_buf_sink *s = ctx;
    if (len > s->cap - s->len) return EAS_ERR_NOSPACE;
    memcpy(s->buf + s->len, data, len);
    s->len += len;
    return EAS_OK;
}
