/* Where streamed output goes: the WBXML writer, the HTTP request writer and the XML printer all hand
 * their bytes to a sink, in pieces, as they are produced. A sink that cannot take more returns an error
 * (EAS_ERR_SINK or its own), which the producer passes back to its caller unchanged. */
#ifndef EAS_SINK_H
#define EAS_SINK_H

#include <stddef.h>
#include <stdint.h>

#include "eas/err.h"

typedef eas_err (*eas_sink_fn)(void *ctx, const uint8_t *data, size_t len);

typedef struct eas_sink {
    eas_sink_fn write; /* NULL: count only (see bytes) */
    void *ctx;
} eas_sink;

/* A sink into a caller's buffer: a piece that does not fit is refused whole with EAS_ERR_NOSPACE. */
typedef struct eas_buf_sink {
    uint8_t *buf;
    size_t cap, len;
} eas_buf_sink;
eas_err eas_buf_sink_write(void *ctx, const uint8_t *data, size_t len);

#endif
