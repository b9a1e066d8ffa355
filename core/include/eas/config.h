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

/* Output buffer of the XML printer (traces, the eas-wbxml tool): the sink gets writes of this size. */
#ifndef EAS_WBXML_XML_OUTBUF
#define EAS_WBXML_XML_OUTBUF 512u
#endif

/* ---- logging ---- */
/* 0 none, 1 error, 2 warning, 3 info, 4 debug. Levels above this compile to nothing (eas/log.h). The
 * default keeps them all and lets the port choose at run time (eas-agent --verbose); a board that
 * counts its flash sets 2. */
#ifndef EAS_LOG_LEVEL
#define EAS_LOG_LEVEL 4
#endif

/* ---- platform bindings (platform/) ---- */
/* Bytes of the static arena cJSON allocates from (platform/json_arena.h); one document at a time. */
#ifndef EAS_JSON_ARENA_SIZE
#define EAS_JSON_ARENA_SIZE (16u * 1024u)
#endif
/* Longest host name the TLS binding keeps for SNI, verification and session reuse, NUL included. */
#ifndef EAS_TLS_HOST_MAX
#define EAS_TLS_HOST_MAX 256u
#endif

/* ---- HTTP and URLs (core/http/) ---- */
/* Longest server URL accepted, and the host and path(+query) parts kept from it, NUL included. */
#ifndef EAS_URL_MAX
#define EAS_URL_MAX 512u
#endif
#ifndef EAS_URL_HOST_MAX
#define EAS_URL_HOST_MAX 256u
#endif
#ifndef EAS_URL_PATH_MAX
#define EAS_URL_PATH_MAX 256u
#endif
/* Bytes of the response parser's header buffer: it holds the header line being read plus the
 * captured header values; a longer line or more captured text is EAS_ERR_HTTP_HEADER_TOO_LARGE.
 * At most 65535. Also the limit of a chunked body's trailer section. */
#ifndef EAS_HTTP_HEADER_MAX
#define EAS_HTTP_HEADER_MAX 4096u
#endif
/* Most bytes a response head may take in all (status lines and headers, 1xx responses included),
 * although uncaptured lines are dropped as they go: bounds the work a server can cause. */
#ifndef EAS_HTTP_HEAD_TOTAL_MAX
#define EAS_HTTP_HEAD_TOTAL_MAX (64u * 1024u)
#endif
/* Longest chunk-size line (size, extensions, CRLF) of a chunked body. */
#ifndef EAS_HTTP_CHUNK_LINE_MAX
#define EAS_HTTP_CHUNK_LINE_MAX 256u
#endif
/* Longest request target (path and query) and outgoing header value the request writer accepts. */
#ifndef EAS_HTTP_TARGET_MAX
#define EAS_HTTP_TARGET_MAX 1024u
#endif

/* Longest header value written piece by piece (eas_http_writer_header_stream: an Authorization value
 * with an OAuth token streamed from the store). A limit, not a buffer. */
#ifndef EAS_HTTP_STREAMED_VALUE_MAX
#define EAS_HTTP_STREAMED_VALUE_MAX 8192u
#endif

/* ---- Autodiscover (core/discover/, docs/DISCOVER.md) ---- */
/* Longest e-mail address discovery works with, NUL included (RFC 5321 allows 254 characters). */
#ifndef EAS_DISCOVER_ADDRESS_MAX
#define EAS_DISCOVER_ADDRESS_MAX 256u
#endif
/* Most redirects (a new address, a new Autodiscover URL, an HTTP redirect, an SRV target) one discovery
 * follows; MS-OXDISCO and Exchange's own guidance stop at 10. */
#ifndef EAS_DISCOVER_MAX_REDIRECTS
#define EAS_DISCOVER_MAX_REDIRECTS 10u
#endif
/* Deepest element nesting the Autodiscover XML response parser accepts (the answer needs 6). */
#ifndef EAS_POX_MAX_DEPTH
#define EAS_POX_MAX_DEPTH 16u
#endif

