/* The core's side of the calendar oracle: reads one request per line on stdin, answers one line on
 * stdout (tests/oracle/recur_oracle.py writes the requests and checks the answers).
 *
 *   R id ZONE start end all_day dates_utc recurring type interval dow dom wom moy fdow caltype
 *     occurrences has_until until flags from to nex [orig deleted has_start start has_end end]...
 *       -> "id OK start/end/exception ..." (exception = index or -1) or "id ERR NAME"
 *   U id ZONE utc          -> "id OK local"
 *   L id ZONE local pick   -> "id OK utc how" or "id ERR NAME"
 * ZONE is "posix TZSTRING" or "blob BASE64". Numbers are decimal; times are seconds since 1970. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eas/err.h"
#include "eas/recur.h"
#include "eas/tz.h"

static char line[1 << 16];

typedef struct {
    char *p;
} toks;

static char *tok(toks *t)
{
    while (*t->p == ' ' || *t->p == '\t') t->p++;
    if (!*t->p || *t->p == '\n') return NULL;
    char *s = t->p;
    while (*t->p && *t->p != ' ' && *t->p != '\t' && *t->p != '\n') t->p++;
    if (*t->p) *t->p++ = '\0';
    return s;
}

static int num(toks *t, long long *v)
{
    char *s = tok(t), *end;
    if (!s) return 0;
    *v = strtoll(s, &end, 10);
    return *end == '\0';
}

static eas_err zone(toks *t, eas_tz_rule *r)
{
    char *kind = tok(t), *spec = tok(t);
    if (!kind || !spec) return EAS_ERR_ARG;
    if (strcmp(kind, "posix") == 0) return eas_tz_parse_posix(spec, strlen(spec), r);
    if (strcmp(kind, "blob") == 0) {
        eas_tz_blob b;
        eas_err e = eas_tz_blob_decode_base64(spec, strlen(spec), &b);
        return e != EAS_OK ? e : eas_tz_blob_to_rule(&b, r);
    }
    return EAS_ERR_ARG;
}

static eas_cal_exception ex[EAS_RECUR_MAX_EXCEPTIONS];

static void recur(const char *id, toks *t)
{
    eas_cal_event ev;
    memset(&ev, 0, sizeof ev);
    eas_err e = zone(t, &ev.zone);
    if (e != EAS_OK) {
        printf("%s ERR %s\n", id, eas_err_name(e));
        return;
    }
    long long v[20];
    for (int i = 0; i < 20; i++)
        if (!num(t, &v[i])) {
            printf("%s ERR bad-request\n", id);
            return;
        }
    ev.start = v[0];
    ev.end = v[1];
    ev.all_day = (uint8_t)v[2];
    ev.dates_utc = (uint8_t)v[3];
    ev.recurring = (uint8_t)v[4];
    ev.recur.type = (uint8_t)v[5];
    ev.recur.interval = (uint16_t)v[6];
    ev.recur.day_of_week = (uint8_t)v[7];
    ev.recur.day_of_month = (uint8_t)v[8];
    ev.recur.week_of_month = (uint8_t)v[9];
    ev.recur.month_of_year = (uint8_t)v[10];
    ev.recur.first_day_of_week = (uint8_t)v[11];
    ev.recur.calendar_type = (uint8_t)v[12];
    ev.recur.occurrences = (uint32_t)v[13];
    ev.recur.has_until = (uint8_t)v[14];
    ev.recur.until = v[15];
    ev.recur.flags = (uint8_t)v[16];
    long long from = v[17], to = v[18], nex = v[19];
    if (nex < 0 || nex > (long long)EAS_RECUR_MAX_EXCEPTIONS) {
        printf("%s ERR bad-request\n", id);
        return;
    }
    for (long long i = 0; i < nex; i++) {
        long long x[6];
        for (int k = 0; k < 6; k++)
            if (!num(t, &x[k])) {
                printf("%s ERR bad-request\n", id);
                return;
            }
        ex[i].original_start = x[0];
        ex[i].deleted = (uint8_t)x[1];
        ex[i].has_start = (uint8_t)x[2];
        ex[i].start = x[3];
        ex[i].has_end = (uint8_t)x[4];
        ex[i].end = x[5];
    }
    eas_recur_iter it;
    e = eas_recur_iter_init(&it, &ev, ex, (size_t)nex, from, to);
    if (e != EAS_OK) {
        printf("%s ERR %s\n", id, eas_err_name(e));
        return;
    }
    printf("%s OK", id);
    eas_occurrence o;
    for (int n = 0; n < 100000 && eas_recur_iter_next(&it, &o) == EAS_OK; n++)
        printf(" %lld/%lld/%d", (long long)o.start, (long long)o.end, o.exception);
    printf("\n");
}

int main(void)
{
    while (fgets(line, sizeof line, stdin)) {
        toks t = {line};
        char *cmd = tok(&t), *id = tok(&t);
        if (!cmd || !id) continue;
        if (strcmp(cmd, "R") == 0) {
            recur(id, &t);
        } else if (strcmp(cmd, "U") == 0 || strcmp(cmd, "L") == 0) {
            eas_tz_rule r;
            eas_err e = zone(&t, &r);
            long long a, pick = 0;
            if (e == EAS_OK && (!num(&t, &a) || (cmd[0] == 'L' && !num(&t, &pick)))) e = EAS_ERR_ARG;
            if (e == EAS_OK && cmd[0] == 'U') {
                int64_t local;
                e = eas_tz_utc_to_local(&r, a, &local);
                if (e == EAS_OK) printf("%s OK %lld\n", id, (long long)local);
            } else if (e == EAS_OK) {
                int64_t utc;
                unsigned how;
                e = eas_tz_local_to_utc(&r, a, (eas_tz_pick)pick, &utc, &how);
                if (e == EAS_OK) printf("%s OK %lld %u\n", id, (long long)utc, how);
            }
            if (e != EAS_OK) printf("%s ERR %s\n", id, eas_err_name(e));
        } else {
            printf("%s ERR unknown-command\n", id);
        }
        fflush(stdout);
    }
    return 0;
}
