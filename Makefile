# agent-telemetry
#
# Knobs (make VAR=value):
#   V=1            show the commands
#   SANITIZE=...   build with -fsanitize=... (e.g. address,undefined)
#   BUILD=dir      output directory (default build)
#   PREFIX=/usr/local, DESTDIR=   for install / uninstall
#   CC=gcc         compiler
#
# Verbs: all test check bench fuzz demo install uninstall clean deps test-deps
#   FUZZ_SECONDS=60  time per fuzz harness
#   BENCH_FLAGS=     e.g. "--quick --rounds 3" for a short `make bench`,
#                    "--against DIR" to measure another build in the same rounds

CC       ?= gcc
BUILD    ?= build
PREFIX   ?= /usr/local
DESTDIR  ?=
SANITIZE ?=

CFLAGS_BASE := -std=c11 -Wall -Wextra -Werror -Wshadow -Wformat=2 \
               -D_GNU_SOURCE -O2 -g -fPIC -fvisibility=hidden
ifneq ($(SANITIZE),)
CFLAGS_BASE += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -O1
LDFLAGS_SAN := -fsanitize=$(SANITIZE)
endif
CFLAGS  ?=
LDFLAGS ?=
ALL_CFLAGS := $(CFLAGS_BASE) $(CFLAGS)
LIBS := -ltre -lcjson -lsodium -lpthread

# Quiet by default: one short line per step (QUIET_CC "  CC      file").
ifeq ($(V),1)
Q :=
QUIET_CC :=
QUIET_LD :=
QUIET_AR :=
QUIET_TEST :=
QUIET_REPLAY :=
else
Q := @
QUIET_CC = @echo "  CC      $<";
QUIET_LD = @echo "  LD      $@";
QUIET_AR = @echo "  AR      $@";
QUIET_TEST = @echo "  TEST-CC $<";
QUIET_REPLAY = @echo "  REPLAY  $*";
endif

# The version, from its one home (telemetry.h).
VERSION := $(shell sed -n 's/^\#define TM_VERSION "\(.*\)"/\1/p' core/include/telemetry.h)

# Every object also writes its header dependencies (-MMD -MP): touching a
# header rebuilds only the objects that include it.
DEPFLAGS = -MMD -MP -MF $@.d

# The rooms (each folder's README says what lives there and what it may
# call).  Each room sees its own headers and those of the rooms below it:
#   core/record    what the shim links: raw system calls, fixed buffers
#   core/analysis  reading the logs back: parsing, summary, grouping
#   core/api       the public API of telemetry.h
#   core/cli       the telemetry command; core/cli/clickhouse its fleet part
INC_RECORD   := -Icore/include -Icore/record
INC_ANALYSIS := $(INC_RECORD) -Icore/analysis
INC_API      := $(INC_ANALYSIS) -Icore/api
INC_CLI      := $(INC_API) -Icore/cli -Icore/cli/clickhouse
INC_SHIM     := $(INC_RECORD) -Ishim

