/* The account's persistent state in the store: protocol version, policy key, the hierarchy's SyncKey,
 * a redirect URL, and one record per folder. The agent keeps a RAM copy of the small values and an
 * index of the folder slots (a hash of each ServerId), rebuilt from the store whenever an operation
 * did not commit. Beside them, the agent's store transaction, through which every response's changes
 * reach flash. */
#include <string.h>

#include "agent_int.h"
#include "eas/bytes.h"
#include "eas/crc32.h"

uint32_t eas_account_hash(const eas_agent *a, const char *s)
{
    size_t n = 0;
    while (n < EAS_FOLDER_ID_MAX && s[n] != '\0') n++;
    return eas_hash_keyed(a->hash_salt, s, n);
}

/* A folder record: type, flags, then three length-prefixed strings (ServerId, ParentId, name). */
size_t eas_account_folder_encode(const eas_folder *f, uint8_t *out, size_t cap)
{
    const char *parts[3] = {f->server_id, f->parent_id, f->display_name};
    size_t n = 0;
    if (cap < 2) return 0;
    out[n++] = f->type;
    out[n++] = f->name_truncated ? 1u : 0u;
    for (int i = 0; i < 3; i++) {
        size_t len = strlen(parts[i]);
        if (len > 255 || n + 1 + len > cap) return 0;
        out[n++] = (uint8_t)len;
        memcpy(out + n, parts[i], len);
        n += len;
    }
    return n;
}

eas_err eas_account_folder_decode(const uint8_t *in, size_t len, eas_folder *f)
{
    char *parts[3] = {f->server_id, f->parent_id, f->display_name};
    const size_t caps[3] = {sizeof f->server_id, sizeof f->parent_id, sizeof f->display_name};
    size_t n = 2;
    memset(f, 0, sizeof *f);
    if (len < 2) return EAS_ERR_STORE_CORRUPT;
    f->type = in[0];
    f->name_truncated = in[1] & 1u;
    for (int i = 0; i < 3; i++) {
        if (n >= len) return EAS_ERR_STORE_CORRUPT;
        size_t l = in[n++];
        if (l >= caps[i] || n + l > len) return EAS_ERR_STORE_CORRUPT;
        memcpy(parts[i], in + n, l);
        parts[i][l] = '\0';
        n += l;
    }
    return n == len ? EAS_OK : EAS_ERR_STORE_CORRUPT;
}

static eas_err get_string(eas_store *st, uint32_t key, char *out, size_t cap)
{
    size_t len = 0;
    eas_err e = eas_store_get(st, key, out, cap - 1, &len);
    if (e == EAS_ERR_NOT_FOUND) {
        out[0] = '\0';
        return EAS_OK;
    }
    if (e != EAS_OK) return e == EAS_ERR_NOSPACE ? EAS_ERR_STORE_CORRUPT : e;
    out[len] = '\0';
    if (memchr(out, 0, len)) return EAS_ERR_STORE_CORRUPT;
    return EAS_OK;
}

eas_err eas_account_load_index(eas_agent *a)
{
    uint8_t rec[3 + 3 * EAS_FOLDER_ID_MAX];
    eas_folder f;
    a->folder_used = 0;
    for (unsigned slot = 0; slot < EAS_MAX_FOLDERS; slot++) {
        size_t len = 0;
        eas_err e = eas_store_get(a->store, EAS_KEY_FOLDER(slot), rec, sizeof rec, &len);
        if (e == EAS_ERR_NOT_FOUND) continue;
        if (e != EAS_OK) return e == EAS_ERR_NOSPACE ? EAS_ERR_STORE_CORRUPT : e;
        if ((e = eas_account_folder_decode(rec, len, &f)) != EAS_OK) return e;
        a->folder_used |= UINT64_C(1) << slot;
        a->folder_hash[slot] = eas_account_hash(a, f.server_id);
    }
    uint8_t skipped[2];
    size_t len = 0;
    eas_err e = eas_store_get(a->store, EAS_KEY_FOLDERS_SKIPPED, skipped, sizeof skipped, &len);
    a->folders_skipped = e == EAS_OK && len == 2 ? (uint16_t)(skipped[0] | skipped[1] << 8) : 0;
    if (e != EAS_OK && e != EAS_ERR_NOT_FOUND) return e == EAS_ERR_NOSPACE ? EAS_ERR_STORE_CORRUPT : e;
    /* Kept for other classes (or by a version that kept every class), or a reset cut short: the
     * next FolderSync starts over from 0 with an empty hierarchy. */
    uint8_t classes = 0;
    e = eas_store_get(a->store, EAS_KEY_HIERARCHY_CLASSES, &classes, 1, &len);
    if (e != EAS_OK && e != EAS_ERR_NOT_FOUND) return e == EAS_ERR_NOSPACE ? EAS_ERR_STORE_CORRUPT : e;
    if (strcmp(a->folder_key, "0") == 0) a->hier_stale = a->folder_used != 0;
    else a->hier_stale = e == EAS_ERR_NOT_FOUND || classes != eas_account_classes(a);
    return EAS_OK;
}

