/* The directory lookups of an agent: a GAL search (Find where the server offers it at 16.1, Search
 * otherwise), ResolveRecipients with free/busy, and ItemOperations Fetch of one body. Their answers go
 * straight to the application's callbacks and sink; nothing of them reaches the store. The exchange
 * that carries them is the agent's (agent.c): this file says what the request is, which decoder reads
 * the answer and what the answer's status means. */
#include <string.h>

#include "agent_int.h"
#include "directory.h"

static int offers(const eas_agent *a, eas_cmd c) { return (a->server_commands >> c) & 1u; }

/* The command of the phase being run (a row of eas_phases). */
static eas_cmd cmd_of(const eas_agent *a) { return eas_phases[a->phase].cmd; }

eas_err eas_dir_command(eas_agent *a, eas_cmd *cmd)
{
    switch (a->op) {
    case EAS_OP_GAL_SEARCH:
        /* Find is 16.1's; below it, or where the server does not list it, Search. */
        if (a->version >= EAS_PROTO_16_1 && offers(a, EAS_CMD_FIND)) *cmd = EAS_CMD_FIND;
        else *cmd = EAS_CMD_SEARCH;
        break;
    case EAS_OP_RESOLVE: *cmd = EAS_CMD_RESOLVERECIPIENTS; break;
    case EAS_OP_FETCH: *cmd = EAS_CMD_ITEMOPERATIONS; break;
    default: return EAS_ERR_STATE;
    }
    if (!offers(a, *cmd)) {
        a->failure.cmd = *cmd;
        return EAS_ERR_UNSUPPORTED;
    }
    return EAS_OK;
}

const eas_wbxml_handler *eas_dir_handler(eas_cmd cmd)
{
    switch (cmd) {
    case EAS_CMD_SEARCH:
    case EAS_CMD_FIND: return &eas_gal_handler;
    case EAS_CMD_RESOLVERECIPIENTS: return &eas_resolve_handler;
    case EAS_CMD_ITEMOPERATIONS: return &eas_fetch_handler;
    default: return NULL;
    }
}

void eas_dir_decoder_init(eas_agent *a)
{
    eas_agent_lookup *l = &a->lookup;
    switch (cmd_of(a)) {
    case EAS_CMD_SEARCH:
    case EAS_CMD_FIND: eas_gal_decoder_init(&a->dec.gal, l->u.gal.on_entry, l->u.gal.ctx, (eas_sink){NULL, NULL}); break;
    case EAS_CMD_RESOLVERECIPIENTS:
        eas_resolve_decoder_init(&a->dec.resolve, l->u.resolve.ev, l->u.resolve.request->start, l->u.resolve.request->end);
        break;
    case EAS_CMD_ITEMOPERATIONS: eas_fetch_decoder_init(&a->dec.fetch, l->u.fetch.body, l->u.fetch.request.max_bytes); break;
    default: break;
    }
}

eas_err eas_dir_body(eas_agent *a, eas_wbxml_writer *w)
{
    eas_agent_lookup *l = &a->lookup;
    switch (cmd_of(a)) {
    case EAS_CMD_SEARCH: return eas_search_gal_request_write(w, l->u.gal.query);
    case EAS_CMD_FIND: {
        /* 16 bytes from the lookup's random seed (xorshift32): one SearchId per search. */
        uint8_t rnd[16];
        char id[EAS_GAL_SEARCH_ID_SIZE];
        uint32_t x = l->search_seed ? l->search_seed : 0x9E3779B9u;
        for (unsigned i = 0; i < sizeof rnd; i++) {
            x ^= x << 13, x ^= x >> 17, x ^= x << 5;
            rnd[i] = (uint8_t)(x >> 24);
        }
        eas_gal_search_id(rnd, id);
        return eas_find_gal_request_write(w, l->u.gal.query, id);
    }
    case EAS_CMD_RESOLVERECIPIENTS: return eas_resolve_request_write(w, l->u.resolve.request);
    case EAS_CMD_ITEMOPERATIONS: return eas_fetch_request_write(w, &l->u.fetch.request);
    default: return EAS_ERR_STATE;
    }
}

uint32_t eas_dir_status(const eas_agent *a)
{
    switch (cmd_of(a)) {
    case EAS_CMD_SEARCH:
    case EAS_CMD_FIND: return eas_gal_decoder_status(&a->dec.gal);
    case EAS_CMD_RESOLVERECIPIENTS: return a->dec.resolve.status;
    case EAS_CMD_ITEMOPERATIONS: return eas_fetch_decoder_status(&a->dec.fetch);
    default: return 0;
    }
}

