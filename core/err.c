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
