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
