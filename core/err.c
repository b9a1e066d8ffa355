#include "eas/err.h"

const char *eas_err_str(eas_err err)
{
    switch (err) {
#define EAS_ERR_STR_(name, value, text) case name: return text;
        EAS_ERR_LIST(EAS_ERR_STR_)
#undef EAS_ERR_STR_
    }
    return "unknown error";
}

const char *eas_err_name(eas_err err)
{
    switch (err) {
#define EAS_ERR_NAME_(name, value, text) case name: return #name;
        EAS_ERR_LIST(EAS_ERR_NAME_)
#undef EAS_ERR_NAME_
    }
    return "EAS_ERR_UNKNOWN";
}

eas_err_kind eas_err_kind_of(eas_err err)
{
    switch (err) {
    case EAS_OK: return EAS_KIND_OK;
    case EAS_ERR_CONFIG:
    case EAS_ERR_FLASH_BUSY:
    case EAS_ERR_PLAIN_HTTP_REFUSED:
    case EAS_ERR_HTTP_URL:
    case EAS_ERR_DISCOVER_ADDRESS:
    case EAS_ERR_TLS_IP_NAME:
    case EAS_ERR_ITEM_PARTIAL:
    case EAS_ERR_TLS_CONFIG: return EAS_KIND_CONFIG;
    case EAS_ERR_NET_CONNECT:
    case EAS_ERR_NET_CLOSED:
    case EAS_ERR_NET_RESOLVE:
    case EAS_ERR_NET_TIMEOUT:
    case EAS_ERR_NET_IO:
    case EAS_ERR_TLS_HANDSHAKE:
    case EAS_ERR_TLS_VERIFY:
    case EAS_ERR_TLS_IO:
    case EAS_ERR_HTTP_TRUNCATED: return EAS_KIND_NETWORK;
    case EAS_ERR_AUTH:
    case EAS_ERR_FORBIDDEN:
    case EAS_ERR_ACCOUNT:
    case EAS_ERR_ACCOUNT_BLOCKED:
    case EAS_ERR_PASSWORD_EXPIRED:
    case EAS_ERR_QUARANTINED:
    case EAS_ERR_REMOTE_WIPE:
    case EAS_ERR_NOT_SIGNED_IN:
    case EAS_ERR_SIGNIN_EXPIRED:
    case EAS_ERR_SIGNIN_DENIED:
    case EAS_ERR_SIGNIN_CLIENT:
    case EAS_ERR_SIGNIN_SCOPE:
    case EAS_ERR_SIGNIN_CONSENT:
    case EAS_ERR_SIGNIN_BLOCKED:
    case EAS_ERR_SIGNIN_REVOKED:
    case EAS_ERR_SIGNIN_REFUSED: return EAS_KIND_ACCOUNT;
    default: return EAS_KIND_PROTOCOL;
    }
}
