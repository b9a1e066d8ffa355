/* Internal to core/agent: the account's records in the store. */
#ifndef EAS_AGENT_ACCOUNT_H
#define EAS_AGENT_ACCOUNT_H

#include "eas/agent.h"

uint32_t eas_account_hash(const char *s);
size_t eas_account_folder_encode(const eas_folder *f, uint8_t *out, size_t cap);
eas_err eas_account_folder_decode(const uint8_t *in, size_t len, eas_folder *f);

/* Reads everything into the agent's RAM copy; an empty store is a new account. */
eas_err eas_account_load(eas_agent *a);
/* Rebuilds the folder index from the committed records. */
eas_err eas_account_load_index(eas_agent *a);
eas_err eas_account_save_protocol(eas_agent *a);
eas_err eas_account_save_policy(eas_agent *a);
eas_err eas_account_save_redirect(eas_agent *a, const char *location, size_t len);
/* The slot of the folder with this ServerId, or -1. */
int eas_account_find_folder(const eas_agent *a, const char *server_id);

#endif

/* ---- collections and their items (core/agent/items.c) ---- */
#define EAS_KEY_COLL_SYNC_KEY(slot) (0x00020000u + (uint32_t)(slot))
/* Set while a Sync window's answer is awaited, removed with the commit of that answer (see agent.c). */
#define EAS_KEY_COLL_INFLIGHT(slot) (0x00030000u + (uint32_t)(slot))
#define EAS_KEY_ITEM_BASE(slot) (0x40000000u + ((uint32_t)(slot) << 24))
#define EAS_KEY_ITEM_LAST(slot) (EAS_KEY_ITEM_BASE(slot) + 0x00FFFFFFu)

/* The SyncKey of a collection ("0" when it has none yet). */
eas_err eas_coll_get_key(eas_agent *a, unsigned slot, char *out, size_t cap);
/* Finds the store key of the item with this ServerId in the collection: *key is its key when found
 * (returns 1), or the free key to insert it at (returns 0). Keys written by the open transaction count
 * as taken. EAS_ERR_STORE_FULL when the probe sequence is exhausted. */
eas_err eas_item_locate(eas_agent *a, unsigned slot, const char *server_id, size_t id_len, uint32_t *key, int *found);
/* Stages an item record / a deletion in the open transaction. */
eas_err eas_item_stage_put(eas_agent *a, unsigned slot, const uint8_t *rec, size_t len, int *was_new);
eas_err eas_item_stage_del(eas_agent *a, unsigned slot, const char *server_id, size_t id_len, int *existed);
/* Forgets the collection: its SyncKey, then all its items (in batches, each committed). Queued
 * changes of the device stay. Not within an open transaction. */
eas_err eas_coll_purge(eas_agent *a, unsigned slot);

/* ---- the outbox (core/agent/outbox.c) ---- */
/* Writes the queued changes of the collection being synced (a->coll_slot) as Sync commands, as many as
 * fit; remembers which in a->sent_key. An eas_sync_write_fn. */
eas_err eas_outbox_write_commands(void *ctx, eas_wbxml_writer *w);
/* Whether the collection has queued changes: O(1), from the counts kept in RAM. */
int eas_outbox_has_commands(eas_agent *a);
/* Counts what the outbox holds (one walk, at load; after that the counts follow every change). */
eas_err eas_outbox_load(eas_agent *a);
/* Deletes an outbox entry of the collection in the open transaction (counted when it commits). */
eas_err eas_outbox_stage_del(eas_agent *a, uint32_t key);
/* The open transaction ended: committed (ok) or not; a failed commit leaves the counts to be made again. */
void eas_outbox_txn_ended(eas_agent *a, int ok);
/* A Responses entry of the Sync answer: stages what it means (the item under its ServerId, the entry
 * leaving the queue) in the open transaction. An eas_sync_events response callback. */
eas_err eas_outbox_on_response(void *ctx, eas_item_change change, const char *client_id, const char *server_id,
                               uint32_t status);
/* After a successful Sync: sent Changes and Deletes without an answer succeeded and leave the queue. */
eas_err eas_outbox_finish_sent(eas_agent *a);
/* The outbox key of a Change or Delete queued for this item, or 0. */
uint32_t eas_outbox_pending_key(eas_agent *a, unsigned slot, const char *server_id, size_t id_len);
/* Opens the agent's store transaction if none is open. */
eas_err eas_account_txn_begin(eas_agent *a);