/* ---- state store (core/store, docs/STORE.md) ---- */
/* Largest value of one record, in bytes. Only a limit: the store holds no buffer of this size. */
#ifndef EAS_STORE_MAX_VALUE
#define EAS_STORE_MAX_VALUE 512u
#endif
/* Most records (puts and deletes) in one transaction (a bound only for the store; the agent keeps 9
 * bytes per record of its open transaction). Holds a Sync window of 512 and its answers. */
#ifndef EAS_STORE_MAX_TXN_RECORDS
#define EAS_STORE_MAX_TXN_RECORDS 544u
#endif
/* Largest flash program unit the store accepts (a power of two); entry slots are max(32, this). */
#ifndef EAS_STORE_MAX_PROG_SIZE
#define EAS_STORE_MAX_PROG_SIZE 32u
#endif
/* Copy buffer inside eas_store, used to move values during compaction and to check that a sector is
 * erased, that many bytes per flash read (a multiple of EAS_STORE_MAX_PROG_SIZE). */
#ifndef EAS_STORE_SCRATCH
#define EAS_STORE_SCRATCH 1024u
#endif
/* Entries of the CRC-32 tables the store checks every record with: 2048 (eight tables, 8 KiB of ROM,
 * eight bytes per step), 256 (1 KiB, a lookup per byte) or 16 (64 bytes, two lookups per byte) where
 * ROM is tight. */
#ifndef EAS_CRC32_TABLE
#define EAS_CRC32_TABLE 2048
#endif
/* Slots of the store's lookup index (8 bytes of RAM each, an array the application owns and passes
 * to eas_store_mount_indexed; it holds up to 7/8 as many keys). 0: no index, every lookup scans. */
#ifndef EAS_STORE_INDEX_SLOTS
#define EAS_STORE_INDEX_SLOTS 0u
#endif

/* ---- ActiveSync account state ---- */
#ifndef EAS_SYNC_KEY_MAX
#define EAS_SYNC_KEY_MAX 65u /* MS-ASCMD: SyncKey is at most 64 characters; +1 for the NUL */
#endif
#ifndef EAS_FOLDER_ID_MAX
#define EAS_FOLDER_ID_MAX 65u /* ServerId and ParentId: 64 characters at most */
#endif
#ifndef EAS_FOLDER_NAME_MAX
#define EAS_FOLDER_NAME_MAX 65u /* DisplayName kept on the device; longer names are truncated and flagged */
#endif
#ifndef EAS_MAX_FOLDERS
#define EAS_MAX_FOLDERS 48u /* folders of the hierarchy the device keeps (at most 64, and a whole
                               * hierarchy must fit one store transaction) */
#endif

/* ---- the agent ---- */
/* A whole request (head and WBXML body) is built here before it is sent, so that a step can send it
 * in as many pieces as the connection takes. */
#ifndef EAS_REQUEST_MAX
#define EAS_REQUEST_MAX 10240u /* an Authorization value with a 4 KiB OAuth token fits beside a request */
#endif
/* Bytes read from the connection per call; the response streams through, never held whole. */
#ifndef EAS_RX_CHUNK
#define EAS_RX_CHUNK 2048u
#endif
/* A request whose response has not completed after this long fails with EAS_ERR_NET_TIMEOUT. */
#ifndef EAS_NET_TIMEOUT_MS
#define EAS_NET_TIMEOUT_MS 60000u
#endif
/* Longest wait honoured for a 503's Retry-After; 503 is retried this many times. */
#ifndef EAS_RETRY_AFTER_MAX_S
#define EAS_RETRY_AFTER_MAX_S 600u
#endif
#ifndef EAS_THROTTLE_RETRIES
#define EAS_THROTTLE_RETRIES 3u
#endif
/* How long a server's redirect (451), once confirmed over TLS, replaces the configured URL; then the
 * configured URL is asked again (and may redirect again). */
