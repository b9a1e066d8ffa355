/* Capacities of the core on lm3s6965evb (core/include/eas/config.h reads this first, through
 * -DEAS_CONFIG_FILE). Sized for 64 KiB of RAM in all: half-KiB header lines, a 1 KiB request, a 512-byte
 * receive chunk, eight folders. */
#ifndef EAS_BOARD_CONFIG_H
#define EAS_BOARD_CONFIG_H

/* ---- core ---- */
#define EAS_WBXML_MAX_DEPTH 16
#define EAS_WBXML_MAX_STRING (16u * 1024u) /* a limit, not a buffer: strings stream through */
#define EAS_WBXML_MAX_OPAQUE (64u * 1024u)
#define EAS_WBXML_XML_OUTBUF 128u
#define EAS_LOG_LEVEL 2
#define EAS_TLS_HOST_MAX 64u
#define EAS_JSON_ARENA_SIZE 0u /* no JSON on the board */
#define EAS_URL_MAX 128u
#define EAS_URL_HOST_MAX 64u
#define EAS_URL_PATH_MAX 128u
#define EAS_HTTP_HEADER_MAX 512u
#define EAS_HTTP_HEAD_TOTAL_MAX (16u * 1024u)
#define EAS_HTTP_CHUNK_LINE_MAX 128u
#define EAS_HTTP_TARGET_MAX 256u
#define EAS_HTTP_STREAMED_VALUE_MAX 8192u
#define EAS_STORE_MAX_VALUE 256u
#define EAS_STORE_MAX_TXN_RECORDS 16u
#define EAS_STORE_MAX_PROG_SIZE 8u
/* No RAM lookup index: every lookup scans the (small) region. */
#define EAS_STORE_INDEX_SLOTS 0u
#define EAS_STORE_SCRATCH 32u
#define EAS_CRC32_TABLE 16 /* the nibble table: 64 bytes of ROM, not 1 KiB */
#define EAS_MAX_FOLDERS 8u
#define EAS_REQUEST_MAX 1024u
#define EAS_RX_CHUNK 512u
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
#define EAS_ITEM_RECORD_MAX 240u
#define EAS_ITEM_BODY_MAX 64u
#define EAS_ITEM_KEEP_JOIN_URL 0 /* no room for it beside what the display shows */
#define EAS_SYNC_WINDOW 8u       /* + 2 * EAS_SYNC_MAX_COMMANDS + 1 <= EAS_STORE_MAX_TXN_RECORDS */
#define EAS_SYNC_MAX_COMMANDS 2u
#define EAS_SYNC_TRUNCATION 256u
#define EAS_SYNC_MAX_WINDOWS 500u     /* per collection and operation: a server answering MoreAvailable */
#define EAS_SYNC_MAX_IDLE_WINDOWS 3u  /* for ever cannot wear the flash out */
/* OAuth sign-in: no room. A token response (4-5 KiB: both tokens) must be parsed whole by cJSON (the
 * body and its tree, some 10 KiB) while the TLS arena is in use; the board has about 2.6 KiB of RAM left. */
#define EAS_ENABLE_OAUTH 0
#define EAS_OAUTH_TOKEN_MAX 4096u
#define EAS_OAUTH_CHUNK EAS_STORE_MAX_VALUE
#define EAS_OAUTH_DEVICE_CODE_MAX 512u
#define EAS_OAUTH_BODY_MAX 8192u
#define EAS_OAUTH_REFRESH_MARGIN_S 300u
/* Ping: the heartbeat adapts between these (seconds); the display watches its calendar only */
#define EAS_PING_START_S 480u
#define EAS_PING_MIN_S 60u
#define EAS_PING_MAX_S 1680u
#define EAS_PING_STEP_S 300u
#define EAS_PING_MARGIN_S 30u
#define EAS_PING_MIN_INTERVAL_S 10u /* between two Pings, whatever the server answers */
#define EAS_PING_PAUSE_MAX_S 300u
#define EAS_PING_MAX_FOLDERS 8u
/* calendar math */
#define EAS_TZ_NAME_MAX 33u
#define EAS_RECUR_MAX_EXCEPTIONS 16u
/* the agenda (what the display shows) */
#define EAS_AGENDA_BATCH 4u
#define EAS_AGENDA_TEXT_MAX 48u
#define EAS_CAL_MAX_EXCEPTIONS 8u
#define EAS_AGENDA_MAX_PER_EVENT 100000u
#define EAS_AGENDA_LOOKBACK_S (14u * 86400u)
#define EAS_CAL_MERGE_MAX 4u
/* directory and discovery: one GAL entry (11 fields) and one discovery's address are RAM while in use */
#define EAS_GAL_FIELD_MAX 40u
#define EAS_GAL_QUERY_MAX 64u
#define EAS_GAL_MAX_RESULTS 20u
#define EAS_RESOLVE_MAX_TO 4u
#define EAS_DISCOVER_ADDRESS_MAX 128u
#define EAS_DISCOVER_MAX_REDIRECTS 10u
#define EAS_DISCOVER_JSON_MAX 0u /* no JSON reader for the v2 steps: no buffer for their answer */
#define EAS_POX_MAX_DEPTH 8u
/* ICS codecs: not linked into this firmware today; sized for one mailbox replica if they are */
#define EAS_ICS_SET_MAX_REPLICAS 2u
#define EAS_ICS_SET_MAX_RANGES 32u
#define EAS_ICS_PCL_MAX_XIDS 4u
#define EAS_ICS_FX_MAX_DEPTH 8u
#define EAS_ICS_FX_MAX_NAME 128u
#define EAS_ICS_FX_MAX_VALUE (64u * 1024u)
#define EAS_ICS_FX_MAX_COUNT 4096u

/* ---- the board ---- */
#define BOARD_NAME "lm3s6965evb"
/* mbedTLS arena: a 16 KiB input record (a server may send full-size records), a 2 KiB output record,
 * the handshake and the parsed CA. Measured peak on mps2-an385 with a P-256 server: about 27 KiB. */
#define BOARD_TLS_HEAP_SIZE (29u * 1024u) /* the output record size is in board.mk (mbedTLS reads it) */
/* The state region: 8 sectors of 1 KiB programmed in 8-byte units, as the LM3S6965's own flash pages
 * (1 KiB erase, word program); emulated in SRAM because QEMU loads the flash as ROM (on the chip it is
 * 8 of the 256 flash pages, and the SRAM it takes here is free). Measured with short meetings and three
 * folders: 4 sectors held 10 (the 11th made the calendar Sync fail with "state store full"), 8 hold 26. */
#define BOARD_FLASH_SECTOR_SIZE 1024u
#define BOARD_FLASH_SECTORS 8u
#define BOARD_FLASH_PROG_SIZE 8u

#endif
