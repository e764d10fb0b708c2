# perpd — build, test, bench, install, run.
#
# Layout the build discovers by itself (add a folder, not a rule):
#   host/*.c                      -> $(B)/bin/perpd
#   plugins/<kind>-<name>/*.c     -> $(B)/lib/perp/<name>.so
#       <name> is everything after the first dash: feed-hyperliquid-market
#       -> hyperliquid-market.so, beside backend-hyperliquid -> hyperliquid.so
#       optional plugins/<dir>/srcs: sources of other plugin folders it
#       builds in too (paths under plugins/), one per line
#       optional plugins/<dir>/pkgs: pkg-config names the plugin links
#   tests/unit/test_*.c           -> host objects + criterion
#   tests/integration/test_*.c    -> host objects + criterion (spawn perpd)
#   tests/plugins/<dir>/test_*.c  -> that plugin's sources + host objects
#   tests/support/*.c             -> linked into every test binary
#   bench/bench_*.c               -> host objects; loads plugins by path
#       optional bench/bench_*.pkgs: pkg-config names that bench links
#
# `make SAN=1` builds everything into build/san with ASan and UBSan.

PREFIX ?= /usr/local
DESTDIR ?=
CC ?= cc

ifeq ($(SAN),1)
B ?= build/san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
OPT := -O1
else ifeq ($(TSAN),1)
# ThreadSanitizer, for the live soak (make soak-tsan): perpd and plugins.
B ?= build/tsan
SANFLAGS := -fsanitize=thread -fno-omit-frame-pointer
OPT := -O1
else
B ?= build
SANFLAGS :=
OPT := -O2
endif

HOST_PKGS := yaml-0.1 jansson libcurl libcrypto
PKG_CFLAGS = $(shell pkg-config --cflags $(1) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(1) 2>/dev/null)

WARN := -Wall -Wextra -Werror
# `make V=1` prints full command lines; by default one short line a file.
ifeq ($(V),1)
Q :=
msg = @true
else
Q := @
msg = @printf '  %-6s %s\n' $(1) $(2)
endif
SDK_HEADERS := $(wildcard sdk/include/perp/*.h)
CFLAGS_COMMON := -std=c11 -D_GNU_SOURCE $(OPT) -g $(WARN) $(SANFLAGS) \
                 -Isdk/include -Ihost $(EXTRA_CFLAGS)
LDFLAGS_COMMON := $(SANFLAGS)

VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

# ---------------------------------------------------------------- host
HOST_SRCS := $(wildcard host/*.c)
HOST_OBJS := $(patsubst host/%.c,$(B)/obj/host/%.o,$(HOST_SRCS))
HOST_LIB_OBJS := $(filter-out $(B)/obj/host/main.o,$(HOST_OBJS))
# Tests and benches link the host as an archive, so a test pulls in only
# the modules it uses.
HOST_LIB := $(B)/lib/libperphost.a
HOST_CFLAGS := $(CFLAGS_COMMON) $(call PKG_CFLAGS,$(HOST_PKGS)) \
               -DPERP_VERSION=\"$(VERSION)\"
HOST_LIBS := $(call PKG_LIBS,$(HOST_PKGS)) -ldl -lm -lpthread

PERPD := $(B)/bin/perpd
MANPAGE := $(B)/share/man/man1/perpd.1

# The backtest report inlines lightweight-charts from npm (webui/, shared
# with the dashboard): installed by the build from the lock file, turned
# into a C array, linked in. Never committed.
LWC_JS := webui/node_modules/lightweight-charts/dist/lightweight-charts.standalone.production.js
GEN_OBJS := $(B)/obj/gen/lwc_js.o
HOST_OBJS += $(GEN_OBJS)
HOST_LIB_OBJS += $(GEN_OBJS)

# ------------------------------------------------------------- plugins
PLUGIN_DIRS := $(patsubst %/,%,$(wildcard plugins/*/))
# plugins/indicator-rsi -> rsi
plugin_name = $(patsubst $(firstword $(subst -, ,$(notdir $(1))))-%,%,$(notdir $(1)))
PLUGIN_SOS := $(foreach d,$(PLUGIN_DIRS),$(B)/lib/perp/$(call plugin_name,$(d)).so)
# $(file <) reads without a process: make reads these lists about 200
# times, and a `cat` each cost a second of every make, `make replay` too.
plugin_pkgs = $(strip $(file < $(1)/pkgs))
# A plugin's sources: its own and those its srcs file names.
plugin_srcs = $(wildcard $(1)/*.c) $(addprefix plugins/,$(strip $(file < $(1)/srcs)))
# Every plugin's headers: a few plugins share one by relative path
# (indicator-volatility uses indicator-bollinger/rolling_std.h).
PLUGIN_HEADERS := $(wildcard plugins/*/*.h)
PLUGIN_CFLAGS := $(CFLAGS_COMMON) -fPIC -fvisibility=hidden -fno-math-errno \
                 -I$(B)/gen

