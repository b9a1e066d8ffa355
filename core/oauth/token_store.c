/* The OAuth tokens in the state store: one record of facts and the two tokens in chunks, replaced
 * together in one transaction (eas/oauth.h). */
#include "eas/oauth.h"

#if EAS_ENABLE_OAUTH

#include <string.h>

#include "eas/bytes.h"
#include "oauth_int.h"

/* The facts record: magic, format, lengths, chunk size, lifetime, generation, expiry (little-endian). */
#define REC_MAGIC 0x4Fu /* 'O' */
#define REC_FORMAT 1u
#define REC_LEN 24u

typedef struct rec {
    eas_oauth_tokens t;
    uint32_t chunk;
} rec;

static eas_err load_rec(eas_store *st, rec *r)
{
    uint8_t b[REC_LEN];
    size_t len = 0;
    eas_err e = eas_store_get(st, EAS_KEY_OAUTH, b, sizeof b, &len);
    if (e == EAS_ERR_NOT_FOUND || e == EAS_ERR_NOSPACE) return EAS_ERR_NOT_SIGNED_IN;
    if (e != EAS_OK) return e;
    if (len != REC_LEN || b[0] != REC_MAGIC || b[1] != REC_FORMAT) return EAS_ERR_NOT_SIGNED_IN;
    r->t.access_len = (uint16_t)eas_le16_get(b + 2);
    r->t.refresh_len = (uint16_t)eas_le16_get(b + 4);
    r->chunk = eas_le16_get(b + 6);
    r->t.lifetime_s = eas_le32_get(b + 8);
    r->t.generation = eas_le32_get(b + 12);
    r->t.expires_at = (uint64_t)eas_le32_get(b + 16) | (uint64_t)eas_le32_get(b + 20) << 32;
    /* A record this build cannot stream (another chunk size or longer tokens) is no sign-in here. */
    if (r->chunk == 0 || r->chunk > EAS_OAUTH_CHUNK || r->t.access_len == 0 ||
        r->t.access_len > EAS_OAUTH_TOKEN_MAX || r->t.refresh_len > EAS_OAUTH_TOKEN_MAX)
        return EAS_ERR_NOT_SIGNED_IN;
    return EAS_OK;
}

eas_err eas_oauth_tokens_load(eas_store *st, eas_oauth_tokens *out)
{
    rec r;
    eas_err e;
    if (!st || !out) return EAS_ERR_ARG;
    if ((e = load_rec(st, &r)) != EAS_OK) return e;
    *out = r.t;
    return EAS_OK;
}

/* Visible ASCII only: a token goes into a header value and a form body. */
static int token_ok(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f) return 0;
    return 1;
}

/* Deletes, in the open transaction, the chunks of [base + from, base + 0xFF] that exist. */
static eas_err drop_chunks(eas_store *st, uint32_t base, uint32_t from)
{
    uint32_t k = base + from;
    size_t len;
    for (unsigned guard = 0; guard < 256u; guard++) {
        eas_err e = eas_store_next(st, k, base + 0xFFu, &k, &len);
        if (e == EAS_ERR_NOT_FOUND) return EAS_OK;
        if (e != EAS_OK) return e;
        if ((e = eas_store_txn_del(st, k)) != EAS_OK) return e;
        if (k == base + 0xFFu) return EAS_OK;
        k++;
    }
    return EAS_OK;
}

static eas_err put_chunks(eas_store *st, uint32_t base, const char *tok, size_t len)
{
    uint32_t i = 0;
    for (size_t off = 0; off < len; off += EAS_OAUTH_CHUNK, i++) {
        size_t n = len - off < EAS_OAUTH_CHUNK ? len - off : EAS_OAUTH_CHUNK;
        eas_err e = eas_store_txn_put(st, base + i, tok + off, n);
        if (e != EAS_OK) return e;
    }
    return drop_chunks(st, base, i);
}

/* One transaction: the facts record, the access token, and either the new refresh token or (keep) the
 * stored one left as it is. */
static eas_err save(eas_store *st, const char *access, size_t access_len, const char *refresh, size_t refresh_len,
                    int keep, uint64_t now, uint32_t expires_in, eas_oauth_tokens *out)
{
    rec old;
    eas_oauth_tokens t;
    uint8_t b[REC_LEN];
    eas_err e;
    int have_old = load_rec(st, &old) == EAS_OK;
    if (keep) {
        /* The kept chunks must be of the size the new record states. */
        refresh_len = have_old && old.chunk == EAS_OAUTH_CHUNK ? old.t.refresh_len : 0;
        keep = refresh_len != 0;
    }
    memset(&t, 0, sizeof t);
    t.access_len = (uint16_t)access_len;
    t.refresh_len = (uint16_t)refresh_len;
    t.lifetime_s = expires_in;
    t.expires_at = now + expires_in;
    t.generation = have_old ? old.t.generation + 1u : 1u;
    b[0] = REC_MAGIC;
    b[1] = REC_FORMAT;
    eas_le16_put(b + 2, t.access_len);
    eas_le16_put(b + 4, t.refresh_len);
    eas_le16_put(b + 6, (uint16_t)EAS_OAUTH_CHUNK);
    eas_le32_put(b + 8, t.lifetime_s);
    eas_le32_put(b + 12, t.generation);
    eas_le32_put(b + 16, (uint32_t)t.expires_at);
    eas_le32_put(b + 20, (uint32_t)(t.expires_at >> 32));
    if ((e = eas_store_txn_begin(st)) != EAS_OK) return e;
    if ((e = eas_store_txn_put(st, EAS_KEY_OAUTH, b, sizeof b)) == EAS_OK &&
        (e = put_chunks(st, EAS_KEY_OAUTH_ACCESS(0), access, access_len)) == EAS_OK &&
        (keep || (e = put_chunks(st, EAS_KEY_OAUTH_REFRESH(0), refresh, refresh_len)) == EAS_OK))
        e = eas_store_txn_commit(st);
    if (e != EAS_OK) {
        eas_store_txn_abort(st);
        return e;
    }
    if (out) *out = t;
    return EAS_OK;
}