#ifndef EAS_REDIRECT_TTL_S
#define EAS_REDIRECT_TTL_S 86400u
#endif
/* A discovered URL that this many operations in a row could not reach (connect, name, TLS, timeout, or
 * an HTTP 404), the first of them at least eas_agent_config.rediscover_after_s before the last, is discovered
 * again (docs/DISCOVER.md). */
#ifndef EAS_REDISCOVER_FAILURES
#define EAS_REDISCOVER_FAILURES 3u
#endif
/* Request/response traces as XML (the CLI's --trace). Off on boards unless wanted: it adds the XML
 * printer and the tag names. */
#ifndef EAS_ENABLE_TRACE
#define EAS_ENABLE_TRACE 1
#endif

/* ---- OAuth 2.0 sign-in (core/oauth, eas/oauth.h) ---- */
/* 0 leaves the sign-in out (a board without the RAM for a token response and cJSON). */
#ifndef EAS_ENABLE_OAUTH
#define EAS_ENABLE_OAUTH 1
#endif
/* Longest access or refresh token kept (Entra's access tokens are commonly 1.5-2.5 KB, refresh tokens
 * over 1 KB). A limit on flash, not a RAM buffer: the tokens stream from the store. */
#ifndef EAS_OAUTH_TOKEN_MAX
#define EAS_OAUTH_TOKEN_MAX 4096u
#endif
/* Bytes of one token chunk in the store (at most EAS_STORE_MAX_VALUE), and of the buffer that streams
 * a token into a request. */
#ifndef EAS_OAUTH_CHUNK
#define EAS_OAUTH_CHUNK EAS_STORE_MAX_VALUE
#endif
/* Longest device_code kept between polls, NUL included. */
#ifndef EAS_OAUTH_DEVICE_CODE_MAX
#define EAS_OAUTH_DEVICE_CODE_MAX 512u
#endif
/* Largest identity-platform response body parsed (a token response holds both tokens). */
#ifndef EAS_OAUTH_BODY_MAX
#define EAS_OAUTH_BODY_MAX 10240u
#endif
/* The access token is refreshed this long before it expires (at most a quarter of its lifetime). */
#ifndef EAS_OAUTH_REFRESH_MARGIN_S
#define EAS_OAUTH_REFRESH_MARGIN_S 300u
#endif

/* ---- push (Ping) ---- */
/* Heartbeat: start, floor, ceiling and step (seconds). It grows by a step after each quiet heartbeat
 * up to the ceiling or the server's limit (adopted from Ping status 5), and steps down when a NAT or
 * proxy cuts the idle connection before the heartbeat ends. The network timeout of a Ping is the
 * heartbeat plus the margin. */
#ifndef EAS_PING_START_S
#define EAS_PING_START_S 480u
#endif
#ifndef EAS_PING_MIN_S
#define EAS_PING_MIN_S 60u
#endif
#ifndef EAS_PING_MAX_S
#define EAS_PING_MAX_S 1680u
#endif
#ifndef EAS_PING_STEP_S
#define EAS_PING_STEP_S 300u
#endif
#ifndef EAS_PING_MARGIN_S
#define EAS_PING_MARGIN_S 30u
#endif
/* Least time between the starts of two Pings, whatever the server answers; a Ping answered "no
 * change" (status 1) before half its heartbeat is taken for a cut connection (a proxy that answers at
 * once): the heartbeat steps down, and the next Ping waits this interval doubled per such answer in a
 * row, up to EAS_PING_PAUSE_MAX_S. */
#ifndef EAS_PING_MIN_INTERVAL_S
#define EAS_PING_MIN_INTERVAL_S 10u
#endif
#ifndef EAS_PING_PAUSE_MAX_S
#define EAS_PING_PAUSE_MAX_S 300u
#endif
/* Folders watched by one Ping. */
#ifndef EAS_PING_MAX_FOLDERS
#define EAS_PING_MAX_FOLDERS 16u
#endif