# sink-postgres compiles in migrations/NNNN_name.sql, in order
# (scripts/embed-migrations.sh), so an installed perpd carries its schema.
MIGRATIONS := $(sort $(wildcard migrations/*.sql))
GEN_MIGRATIONS := $(B)/gen/migrations.inc
# The list of those files, rewritten only when it changes: a file removed
# or renamed leaves nothing newer behind, yet the schema must follow.
MIGRATIONS_LIST := $(B)/gen/migrations.list
ifneq ($(strip $(file < $(MIGRATIONS_LIST))),$(strip $(MIGRATIONS)))
$(shell mkdir -p $(B)/gen)
$(file > $(MIGRATIONS_LIST),$(MIGRATIONS))
endif

# --------------------------------------------------------------- tests
SUPPORT_SRCS := $(wildcard tests/support/*.c)
SUPPORT_OBJS := $(patsubst tests/%.c,$(B)/obj/tests/%.o,$(SUPPORT_SRCS))
# Kept, not deleted as intermediates: else every test binary relinks.
.SECONDARY: $(SUPPORT_OBJS)
TEST_PKGS := criterion libwebsockets libmicrohttpd openssl libpq
TEST_CFLAGS := $(HOST_CFLAGS) $(call PKG_CFLAGS,$(TEST_PKGS)) -Itests/support \
               -I$(B)/gen
TEST_LIBS := $(call PKG_LIBS,$(TEST_PKGS)) $(HOST_LIBS)

UNIT_TESTS := $(patsubst tests/unit/%.c,$(B)/tests/unit/%,$(wildcard tests/unit/test_*.c))
INTEG_TESTS := $(patsubst tests/integration/%.c,$(B)/tests/integration/%,$(wildcard tests/integration/test_*.c))
# valgrind cannot run an ASan binary: test_valgrind is a plain-build test.
# test_fuzz_smoke runs build/fuzz's targets (clang, ASan+UBSan) whichever
# build runs it: once is enough. test_soak's minute measures resident
# memory, which ASan's quarantine blurs: the plain build's run is the
# measure (`make SAN=1 soak` runs the long form under ASan on demand).
ifeq ($(SAN),1)
INTEG_TESTS := $(filter-out %/test_valgrind %/test_fuzz_smoke %/test_soak,$(INTEG_TESTS))
endif
PLUGIN_TESTS := $(patsubst tests/plugins/%.c,$(B)/tests/plugins/%,$(wildcard tests/plugins/*/test_*.c))
ALL_TESTS := $(UNIT_TESTS) $(PLUGIN_TESTS) $(INTEG_TESTS)

BENCHES := $(patsubst bench/%.c,$(B)/bench/%,$(wildcard bench/bench_*.c))
# The soak driver (see "soak" below).
SOAK_BIN := $(B)/soak/soak
# libFuzzer targets (clang only; see "fuzzing" below).
FUZZ_CC ?= clang
HAVE_FUZZ_CC := $(shell command -v $(FUZZ_CC) 2>/dev/null)
FUZZ_B := build/fuzz
FUZZ_NAMES := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_TARGETS := $(addprefix $(FUZZ_B)/fuzz_,$(FUZZ_NAMES))
FUZZ_CORPUS_TESTS := $(addprefix $(B)/tests/fuzz/corpus_,$(FUZZ_NAMES))

