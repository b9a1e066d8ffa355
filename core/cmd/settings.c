/* Settings: DeviceInformation Set and UserInformation Get (eas/settings.h). */
#include "eas/settings.h"

#include <string.h>

#include "field.h"

eas_err eas_device_info_write(eas_wbxml_writer *w, const eas_device_info *info, const char *os_language)
{
    eas_wbxml_start(w, EAS_Settings_DeviceInformation);
    eas_wbxml_start(w, EAS_Settings_Set);
    if (info->model) eas_wbxml_text_element(w, EAS_Settings_Model, info->model);
    if (info->friendly_name) eas_wbxml_text_element(w, EAS_Settings_FriendlyName, info->friendly_name);
    if (info->os) eas_wbxml_text_element(w, EAS_Settings_OS, info->os);
    if (os_language) eas_wbxml_text_element(w, EAS_Settings_OSLanguage, os_language);
    if (info->user_agent) eas_wbxml_text_element(w, EAS_Settings_UserAgent, info->user_agent);
    eas_wbxml_end(w);
    return eas_wbxml_end(w);
}

eas_err eas_settings_request_write(eas_wbxml_writer *w, const eas_device_info *info, const char *os_language,
                                   int get_user)
{
    eas_wbxml_start(w, EAS_Settings_Settings);
    if (info) eas_device_info_write(w, info, os_language);
    if (get_user) {
        eas_wbxml_start(w, EAS_Settings_UserInformation);
        eas_wbxml_empty(w, EAS_Settings_Get);
        eas_wbxml_end(w);
    }
    return eas_wbxml_end(w);
}

void eas_settings_decoder_init(eas_settings_decoder *d) { memset(d, 0, sizeof *d); }

static eas_tag parent(const eas_settings_decoder *d)
{
    /* depth counts the element just opened; its parent is one below. */
    return d->depth >= 2 && d->depth - 2 < 8 ? d->stack[d->depth - 2] : 0;
}

static eas_err st_start(void *user, eas_tag tag, int has_content)
{
    eas_settings_decoder *d = user;
    if (d->depth < 8) d->stack[d->depth] = tag;
    d->depth++;
    if (d->depth == 1) return tag == EAS_Settings_Settings ? EAS_OK : EAS_ERR_PROTOCOL;
    if (!has_content) return EAS_OK;
    if (tag == EAS_Settings_Status || tag == EAS_Settings_PrimarySmtpAddress ||
        (tag == EAS_Settings_SMTPAddress && !d->have_primary && d->address[0] == '\0')) {
        d->field = tag;
        eas_wbxml_textbuf_init(&d->tb, d->text, sizeof d->text);
    }
    return EAS_OK;
}

static eas_err st_end(void *user, eas_tag tag)
{
    eas_settings_decoder *d = user;
    eas_tag up = parent(d);
    uint32_t v;
    int field = d->field == tag;
    if (field) d->field = 0;
    if (field && tag == EAS_Settings_Status) {
        if (d->tb.truncated || !eas_field_uint(d->text, &v)) return EAS_ERR_PROTOCOL;
        if (up == EAS_Settings_Settings) d->status = v;
        else if (up == EAS_Settings_DeviceInformation) d->device_status = v;
        else if (up == EAS_Settings_UserInformation) d->user_status = v;
    } else if (field && up == EAS_Settings_EmailAddresses) {
        /* A primary address replaces any SMTPAddress seen before it; the first SMTPAddress otherwise. */
        if (tag == EAS_Settings_PrimarySmtpAddress || !d->have_primary) {
            size_t n = strlen(d->text);
            d->address_truncated = d->tb.truncated;
            if (d->tb.truncated || n == 0) d->address[0] = '\0';
            else memcpy(d->address, d->text, n + 1);
            if (tag == EAS_Settings_PrimarySmtpAddress) d->have_primary = 1;
        }
    }
    d->depth--;
    return EAS_OK;
}

static eas_err st_text(void *user, const uint8_t *data, size_t len, int last)
{
    eas_settings_decoder *d = user;
    (void)last;
    eas_field_collect(&d->tb, d->field != 0, data, len);
    return EAS_OK;
}

const eas_wbxml_handler eas_settings_handler = {st_start, st_end, st_text, NULL};

eas_err eas_settings_decoder_finish(const eas_settings_decoder *d)
{
    return d->status ? EAS_OK : EAS_ERR_PROTOCOL;
}
