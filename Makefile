# csprecon -- plain Makefile.  `make`, `make test`, `make demo`, `make bench`,
# `make install PREFIX=/usr/local DESTDIR=...`.  Builds go to $(O) (build/);
# `make SANITIZE=address,undefined O=build-san` builds an instrumented copy.

PREFIX ?= /usr/local
DESTDIR ?=
BINDIR = $(PREFIX)/bin
MANDIR = $(PREFIX)/share/man/man1
O ?= build

# make's built-in CC (cc) is no one's choice: gcc, unless CC is given.
ifeq ($(origin CC),default)
CC = gcc
endif
PKG_CONFIG ?= pkg-config
PKGS = libxml-2.0 sqlite3 zlib nettle libxxhash
# $(call pkg,--cflags): pkg-config's answer for $(PKGS).  A module it cannot
# find stops the build with the module's name.  Only the recipes that
# compile or link expand it, so that deps and clean run without them.
pkg = $(shell $(PKG_CONFIG) $(1) $(PKGS))$(if $(filter-out 0,$(.SHELLSTATUS)),$(error \
	$(PKG_CONFIG) $(1): cannot find $(or $(shell for p in $(PKGS); do \
	$(PKG_CONFIG) --exists $$p || echo $$p; done 2>/dev/null),$(PKGS)) \
	(make deps installs the -dev packages)))
CFLAGS ?= -O2 -g
WARNINGS = -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wformat=2 -Wvla -Wpointer-arith -Wcast-qual \
	-Wwrite-strings -Wundef
BASE_CFLAGS = -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L -Iinclude \
	$(call pkg,--cflags)
LIBS = $(call pkg,--libs) -lcsv -pthread
ifneq ($(SANITIZE),)
SAN_FLAGS = -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
endif
ALL_CFLAGS = -pthread $(BASE_CFLAGS) $(WARNINGS) $(CFLAGS) $(SAN_FLAGS) -MMD -MP
ALL_LDFLAGS = $(LDFLAGS) $(SAN_FLAGS)

VERSION = $(shell cat VERSION)
# The objects whose source embeds the version: rebuilt when VERSION changes.
VERSION_OBJ := $(patsubst src/%.c,$(O)/%.o,$(shell grep -l CSPRECON_VERSION src/*.c))

LIB_SRC = $(filter-out src/main.c,$(wildcard src/*.c))
LIB_OBJ = $(LIB_SRC:src/%.c=$(O)/%.o) $(O)/schemas.o
MAIN_OBJ = $(O)/main.o
UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(O)/tests/%)

all: $(O)/csprecon csprecon

csprecon: $(O)/csprecon
	@if [ "$(O)" = build ]; then ln -sf $(O)/csprecon csprecon; fi

$(O)/csprecon: $(MAIN_OBJ) $(LIB_OBJ)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(O)/%.o: src/%.c | $(O)
	$(CC) $(ALL_CFLAGS) $(VERSION_FLAGS) -c -o $@ $<

$(VERSION_OBJ): VERSION
$(VERSION_OBJ): VERSION_FLAGS = -DCSPRECON_VERSION='"$(VERSION)"'

# The master schema and the default data files are embedded in the binary:
# a run never depends on files found at run time.
$(O)/schemas.o: src/schemas.S schemas/master.sql $(wildcard data/*.txt data/*.csv) | $(O)
	$(CC) $(SAN_FLAGS) -c -o $@ src/schemas.S

$(O)/tests/%: tests/unit/%.c $(LIB_OBJ) | $(O)
	@mkdir -p $(O)/tests
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB_OBJ) $(ALL_LDFLAGS) $(LIBS) -lcmocka

$(O):
	@mkdir -p $(O)

deps:
	@sh scripts/install-deps

# `make test` installs what it needs, then runs every test twice: once on
# the normal build and once on an ASan+UBSan build; then the end-to-end
# tests once more on a ThreadSanitizer build (files are inflated and parsed
# on threads of their own, and a reconcile writes its stage on another).
test: deps
	@$(MAKE) --no-print-directory check
	@$(MAKE) --no-print-directory check O=build-san SANITIZE=address,undefined CFLAGS='-O1 -g'
	@$(MAKE) --no-print-directory check-e2e O=build-tsan SANITIZE=thread CFLAGS='-O1 -g'
	@echo "all test suites passed (plain and sanitizer builds)"

check-e2e: $(O)/csprecon
	@sh tests/run-e2e.sh $(O)/csprecon

# Fuzz targets: `make fuzz FUZZ_SECONDS=N`; check replays their inputs.
include tests/fuzz/fuzz.mk

check: $(O)/csprecon $(UNIT_BIN) check-fuzz
	@sh tests/run-unit.sh $(O)
	@sh tests/run-e2e.sh $(O)/csprecon
	@sh tests/docs.sh
	@if [ -z "$(SANITIZE)" ]; then sh tests/memory.sh $(O)/csprecon; fi
	@if [ -z "$(SANITIZE)" ]; then sh tests/bench.sh $(O)/csprecon; fi

# `make stress`: SIGKILLs, concurrent runs and full disks against
# `reconcile --apply` (a few minutes; the tmpfs cases need root).
# `make valgrind`: the end-to-end tests under Valgrind's memcheck.
stress:
	@sh scripts/install-deps stress
	@$(MAKE) --no-print-directory all
	@sh tests/stress/stress.sh $(O)/csprecon

valgrind:
	@sh scripts/install-deps valgrind
	@$(MAKE) --no-print-directory all
	@sh tests/valgrind.sh $(O)/csprecon

.PHONY: stress valgrind

demo: deps
	@$(MAKE) --no-print-directory all
	@sh scripts/demo.sh $(O)/csprecon

bench: deps
	@$(MAKE) --no-print-directory all
	@sh scripts/bench.sh $(O)/csprecon

install: $(O)/csprecon
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)
	install -m 0755 $(O)/csprecon $(DESTDIR)$(BINDIR)/csprecon
	install -m 0644 man/csprecon.1 $(DESTDIR)$(MANDIR)/csprecon.1

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/csprecon $(DESTDIR)$(MANDIR)/csprecon.1

clean:
	rm -rf $(sort $(O) build build-san build-tsan) csprecon

.PHONY: all deps test check check-e2e demo bench install uninstall clean csprecon

-include $(wildcard $(O)/*.d $(O)/tests/*.d)