.PHONY: all deps test test-build bench install clean run replay stop format help fuzz man docs soak soak-tsan
.DEFAULT_GOAL := all

all: $(PERPD) $(PLUGIN_SOS)

help:
	@echo "make            build perpd and every plugin into build/"
	@echo "make run        install deps, build, run config/default.yaml (live)"
	@echo "make replay     same pipeline over ../shared/history (or PERP_DATA_DIR)"
	@echo "make stop       stop the private PostgreSQL cluster in var/pg"
	@echo "make test       install deps, build, run every test (plain and ASan/UBSan)"
	@echo "make fuzz       SECONDS=60: every libFuzzer target in turn (clang)"
	@echo "make soak       a month of 1m history replayed at full speed with LLM"
	@echo "                faults, RSS and fds sampled each second (SOAK_SECONDS=N"
	@echo "                stops it early; SOAK_HISTORY=DIR another month)"
	@echo "make soak-tsan  SECONDS=60: perpd under ThreadSanitizer, live against"
	@echo "                the local Coinbase, candles and LLM servers"
	@echo "make bench      build with -O2 and print benchmark figures"
	@echo "make install    PREFIX=/usr/local DESTDIR= : perpd, plugins, SDK, perp-sdk.pc,"
	@echo "                the data folder share/perp, man page, bash completion"
	@echo "make man        build/share/man/man1/perpd.1 from perpd's --help texts"
	@echo "make docs       docs/plugins.md from every plugin's descriptor and config map"

deps:
	@scripts/deps.sh
	@scripts/npm-deps.sh

# ----------------------------------------------------------- host rules
# The install folders are compiled into data_dir.o alone. $(B)/prefix
# holds the PREFIX that object was built for: `make install PREFIX=...`
# after a plain `make` rebuilds it (and relinks perpd), nothing else.
PREFIX_STAMP := $(B)/prefix
$(shell mkdir -p $(B) && { [ "$$(cat $(PREFIX_STAMP) 2>/dev/null)" = "$(PREFIX)" ] || \
    printf '%s\n' "$(PREFIX)" > $(PREFIX_STAMP); })
$(B)/obj/host/data_dir.o: $(PREFIX_STAMP)
$(B)/obj/host/data_dir.o: HOST_CFLAGS += -DPERP_INSTALL_LIBDIR=\"$(PREFIX)/lib/perp\" \
    -DPERP_INSTALL_DATADIR=\"$(PREFIX)/share/perp\"

