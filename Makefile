# easagent: top-level build.
#   make          host library and tools into build/host/
#   make demo     local demo server, a first sync and today's agenda (make demo-stop stops the server)
#   make test     everything CI checks (installs what it needs from Debian)
#   make bench    benchmarks against peers measured in the same run
#   make size     per-object text/data/bss of the core
#   make fuzz     longer fuzzing runs (FUZZ_SECONDS per target)
# Source lists are globs: a new file in core/, platform/, port/posix/ or tests/unit/ needs no edit here.

BUILD      ?= build
HOST       := $(BUILD)/host
ASAN       := $(BUILD)/host-asan
CC         ?= cc
ifeq ($(origin CC),default)
CC         := gcc
endif
CLANG      ?= clang

# Debian packages the host build and the host tests need.
HOST_PKGS  := build-essential pkg-config libmbedtls-dev libcjson-dev
TEST_PKGS  := $(HOST_PKGS) clang libclang-rt-14-dev libwbxml2-utils valgrind python3 binutils time openssl

WARN       := -Wall -Wextra -Werror -Wshadow -Wvla -Wstrict-prototypes -Wmissing-prototypes
CSTD       := -std=c11 -D_POSIX_C_SOURCE=200809L
INCLUDES   := -Icore/include -Iplatform -Iport/posix
CFLAGS_REL := $(CSTD) $(WARN) -O2 -g $(INCLUDES) $(EXTRA_CFLAGS)
CFLAGS_SAN := $(CSTD) $(WARN) -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
              -fno-sanitize-recover=all $(INCLUDES) -Itests/support -DEAS_TEST_BUILD $(EXTRA_CFLAGS)
LDFLAGS_SAN:= -fsanitize=address,undefined

CORE_SRCS     := $(sort $(shell find core -name '*.c'))
PLATFORM_SRCS := $(sort $(wildcard platform/*.c))
POSIX_SRCS    := $(sort $(wildcard port/posix/*.c))
TOOL_SRCS     := $(sort $(wildcard port/posix/tools/*.c))
UNIT_SRCS     := $(sort $(wildcard tests/unit/*.c) $(wildcard tests/support/*.c))
HOST_LIBS     := -lmbedtls -lmbedx509 -lmbedcrypto -lcjson
# The tools take mbedTLS's static archives (libmbedtls-dev ships them): only the objects they use are
# linked and paged in, a quarter MiB less RSS than the three shared libraries (README, Benchmark).
TOOL_LIBS     := -Wl,-Bstatic -lmbedtls -lmbedx509 -lmbedcrypto -Wl,-Bdynamic -lcjson

TOOLS := $(patsubst port/posix/tools/%.c,$(HOST)/%,$(subst _,-,$(TOOL_SRCS)))

.PHONY: all deps test-deps test unit bench size fuzz clean check-no-malloc tools demo demo-stop
all: deps $(HOST)/libeascore.a tools

deps:
	@scripts/ensure-deps.sh $(HOST_PKGS)
test-deps:
	@scripts/ensure-deps.sh $(TEST_PKGS)

# ---- release objects (build/host) ----
$(HOST)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_REL) -MMD -MP -c $< -o $@

# ---- sanitized objects (build/host-asan) ----
$(ASAN)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_SAN) -MMD -MP -c $< -o $@

CORE_OBJS     := $(patsubst %.c,$(HOST)/obj/%.o,$(CORE_SRCS))
PLATFORM_OBJS := $(patsubst %.c,$(HOST)/obj/%.o,$(PLATFORM_SRCS))
POSIX_OBJS    := $(patsubst %.c,$(HOST)/obj/%.o,$(POSIX_SRCS))

$(HOST)/libeascore.a: $(CORE_OBJS)
	@rm -f $@
	ar rcs $@ $^
$(HOST)/libeasplatform.a: $(PLATFORM_OBJS) $(POSIX_OBJS)
	@rm -f $@
	ar rcs $@ $^ $(if $^,,)

tools: $(TOOLS)
# A tool is port/posix/tools/NAME.c (underscores become dashes in the binary's name).
$(HOST)/%: $(HOST)/obj/port/posix/tools/%.o $(HOST)/libeascore.a $(PLATFORM_OBJS) $(POSIX_OBJS)
	$(CC) -o $@ $< $(PLATFORM_OBJS) $(POSIX_OBJS) $(HOST)/libeascore.a $(TOOL_LIBS)
.SECONDEXPANSION:
$(HOST)/obj/port/posix/tools/%.o: port/posix/tools/$$(subst -,_,$$*).c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_REL) -MMD -MP -c $< -o $@

# ---- unit tests: everything built with ASan + UBSan ----
ASAN_CORE  := $(patsubst %.c,$(ASAN)/obj/%.o,$(CORE_SRCS))
ASAN_PLAT  := $(patsubst %.c,$(ASAN)/obj/%.o,$(PLATFORM_SRCS) $(POSIX_SRCS))
ASAN_UNIT  := $(patsubst %.c,$(ASAN)/obj/%.o,$(UNIT_SRCS))
$(ASAN)/unit-tests: $(ASAN_UNIT) $(ASAN_CORE) $(ASAN_PLAT)
	$(CC) $(LDFLAGS_SAN) -o $@ $^ $(HOST_LIBS)

unit: test-deps $(ASAN)/unit-tests
	EAS_TEST_DIR=tests $(ASAN)/unit-tests

# ---- zero malloc: no object of the core may reference an allocator ----
ALLOCATORS := malloc calloc realloc free strdup strndup reallocarray aligned_alloc posix_memalign \
              memalign valloc pvalloc __libc_malloc _malloc_r _free_r _calloc_r _realloc_r alloca \
              __builtin_alloca sbrk brk mmap
check-no-malloc: $(CORE_OBJS)
	@scripts/check-no-malloc.sh $(CORE_OBJS) -- $(ALLOCATORS)

# ---- everything CI checks ----
test: test-deps all $(ASAN)/unit-tests
	@tests/run-all.sh

demo: all
	@scripts/demo.sh
demo-stop:
	@scripts/demo.sh stop

bench: test-deps all
	@tests/bench/run.sh

size: $(CORE_OBJS)
	@scripts/size-report.sh $(CORE_OBJS)

fuzz: test-deps
	@FUZZ_SECONDS=$${FUZZ_SECONDS:-300} tests/fuzz/run.sh

clean:
	rm -rf $(BUILD)

-include $(shell find $(HOST) $(ASAN) -name '*.d' -type f 2>/dev/null)
-include boards/boards.mk