eas_err eas_account_stage_hierarchy(eas_agent *a, const char *sync_key)
{
    uint8_t classes = eas_account_classes(a);
    uint8_t skipped[2] = {(uint8_t)a->folders_skipped, (uint8_t)(a->folders_skipped >> 8)};
    eas_err e = eas_store_txn_put(a->store, EAS_KEY_FOLDER_SYNC_KEY, sync_key, strlen(sync_key));
    if (e == EAS_OK) e = eas_store_txn_put(a->store, EAS_KEY_HIERARCHY_CLASSES, &classes, 1);
    if (e == EAS_OK && a->folders_skipped) e = eas_store_txn_put(a->store, EAS_KEY_FOLDERS_SKIPPED, skipped, 2);
    return e;
}

eas_err eas_account_load(eas_agent *a)
{
    uint8_t buf[EAS_URL_MAX + 1];
    size_t len = 0;
    eas_err e;

    a->version = 0;
    a->server_versions = 0;
    a->server_commands = 0;
    a->probed_at = 0;
    e = eas_store_get(a->store, EAS_KEY_PROTOCOL, buf, sizeof buf, &len);
    if (e == EAS_OK && (len == 5 || len == 13)) {
        /* A record of 5 bytes (before the commands were kept) has no commands and no time: OPTIONS is
         * asked again at the next operation. */
        a->version = buf[0];
        a->server_versions = eas_le32_get(buf + 1);
        if (len == 13) {
            a->server_commands = eas_le32_get(buf + 5);
            a->probed_at = eas_le32_get(buf + 9);
        }
    } else if (e != EAS_ERR_NOT_FOUND) {
        return e == EAS_OK ? EAS_ERR_STORE_CORRUPT : e;
    }

    /* Settings went out for this very device information (the exchange's buffer holds the record). */
    e = eas_store_get(a->store, EAS_KEY_SETTINGS, a->x.buf, sizeof a->x.buf, &len);
    if (e != EAS_OK && e != EAS_ERR_NOT_FOUND) return e == EAS_ERR_NOSPACE ? EAS_ERR_STORE_CORRUPT : e;
    a->settings_sent = e == EAS_OK && len >= 4 && eas_le32_get(a->x.buf) == eas_account_device_info_crc(a);

    a->provisioned = 0;
    a->policy_key[0] = '\0';
    e = eas_store_get(a->store, EAS_KEY_POLICY, buf, sizeof a->policy_key, &len);
    if (e == EAS_OK && len >= 1 && len <= sizeof a->policy_key) {
        a->provisioned = buf[0] ? 1 : 0;
        memcpy(a->policy_key, buf + 1, len - 1);
        a->policy_key[len - 1] = '\0';
    } else if (e != EAS_ERR_NOT_FOUND) {
        return e == EAS_OK || e == EAS_ERR_NOSPACE ? EAS_ERR_STORE_CORRUPT : e;
    }

    if ((e = get_string(a->store, EAS_KEY_FOLDER_SYNC_KEY, a->folder_key, sizeof a->folder_key)) != EAS_OK) return e;
    if (a->folder_key[0] == '\0') memcpy(a->folder_key, "0", 2);

    /* A server's redirect (451) replaces the configured URL while it holds (core/agent/redirect.c). */
    /* The exchange's buffer is free while the state loads: the record holds two URLs. */
    char *url = (char *)a->x.buf;
    a->redirect_state = EAS_REDIRECT_NONE;
    if ((e = get_string(a->store, EAS_KEY_URL, url, sizeof a->x.buf)) != EAS_OK) return e;
    if (url[0] != '\0') eas_redirect_load(a, url);
    if ((e = eas_account_load_index(a)) != EAS_OK) return e;
    return eas_outbox_load(a);
}

