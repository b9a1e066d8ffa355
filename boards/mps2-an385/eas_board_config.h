/* Capacities of the core on mps2-an385 (core/include/eas/config.h reads this first, through
 * -DEAS_CONFIG_FILE). Sized for one account on a small device: short header lines, one request of a
 * couple of KiB, a 1 KiB receive chunk, a handful of folders. */
#ifndef EAS_BOARD_CONFIG_H
#define EAS_BOARD_CONFIG_H

/* ---- core ---- */
#define EAS_WBXML_MAX_DEPTH 16
#define EAS_WBXML_MAX_STRING (16u * 1024u) /* a limit, not a buffer: strings stream through */
#define EAS_WBXML_MAX_OPAQUE (64u * 1024u)
#define EAS_WBXML_XML_OUTBUF 128u
#define EAS_LOG_LEVEL 2
#define EAS_TLS_HOST_MAX 64u
/* cJSON's arena: one token response (both tokens, up to EAS_OAUTH_BODY_MAX of JSON) and its tree */
#define EAS_JSON_ARENA_SIZE (16u * 1024u)
#define EAS_URL_MAX 256u
#define EAS_URL_HOST_MAX 64u
#define EAS_URL_PATH_MAX 128u
#define EAS_HTTP_HEADER_MAX 1024u
#define EAS_HTTP_HEAD_TOTAL_MAX (16u * 1024u)
#define EAS_HTTP_CHUNK_LINE_MAX 128u
#define EAS_HTTP_TARGET_MAX 384u
#define EAS_HTTP_STREAMED_VALUE_MAX 8192u
#define EAS_STORE_MAX_VALUE 512u
#define EAS_STORE_MAX_TXN_RECORDS 32u
#define EAS_STORE_MAX_PROG_SIZE 16u
/* No RAM lookup index: every lookup scans the (small) region. */
#define EAS_STORE_INDEX_SLOTS 0u
#define EAS_STORE_SCRATCH 64u
#define EAS_CRC32_TABLE 2048 /* slicing-by-8: 8 KiB of its 4 MiB of ROM */
#define EAS_MAX_FOLDERS 16u
#define EAS_REQUEST_MAX 8192u /* a request of 2 KiB beside an Authorization value of a 4 KiB token */
#define EAS_RX_CHUNK 1024u
#define EAS_NET_TIMEOUT_MS 60000u
#define EAS_RETRY_AFTER_MAX_S 600u
#define EAS_THROTTLE_RETRIES 3u
#define EAS_REDIRECT_TTL_S 86400u /* a server's redirect, once confirmed over TLS, holds a day */
#define EAS_REDISCOVER_FAILURES 3u /* rounds in a row that cannot reach a discovered URL: discover again */
#define EAS_ENABLE_TRACE 0
#define EAS_SYNC_KEY_MAX 65u
#define EAS_FOLDER_ID_MAX 65u
#define EAS_FOLDER_NAME_MAX 65u
/* items (the calendar Sync of the meeting-room display) */
#define EAS_ITEM_ID_MAX 65u
#define EAS_ITEM_RECORD_MAX 480u
#define EAS_ITEM_BODY_MAX 64u
#define EAS_ITEM_KEEP_JOIN_URL 0 /* no room for it beside what the display shows */
#define EAS_SYNC_WINDOW 16u      /* + 2 * EAS_SYNC_MAX_COMMANDS + 1 <= EAS_STORE_MAX_TXN_RECORDS */
#define EAS_SYNC_MAX_COMMANDS 4u
#define EAS_SYNC_TRUNCATION 256u
#define EAS_SYNC_MAX_WINDOWS 500u     /* per collection and operation: a server answering MoreAvailable */
#define EAS_SYNC_MAX_IDLE_WINDOWS 3u  /* for ever cannot wear the flash out */
/* OAuth sign-in (boards/common/signin.c; cJSON in the image, board.mk BOARD_OAUTH): tokens of 4 KiB each,
 * streamed from the store into requests; a token response of both is received whole and parsed */
#define EAS_ENABLE_OAUTH 1
#define EAS_OAUTH_TOKEN_MAX 4096u
#define EAS_OAUTH_CHUNK EAS_STORE_MAX_VALUE
#define EAS_OAUTH_DEVICE_CODE_MAX 512u
#define EAS_OAUTH_BODY_MAX 10240u
#define EAS_OAUTH_REFRESH_MARGIN_S 300u
/* Ping: the heartbeat adapts between these (seconds); the display watches its calendar only */
#define EAS_PING_START_S 480u
#define EAS_PING_MIN_S 60u
#define EAS_PING_MAX_S 1680u
#define EAS_PING_STEP_S 300u
#define EAS_PING_MARGIN_S 30u
#define EAS_PING_MIN_INTERVAL_S 10u /* between two Pings, whatever the server answers */
#define EAS_PING_PAUSE_MAX_S 300u
#define EAS_PING_MAX_FOLDERS 16u
/* calendar math */
#define EAS_TZ_NAME_MAX 33u
#define EAS_RECUR_MAX_EXCEPTIONS 32u
/* the agenda (what the display shows) */
#define EAS_AGENDA_BATCH 8u
#define EAS_AGENDA_TEXT_MAX 96u
#define EAS_CAL_MAX_EXCEPTIONS 16u
#define EAS_AGENDA_MAX_PER_EVENT 100000u
#define EAS_AGENDA_LOOKBACK_S (14u * 86400u)
#define EAS_CAL_MERGE_MAX 8u
/* directory and discovery: one GAL entry (11 fields) and one discovery's address are RAM while in use */
#define EAS_GAL_FIELD_MAX 64u
#define EAS_GAL_QUERY_MAX 128u
#define EAS_GAL_MAX_RESULTS 50u
#define EAS_RESOLVE_MAX_TO 10u
#define EAS_DISCOVER_ADDRESS_MAX 256u
#define EAS_DISCOVER_MAX_REDIRECTS 10u
#define EAS_DISCOVER_JSON_MAX 1024u /* the v2 answer, read with the sign-in's cJSON (a few hundred bytes) */
#define EAS_POX_MAX_DEPTH 16u
/* ICS codecs: not linked into this firmware today; sized for one mailbox replica if they are */
#define EAS_ICS_SET_MAX_REPLICAS 4u
#define EAS_ICS_SET_MAX_RANGES 64u
#define EAS_ICS_PCL_MAX_XIDS 8u
#define EAS_ICS_FX_MAX_DEPTH 16u
#define EAS_ICS_FX_MAX_NAME 256u
#define EAS_ICS_FX_MAX_VALUE (1024u * 1024u)
#define EAS_ICS_FX_MAX_COUNT 16384u

/* ---- the board ---- */
#define BOARD_NAME "mps2-an385"
/* mbedTLS arena: a 16 KiB input record, a 4 KiB output record, the handshake and the parsed CA. */
#define BOARD_TLS_HEAP_SIZE (44u * 1024u)
/* The state region: 8 sectors of 4 KiB programmed in 16-byte units (a small SPI NOR part). */
#define BOARD_FLASH_SECTOR_SIZE 4096u
#define BOARD_FLASH_SECTORS 8u
#define BOARD_FLASH_PROG_SIZE 16u

#endif
