/* Shared by the command decoders: collect one element's text into a bounded buffer and read numbers
 * from it. Internal to core/cmd. */
#ifndef EAS_CMD_FIELD_H
#define EAS_CMD_FIELD_H

#include <stdint.h>

#include "eas/wbxml.h"

/* Decimal digits only, no sign, no spaces, at most 10 digits and UINT32_MAX: 1 on success. */
int eas_field_uint(const char *s, uint32_t *out);

/* <tag>v</tag> with v in decimal. */
eas_err eas_field_write_uint(eas_wbxml_writer *w, eas_tag tag, uint32_t v);

/* The handler's text callback for decoders that keep the current field in a textbuf: a piece goes
 * into *tb when collecting is set. Returns EAS_OK. */
static inline void eas_field_collect(eas_wbxml_textbuf *tb, int collecting, const uint8_t *data, size_t len)
{
    if (collecting) eas_wbxml_textbuf_append(tb, data, len);
}

/* Commands that nest a status (Search's Store, Find's Response, ItemOperations' Fetch): the inner one
 * decides when the command's own says success. */
static inline uint32_t eas_field_deciding_status(uint32_t command, uint32_t inner)
{
    return command == 1 && inner ? inner : command;
}

#endif
