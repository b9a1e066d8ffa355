#define _DEFAULT_SOURCE /* h_errno, res_query and the T_SRV/C_IN names */
/* DNS SRV lookups through the system resolver (the Autodiscover record). The answer is read by the
 * core's bounded reader (eas_dns_srv_best), not by libresolv's ns_* parser, so every port reads it alike. */
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <string.h>

#include "eas/discover.h"
#include "eas_posix.h"

eas_err eas_posix_srv_lookup(const char *name, char *host, size_t cap, uint16_t *port)
{
    unsigned char answer[4096];
    int n;
    if (!name || !host || !port || cap == 0) return EAS_ERR_ARG;
    host[0] = '\0';
    n = res_query(name, C_IN, T_SRV, answer, (int)sizeof answer);
    if (n < 0) return (h_errno == HOST_NOT_FOUND || h_errno == NO_DATA) ? EAS_ERR_NOT_FOUND : EAS_ERR_NET_RESOLVE;
    return eas_dns_srv_best(answer, (size_t)(n < (int)sizeof answer ? n : (int)sizeof answer), host, cap, port);
}
