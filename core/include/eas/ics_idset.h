/* The serialized IDSET (MS-OXCFXICS 2.2.2.4, 3.1.5.4): per replica a header (a 2-byte REPLID or a
 * 16-byte REPLGUID) and a GLOBSET, a stream of commands over a "common byte stack" of the GLOBCNTs'
 * high-order bytes (GLOBCNTs are big-endian, 6 bytes):
 *   0x01-0x06 Push N bytes     (when the stack reaches 6 bytes that is one GLOBCNT, popped at once)
 *   0x50      Pop              (the bytes of the last Push)
 *   0x42      Bitmask s m      (stack holds 5 bytes: low byte s, and s+1+b for each bit b of m)
 *   0x52      Range lo hi      (each 6 minus the stack's depth bytes)
 *   0x00      End              (of this GLOBSET; the stack is empty again)
 * The IDSET ends where its buffer ends (a property's length says so).
 *
 * Decoder: bytes go in as they arrive, in pieces of any size; ranges come out through callbacks. It keeps
 * only the stack and the command being read (no recursion, no allocation).
 * Encoder: writes a set (eas/ics_set.h) to a sink in the compact form the specification describes:
 * bytes shared by a group of ranges pushed once, a Bitmask for ranges within 8 values of each other
 * under 5 shared bytes, a Push of the remaining bytes for a single GLOBCNT, a Range for a run. Within a
 * GLOBSET the commands follow the ranges in ascending order; replicas are written in ascending order. */
#ifndef EAS_ICS_IDSET_H
#define EAS_ICS_IDSET_H

#include <stddef.h>
#include <stdint.h>

#include "eas/err.h"
#include "eas/ics_set.h"
#include "eas/sink.h"

enum {
    EAS_ICS_CMD_END = 0x00,
    EAS_ICS_CMD_BITMASK = 0x42,
    EAS_ICS_CMD_POP = 0x50,
    EAS_ICS_CMD_RANGE = 0x52
    /* 0x01-0x06: Push that many bytes */
};

/* Callbacks of the decoder; any may be NULL. One that returns an error stops the decoder with it.
 *   replica: a header was read; the GLOBSET that follows belongs to it.
 *   range:   GLOBCNTs lo..hi are in the set (in stream order, which a well-formed IDSET keeps ascending).
 *   command: each command as read (for dumps): the offset of its command byte, the byte, its argument
 *            bytes, and the stack's depth before it. */
typedef struct eas_ics_idset_handler {
    eas_err (*replica)(void *user, uint32_t offset, const eas_ics_guid *replica);
    eas_err (*range)(void *user, const eas_ics_guid *replica, uint64_t lo, uint64_t hi);
    eas_err (*command)(void *user, uint32_t offset, uint8_t cmd, const uint8_t *args, unsigned nargs,
                       unsigned depth);
} eas_ics_idset_handler;

typedef struct eas_ics_idset_decoder {
    const eas_ics_idset_handler *handler;
    void *user;
    uint32_t offset;     /* bytes consumed */
    uint32_t cmd_offset; /* where the element being read began */
    uint32_t err_offset;
    eas_err err; /* sticky */
    uint8_t form;
    uint8_t state;
    uint8_t cmd;
    uint8_t need; /* argument bytes the element needs */
    uint8_t have;
    uint8_t depth; /* bytes on the common byte stack */
    uint8_t npush;
    uint8_t push_len[6];
    uint8_t stack[6];
    uint8_t buf[16];
    eas_ics_guid replica;
} eas_ics_idset_decoder;

void eas_ics_idset_decoder_init(eas_ics_idset_decoder *d, eas_ics_form form, const eas_ics_idset_handler *h,
                                void *user);
eas_err eas_ics_idset_feed(eas_ics_idset_decoder *d, const uint8_t *data, size_t len);
/* The input has ended: EAS_OK when it ended between two replicas' GLOBSETs, else EAS_ERR_ICS_TRUNCATED. */
eas_err eas_ics_idset_finish(eas_ics_idset_decoder *d);
/* Where the error is: the command or header that could not be accepted, or the end on truncation. */
uint32_t eas_ics_idset_error_offset(const eas_ics_idset_decoder *d);

/* A handler whose user is an eas_ics_set: decoded ranges are added to it (EAS_ERR_ICS_SET_FULL stops). */
extern const eas_ics_idset_handler eas_ics_idset_into_set;
/* One buffer into a set (added to what it holds); *err_offset (may be NULL) says where an error is. */
eas_err eas_ics_idset_decode(eas_ics_set *s, const uint8_t *data, size_t len, uint32_t *err_offset);

/* Writes the set in its form; *len (may be NULL) gets the byte count. A sink without a write function
 * only counts, which gives a property's length before its bytes. */
eas_err eas_ics_idset_encode(const eas_ics_set *s, eas_sink sink, uint32_t *len);
/* Into a buffer: EAS_ERR_NOSPACE when cap is too small. */
eas_err eas_ics_idset_encode_buf(const eas_ics_set *s, uint8_t *buf, size_t cap, size_t *len);

#endif