eas_err eas_dir_finish(const eas_agent *a)
{
    switch (cmd_of(a)) {
    case EAS_CMD_SEARCH:
    case EAS_CMD_FIND: return eas_gal_decoder_finish(&a->dec.gal);
    case EAS_CMD_RESOLVERECIPIENTS: return eas_resolve_decoder_finish(&a->dec.resolve);
    case EAS_CMD_ITEMOPERATIONS: return eas_fetch_decoder_finish(&a->dec.fetch);
    default: return EAS_ERR_STATE;
    }
}

eas_err eas_dir_outcome(const eas_agent *a, uint32_t status)
{
    if (status == 1) return EAS_OK;
    switch (cmd_of(a)) {
    case EAS_CMD_SEARCH:
        switch (status) {
        case EAS_SEARCH_END_OF_RANGE: return EAS_OK; /* paged past the last result: none more */
        case EAS_SEARCH_INVALID_REQUEST:
        case EAS_SEARCH_TOO_COMPLEX: return EAS_ERR_ARG; /* the query, as the server sees it */
        case EAS_SEARCH_ACCESS_DENIED:
        case EAS_SEARCH_ACCESS_BLOCKED: return EAS_ERR_FORBIDDEN;
        case EAS_SEARCH_CREDENTIALS_REQUIRED: return EAS_ERR_AUTH;
        case EAS_SEARCH_SERVER_ERROR:
        case EAS_SEARCH_CONNECTION_FAILED:
        case EAS_SEARCH_TIMED_OUT: return EAS_ERR_SERVER;
        default: return EAS_ERR_PROTOCOL;
        }
    case EAS_CMD_FIND:
        return status == EAS_FIND_INVALID_REQUEST ? EAS_ERR_ARG : EAS_ERR_PROTOCOL;
    case EAS_CMD_RESOLVERECIPIENTS:
        return status == EAS_RESOLVE_SERVER_ERROR ? EAS_ERR_SERVER : EAS_ERR_PROTOCOL;
    case EAS_CMD_ITEMOPERATIONS:
        switch (status) {
        case EAS_ITEMOPS_NOT_FOUND: return EAS_ERR_NOT_FOUND;
        case EAS_ITEMOPS_SERVER_ERROR:
        case EAS_ITEMOPS_IO_FAILURE: return EAS_ERR_SERVER;
        case EAS_ITEMOPS_BLOCKED: return EAS_ERR_FORBIDDEN;
        case EAS_ITEMOPS_CREDENTIALS_REQUIRED: return EAS_ERR_AUTH;
        default: return EAS_ERR_PROTOCOL;
        }
    default: return EAS_ERR_STATE;
    }
}

/* ----------------------------------------------------------------------------------- public */

static eas_err prepare(eas_agent *a)
{
    if (a->op != EAS_OP_NONE) return EAS_ERR_STATE;
    memset(&a->lookup, 0, sizeof a->lookup);
    return EAS_OK;
}

eas_err eas_agent_gal_search(eas_agent *a, const eas_gal_query *q, eas_gal_entry_fn on_entry, void *ctx)
{
    eas_err e = prepare(a);
    if (e != EAS_OK) return e;
    if (eas_gal_query_check(q) != EAS_OK) return EAS_ERR_ARG;
    a->lookup.u.gal.query = q;
    a->lookup.u.gal.on_entry = on_entry;
    a->lookup.u.gal.ctx = ctx;
    /* Find names its search: one id per search, the same in every resend of it. */
    if (a->pal->entropy.fill)
        a->pal->entropy.fill(a->pal->entropy.ctx, (uint8_t *)&a->lookup.search_seed, sizeof a->lookup.search_seed);
    a->lookup.ready = EAS_OP_GAL_SEARCH;
    return EAS_OK;
}

eas_err eas_agent_resolve(eas_agent *a, const eas_resolve_request *r, const eas_resolve_events *ev)
{
    eas_err e = prepare(a);
    if (e != EAS_OK) return e;
    if (!r || !r->to || r->n == 0 || r->n > EAS_RESOLVE_MAX_TO) return EAS_ERR_ARG;
    a->lookup.u.resolve.request = r;
    a->lookup.u.resolve.ev = ev;
    a->lookup.ready = EAS_OP_RESOLVE;
    return EAS_OK;
}

eas_err eas_agent_fetch(eas_agent *a, const char *folder_id, const char *server_id, uint32_t max_bytes, eas_sink body)
{
    eas_err e = prepare(a);
    if (e != EAS_OK) return e;
    if (!folder_id || !server_id || !folder_id[0] || !server_id[0]) return EAS_ERR_ARG;
    a->lookup.u.fetch.request = (eas_fetch_request){folder_id, server_id, max_bytes};
    a->lookup.u.fetch.body = body;
    a->lookup.ready = EAS_OP_FETCH;
    return EAS_OK;
}

const eas_gal_decoder *eas_agent_gal_result(const eas_agent *a) { return &a->dec.gal; }

const eas_fetch_decoder *eas_agent_fetch_result(const eas_agent *a) { return &a->dec.fetch; }