static eas_err check_access(eas_store *st, const char *access, size_t access_len)
{
    if (!st || !access) return EAS_ERR_ARG;
    if (access_len > EAS_OAUTH_TOKEN_MAX) return EAS_ERR_NOSPACE;
    return access_len && token_ok(access, access_len) ? EAS_OK : EAS_ERR_ARG;
}

eas_err eas_oauth_tokens_save(eas_store *st, const char *access, size_t access_len, const char *refresh,
                              size_t refresh_len, uint64_t now, uint32_t expires_in, eas_oauth_tokens *out)
{
    eas_err e = check_access(st, access, access_len);
    if (e != EAS_OK) return e;
    if (!refresh && refresh_len) return EAS_ERR_ARG;
    if (refresh_len > EAS_OAUTH_TOKEN_MAX) return EAS_ERR_NOSPACE;
    if (!token_ok(refresh, refresh_len)) return EAS_ERR_ARG;
    return save(st, access, access_len, refresh, refresh_len, 0, now, expires_in, out);
}

eas_err eas_oauth_tokens_save_access(eas_store *st, const char *access, size_t access_len, uint64_t now,
                                     uint32_t expires_in, eas_oauth_tokens *out)
{
    eas_err e = check_access(st, access, access_len);
    return e == EAS_OK ? save(st, access, access_len, NULL, 0, 1, now, expires_in, out) : e;
}

eas_err eas_oauth_tokens_forget(eas_store *st)
{
    eas_err e;
    if (!st) return EAS_ERR_ARG;
    if ((e = eas_store_txn_begin(st)) != EAS_OK) return e;
    if ((e = eas_store_txn_del(st, EAS_KEY_OAUTH)) == EAS_OK && (e = drop_chunks(st, EAS_KEY_OAUTH_ACCESS(0), 0)) == EAS_OK &&
        (e = drop_chunks(st, EAS_KEY_OAUTH_REFRESH(0), 0)) == EAS_OK)
        e = eas_store_txn_commit(st);
    if (e != EAS_OK) eas_store_txn_abort(st);
    return e;
}

int eas_oauth_access_fresh(const eas_oauth_tokens *t, uint64_t now)
{
    uint32_t margin = t->lifetime_s / 4u;
    if (margin > EAS_OAUTH_REFRESH_MARGIN_S) margin = EAS_OAUTH_REFRESH_MARGIN_S;
    return now + margin < t->expires_at;
}

eas_err eas_oauth_stream_token(eas_store *st, eas_oauth_which which, int form_encode, eas_sink sink, size_t *len)
{
    rec r;
    uint8_t chunk[EAS_OAUTH_CHUNK];
    eas_err e;
    size_t total = 0;
    if ((e = load_rec(st, &r)) != EAS_OK) return e;
    uint32_t base = which == EAS_OAUTH_WHICH_ACCESS ? EAS_KEY_OAUTH_ACCESS(0) : EAS_KEY_OAUTH_REFRESH(0);
    size_t want = which == EAS_OAUTH_WHICH_ACCESS ? r.t.access_len : r.t.refresh_len;
    if (want == 0) return EAS_ERR_NOT_SIGNED_IN;
    for (uint32_t i = 0, off = 0; off < want; i++, off += r.chunk) {
        size_t n = 0, expect = want - off < r.chunk ? want - off : r.chunk;
        e = eas_store_get(st, base + i, chunk, sizeof chunk, &n);
        /* The transaction wrote all chunks or none: a missing or short one is damage, and a sign-in
         * that cannot be read is no sign-in (the user signs in again, the device is not wedged). */
        if (e == EAS_ERR_NOT_FOUND || e == EAS_ERR_NOSPACE || (e == EAS_OK && n != expect)) e = EAS_ERR_NOT_SIGNED_IN;
        if (e == EAS_OK) e = form_encode ? eas_oauth_form_write(sink, (const char *)chunk, n, &total)
                                         : eas_oauth_sink_write(sink, chunk, n, &total);
        memset(chunk, 0, sizeof chunk);
        if (e != EAS_OK) return e;
    }
    if (len) *len = total;
    return EAS_OK;
}

size_t eas_oauth_bearer_len(const eas_oauth_tokens *t) { return 7u + t->access_len; }

eas_err eas_oauth_write_bearer(eas_store *st, const eas_oauth_tokens *t, eas_sink sink)
{
    size_t total = 0;
    eas_err e;
    if (!st || !t) return EAS_ERR_ARG;
    if ((e = eas_oauth_sink_write(sink, (const uint8_t *)"Bearer ", 7, &total)) != EAS_OK) return e;
    return eas_oauth_stream_token(st, EAS_OAUTH_WHICH_ACCESS, 0, sink, NULL);
}

eas_err eas_oauth_bearer_stream(void *ctx, eas_sink out)
{
    const eas_oauth_bearer *b = ctx;
    return b ? eas_oauth_write_bearer(b->st, &b->tokens, out) : EAS_ERR_ARG;
}

#endif
