# Firmware for the boards in boards/ (included by the top Makefile; see docs/EMBEDDED.md).
#   make fw BOARD=mps2-an385 [ACCOUNT=path.json]   build/BOARD/easagent.elf (and .bin, .map)
#        [FW_TEST_BOOTS=N FW_PING_ROUNDS=N FW_PING_SECONDS=N]  emulation tests: override the account's keys
#        [FW_BENCH=1]                            the bench build (boards/common/fw_bench.h), into build/BOARD-bench/
#        [FW_VARIANT=NAME FW_EXTRA_DEFS='-D...']   a variant with more defines (mbedTLS's too), into build/BOARD[-bench]-NAME/
#                                                (tests/bench/fw_tls_options.sh: the TLS options' trade-offs)
#   make fw-size BOARD=...                          flash and RAM per component, from the map file
#   make size                                       also every board in BOARDS (after the core's table)
#   make size-tables                                README's and docs/EMBEDDED.md's size tables from make size
#   make qemu-test                                  the firmware against the e2e server, under QEMU
#   make fw-riscv                                   the core alone for riscv64-unknown-elf (a second ISA)
# The core (core/**/*.c) is compiled unchanged with the board's config header; lwIP 2.1.3, mbedTLS
# 2.28 and cJSON 1.7 (boards with the OAuth sign-in) come from Debian's source packages
# (scripts/fetch-sources.sh, into build/src/, never committed).
# The toolchain is Debian's arm-none-eabi GCC with newlib-nano.

BOARD    ?= mps2-an385
BOARDS   := mps2-an385 lm3s6965evb
ACCOUNT  ?= boards/common/account.example.json
FW_BENCH ?=
FW_VARIANT ?=
FW_EXTRA_DEFS ?=
FW_DIR   := $(BUILD)/$(BOARD)$(if $(filter 1,$(FW_BENCH)),-bench)$(if $(FW_VARIANT),-$(FW_VARIANT))
ifneq ($(strip $(FW_EXTRA_DEFS)),)
ifeq ($(FW_VARIANT),)
$(error FW_EXTRA_DEFS needs FW_VARIANT: objects built with other defines need their own directory)
endif
endif
FW_ELF   := $(FW_DIR)/easagent.elf
FW_PKGS  := gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm dpkg-dev xz-utils python3
FW_TEST_BOOTS ?=
FW_PING_ROUNDS ?=
FW_PING_SECONDS ?=

ifneq ($(wildcard boards/$(BOARD)/board.mk),)
include boards/$(BOARD)/board.mk
endif

FW_CC      := arm-none-eabi-gcc
LWIP_DIR   := $(BUILD)/src/lwip
MBEDTLS_DIR:= $(BUILD)/src/mbedtls

FW_INC   := -Icore/include -Iplatform -Iport/lwip -Iport/lwip/include -Iboards/common -Iboards/$(BOARD) \
            -I$(FW_DIR)/gen -I$(LWIP_DIR)/src/include -I$(MBEDTLS_DIR)/include -I$(MBEDTLS_DIR)/3rdparty/everest/include
FW_DEFS  := -DEAS_CONFIG_FILE='"eas_board_config.h"' -DMBEDTLS_CONFIG_FILE='"mbedtls_config_target.h"' \
            $(BOARD_DEFS)
FW_DEFS  += $(if $(filter 1,$(FW_BENCH)),-DFW_BENCH=1) $(FW_EXTRA_DEFS)
FW_BASE  := -std=c11 -Os -g $(BOARD_CPU) -ffunction-sections -fdata-sections -fno-common \
            -fno-unwind-tables -fno-asynchronous-unwind-tables