eas_err eas_account_save_protocol(eas_agent *a)
{
    uint8_t b[13] = {a->version};
    eas_le32_put(b + 1, a->server_versions);
    eas_le32_put(b + 5, a->server_commands & ~EAS_CMDS_ASKED);
    eas_le32_put(b + 9, a->probed_at);
    return eas_store_put(a->store, EAS_KEY_PROTOCOL, b, sizeof b);
}

uint32_t eas_account_device_info_crc(const eas_agent *a)
{
    const eas_agent_config *c = a->cfg;
    const char *parts[] = {c->device_model, c->friendly_name, c->device_os, c->os_language, c->user_agent};
    uint32_t crc = 0;
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        /* Each field with its end: ("ab", "") and ("a", "b") differ. */
        if (parts[i]) crc = eas_crc32(crc, parts[i], strlen(parts[i]));
        crc = eas_crc32(crc, "\n", 1);
    }
    return crc;
}

eas_err eas_account_save_settings(eas_agent *a, const char *address)
{
    uint8_t b[4 + EAS_DISCOVER_ADDRESS_MAX];
    size_t n = strlen(address);
    if (n > sizeof b - 4 || 4 + n > EAS_STORE_MAX_VALUE) n = 0; /* no room: the address is not kept */
    eas_le32_put(b, eas_account_device_info_crc(a));
    memcpy(b + 4, address, n);
    return eas_store_put(a->store, EAS_KEY_SETTINGS, b, 4 + n);
}

eas_err eas_account_save_policy(eas_agent *a)
{
    uint8_t b[sizeof a->policy_key];
    size_t n = strlen(a->policy_key);
    b[0] = a->provisioned;
    memcpy(b + 1, a->policy_key, n);
    return eas_store_put(a->store, EAS_KEY_POLICY, b, 1 + n);
}


uint8_t eas_account_classes(const eas_agent *a)
{
    return a->cfg->sync_classes ? a->cfg->sync_classes
                                : (uint8_t)(EAS_SYNC_CLASS(EAS_CLASS_CALENDAR) | EAS_SYNC_CLASS(EAS_CLASS_CONTACTS) |
                                            EAS_SYNC_CLASS(EAS_CLASS_TASKS));
}

int eas_account_slot_clean(eas_agent *a, unsigned slot)
{
    uint32_t key;
    size_t len;
    /* Any answer but "nothing there" (a read error too) keeps the slot out of use. */
    return eas_store_next(a->store, EAS_KEY_ITEM_BASE(slot), EAS_KEY_ITEM_LAST(slot), &key, &len) == EAS_ERR_NOT_FOUND;
}

int eas_account_free_slot(eas_agent *a)
{
    for (unsigned s = 0; s < EAS_MAX_FOLDERS; s++)
        if (!((a->folder_used >> s) & 1u) && eas_account_slot_clean(a, s)) return (int)s;
    return -1;
}

eas_err eas_account_stage_forget(eas_agent *a, unsigned slot)
{
    uint8_t mark[4];
    size_t len = 0;
    a->folder_used &= ~(UINT64_C(1) << slot);
    eas_err e = eas_store_txn_del(a->store, EAS_KEY_FOLDER(slot));
    if (e == EAS_OK) e = eas_store_txn_del(a->store, EAS_KEY_COLL_SYNC_KEY(slot));
    /* The in-flight mark is rare: a record is spent on it only when there is one. */
    if (e == EAS_OK && eas_store_get(a->store, EAS_KEY_COLL_INFLIGHT(slot), mark, sizeof mark, &len) != EAS_ERR_NOT_FOUND)
        e = eas_store_txn_del(a->store, EAS_KEY_COLL_INFLIGHT(slot));
    return e;
}

eas_err eas_account_purge_orphans(eas_agent *a)
{
    /* Item keys are ordered by slot: the next item at or after slot s names the next slot that holds
     * any, so the store is asked once per slot with items (plus one), not once per free slot (a pass
     * over a large index each: 48 of them were 4 % of a first sync). */
    for (unsigned s = 0; s < EAS_MAX_FOLDERS;) {
        uint32_t key;
        size_t len;
        eas_err e = eas_store_next(a->store, EAS_KEY_ITEM_BASE(s), EAS_KEY_ITEM_LAST(EAS_MAX_FOLDERS - 1u), &key, &len);
        if (e == EAS_ERR_NOT_FOUND) return EAS_OK;
        if (e != EAS_OK) return e;
        s = (key - EAS_KEY_ITEM_BASE(0)) >> 24;
        if (!((a->folder_used >> s) & 1u) && (e = eas_coll_purge(a, s)) != EAS_OK) return e;
        s++;
    }
    return EAS_OK;
}

