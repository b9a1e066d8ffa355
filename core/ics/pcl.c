/* XIDs and PCLs (eas/ics_pcl.h). */
#include <string.h>

#include "eas/ics_pcl.h"

eas_ics_xid eas_ics_xid_of_cn(const eas_ics_guid *guid, uint64_t cn)
{
    eas_ics_xid x;
    memset(&x, 0, sizeof x);
    x.guid = *guid;
    x.local_len = 6;
    for (unsigned i = 0; i < 6; i++) x.local[i] = (uint8_t)(cn >> (8 * (5 - i)));
    return x;
}

uint64_t eas_ics_xid_local(const eas_ics_xid *x)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < x->local_len && i < 8; i++) v = (v << 8) | x->local[i];
    return v;
}

eas_err eas_ics_xid_decode(const uint8_t *p, size_t len, eas_ics_xid *x)
{
    if (len < EAS_ICS_XID_MIN || len > EAS_ICS_XID_MAX) return EAS_ERR_ICS_XID;
    memset(x, 0, sizeof *x);
    memcpy(x->guid.b, p, 16);
    x->local_len = (uint8_t)(len - 16);
    memcpy(x->local, p + 16, x->local_len);
    return EAS_OK;
}

void eas_ics_pcl_init(eas_ics_pcl *pcl) { memset(pcl, 0, sizeof *pcl); }

/* Index of the first XID whose GUID is not below g. */
static unsigned find(const eas_ics_pcl *pcl, const eas_ics_guid *g)
{
    unsigned i = 0;
    while (i < pcl->n && eas_ics_guid_cmp(&pcl->xid[i].guid, g) < 0) i++;
    return i;
}

eas_err eas_ics_pcl_add(eas_ics_pcl *pcl, const eas_ics_xid *x)
{
    if (x->local_len < 1 || x->local_len > 8) return EAS_ERR_ICS_XID;
    unsigned i = find(pcl, &x->guid);
    if (i < pcl->n && eas_ics_guid_cmp(&pcl->xid[i].guid, &x->guid) == 0) {
        if (eas_ics_xid_local(x) > eas_ics_xid_local(&pcl->xid[i])) pcl->xid[i] = *x;
        return EAS_OK;
    }
    if (pcl->n >= EAS_ICS_PCL_MAX_XIDS) return EAS_ERR_ICS_PCL_FULL;
    memmove(&pcl->xid[i + 1], &pcl->xid[i], (pcl->n - i) * sizeof pcl->xid[0]);
    pcl->xid[i] = *x;
    pcl->n++;
    return EAS_OK;
}

eas_err eas_ics_pcl_decode(eas_ics_pcl *pcl, const uint8_t *p, size_t len, uint32_t *err_offset)
{
    size_t i = 0;
    eas_err e = EAS_OK;
    /* Each step consumes a size byte and at least 17 more. */
    while (i < len && e == EAS_OK) {
        size_t size = p[i];
        if (size < EAS_ICS_XID_MIN || size > EAS_ICS_XID_MAX) {
            e = EAS_ERR_ICS_XID;
            break;
        }
        if (len - i - 1 < size) {
            i = len;
            e = EAS_ERR_ICS_TRUNCATED;
            break;
        }
        eas_ics_xid x;
        e = eas_ics_xid_decode(p + i + 1, size, &x);
        if (e == EAS_OK) e = eas_ics_pcl_add(pcl, &x);
        if (e == EAS_OK) i += 1 + size;
    }
    if (err_offset) *err_offset = e == EAS_OK ? 0 : (uint32_t)i;
    return e;
}

eas_err eas_ics_pcl_encode(const eas_ics_pcl *pcl, uint8_t *buf, size_t cap, size_t *len)
{
    size_t n = 0;
    for (unsigned i = 0; i < pcl->n; i++) {
        const eas_ics_xid *x = &pcl->xid[i];
        size_t size = 16u + x->local_len;
        if (cap - n < 1 + size) return EAS_ERR_NOSPACE;
        buf[n] = (uint8_t)size;
        memcpy(buf + n + 1, x->guid.b, 16);
        memcpy(buf + n + 17, x->local, x->local_len);
        n += 1 + size;
    }
    if (len) *len = n;
    return EAS_OK;
}

int eas_ics_pcl_includes(const eas_ics_pcl *a, const eas_ics_pcl *b)
{
    /* Both sorted by GUID: one walk. */
    unsigned i = 0;
    for (unsigned j = 0; j < b->n; j++) {
        while (i < a->n && eas_ics_guid_cmp(&a->xid[i].guid, &b->xid[j].guid) < 0) i++;
        if (i == a->n || eas_ics_guid_cmp(&a->xid[i].guid, &b->xid[j].guid) != 0) return 0;
        if (eas_ics_xid_local(&a->xid[i]) < eas_ics_xid_local(&b->xid[j])) return 0;
    }
    return 1;
}

eas_ics_pcl_order eas_ics_pcl_compare(const eas_ics_pcl *a, const eas_ics_pcl *b)
{
    int ab = eas_ics_pcl_includes(a, b), ba = eas_ics_pcl_includes(b, a);
    if (ab && ba) return EAS_ICS_PCL_EQUAL;
    if (ab) return EAS_ICS_PCL_A_INCLUDES_B;
    if (ba) return EAS_ICS_PCL_B_INCLUDES_A;
    return EAS_ICS_PCL_CONFLICT;
}

eas_err eas_ics_pcl_merge(eas_ics_pcl *dst, const eas_ics_pcl *src)
{
    unsigned extra = 0;
    for (unsigned j = 0; j < src->n; j++) {
        unsigned i = find(dst, &src->xid[j].guid);
        if (i == dst->n || eas_ics_guid_cmp(&dst->xid[i].guid, &src->xid[j].guid) != 0) extra++;
    }
    if (dst->n + extra > EAS_ICS_PCL_MAX_XIDS) return EAS_ERR_ICS_PCL_FULL;
    for (unsigned j = 0; j < src->n; j++) {
        eas_err e = eas_ics_pcl_add(dst, &src->xid[j]);
        if (e != EAS_OK) return e; /* not reached: the size was checked */
    }
    return EAS_OK;
}