RECORD_SRC   := $(wildcard core/record/*.c)
ANALYSIS_SRC := $(wildcard core/analysis/*.c)
API_SRC      := $(wildcard core/api/*.c)
CORE_SRC := $(RECORD_SRC) $(ANALYSIS_SRC) $(API_SRC)
CORE_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(CORE_SRC))
CLI_SRC  := $(wildcard core/cli/*.c core/cli/clickhouse/*.c)
CLI_OBJ  := $(patsubst %.c,$(BUILD)/obj/%.o,$(CLI_SRC))
CLI_MAIN := $(BUILD)/obj/core/cli/main.o
SHIM_SRC := $(wildcard shim/*.c)
SHIM_OBJ := $(patsubst shim/%.c,$(BUILD)/obj/shim/%.o,$(SHIM_SRC))
# The shim links the record room and nothing else of the core (no cJSON,
# no summary, no allocation on the failure path).  TRE is linked
# statically and hidden by the version script; libgcc_s and libsodium are
# dlopen'ed when first needed.
# (but core/record/euid.c: the shim has its own, shim/euid.c)
SHIM_CORE := $(patsubst %.c,$(BUILD)/obj/%.o,$(filter-out core/record/euid.c,$(RECORD_SRC)))
TRE_STATIC ?= $(shell for d in /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/lib; do \
                [ -f $$d/libtre.a ] && echo $$d/libtre.a && break; done)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))

.PHONY: all test check demo install uninstall clean deps test-deps unit cli-test integration fleet-test docs-test \
        bench fuzz fuzz-replay

all: $(BUILD)/libtelemetry.a $(BUILD)/libtelemetry.so $(BUILD)/telemetry \
     $(BUILD)/libtelemetry_shim.so $(BUILD)/telemetry.1

# The manual page, written by the program from its command table and help
# texts (README "Manual page and completion").
$(BUILD)/telemetry.1: $(BUILD)/telemetry
	$(Q)$(BUILD)/telemetry --man > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/core/record/%.o: core/record/%.c
	@mkdir -p $(dir $@)
	$(QUIET_CC)$(CC) $(ALL_CFLAGS) $(INC_RECORD) $(DEPFLAGS) -c -o $@ $<

$(BUILD)/obj/core/analysis/%.o: core/analysis/%.c
	@mkdir -p $(dir $@)
	$(QUIET_CC)$(CC) $(ALL_CFLAGS) $(INC_ANALYSIS) $(DEPFLAGS) -c -o $@ $<

$(BUILD)/obj/core/api/%.o: core/api/%.c
	@mkdir -p $(dir $@)
	$(QUIET_CC)$(CC) $(ALL_CFLAGS) $(INC_API) $(DEPFLAGS) -c -o $@ $<

$(BUILD)/obj/core/cli/%.o: core/cli/%.c
	@mkdir -p $(dir $@)
	$(QUIET_CC)$(CC) $(ALL_CFLAGS) $(INC_CLI) $(DEPFLAGS) -c -o $@ $<

# The code every process's start runs keeps its string loops as loops
# (core/record/start.h): a call the compiler would make of one binds a
# libc function in every process.  Only where the compiler has the flag.
START_SRC := core/record/config.c core/record/argv.c shim/init.c shim/proc.c shim/next.c
START_FLAG := $(shell $(CC) -Werror -fno-tree-loop-distribute-patterns -E -x c /dev/null \
                >/dev/null 2>&1 && echo -fno-tree-loop-distribute-patterns)
$(patsubst %.c,$(BUILD)/obj/%.o,$(START_SRC)): ALL_CFLAGS += $(START_FLAG)

# The shim is compiled without _FORTIFY_SOURCE and _FILE_OFFSET_BITS: both
# would rename the functions it defines.
$(BUILD)/obj/shim/%.o: shim/%.c
	@mkdir -p $(dir $@)
	$(QUIET_CC)$(CC) $(ALL_CFLAGS) $(INC_SHIM) $(DEPFLAGS) -U_FORTIFY_SOURCE -U_FILE_OFFSET_BITS -c -o $@ $<

# The version script, made from the table of interposed calls.
$(BUILD)/shim.map: shim/exports.map.in shim/calls.h
	@mkdir -p $(dir $@)
	$(Q)$(CC) -E -P -x c -Ishim shim/exports.map.in -o $@

# Without the C runtime's start files (crti.o, crtbeginS.o, crtn.o): they
# serve C++ destructors, transactional memory and profiling, none of them
# here, and cost four symbol lookups in every process (three of them of
# symbols defined nowhere; README "Performance").  crtendS.o stays: it ends
# .eh_frame.  Where the compiler does not know it, the start files stay.
SHIM_CRTEND := $(shell f=$$($(CC) -print-file-name=crtendS.o); [ -f "$$f" ] && echo "$$f")
$(BUILD)/libtelemetry_shim.so: $(SHIM_OBJ) $(SHIM_CORE) $(BUILD)/shim.map
	$(QUIET_LD)$(CC) -shared $(if $(SHIM_CRTEND),-nostartfiles) -o $@ $(SHIM_OBJ) $(SHIM_CORE) $(TRE_STATIC) \
	    -Wl,--version-script=$(BUILD)/shim.map -Wl,--exclude-libs,ALL -Wl,-fini=tm__shim_fini \
	    -Wl,-z,defs -Wl,--as-needed $(LDFLAGS_SAN) $(LDFLAGS) $(SHIM_CRTEND)

$(BUILD)/libtelemetry.a: $(CORE_OBJ)
	$(QUIET_AR)rm -f $@ && ar rcs $@ $^

$(BUILD)/libtelemetry.so: $(CORE_OBJ)
	$(QUIET_LD)$(CC) -shared -Wl,-soname,libtelemetry.so.0 $(LDFLAGS_SAN) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/telemetry: $(CLI_OBJ) $(BUILD)/libtelemetry.a
	$(QUIET_LD)$(CC) $(LDFLAGS_SAN) $(LDFLAGS) -o $@ $(CLI_OBJ) $(BUILD)/libtelemetry.a $(LIBS) -lcurl

# The command's pieces without main(), for unit tests of ship state, rows
# and the ClickHouse helpers.
$(BUILD)/libtelemetry_cli.a: $(filter-out $(CLI_MAIN),$(CLI_OBJ))
	$(QUIET_AR)rm -f $@ && ar rcs $@ $^

$(BUILD)/tests/test_%: tests/unit/test_%.c $(BUILD)/libtelemetry.a $(BUILD)/libtelemetry_cli.a
	@mkdir -p $(dir $@)
	$(QUIET_TEST)$(CC) $(ALL_CFLAGS) $(INC_CLI) $(DEPFLAGS) -Wno-unused-parameter $(LDFLAGS_SAN) -o $@ $< \
	    $(BUILD)/libtelemetry_cli.a $(BUILD)/libtelemetry.a $(LIBS) -lcurl -lcmocka

# Unit tests of the shim's own parts (test_shim_*.c) link its objects,
# without the interposing wrappers (shim.c), the constructor (init.c) and
# the libsodium forwarders (sodium.c): the test links libsodium itself.
SHIM_UNIT_OBJ := $(filter-out $(patsubst %,$(BUILD)/obj/shim/%.o,shim init sodium),$(SHIM_OBJ))
$(BUILD)/tests/test_shim_%: tests/unit/test_shim_%.c $(SHIM_UNIT_OBJ) $(BUILD)/libtelemetry.a
	@mkdir -p $(dir $@)
	$(QUIET_TEST)$(CC) $(ALL_CFLAGS) $(INC_CLI) -Ishim $(DEPFLAGS) -Wno-unused-parameter $(LDFLAGS_SAN) -o $@ $< \
	    $(SHIM_UNIT_OBJ) $(BUILD)/libtelemetry.a $(LIBS) -ldl -lcmocka

deps:
	@sh scripts/deps.sh

# The tests also need a ClickHouse server (Debian's package).
test-deps:
	@sh scripts/deps.sh --with-clickhouse

# Unit tests (cmocka), one binary per core module.
unit: $(UNIT_BIN)
	@fail=0; for t in $(UNIT_BIN); do \
	    TM_FIXTURES=$(CURDIR)/tests/fixtures $$t || fail=1; done; \
	    [ $$fail = 0 ] || { echo "unit tests FAILED"; exit 1; }

# Tests of the real `telemetry` binary in temporary directories.
cli-test: all
	@sh tests/cli/run.sh $(abspath $(BUILD))
	@sh tests/cli/views.sh $(abspath $(BUILD))
	@sh tests/cli/report.sh $(abspath $(BUILD))
	@sh tests/cli/ux.sh $(abspath $(BUILD))
	@sh tests/install/run.sh $(BUILD)

# `telemetry ship` and the fleet summary against a real ClickHouse server
# started on 127.0.0.1 with free ports (tests/fleet/server.sh).
fleet-test: all
	@sh tests/fleet/run.sh $(BUILD)

# The shim in real processes: the victim program, git, python3.
# Every driver in tests/integration/ (each prints its own closing line).
integration: all
	@fail=0; for t in tests/integration/*.sh; do \
	    sh $$t $(BUILD) || fail=1; done; \
	    [ $$fail = 0 ] || { echo "integration tests FAILED"; exit 1; }

# The repository carries its own contract: README citations resolve, no
# comment points at a document outside the repository.
docs-test:
	@python3 tests/docs/check.py $(CURDIR)

test: test-deps
	@$(MAKE) --no-print-directory all unit fuzz-replay docs-test
	@$(MAKE) --no-print-directory cli-test integration fleet-test

# Unit tests again under AddressSanitizer and UndefinedBehaviorSanitizer.
# Then the fleet tests with the sanitized `telemetry` (ship, the ClickHouse
# client, the fleet summary); the processes it runs get the plain shim.
check: test-deps
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/asan SANITIZE=address,undefined \
	    CFLAGS=-fno-sanitize-recover=all unit fuzz-replay $(BUILD)/asan/telemetry
	@$(MAKE) --no-print-directory $(BUILD)/libtelemetry_shim.so
	@sh tests/fleet/run.sh $(BUILD)/asan $(abspath $(BUILD))/libtelemetry_shim.so
	@sh tests/peer/cpython.sh $(BUILD)

# Fuzzing (clang's libFuzzer): each harness for FUZZ_SECONDS, its corpus in
# $(BUILD)/fuzz/corpus/<name> seeded from tests/fixtures/fuzz/<name>.  A crash
# is written to tests/fixtures/fuzz/<name>/ and, once fixed, stays there as
# a regression input that `make test` replays.
FUZZ_SECONDS ?= 60
FUZZ_NAMES := sanitize summary group cli ship runs
REPLAY_BIN := $(patsubst %,$(BUILD)/tests/replay_%,$(FUZZ_NAMES))
FUZZ_CC ?= clang
FUZZ_FLAGS := -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined \
              $(INC_CLI)
CLI_NOMAIN := $(filter-out core/cli/main.c,$(CLI_SRC))

fuzz: deps
	@mkdir -p $(BUILD)/fuzz
	@for n in $(FUZZ_NAMES); do \
	    extra=; case $$n in cli|ship) extra="$(CLI_NOMAIN) core/cli/main.c -DTM_NO_MAIN";; esac; \
	    echo "  FUZZ-CC $$n"; \
	    $(FUZZ_CC) $(FUZZ_FLAGS) -o $(BUILD)/fuzz/fuzz_$$n tests/fuzz/fuzz_$$n.c \
	        $(CORE_SRC) $$extra $(LIBS) -lcurl || exit 1; \
	    mkdir -p $(BUILD)/fuzz/corpus/$$n tests/fixtures/fuzz/$$n; \
	    $(BUILD)/fuzz/fuzz_$$n -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -close_fd_mask=3 \
	        -artifact_prefix=tests/fixtures/fuzz/$$n/ \
	        $(BUILD)/fuzz/corpus/$$n tests/fixtures/fuzz/$$n 2>$(BUILD)/fuzz/$$n.log; \
	    tail -n 1 $(BUILD)/fuzz/$$n.log; \
	done

# The kept fuzz inputs, replayed through the same harnesses (gcc, no
# libFuzzer).
$(BUILD)/tests/replay_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c $(BUILD)/libtelemetry.a $(CLI_OBJ)
	@mkdir -p $(dir $@)
	$(QUIET_REPLAY)case $* in cli|ship) extra="$(filter-out $(CLI_MAIN),$(CLI_OBJ)) core/cli/main.c -DTM_NO_MAIN";; esac; \
	$(CC) $(ALL_CFLAGS) $(INC_CLI) $(DEPFLAGS) $(LDFLAGS_SAN) -o $@ tests/fuzz/fuzz_$*.c tests/fuzz/replay.c \
	    $$extra $(BUILD)/libtelemetry.a $(LIBS) -lcurl

# The harnesses' scratch directories go under a TMPDIR removed afterwards.
fuzz-replay: $(REPLAY_BIN)
	@scratch=$$(mktemp -d) && trap 'rm -rf "$$scratch"' EXIT && \
	for n in $(FUZZ_NAMES); do \
	    files=$$(ls tests/fixtures/fuzz/$$n/* 2>/dev/null); \
	    printf 'fuzz-replay %-9s ' $$n; TMPDIR=$$scratch $(BUILD)/tests/replay_$$n $$files || exit 1; \
	done

# Benchmarks print measurements; they never fail on a timing.
bench: test-deps
	@$(MAKE) --no-print-directory all
	@sh tests/bench/grouping.sh $(BUILD)
	@sh tests/bench/fleet.sh $(BUILD)
	@python3 tests/bench/bench.py $(BUILD) $(BENCH_FLAGS)

demo: deps
	@$(MAKE) --no-print-directory all
	@sh scripts/demo.sh $(abspath $(BUILD))

install: all
	install -d $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include \
	    $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig \
	    $(DESTDIR)$(PREFIX)/share/man/man1 \
	    $(DESTDIR)$(PREFIX)/share/bash-completion/completions
	install -m 0644 $(BUILD)/libtelemetry.a $(DESTDIR)$(PREFIX)/lib/
	install -m 0755 $(BUILD)/libtelemetry.so $(DESTDIR)$(PREFIX)/lib/libtelemetry.so.0
	ln -sf libtelemetry.so.0 $(DESTDIR)$(PREFIX)/lib/libtelemetry.so
	install -m 0644 core/include/telemetry.h $(DESTDIR)$(PREFIX)/include/
	install -m 0755 $(BUILD)/telemetry $(DESTDIR)$(PREFIX)/bin/
	install -m 0755 $(BUILD)/libtelemetry_shim.so $(DESTDIR)$(PREFIX)/lib/
	install -m 0755 scripts/telemetry-run scripts/telemetry-env $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 $(BUILD)/telemetry.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 0644 scripts/telemetry.bash \
	    $(DESTDIR)$(PREFIX)/share/bash-completion/completions/telemetry
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' core/telemetry.pc.in \
	    > $(DESTDIR)$(PREFIX)/lib/pkgconfig/telemetry.pc

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/lib/libtelemetry.a \
	    $(DESTDIR)$(PREFIX)/lib/libtelemetry.so \
	    $(DESTDIR)$(PREFIX)/lib/libtelemetry.so.0 \
	    $(DESTDIR)$(PREFIX)/include/telemetry.h \
	    $(DESTDIR)$(PREFIX)/bin/telemetry \
	    $(DESTDIR)$(PREFIX)/lib/libtelemetry_shim.so \
	    $(DESTDIR)$(PREFIX)/bin/telemetry-run $(DESTDIR)$(PREFIX)/bin/telemetry-env \
	    $(DESTDIR)$(PREFIX)/lib/pkgconfig/telemetry.pc \
	    $(DESTDIR)$(PREFIX)/share/man/man1/telemetry.1 \
	    $(DESTDIR)$(PREFIX)/share/bash-completion/completions/telemetry

clean:
	rm -rf $(BUILD)

# The header dependencies the compiler wrote (-MMD).
-include $(patsubst %,%.d,$(CORE_OBJ) $(CLI_OBJ) $(SHIM_OBJ) $(UNIT_BIN) $(REPLAY_BIN))