$(B)/obj/host/%.o: host/%.c $(wildcard host/*.h) $(SDK_HEADERS)
	@mkdir -p $(dir $@)
	$(call msg,CC,$@)
	$(Q)$(CC) $(HOST_CFLAGS) -c $< -o $@

$(HOST_LIB): $(HOST_LIB_OBJS)
	@mkdir -p $(dir $@)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(PERPD): $(HOST_OBJS)
	@mkdir -p $(dir $@)
	$(call msg,CC,$@)
	$(Q)$(CC) $(LDFLAGS_COMMON) -rdynamic -o $@ $^ $(HOST_LIBS)

# The one npm setup (webui/package.json and its lock file): see
# scripts/npm-deps.sh, also run by `make deps`.
webui/node_modules/.installed: webui/package.json webui/package-lock.json
	$(call msg,NPM,webui)
	$(Q)scripts/npm-deps.sh

$(LWC_JS): webui/node_modules/.installed

$(B)/gen/lwc_js.c: $(LWC_JS)
	@mkdir -p $(dir $@)
	$(call msg,GEN,$@)
	$(Q){ echo 'const unsigned char host_lwc_js[] = {'; xxd -i < $<; \
	  echo '};'; echo 'const unsigned long host_lwc_js_len = sizeof host_lwc_js;'; } > $@

$(B)/obj/gen/lwc_js.o: $(B)/gen/lwc_js.c
	@mkdir -p $(dir $@)
	$(call msg,CC,$@)
	$(Q)$(CC) -c -o $@ $<

# --------------------------------------------------------- plugin rules
define PLUGIN_RULE
$(B)/lib/perp/$(call plugin_name,$(1)).so: $(call plugin_srcs,$(1)) $(PLUGIN_HEADERS) $(SDK_HEADERS) $(wildcard $(1)/pkgs)
	@mkdir -p $$(dir $$@)
	$$(call msg,CC,$$@)
	$$(Q)$$(CC) $$(PLUGIN_CFLAGS) $$(call PKG_CFLAGS,$$(call plugin_pkgs,$(1))) -I$(1) \
	    -shared -o $$@ $(call plugin_srcs,$(1)) $$(LDFLAGS_COMMON) \
	    $$(call PKG_LIBS,$$(call plugin_pkgs,$(1))) -lm
endef
$(foreach d,$(PLUGIN_DIRS),$(eval $(call PLUGIN_RULE,$(d))))

# service-dashboard compiles in its OpenAPI document (openapi_doc.c).
$(B)/lib/perp/dashboard.so: plugins/service-dashboard/openapi.json

$(GEN_MIGRATIONS): $(MIGRATIONS) $(MIGRATIONS_LIST) scripts/embed-migrations.sh
	@mkdir -p $(dir $@)
	$(call msg,GEN,$@)
	$(Q)scripts/embed-migrations.sh $(MIGRATIONS) > $@.tmp && mv $@.tmp $@

$(B)/lib/perp/postgres.so: $(GEN_MIGRATIONS)

# ----------------------------------------------------------- test rules
$(B)/obj/tests/%.o: tests/%.c $(wildcard tests/support/*.h) $(SDK_HEADERS)
	@mkdir -p $(dir $@)
	$(call msg,CC,$@)
	$(Q)$(CC) $(TEST_CFLAGS) -c $< -o $@

$(B)/tests/unit/%: tests/unit/%.c $(HOST_LIB) $(SUPPORT_OBJS) $(wildcard host/*.h) $(SDK_HEADERS)
	@mkdir -p $(dir $@)
	$(call msg,CC,$@)
	$(Q)$(CC) $(TEST_CFLAGS) -o $@ $< $(SUPPORT_OBJS) $(HOST_LIB) $(LDFLAGS_COMMON) $(TEST_LIBS)

$(B)/tests/integration/%: tests/integration/%.c $(HOST_LIB) $(SUPPORT_OBJS) $(wildcard host/*.h) $(SDK_HEADERS)
	@mkdir -p $(dir $@)
	$(call msg,CC,$@)
	$(Q)$(CC) $(TEST_CFLAGS) -o $@ $< $(SUPPORT_OBJS) $(HOST_LIB) $(LDFLAGS_COMMON) $(TEST_LIBS)

# tests/plugins/<dir>/test_x.c compiles in plugins/<dir>/*.c
define PLUGIN_TEST_RULE
$(B)/tests/plugins/$(1)/%: tests/plugins/$(1)/%.c $(call plugin_srcs,plugins/$(1)) $(PLUGIN_HEADERS) $(SDK_HEADERS) $(HOST_LIB) $(SUPPORT_OBJS) $(GEN_MIGRATIONS)
	@mkdir -p $$(dir $$@)
	$$(call msg,CC,$$@)
	$$(Q)$$(CC) $$(TEST_CFLAGS) $$(call PKG_CFLAGS,$$(call plugin_pkgs,plugins/$(1))) -Iplugins/$(1) \
	    -o $$@ $$< $(call plugin_srcs,plugins/$(1)) $$(SUPPORT_OBJS) $$(HOST_LIB) $$(LDFLAGS_COMMON) \
	    $$(call PKG_LIBS,$$(call plugin_pkgs,plugins/$(1))) $$(TEST_LIBS)
endef
$(foreach d,$(notdir $(patsubst %/,%,$(wildcard tests/plugins/*/))),$(eval $(call PLUGIN_TEST_RULE,$(d))))

# Every benchmark and (with clang) the fuzz target are compiled by the
# test build too, not run: CI then notices when one stops building.
test-build: all $(MANPAGE) $(ALL_TESTS) $(FUZZ_CORPUS_TESTS) $(if $(NO_BENCH),,$(BENCHES)) $(SOAK_BIN) $(if $(HAVE_FUZZ_CC),$(FUZZ_TARGETS))