int eas_account_find_folder(const eas_agent *a, const char *server_id)
{
    uint8_t rec[3 + 3 * EAS_FOLDER_ID_MAX];
    eas_folder f;
    uint32_t h = eas_account_hash(a, server_id);
    for (unsigned slot = 0; slot < EAS_MAX_FOLDERS; slot++) {
        if (!(((a->folder_used >> slot) & 1u) && a->folder_hash[slot] == h)) continue;
        /* A 32-bit hash a server can collide on purpose: the stored ServerId decides. A slot staged by
         * the open transaction is not readable yet and is taken on its hash. */
        size_t len = 0;
        eas_err e = eas_store_get(a->store, EAS_KEY_FOLDER(slot), rec, sizeof rec, &len);
        if (e == EAS_ERR_NOT_FOUND && a->txn_open) return (int)slot;
        if (e != EAS_OK || eas_account_folder_decode(rec, len, &f) != EAS_OK) continue;
        if (strcmp(f.server_id, server_id) == 0) return (int)slot;
    }
    return -1;
}

eas_err eas_account_folder_at(eas_agent *a, unsigned slot, eas_folder *f)
{
    uint8_t rec[3 + 3 * EAS_FOLDER_ID_MAX];
    size_t len = 0;
    eas_err e = eas_store_get(a->store, EAS_KEY_FOLDER(slot), rec, sizeof rec, &len);
    return e == EAS_OK ? eas_account_folder_decode(rec, len, f) : e;
}

/* ---------------------------------------------------------------------- the transaction */

/* What the outbox holds is counted in RAM (outbox.c); the entries a transaction deletes count only
 * once it has committed (ok 1). Aborted (0): nothing of it is visible. A failed commit (-1): the store
 * is to be mounted again, and outbox.c counts again when next asked. */
static void outbox_counts_follow(eas_agent *a, int ok)
{
    unsigned slot = a->coll_slot;
    if (!ok) {
        if (ok < 0) a->outbox_known = 0;
    } else if (a->outbox_staged) {
        if (a->outbox_total < a->outbox_staged || slot >= EAS_MAX_FOLDERS || a->outbox_count[slot] < a->outbox_staged) {
            a->outbox_known = 0;
        } else {
            a->outbox_total -= a->outbox_staged;
            a->outbox_count[slot] = (uint16_t)(a->outbox_count[slot] - a->outbox_staged);
        }
    }
    a->outbox_staged = 0;
}

eas_err eas_txn_begin(eas_agent *a)
{
    if (a->txn_open) return EAS_OK;
    eas_err e = eas_store_txn_begin(a->store);
    if (e != EAS_OK) return e;
    a->txn_open = 1;
    a->txn_keys = 0;
    a->hier_records = 0;
    return EAS_OK;
}

void eas_txn_abort(eas_agent *a)
{
    if (a->txn_open) {
        eas_store_txn_abort(a->store);
        a->txn_open = 0;
        a->txn_keys = 0;
        outbox_counts_follow(a, 0);
        eas_account_load_index(a);
    }
}

eas_err eas_txn_commit(eas_agent *a)
{
    eas_err e = eas_store_txn_commit(a->store);
    a->txn_open = 0;
    outbox_counts_follow(a, e == EAS_OK ? 1 : -1);
    if (e != EAS_OK) {
        a->txn_keys = 0;
        eas_account_load_index(a);
    }
    return e;
}

eas_err eas_txn_commit_notify(eas_agent *a)
{
    eas_err e = eas_txn_commit(a);
    if (e != EAS_OK) return e;
    if (a->ev.item) {
        uint8_t rec[EAS_ITEM_RECORD_MAX];
        for (unsigned i = 0; i < a->txn_keys; i++) {
            size_t len = 0;
            if (a->cfg->item_no_record) {
                a->ev.item(a->ev.ctx, (eas_class)a->coll_cls, a->coll_id, (eas_item_change)a->txn_change[i], NULL, 0);
                continue;
            }
            if (eas_store_get(a->store, a->txn_key[i], rec, sizeof rec, &len) != EAS_OK) continue;
            a->ev.item(a->ev.ctx, (eas_class)a->coll_cls, a->coll_id, (eas_item_change)a->txn_change[i], rec, len);
        }
    }
    a->txn_keys = 0;
    return EAS_OK;
}