/* ---- agenda ---- */
/* Occurrences gathered per pass over the stored events (each pass reads every event once). */
#ifndef EAS_AGENDA_BATCH
#define EAS_AGENDA_BATCH 8u
#endif
/* Text kept per occurrence for display (subject, location, organizer). */
#ifndef EAS_AGENDA_TEXT_MAX
#define EAS_AGENDA_TEXT_MAX 96u
#endif
/* Exceptions of one series read for expansion; a record holds far fewer. */
#ifndef EAS_CAL_MAX_EXCEPTIONS
#define EAS_CAL_MAX_EXCEPTIONS 32u
#endif
/* Occurrences looked at per event and pass: bounds the walk of a pattern over a window. */
#ifndef EAS_AGENDA_MAX_PER_EVENT
#define EAS_AGENDA_MAX_PER_EVENT 100000u
#endif
/* "Now": an event in progress started at most this long ago. */
#ifndef EAS_AGENDA_LOOKBACK_S
#define EAS_AGENDA_LOOKBACK_S (14u * 86400u)
#endif

/* ---- items ---- */
/* ServerId and ClientId of an item: 64 characters at most (MS-ASCMD), +1 for the NUL. */
#ifndef EAS_ITEM_ID_MAX
#define EAS_ITEM_ID_MAX 65u
#endif
/* Largest item record kept (at most EAS_STORE_MAX_VALUE): fields past it are dropped and flagged. A
 * recurring event takes about 200 bytes, 60 more per changed instance and 29 per cancelled one; a
 * record that runs out is flagged and the agenda warns. */
#ifndef EAS_ITEM_RECORD_MAX
#define EAS_ITEM_RECORD_MAX 508u
#endif
/* Longest body preview kept per item (at most 254). */
#ifndef EAS_ITEM_BODY_MAX
#define EAS_ITEM_BODY_MAX 160u
#endif
/* Whether calendar items keep the online meeting's join link (OnlineMeetingExternalLink, 14.1+; often
 * 200 bytes and more): where records are small it would push out what the display shows. */
#ifndef EAS_ITEM_KEEP_JOIN_URL
#define EAS_ITEM_KEEP_JOIN_URL 1
#endif
/* Items asked for per Sync round trip (MS-ASCMD allows 1 to 512; SOGo, Z-Push and grommunio give 512).
 * A window and its new SyncKey are committed in one store transaction, so this stays below
 * EAS_STORE_MAX_TXN_RECORDS, and the window's records (and the values they replace) must fit the free
 * part of the region while it is open: each board sizes it to its region in its eas_board_config.h. */
#ifndef EAS_SYNC_WINDOW
#define EAS_SYNC_WINDOW 512u
#endif
/* Client changes sent per Sync request. Their answers are committed with the window, so
 * EAS_SYNC_WINDOW + 2 * EAS_SYNC_MAX_COMMANDS + 1 must fit EAS_STORE_MAX_TXN_RECORDS. */
#ifndef EAS_SYNC_MAX_COMMANDS
#define EAS_SYNC_MAX_COMMANDS 5u
#endif
/* Bounds on one collection's windows in one operation, against a server that always answers
 * MoreAvailable (a loop that would wear the flash out): at most EAS_SYNC_MAX_WINDOWS windows, and no
 * more after EAS_SYNC_MAX_IDLE_WINDOWS windows in a row that brought nothing. The collection goes on
 * from its stored SyncKey with the next operation. */
#ifndef EAS_SYNC_MAX_WINDOWS
#define EAS_SYNC_MAX_WINDOWS 500u
#endif
#ifndef EAS_SYNC_MAX_IDLE_WINDOWS
#define EAS_SYNC_MAX_IDLE_WINDOWS 3u
#endif
/* Body preview asked of the server (AirSyncBase TruncationSize). */
#ifndef EAS_SYNC_TRUNCATION
#define EAS_SYNC_TRUNCATION 512u
#endif

