/* A QEMU TCG plugin for the firmware bench (tests/bench/fw_bench.sh): counts the guest instructions
 * executed between the bench build's markers (boards/common/bench/fw_bench.c) and prints the counts
 * each time the firmware reaches its report marker.
 *
 *   qemu-system-arm ... -plugin build/bench/qemu_insn.so,step_on=0x...,step_off=0x...,step_drop=0x...,\
 *       tls_on=0x...,tls_off=0x...,tls_drop=0x...,report=0x...,skip=0xLO-0xHI,skip=... -d plugin -D FILE
 *
 * Every translated block adds its instruction count to a total at its start (QEMU's inline add), except
 * blocks that start in a skip range (the interrupt handlers: how many SysTicks and frame interrupts land
 * inside a window depends on the host's timing, not on the work). At an "on" marker the total is noted;
 * at "off" what ran since is added to that window's sum, at "drop" it is not. At "report" one line
 * "ICOUNT step=N tls=N all=N" goes to QEMU's log (-d plugin, -D FILE). Guest interrupts are taken
 * between blocks, so a block's count is the instructions it ran.
 *
 * Debian's qemu-system-arm (7.2) is built with plugin support but ships no qemu-plugin.h, so the few
 * calls of its plugin API (QEMU_PLUGIN_VERSION 1) used here are declared below as QEMU 7.2 defines them;
 * the plugin refuses to load into another API version. */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the QEMU 7.2 plugin API, the part used ---- */
typedef uint64_t qemu_plugin_id_t;
typedef struct qemu_info_t {
    const char *target_name;
    struct {
        int min;
        int cur;
    } version;
    bool system_emulation;
    union {
        struct {
            int smp_vcpus;
            int max_vcpus;
        } system;
    };
} qemu_info_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_CB_R_REGS, QEMU_PLUGIN_CB_RW_REGS };
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index, void *userdata);
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb, enum qemu_plugin_op op, void *ptr,
                                              uint64_t imm);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn, qemu_plugin_vcpu_udata_cb_t cb,
                                            enum qemu_plugin_cb_flags flags, void *userdata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb, void *userdata);
void qemu_plugin_outs(const char *string);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;
__attribute__((visibility("default"))) int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
                                                               int argc, char **argv);

/* ---- the counting ---- */
enum { M_STEP_ON, M_STEP_OFF, M_STEP_DROP, M_TLS_ON, M_TLS_OFF, M_TLS_DROP, M_REPORT, M_COUNT };
static const char *const marker_names[M_COUNT] = {"step_on", "step_off", "step_drop", "tls_on",
                                                  "tls_off", "tls_drop", "report"};
static uint64_t marker_pc[M_COUNT];
#define MAX_SKIP 8
static uint64_t skip_lo[MAX_SKIP], skip_hi[MAX_SKIP];
static int n_skip;

static uint64_t total;              /* every counted block's instructions */
static uint64_t step_from, tls_from; /* total when the window opened */
static uint64_t step_sum, tls_sum;

static void on_marker(unsigned int vcpu, void *udata)
{
    (void)vcpu;
    switch ((int)(intptr_t)udata) {
    case M_STEP_ON: step_from = total; break;
    case M_STEP_OFF: step_sum += total - step_from; break;
    case M_TLS_ON: tls_from = total; break;
    case M_TLS_OFF: tls_sum += total - tls_from; break;
    case M_REPORT: {
        char line[128];
        snprintf(line, sizeof line, "ICOUNT step=%" PRIu64 " tls=%" PRIu64 " all=%" PRIu64 "\n", step_sum, tls_sum,
                 total);
        qemu_plugin_outs(line);
        break;
    }
    default: break; /* the drops: the window's instructions are left out */
    }
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    (void)id;
    uint64_t start = qemu_plugin_tb_vaddr(tb);
    int skipped = 0;
    for (int i = 0; i < n_skip; i++)
        if (start >= skip_lo[i] && start < skip_hi[i]) skipped = 1;
    if (!skipped) qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &total, qemu_plugin_tb_n_insns(tb));
    size_t n = qemu_plugin_tb_n_insns(tb);
    for (size_t i = 0; i < n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        uint64_t pc = qemu_plugin_insn_vaddr(insn);
        for (int m = 0; m < M_COUNT; m++)
            if (marker_pc[m] && pc == marker_pc[m])
                qemu_plugin_register_vcpu_insn_exec_cb(insn, on_marker, QEMU_PLUGIN_CB_NO_REGS, (void *)(intptr_t)m);
    }
}

static void at_exit(qemu_plugin_id_t id, void *udata)
{
    (void)id;
    (void)udata;
    on_marker(0, (void *)(intptr_t)M_REPORT);
}

int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv)
{
    if (info->version.cur != 1) {
        fprintf(stderr, "qemu_insn: written for the QEMU 7.2 plugin API (version 1), this QEMU has %d\n",
                info->version.cur);
        return -1;
    }
    int i;
    for (i = 0; i < argc; i++) {
        const char *eq = strchr(argv[i], '=');
        if (!eq) goto bad;
        size_t klen = (size_t)(eq - argv[i]);
        const char *v = eq + 1;
        if (klen == 4 && strncmp(argv[i], "skip", 4) == 0) {
            char *end;
            if (n_skip == MAX_SKIP) goto bad;
            skip_lo[n_skip] = strtoull(v, &end, 0);
            if (*end != '-') goto bad;
            skip_hi[n_skip++] = strtoull(end + 1, &end, 0);
            if (*end) goto bad;
            continue;
        }
        int m;
        for (m = 0; m < M_COUNT; m++)
            if (strlen(marker_names[m]) == klen && strncmp(argv[i], marker_names[m], klen) == 0) break;
        if (m == M_COUNT) goto bad;
        char *end;
        marker_pc[m] = strtoull(v, &end, 0) & ~(uint64_t)1; /* a Thumb symbol's bit 0 is not in the pc */
        if (*end) goto bad;
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
    qemu_plugin_register_atexit_cb(id, at_exit, NULL);
    return 0;
bad:
    fprintf(stderr, "qemu_insn: bad argument '%s'\n", argv[i]);
    return -1;
}
