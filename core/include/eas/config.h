/* Compile-time capacities of the core, in one place (the lwIP opt.h / coreMQTT pattern).
 *
 * A board or build overrides any of them by defining EAS_CONFIG_FILE as the name of its own header
 * (e.g. -DEAS_CONFIG_FILE='"eas_board_config.h"'); that header is included first and whatever it
 * leaves undefined falls back to the defaults below. Every buffer the core owns is sized from here. */
#ifndef EAS_CONFIG_H
#define EAS_CONFIG_H

#ifdef EAS_CONFIG_FILE
#include EAS_CONFIG_FILE
#endif

/* ---- WBXML codec ---- */
/* Deepest element nesting accepted. The deepest ActiveSync documents (Sync > ... > Exception >
 * Attendees > Attendee > field) reach about 12. */
#ifndef EAS_WBXML_MAX_DEPTH
#define EAS_WBXML_MAX_DEPTH 24
#endif
/* Longest inline string (STR_I) accepted, in bytes; longer input fails with
 * EAS_ERR_WBXML_STRING_TOO_LONG. Consumers that keep a string use a smaller bounded buffer of their own
 * and are told when it was truncated. */
#ifndef EAS_WBXML_MAX_STRING
#define EAS_WBXML_MAX_STRING (1024u * 1024u)
#endif
/* Largest OPAQUE payload accepted (its length is announced before the data). */
#ifndef EAS_WBXML_MAX_OPAQUE
#define EAS_WBXML_MAX_OPAQUE (4u * 1024u * 1024u)
#endif

/* ---- logging ---- */
/* 0 none, 1 error, 2 warning, 3 info, 4 debug. Levels above this compile to nothing. */
#ifndef EAS_LOG_LEVEL
#define EAS_LOG_LEVEL 2
#endif

#endif
