#include "eas/provision.h"

#include <string.h>

#include "eas/settings.h"
#include "field.h"

static void policy_type(eas_wbxml_writer *w)
{
    eas_wbxml_text_element(w, EAS_Provision_PolicyType, EAS_POLICY_TYPE);
}

eas_err eas_provision_request(eas_wbxml_writer *w, const eas_device_info *info)
{
    eas_wbxml_start(w, EAS_Provision_Provision);
    if (info) eas_device_info_write(w, info, NULL);
    eas_wbxml_start(w, EAS_Provision_Policies);
    eas_wbxml_start(w, EAS_Provision_Policy);
    policy_type(w);
    eas_wbxml_end(w);
    eas_wbxml_end(w);
    return eas_wbxml_end(w);
}

eas_err eas_provision_ack(eas_wbxml_writer *w, const char *temp_policy_key, uint32_t status)
{
    eas_wbxml_start(w, EAS_Provision_Provision);
    eas_wbxml_start(w, EAS_Provision_Policies);
    eas_wbxml_start(w, EAS_Provision_Policy);
    policy_type(w);
    eas_wbxml_text_element(w, EAS_Provision_PolicyKey, temp_policy_key);
    eas_field_write_uint(w, EAS_Provision_Status, status);
    eas_wbxml_end(w);
    eas_wbxml_end(w);
    return eas_wbxml_end(w);
}

eas_err eas_provision_wipe_ack(eas_wbxml_writer *w, uint32_t status)
{
    eas_wbxml_start(w, EAS_Provision_Provision);
    eas_wbxml_start(w, EAS_Provision_RemoteWipe);
    eas_field_write_uint(w, EAS_Provision_Status, status);
    eas_wbxml_end(w);
    return eas_wbxml_end(w);
}

void eas_provision_decoder_init(eas_provision_decoder *d) { memset(d, 0, sizeof *d); }

static eas_err on_start(void *user, eas_tag tag, int has_content)
{
    eas_provision_decoder *d = user;
    d->depth++;
    if (d->depth == 1) return tag == EAS_Provision_Provision ? EAS_OK : EAS_ERR_PROTOCOL;
    if (d->in_data) return EAS_OK;
    switch (tag) {
    case EAS_Provision_Data:
        d->in_data = d->depth;
        return EAS_OK;
    case EAS_Provision_RemoteWipe:
        d->remote_wipe = 1;
        return EAS_OK;
    case EAS_Provision_AccountOnlyRemoteWipe:
        d->account_only_wipe = 1;
        return EAS_OK;
    case EAS_Provision_Status:
    case EAS_Provision_PolicyKey:
        if (has_content) {
            d->field = tag;
            eas_wbxml_textbuf_init(&d->tb, d->text, sizeof d->text);
        }
        return EAS_OK;
    default:
        return EAS_OK;
    }
}

static eas_err on_end(void *user, eas_tag tag)
{
    eas_provision_decoder *d = user;
    uint32_t v;
    if (d->in_data == d->depth && tag == EAS_Provision_Data) d->in_data = 0;
    d->depth--;
    if (d->field != tag || d->in_data) return EAS_OK;
    d->field = 0;
    if (d->tb.truncated || !eas_field_uint(d->text, &v)) return EAS_ERR_PROTOCOL;
    if (tag == EAS_Provision_PolicyKey) {
        memcpy(d->policy_key, d->text, d->tb.len + 1);
    } else if (d->depth == 1) {
        d->status = v; /* Provision/Status */
    } else {
        d->policy_status = v; /* Policy/Status or RemoteWipe/Status */
    }
    return EAS_OK;
}

static eas_err on_text(void *user, const uint8_t *data, size_t len, int last)
{
    eas_provision_decoder *d = user;
    (void)last;
    eas_field_collect(&d->tb, d->field != 0 && !d->in_data, data, len);
    return EAS_OK;
}

const eas_wbxml_handler eas_provision_handler = {on_start, on_end, on_text, NULL};

eas_err eas_provision_decoder_finish(const eas_provision_decoder *d)
{
    return d->status ? EAS_OK : EAS_ERR_PROTOCOL;
}