# Our code: the project's warnings, as errors. lwIP and mbedTLS: their code, not ours to fix.
FW_CFLAGS     := $(FW_BASE) $(WARN) $(FW_INC) $(FW_DEFS)
FW_EXT_CFLAGS := $(FW_BASE) -w $(FW_INC) $(FW_DEFS)
# The memories' sizes; the size report links once more with room to spare (FW_MEASURE=1) when the
# image does not fit, to say by how much and where the bytes go.
ifeq ($(FW_MEASURE),1)
FW_LIMITS := -Wl,--defsym=BOARD_FLASH_LEN=0x1000000 -Wl,--defsym=BOARD_RAM_LEN=0x1000000
FW_OUT    := $(FW_DIR)/measure
else
FW_LIMITS := -Wl,--defsym=BOARD_FLASH_LEN=$(BOARD_FLASH_SIZE) -Wl,--defsym=BOARD_RAM_LEN=$(BOARD_RAM_SIZE)
FW_OUT    := $(FW_DIR)/easagent
endif
FW_LDFLAGS    := $(BOARD_CPU) -nostartfiles --specs=nano.specs -Wl,--gc-sections -Wl,--no-warn-rwx-segments \
                 -Wl,-Map=$(FW_OUT).map -Lboards/common -T$(BOARD_LDSCRIPT) \
                 -Wl,--defsym=BOARD_STACK_SIZE=$(BOARD_STACK_SIZE) $(BOARD_LDDEFS)

