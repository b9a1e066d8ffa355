/* Settings (MS-ASCMD 2.2.1.18) as a device sends it after provisioning: DeviceInformation Set (what
 * device access rules match: Model, FriendlyName, OS, OSLanguage, UserAgent) and UserInformation Get
 * (the mailbox's primary SMTP address). */
#ifndef EAS_SETTINGS_H
#define EAS_SETTINGS_H

#include <stdint.h>

#include "eas/config.h"
#include "eas/provision.h"
#include "eas/wbxml.h"

/* DeviceInformation/Set with the fields of info that are not NULL, and OSLanguage (e.g. "English") when
 * os_language is not NULL (also inside Provision from 14.1, without it). */
eas_err eas_device_info_write(eas_wbxml_writer *w, const eas_device_info *info, const char *os_language);

/* <Settings> with DeviceInformation/Set (info may be NULL: none) and, when get_user is set,
 * UserInformation/Get. */
eas_err eas_settings_request_write(eas_wbxml_writer *w, const eas_device_info *info, const char *os_language,
                                   int get_user);

typedef struct eas_settings_decoder {
    uint32_t status;        /* Settings/Status (1 success), 0 when absent */
    uint32_t device_status; /* DeviceInformation/Status, 0 when absent */
    uint32_t user_status;   /* UserInformation/Status, 0 when absent */
    /* The primary SMTP address: Account/EmailAddresses/PrimarySmtpAddress (14.1 and later), else the
     * first SMTPAddress; "" when none (or too long for the buffer, then address_truncated). */
    char address[EAS_DISCOVER_ADDRESS_MAX];
    uint8_t address_truncated, have_primary;
    uint8_t depth;
    eas_tag stack[8];       /* the open elements (deeper ones are not looked at) */
    eas_tag field;
    char text[EAS_DISCOVER_ADDRESS_MAX];
    eas_wbxml_textbuf tb;
} eas_settings_decoder;
extern const eas_wbxml_handler eas_settings_handler; /* user: eas_settings_decoder * */
void eas_settings_decoder_init(eas_settings_decoder *d);
/* After the reader finished: EAS_ERR_PROTOCOL when there was no Settings/Status. */
eas_err eas_settings_decoder_finish(const eas_settings_decoder *d);

#endif