/* ---- the directory: GAL lookups, recipients and free/busy, fetched bodies ---- */
/* Bytes kept per GAL property of an entry (display name, e-mail, phone...), NUL included; longer
 * values are cut on a UTF-8 boundary and flagged. An entry holds 11 of them. */
#ifndef EAS_GAL_FIELD_MAX
#define EAS_GAL_FIELD_MAX 64u
#endif
/* Longest GAL query text sent (MS-ASCMD bounds a To at 256 characters; the same bound for Query). */
#ifndef EAS_GAL_QUERY_MAX
#define EAS_GAL_QUERY_MAX 256u
#endif
/* Most results asked for at once: MS-ASCMD's GAL maximum (status 12 beyond it on Exchange). */
#ifndef EAS_GAL_MAX_RESULTS
#define EAS_GAL_MAX_RESULTS 100u
#endif
/* Names or addresses resolved by one ResolveRecipients request (MS-ASCMD: at most 100 with
 * Availability). */
#ifndef EAS_RESOLVE_MAX_TO
#define EAS_RESOLVE_MAX_TO 20u
#endif

/* ---- calendar math (core/calendar, docs/CALENDAR.md) ---- */
/* Bytes kept of each time zone name of a TimeZone blob (UTF-8, NUL included). 97 holds any 32
 * UTF-16 units; shorter buffers truncate at a character boundary and say so. */
#ifndef EAS_TZ_NAME_MAX
#define EAS_TZ_NAME_MAX 97u
#endif
/* Most exceptions one recurring event may carry into the occurrence iterator (each next() scans
 * them all, so this bounds its work). */
#ifndef EAS_RECUR_MAX_EXCEPTIONS
#define EAS_RECUR_MAX_EXCEPTIONS 64u
#endif
/* Most occurrence iterators one eas_cal_merge interleaves. */
#ifndef EAS_CAL_MERGE_MAX
#define EAS_CAL_MERGE_MAX 8u
#endif

/* ---- ICS, MS-OXCFXICS (core/ics, docs/ICS.md) ---- */
/* GLOBCNT ranges one in-memory ID set holds (16 bytes each). A CNSET of a folder that was synced in
 * order stays one range per replica; an IDSET of the messages a client has (MetaTagIdsetGiven)
 * needs one range per gap left by deletions. Adding past it fails with EAS_ERR_ICS_SET_FULL and
 * changes nothing. */
#ifndef EAS_ICS_SET_MAX_RANGES
#define EAS_ICS_SET_MAX_RANGES 256u
#endif
/* Replicas (REPLIDs or REPLGUIDs) one ID set holds (16 bytes each). A mailbox has one, a public
 * folder replicated on several servers a few. */
#ifndef EAS_ICS_SET_MAX_REPLICAS
#define EAS_ICS_SET_MAX_REPLICAS 8u
#endif
/* XIDs one predecessor change list holds (25 bytes each): one per replica that ever changed the
 * item, so the server's and the device's. */
#ifndef EAS_ICS_PCL_MAX_XIDS
#define EAS_ICS_PCL_MAX_XIDS 8u
#endif
/* Deepest nesting of FastTransfer markers (folder > message > attachment > embedded message >
 * recipients ...) the stream reader accepts. */
#ifndef EAS_ICS_FX_MAX_DEPTH
#define EAS_ICS_FX_MAX_DEPTH 16u
#endif
/* Longest variable-size FastTransfer value (string, binary) and most elements of a multi-valued one
 * accepted; values reach the consumer in pieces, so this bounds only what a length field may claim. */
#ifndef EAS_ICS_FX_MAX_VALUE
#define EAS_ICS_FX_MAX_VALUE (16u * 1024u * 1024u)
#endif
#ifndef EAS_ICS_FX_MAX_COUNT
#define EAS_ICS_FX_MAX_COUNT 65536u
#endif
/* Longest string name of a named property, in bytes of UTF-16 (without the NUL). */
#ifndef EAS_ICS_FX_MAX_NAME
#define EAS_ICS_FX_MAX_NAME 512u
#endif

#endif
