/* The ICS change journal's rules (eas/ics_journal.h). */
#include <string.h>

#include "eas/ics_journal.h"

void eas_ics_journal_init(eas_ics_journal *j, const eas_ics_guid *replica, uint64_t next_cn)
{
    memset(j, 0, sizeof *j);
    j->replica = *replica;
    j->next_cn = next_cn ? next_cn : 1;
    j->reserved = j->next_cn;
    eas_ics_set_init(&j->confirmed, EAS_ICS_REPLGUID);
}

int eas_ics_journal_needs_reserve(const eas_ics_journal *j) { return j->next_cn >= j->reserved; }

eas_err eas_ics_journal_reserve(eas_ics_journal *j)
{
    if (j->next_cn + EAS_ICS_CN_RESERVE > EAS_ICS_GLOBCNT_MAX + 1) return EAS_ERR_NOSPACE;
    j->reserved = j->next_cn + EAS_ICS_CN_RESERVE;
    return EAS_OK;
}

eas_err eas_ics_journal_local_change(eas_ics_journal *j, eas_ics_version *item, uint64_t *cn)
{
    if (eas_ics_journal_needs_reserve(j)) return EAS_ERR_STATE;
    eas_ics_xid x = eas_ics_xid_of_cn(&j->replica, j->next_cn);
    eas_err e = eas_ics_pcl_add(&item->pcl, &x);
    if (e != EAS_OK) return e;
    item->last = x;
    if (cn) *cn = j->next_cn;
    j->next_cn++;
    return EAS_OK;
}

static int is_own(const eas_ics_journal *j, const eas_ics_xid *x)
{
    return eas_ics_guid_cmp(&x->guid, &j->replica) == 0;
}

int eas_ics_journal_pending(const eas_ics_journal *j, const eas_ics_version *item)
{
    if (item->last.local_len == 0 || !is_own(j, &item->last)) return 0;
    return !eas_ics_set_contains(&j->confirmed, &j->replica, eas_ics_xid_local(&item->last));
}

/* The server's version includes the device's change whose number its PCL holds for the device's
 * replica (earlier changes of this item are superseded by it; other items' changes are not its concern). */
static eas_err confirm_included(eas_ics_journal *j, const eas_ics_pcl *server_pcl)
{
    for (unsigned i = 0; i < server_pcl->n; i++) {
        if (!is_own(j, &server_pcl->xid[i])) continue;
        uint64_t cn = eas_ics_xid_local(&server_pcl->xid[i]);
        if (cn == 0 || cn > EAS_ICS_GLOBCNT_MAX) return EAS_OK;
        return eas_ics_set_add(&j->confirmed, &j->replica, cn);
    }
    return EAS_OK;
}

eas_err eas_ics_journal_server_change(eas_ics_journal *j, eas_ics_version *item, const eas_ics_xid *server_last,
                                      const eas_ics_pcl *server_pcl, eas_ics_policy policy,
                                      eas_ics_outcome *outcome)
{
    eas_ics_pcl_order order = eas_ics_pcl_compare(server_pcl, &item->pcl);
    if (order == EAS_ICS_PCL_EQUAL || order == EAS_ICS_PCL_A_INCLUDES_B) {
        eas_err e = confirm_included(j, server_pcl);
        if (e != EAS_OK) return e;
        item->pcl = *server_pcl;
        item->last = *server_last;
        *outcome = EAS_ICS_TAKE_SERVER;
        return EAS_OK;
    }
    if (order == EAS_ICS_PCL_B_INCLUDES_A) {
        *outcome = EAS_ICS_IGNORE_STALE;
        return EAS_OK;
    }
    /* A conflict: the resolved version includes both, so neither side reports it again. */
    eas_ics_version resolved = *item;
    eas_err e = eas_ics_pcl_merge(&resolved.pcl, server_pcl);
    if (e != EAS_OK) return e;
    if (policy == EAS_ICS_SERVER_WINS) {
        resolved.last = *server_last;
        *item = resolved;
        *outcome = EAS_ICS_CONFLICT_SERVER_KEPT;
        return EAS_OK;
    }
    /* The local content wins as a new local change over both versions: its upload then includes the
     * server's change, and the server takes it without a conflict of its own. */
    e = eas_ics_journal_local_change(j, &resolved, NULL);
    if (e != EAS_OK) return e;
    *item = resolved;
    *outcome = EAS_ICS_CONFLICT_LOCAL_KEPT;
    return EAS_OK;
}

int eas_ics_outcome_is_conflict(eas_ics_outcome o)
{
    return o == EAS_ICS_CONFLICT_SERVER_KEPT || o == EAS_ICS_CONFLICT_LOCAL_KEPT;
}
