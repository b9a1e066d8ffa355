/* The journal's store records (eas/ics_journal.h): the per-account journal and the per-item version. */
#include <string.h>

#include "eas/ics_idset.h"
#include "eas/ics_journal.h"

eas_err eas_ics_journal_encode(const eas_ics_journal *j, uint8_t *buf, size_t cap, size_t *len)
{
    if (cap < 23) return EAS_ERR_NOSPACE;
    buf[0] = EAS_ICS_JOURNAL_FORMAT;
    memcpy(buf + 1, j->replica.b, 16);
    for (unsigned i = 0; i < 6; i++) buf[17 + i] = (uint8_t)(j->reserved >> (8 * (5 - i)));
    size_t n = 0;
    eas_err e = eas_ics_idset_encode_buf(&j->confirmed, buf + 23, cap - 23, &n);
    if (len) *len = 23 + n;
    return e;
}

eas_err eas_ics_journal_decode(eas_ics_journal *j, const uint8_t *buf, size_t len)
{
    if (len < 23 || buf[0] != EAS_ICS_JOURNAL_FORMAT) return EAS_ERR_ICS_STATE;
    eas_ics_guid g;
    memcpy(g.b, buf + 1, 16);
    uint64_t reserved = 0;
    for (unsigned i = 0; i < 6; i++) reserved = (reserved << 8) | buf[17 + i];
    /* Numbers below the reservation may have been given before a cut: resume after it. */
    eas_ics_journal_init(j, &g, reserved);
    return eas_ics_idset_decode(&j->confirmed, buf + 23, len - 23, NULL);
}

static int same_xid(const eas_ics_xid *a, const eas_ics_xid *b)
{
    return eas_ics_guid_cmp(&a->guid, &b->guid) == 0 && a->local_len == b->local_len &&
           memcmp(a->local, b->local, a->local_len) == 0;
}

eas_err eas_ics_version_encode(const eas_ics_version *v, uint8_t *buf, size_t cap, size_t *len)
{
    size_t n = 0;
    if (cap < 1) return EAS_ERR_NOSPACE;
    unsigned idx = 0xFF;
    for (unsigned i = 0; i < v->pcl.n; i++)
        if (same_xid(&v->pcl.xid[i], &v->last)) idx = i;
    buf[n++] = (uint8_t)idx;
    if (idx == 0xFF) {
        size_t size = 16u + v->last.local_len;
        if (v->last.local_len < 1 || v->last.local_len > 8) return EAS_ERR_ICS_XID;
        if (cap - n < 1 + size) return EAS_ERR_NOSPACE;
        buf[n++] = (uint8_t)size;
        memcpy(buf + n, v->last.guid.b, 16);
        memcpy(buf + n + 16, v->last.local, v->last.local_len);
        n += size;
    }
    size_t pcl_len = 0;
    eas_err e = eas_ics_pcl_encode(&v->pcl, buf + n, cap - n, &pcl_len);
    if (len) *len = n + pcl_len;
    return e;
}

eas_err eas_ics_version_decode(eas_ics_version *v, const uint8_t *buf, size_t len)
{
    memset(v, 0, sizeof *v);
    if (len < 1) return EAS_ERR_ICS_TRUNCATED;
    size_t n = 1;
    unsigned idx = buf[0];
    if (idx == 0xFF) {
        if (len < 2 || len - 2 < buf[1]) return EAS_ERR_ICS_TRUNCATED;
        eas_err e = eas_ics_xid_decode(buf + 2, buf[1], &v->last);
        if (e != EAS_OK) return e;
        n = 2u + buf[1];
    }
    eas_err e = eas_ics_pcl_decode(&v->pcl, buf + n, len - n, NULL);
    if (e != EAS_OK) return e;
    if (idx != 0xFF) {
        if (idx >= v->pcl.n) return EAS_ERR_ICS_XID;
        v->last = v->pcl.xid[idx];
    }
    return EAS_OK;
}
