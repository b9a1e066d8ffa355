/* Provision (MS-ASPROV, MS-ASCMD 2.2.1.14): the two request phases, the remote-wipe acknowledgement,
 * and a decoder of the response. The policy document itself is not kept: a kiosk device applies no
 * password or encryption policy of its own, it acknowledges the policy and keeps the key. */
#ifndef EAS_PROVISION_H
#define EAS_PROVISION_H

#include <stdint.h>

#include "eas/err.h"
#include "eas/wbxml.h"

#define EAS_POLICY_TYPE "MS-EAS-Provisioning-WBXML"

/* Provision Status (MS-ASPROV 2.2.2.54.1) and Policy Status (2.2.2.54.2). */
enum {
    EAS_PROVISION_OK = 1,
    EAS_PROVISION_PROTOCOL_ERROR = 2,
    EAS_PROVISION_SERVER_ERROR = 3,
    EAS_POLICY_NONE = 2,           /* no policy for this client */
    EAS_POLICY_UNKNOWN_TYPE = 3,
    EAS_POLICY_DATA_CORRUPT = 4,
    EAS_POLICY_WRONG_KEY = 5
};

/* What the device says about itself in the first phase (14.1 and later; NULL fields are left out). */
typedef struct eas_device_info {
    const char *model;
    const char *friendly_name;
    const char *os;
    const char *user_agent;
} eas_device_info;

/* Phase 1: ask for the policy. info may be NULL (before 14.1, DeviceInformation is not sent). */
eas_err eas_provision_request(eas_wbxml_writer *w, const eas_device_info *info);
/* Phase 2: acknowledge the policy with the temporary key from phase 1 (status 1: applied). */
eas_err eas_provision_ack(eas_wbxml_writer *w, const char *temp_policy_key, uint32_t status);
/* Acknowledge a remote wipe (status 1: the device wiped; 2: it failed). */
eas_err eas_provision_wipe_ack(eas_wbxml_writer *w, uint32_t status);

typedef struct eas_provision_decoder {
    uint32_t status;        /* Provision/Status, 0 when absent */
    uint32_t policy_status; /* Policy/Status, 0 when absent */
    char policy_key[11];    /* decimal, up to 4294967295; "" when absent (SOGo sends none) */
    uint8_t remote_wipe;    /* RemoteWipe present */
    uint8_t account_only_wipe;
    /* decoding state */
    eas_tag field;
    uint8_t depth;
    uint8_t in_data; /* inside Policy/Data: the policy document is skipped */
    char text[16];
    eas_wbxml_textbuf tb;
} eas_provision_decoder;

extern const eas_wbxml_handler eas_provision_handler; /* user: eas_provision_decoder * */
void eas_provision_decoder_init(eas_provision_decoder *d);
eas_err eas_provision_decoder_finish(const eas_provision_decoder *d);

#endif