# Runs every suite twice: the plain build, then ASan+UBSan. The builds
# use every core unless make was given its own -j (CI types `make test`).
# The sanitizer build skips the benchmarks: the plain build compiles them.
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
test_jobs = $(if $(filter -j%,$(MAKEFLAGS)),,-j$(JOBS))
test: deps
	@$(MAKE) --no-print-directory $(test_jobs) test-build
	@$(MAKE) --no-print-directory $(test_jobs) SAN=1 NO_BENCH=1 test-build
	@tests/run.sh build build/san

# ---------------------------------------------------------- bench rules
# optional bench/<name>.pkgs: pkg-config names that bench links besides
# the host's (a bench that compiles in a plugin's sources needs its libs)
bench_pkgs = $(strip $(file < bench/$(1).pkgs))
$(B)/bench/%: bench/%.c $(wildcard bench/*.h) $(HOST_LIB)
	@mkdir -p $(dir $@)
	$(call msg,CC,$@)
	$(Q)$(CC) $(HOST_CFLAGS) $(call PKG_CFLAGS,$(call bench_pkgs,$*)) -O3 -march=native -o $@ $< $(HOST_LIB) \
	    $(LDFLAGS_COMMON) $(call PKG_LIBS,$(call bench_pkgs,$*)) $(HOST_LIBS)

# bench_prompt renders a real observation read back by the tests' loader.
$(B)/bench/bench_prompt: bench/bench_prompt.c tests/support/observation_fixture.c tests/support/observation_fixture.h $(HOST_LIB)
	@mkdir -p $(dir $@)
	$(call msg,CC,$@)
	$(Q)$(CC) $(HOST_CFLAGS) -Itests/support -O3 -march=native -o $@ $< tests/support/observation_fixture.c $(HOST_LIB) $(LDFLAGS_COMMON) $(HOST_LIBS)

bench: deps all $(BENCHES)
	@scripts/bench.sh $(B)

# ------------------------------------------------------------ fuzzing
# libFuzzer targets (clang only), one per parser: tests/fuzz/fuzz_<name>.c,
# with optional tests/fuzz/fuzz_<name>.srcs (plugin sources it compiles
# in, one path a line) and .pkgs (pkg-config names it links). Each links
# the host compiled by clang with coverage (build/fuzz/libhost.a), so one
# build serves the plain and the sanitizer test runs.
#   make fuzz                   build every target and run each for
#                               SECONDS (default 60), new inputs kept in
#                               var/fuzz/<name> (scripts/fuzz.sh)
#   build/fuzz/fuzz_config var/fuzz/config tests/fuzz/corpus/config
# Seeds live in tests/fuzz/corpus/<name>/ (committed; a crash the fuzzer
# finds is copied there as regress-<what>). The test build compiles each
# target again with gcc and tests/fuzz/corpus_driver.c into
# $(B)/tests/fuzz/corpus_<name>, a criterion test that runs every corpus
# file (plain and ASan+UBSan); test_fuzz_smoke runs each target briefly.
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -g -O1 $(WARN) -Isdk/include -Ihost \
               $(call PKG_CFLAGS,$(HOST_PKGS)) -DPERP_VERSION=\"$(VERSION)\" \
               -DPERP_INSTALL_LIBDIR=\"$(PREFIX)/lib/perp\"
FUZZ_HOST_OBJS := $(patsubst host/%.c,$(FUZZ_B)/obj/host/%.o,$(filter-out host/main.c,$(HOST_SRCS)))
fuzz_srcs = $(strip $(file < tests/fuzz/fuzz_$(1).srcs))
fuzz_pkgs = $(strip $(file < tests/fuzz/fuzz_$(1).pkgs))
fuzz_incs = $(addprefix -I,$(sort $(dir $(call fuzz_srcs,$(1)))))
# optional tests/fuzz/fuzz_<name>.covignore: sources (clang's
# "src:PATTERN" lines) whose coverage that target does not trace, work
# every input repeats the same way (ASan and UBSan still check them)
fuzz_covignore = $(if $(wildcard tests/fuzz/fuzz_$(1).covignore),-fsanitize-coverage-ignorelist=tests/fuzz/fuzz_$(1).covignore)
SECONDS ?= 60

fuzz:
	@if command -v $(FUZZ_CC) >/dev/null 2>&1; then \
	    $(MAKE) --no-print-directory $(FUZZ_TARGETS) && \
	    scripts/fuzz.sh $(FUZZ_B) $(SECONDS) $(FUZZ_NAMES); \
	else echo "make fuzz: $(FUZZ_CC) not found (libFuzzer needs clang)" >&2; exit 1; fi

$(FUZZ_B)/obj/host/%.o: host/%.c $(wildcard host/*.h) $(SDK_HEADERS)
	@mkdir -p $(dir $@)
	$(call msg,CLANG,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(FUZZ_SAN) -c $< -o $@

$(FUZZ_B)/libhost.a: $(FUZZ_HOST_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

define FUZZ_RULE
$(FUZZ_B)/fuzz_$(1): tests/fuzz/fuzz_$(1).c $(call fuzz_srcs,$(1)) $(wildcard tests/fuzz/fuzz_$(1).srcs tests/fuzz/fuzz_$(1).pkgs tests/fuzz/fuzz_$(1).covignore tests/fuzz/*.h) $(PLUGIN_HEADERS) $(FUZZ_B)/libhost.a
	@mkdir -p $$(dir $$@)
	$$(call msg,CLANG,$$@)
	$$(Q)$$(FUZZ_CC) $$(FUZZ_CFLAGS) -Itests/fuzz $(call fuzz_incs,$(1)) $$(call PKG_CFLAGS,$(call fuzz_pkgs,$(1))) \
	    -fsanitize=fuzzer $$(FUZZ_SAN) $(call fuzz_covignore,$(1)) -o $$@ $$< $(call fuzz_srcs,$(1)) $(FUZZ_B)/libhost.a \
	    $$(call PKG_LIBS,$(call fuzz_pkgs,$(1))) $$(HOST_LIBS)

$(B)/tests/fuzz/corpus_$(1): tests/fuzz/fuzz_$(1).c tests/fuzz/corpus_driver.c $(call fuzz_srcs,$(1)) $(wildcard tests/fuzz/fuzz_$(1).srcs tests/fuzz/fuzz_$(1).pkgs tests/fuzz/*.h) $(PLUGIN_HEADERS) $(HOST_LIB) $(SUPPORT_OBJS)
	@mkdir -p $$(dir $$@)
	$$(call msg,CC,$$@)
	$$(Q)$$(CC) $$(TEST_CFLAGS) -Itests/fuzz $(call fuzz_incs,$(1)) $$(call PKG_CFLAGS,$(call fuzz_pkgs,$(1))) \
	    -DFUZZ_NAME=\"$(1)\" -o $$@ $$< tests/fuzz/corpus_driver.c $(filter-out tests/support/%,$(call fuzz_srcs,$(1))) \
	    $$(SUPPORT_OBJS) $$(HOST_LIB) $$(LDFLAGS_COMMON) $$(call PKG_LIBS,$(call fuzz_pkgs,$(1))) $$(TEST_LIBS)
endef
$(foreach n,$(FUZZ_NAMES),$(eval $(call FUZZ_RULE,$(n))))

# --------------------------------------------------------------- soak
# tests/soak/soak.c drives the runs of tests/support/soak_scenario.c
# (test_soak is their one-minute form in make test). The driver is built
# plain; soak-tsan builds perpd and its plugins under ThreadSanitizer
# into build/tsan and runs them live for SECONDS.
SOAK_HISTORY ?= ../shared/history/1m_2025-03
SOAK_SECONDS ?= 0

$(SOAK_BIN): tests/soak/soak.c $(SUPPORT_OBJS) $(HOST_LIB) $(wildcard tests/support/*.h)
	@mkdir -p $(dir $@)
	$(call msg,CC,$@)
	$(Q)$(CC) $(TEST_CFLAGS) -o $@ $< $(SUPPORT_OBJS) $(HOST_LIB) $(LDFLAGS_COMMON) $(TEST_LIBS)

soak: all $(SOAK_BIN)
	$(SOAK_BIN) replay $(PERPD) $(SOAK_HISTORY) $(SOAK_SECONDS)

soak-tsan: $(SOAK_BIN)
	@$(MAKE) --no-print-directory TSAN=1 all
	TSAN_OPTIONS="halt_on_error=0 exitcode=66 second_deadlock_stack=1 $(TSAN_OPTIONS)" \
	    $(SOAK_BIN) live build/tsan/bin/perpd $(SECONDS)

# --------------------------------------------------------------- manual
# perpd.1 from perpd's own --help texts, verbatim (scripts/man-page.sh).
$(MANPAGE): $(PERPD) $(PLUGIN_SOS) scripts/man-page.sh
	$(call msg,MAN,$@)
	$(Q)scripts/man-page.sh $(PERPD) $@

man: $(MANPAGE)

# -------------------------------------------------------------- install
# The data folder, share/perp, is laid out as the source tree: config/
# (example pipelines, prompts, perpd init's templates), webui/ and
# migrations/ when they exist, copied whole (scripts/install-tree.sh).
DATADIR := $(DESTDIR)$(PREFIX)/share/perp
install: all $(MANPAGE)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/perp \
	    $(DESTDIR)$(PREFIX)/include/perp $(DESTDIR)$(PREFIX)/lib/pkgconfig \
	    $(DATADIR)/examples $(DESTDIR)$(PREFIX)/share/man/man1 \
	    $(DESTDIR)$(PREFIX)/share/bash-completion/completions
	install -m 755 $(PERPD) $(DESTDIR)$(PREFIX)/bin/perpd
	install -m 755 $(PLUGIN_SOS) $(DESTDIR)$(PREFIX)/lib/perp/
	install -m 644 sdk/include/perp/*.h $(DESTDIR)$(PREFIX)/include/perp/
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' \
	    sdk/perp-sdk.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/perp-sdk.pc
	if [ -d sdk/examples ]; then cp -r sdk/examples/. $(DATADIR)/examples/; fi
	for d in config webui migrations; do scripts/install-tree.sh $$d $(DATADIR)/$$d; done
	install -m 644 $(MANPAGE) $(DESTDIR)$(PREFIX)/share/man/man1/perpd.1
	install -m 644 scripts/perpd-completion.bash \
	    $(DESTDIR)$(PREFIX)/share/bash-completion/completions/perpd

# ------------------------------------------------------------------ run
# Both own their database (scripts/run-pipeline.sh): DATABASE_URL when it
# is set, else the private cluster in $(PG_DIR) (initdb the first time,
# Unix socket only, reused while it runs; `make stop` stops it), migrated,
# then the pipeline with its postgres and JSONL sinks.
# Live: OpenRouter when OPENROUTER_API_KEY is set, else the rule planner.
# Replay keeps the rule planner unless PERP_PLANNER says otherwise: a
# 46-day replay is 66,000 cycles, i.e. as many paid LLM calls.
PG_DIR ?= var/pg
run: export PERP_PLANNER ?= $(if $(OPENROUTER_API_KEY),openrouter,rules)
run: deps all
	@mkdir -p var
	@echo "perpd: planner $$PERP_PLANNER; records in the database and var/records.jsonl"
	@scripts/run-pipeline.sh $(PERPD) config/default.yaml $(PG_DIR)

# Paths in a pipeline follow its own folder, so a PERP_DATA_DIR given
# relative to where make runs is made absolute before perpd sees it.
ifneq ($(PERP_DATA_DIR),)
replay: export PERP_DATA_DIR := $(abspath $(PERP_DATA_DIR))
endif
replay: deps all
	@mkdir -p var
	@scripts/run-pipeline.sh $(PERPD) config/replay.yaml $(PG_DIR)

stop:
	@if scripts/pg-cluster.sh status $(PG_DIR) 2>/dev/null; then \
	    scripts/pg-cluster.sh stop $(PG_DIR) && \
	    echo "perpd: PostgreSQL in $(PG_DIR) stopped"; \
	else echo "perpd: no PostgreSQL runs in $(PG_DIR)"; fi

# docs/plugins.md from each plugin's descriptor and config map;
# tests/integration/test_plugin_docs.c fails when the committed file differs.
docs: all
	$(PERPD) plugins --path $(B)/lib/perp --describe-all --markdown > docs/plugins.md

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build