FW_OWN_SRCS  := $(CORE_SRCS) platform/tls_mbedtls.c $(sort $(wildcard port/lwip/*.c)) \
                $(sort $(wildcard boards/common/*.c)) $(BOARD_SRCS)
ifeq ($(FW_BENCH),1)
FW_OWN_SRCS  += boards/common/bench/fw_bench.c
endif
LWIP_SRCS    := $(addprefix $(LWIP_DIR)/src/, core/init.c core/def.c core/dns.c core/inet_chksum.c core/ip.c \
                core/mem.c core/memp.c core/netif.c core/pbuf.c core/stats.c core/sys.c core/tcp.c core/tcp_in.c \
                core/tcp_out.c core/timeouts.c core/udp.c core/ipv4/dhcp.c core/ipv4/etharp.c core/ipv4/icmp.c \
                core/ipv4/ip4.c core/ipv4/ip4_addr.c core/ipv4/ip4_frag.c netif/ethernet.c apps/sntp/sntp.c)
MBEDTLS_SRCS := $(addprefix $(MBEDTLS_DIR)/library/, aes.c asn1parse.c asn1write.c base64.c bignum.c \
                chacha20.c chachapoly.c cipher.c cipher_wrap.c constant_time.c ctr_drbg.c ecdh.c ecdsa.c ecp.c \
                ecp_curves.c gcm.c md.c memory_buffer_alloc.c oid.c pem.c pk.c pk_wrap.c pkparse.c platform.c \
                platform_util.c poly1305.c rsa.c rsa_internal.c sha256.c sha512.c ssl_ciphersuites.c ssl_cli.c \
                ssl_msg.c ssl_tls.c x509.c x509_crt.c)

# The OAuth sign-in (a board with BOARD_OAUTH := 1 and EAS_ENABLE_OAUTH 1): the identity platform's JSON
# through platform/oauth_json.c, with Debian's cJSON on the static arena (boards/common/cjson_port.c
# keeps newlib's malloc and strtod out of the image). Autodiscover v2's answer is read with the same cJSON
# (platform/autodiscover_json.c).
CJSON_DIR    := $(BUILD)/src/cjson
ifeq ($(BOARD_OAUTH),1)
FW_OWN_SRCS  += platform/json_arena.c platform/oauth_json.c platform/autodiscover_json.c
FW_CJSON_OBJ := $(FW_DIR)/obj/cjson/cJSON.o
endif

FW_OWN_OBJS  := $(patsubst %.c,$(FW_DIR)/obj/%.o,$(FW_OWN_SRCS)) $(FW_DIR)/obj/gen/account.o $(FW_CJSON_OBJ)
FW_LWIP_OBJS := $(patsubst $(LWIP_DIR)/src/%.c,$(FW_DIR)/obj/lwip/%.o,$(LWIP_SRCS))
# Everest's X25519 (HACL*, in mbedTLS's source package): compiled always, empty unless a board's
# board_mbedtls_config.h sets EAS_TLS_X25519_EVEREST 1 (docs/EMBEDDED.md "The TLS options").
EVEREST_DIR  := $(MBEDTLS_DIR)/3rdparty/everest
EVEREST_SRCS := $(addprefix $(EVEREST_DIR)/library/, everest.c x25519.c Hacl_Curve25519_joined.c)
FW_TLS_OBJS  := $(patsubst $(MBEDTLS_DIR)/library/%.c,$(FW_DIR)/obj/mbedtls/%.o,$(MBEDTLS_SRCS)) \
                $(patsubst $(EVEREST_DIR)/library/%.c,$(FW_DIR)/obj/everest/%.o,$(EVEREST_SRCS))
FW_CORE_OBJS := $(patsubst %.c,$(FW_DIR)/obj/%.o,$(CORE_SRCS))

.PHONY: fw fw-deps fw-build fw-size size-boards size-tables qemu-test fw-riscv FORCE

# The packages and sources first, then a fresh make that sees them.
fw: fw-deps
	@$(MAKE) --no-print-directory fw-build BOARD=$(BOARD) ACCOUNT=$(ACCOUNT) FW_TEST_BOOTS=$(FW_TEST_BOOTS) \
	    FW_PING_ROUNDS=$(FW_PING_ROUNDS) FW_PING_SECONDS=$(FW_PING_SECONDS) FW_BENCH=$(FW_BENCH)
fw-deps:
	@scripts/ensure-deps.sh $(FW_PKGS)
	@scripts/fetch-sources.sh lwip mbedtls cjson

ifeq ($(BOARD_LDSCRIPT),)
fw-build:
	@echo "fw: unknown board '$(BOARD)' (boards: $(BOARDS))" >&2; exit 1
else
fw-build: $(FW_OUT).elf
endif

# The account's C file is regenerated on every build, but rewritten only when its content changed.
$(FW_DIR)/gen/account.c: FORCE
	@mkdir -p $(dir $@)
	@python3 boards/common/gen_account.py $(ACCOUNT) $@ $(if $(FW_TEST_BOOTS),--test-boots $(FW_TEST_BOOTS)) \
	    $(if $(FW_PING_ROUNDS),--ping-rounds $(FW_PING_ROUNDS)) $(if $(FW_PING_SECONDS),--ping-seconds $(FW_PING_SECONDS))
FORCE:

$(FW_DIR)/obj/gen/account.o: $(FW_DIR)/gen/account.c
	@mkdir -p $(dir $@)
	$(FW_CC) $(FW_CFLAGS) -MMD -MP -c $< -o $@

# <cjson/cJSON.h>, as Debian's libcjson-dev installs it on the host.
$(FW_DIR)/gen/cjson/cJSON.h: $(CJSON_DIR)/cJSON.h
	@mkdir -p $(dir $@); cp $< $@
$(FW_DIR)/obj/platform/json_arena.o $(FW_DIR)/obj/platform/oauth_json.o $(FW_DIR)/obj/boards/common/signin.o: \
    | $(FW_DIR)/gen/cjson/cJSON.h
$(FW_DIR)/obj/cjson/cJSON.o: $(CJSON_DIR)/cJSON.c
	@mkdir -p $(dir $@)
	@$(FW_CC) $(FW_EXT_CFLAGS) -Dmalloc=fw_cjson_malloc -Dfree=fw_cjson_free -Drealloc=fw_cjson_realloc \
	    -Dstrtod=fw_cjson_strtod -MMD -MP -c $< -o $@

$(FW_DIR)/obj/lwip/%.o: $(LWIP_DIR)/src/%.c
	@mkdir -p $(dir $@)
	@$(FW_CC) $(FW_EXT_CFLAGS) -MMD -MP -c $< -o $@
$(FW_DIR)/obj/mbedtls/%.o: $(MBEDTLS_DIR)/library/%.c
	@mkdir -p $(dir $@)
	@$(FW_CC) $(FW_EXT_CFLAGS) -MMD -MP -c $< -o $@
$(FW_DIR)/obj/everest/%.o: $(EVEREST_DIR)/library/%.c
	@mkdir -p $(dir $@)
	@$(FW_CC) $(FW_EXT_CFLAGS) -I$(EVEREST_DIR)/include/everest -I$(EVEREST_DIR)/include/everest/kremlib \
	    -I$(MBEDTLS_DIR)/library -MMD -MP -c $< -o $@
$(FW_DIR)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FW_CC) $(FW_CFLAGS) -MMD -MP -c $< -o $@

$(FW_DIR)/liblwip.a: $(FW_LWIP_OBJS)
	@rm -f $@; arm-none-eabi-ar rcs $@ $^
$(FW_DIR)/libmbedtls.a: $(FW_TLS_OBJS)
	@rm -f $@; arm-none-eabi-ar rcs $@ $^

$(FW_OUT).elf: $(FW_OWN_OBJS) $(FW_DIR)/liblwip.a $(FW_DIR)/libmbedtls.a $(BOARD_LDSCRIPT) boards/common/cortex-m.ld
	$(FW_CC) $(FW_LDFLAGS) $(FW_LIMITS) -o $@ $(FW_OWN_OBJS) $(FW_DIR)/liblwip.a $(FW_DIR)/libmbedtls.a -lc_nano -lgcc
	@arm-none-eabi-objcopy -O binary $@ $(FW_OUT).bin
	@arm-none-eabi-size $@

# ---- sizes: per component, from the map; fails when an allocator is in the image ----
# A board that does not fit still gets its table (from a link with room to spare) and the overflow.
fw-size: fw-deps
	@out=easagent; \
	if ! $(MAKE) --no-print-directory fw-build BOARD=$(BOARD) ACCOUNT=$(ACCOUNT) > $(FW_DIR).size.log 2>&1; then \
	    grep -E "overflowed|will not fit" $(FW_DIR).size.log | sed 's/^.*ld: //' || { cat $(FW_DIR).size.log; exit 1; }; \
	    $(MAKE) --no-print-directory fw-build BOARD=$(BOARD) ACCOUNT=$(ACCOUNT) FW_MEASURE=1 > $(FW_DIR).size.log 2>&1 \
	        || { cat $(FW_DIR).size.log; exit 1; }; \
	    out=measure; \
	fi; \
	python3 boards/fw_size.py $(FW_DIR)/$$out.map $(FW_DIR)/$$out.elf --board $(BOARD) \
	    --flash $(BOARD_FLASH_SIZE) --ram $(BOARD_RAM_SIZE)

size-boards: fw-deps
	@rc=0; for b in $(BOARDS); do \
	    $(MAKE) --no-print-directory fw-size BOARD=$$b ACCOUNT=$(ACCOUNT) || rc=1; done; exit $$rc
size: size-boards
# The size table of README.md and docs/EMBEDDED.md, rewritten from the reports of the default account's
# build (boards/size_table.py); stage 70 fails when it is not what that build reports.
SIZE_ACCOUNT := boards/common/account.example.json
size-tables: fw-deps
	@for b in $(BOARDS); do $(MAKE) --no-print-directory fw-size BOARD=$$b ACCOUNT=$(SIZE_ACCOUNT) > $(BUILD)/size-$$b.txt \
	    || { cat $(BUILD)/size-$$b.txt; exit 1; }; done
	@python3 boards/size_table.py --write $(foreach b,$(BOARDS),$(BUILD)/size-$(b).txt) --doc README.md --doc docs/EMBEDDED.md

# ---- QEMU: the firmware against the e2e harness's SOGo ----
qemu-test:
	@bash tests/qemu/run.sh

# ---- a second instruction set: the core alone, for RV32 (riscv64-unknown-elf GCC, picolibc) ----
RV_DIR    := $(BUILD)/riscv32
RV_CFLAGS := -std=c11 -Os -march=rv32imac -mabi=ilp32 --specs=picolibc.specs -ffunction-sections \
             -fdata-sections $(WARN) -Icore/include -Iplatform -Iboards/mps2-an385 \
             -DEAS_CONFIG_FILE='"eas_board_config.h"'
RV_OBJS   := $(patsubst %.c,$(RV_DIR)/obj/%.o,$(CORE_SRCS))
$(RV_DIR)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	riscv64-unknown-elf-gcc $(RV_CFLAGS) -MMD -MP -c $< -o $@
$(RV_DIR)/libeascore.a: $(RV_OBJS)
	@rm -f $@; riscv64-unknown-elf-ar rcs $@ $^
fw-riscv:
	@scripts/ensure-deps.sh gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf
	@$(MAKE) --no-print-directory $(RV_DIR)/libeascore.a
	@riscv64-unknown-elf-size -t $(RV_DIR)/libeascore.a | tail -1 | \
	    awk '{printf "riscv32: core objects (before --gc-sections) text %d data %d bss %d\n", $$1, $$2, $$3}'

-include $(shell find $(FW_DIR) $(RV_DIR) -name '*.d' -type f 2>/dev/null)
