# fuzz.mk -- the fuzz targets of tests/fuzz/, included by the Makefile.
#
# Each target is a harness (fuzz_*.c) built twice from the same source:
# $(O)/fuzz/replay_T with replay.c's main() and the build's own compiler
# and flags, which `make check` runs on every seed and regression input
# (tests/fuzz/run.sh replay), and build-fuzz/fuzz/fuzz_T with clang and
# libFuzzer, which `make fuzz FUZZ_SECONDS=N` runs for N seconds a target
# (tests/fuzz/run.sh fuzz).  See tests/fuzz/README.md.

FUZZ_TARGETS = csv xml gzip email guid mpn country date
FUZZ_SECONDS ?= 60
FUZZ_CC ?= clang
FUZZ_O = build-fuzz

FUZZ_SRC_csv = tests/fuzz/fuzz_reader.c
FUZZ_DEF_csv = -DFUZZ_READER=ingest_csv
FUZZ_SRC_xml = tests/fuzz/fuzz_reader.c
FUZZ_DEF_xml = -DFUZZ_READER=ingest_xml
FUZZ_SRC_gzip = tests/fuzz/fuzz_stream.c
$(foreach v,email guid mpn country date,\
	$(eval FUZZ_SRC_$(v) = tests/fuzz/fuzz_value.c)\
	$(eval FUZZ_DEF_$(v) = -DFUZZ_VALUE=$(v)))

FUZZ_DEPS = $(wildcard tests/fuzz/*.c tests/fuzz/*.h) $(LIB_OBJ)
FUZZ_CFLAGS = $(filter-out -MMD -MP,$(ALL_CFLAGS)) $(FUZZ_DEF_$*)
FUZZ_REPLAY = $(FUZZ_TARGETS:%=$(O)/fuzz/replay_%)

$(O)/fuzz/replay_%: $(FUZZ_DEPS) | $(O)
	@mkdir -p $(O)/fuzz
	$(CC) $(FUZZ_CFLAGS) -o $@ $(FUZZ_SRC_$*) tests/fuzz/fuzz_util.c \
		tests/fuzz/replay.c $(LIB_OBJ) $(ALL_LDFLAGS) $(LIBS)

$(O)/fuzz/fuzz_%: $(FUZZ_DEPS) | $(O)
	@mkdir -p $(O)/fuzz
	$(CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $(FUZZ_SRC_$*) \
		tests/fuzz/fuzz_util.c $(LIB_OBJ) $(ALL_LDFLAGS) $(LIBS)

check-fuzz: $(FUZZ_REPLAY)
	@sh tests/fuzz/run.sh replay $(O) $(FUZZ_TARGETS)

# The project's objects are instrumented for coverage too
# (-fsanitize=fuzzer-no-link); libFuzzer itself is linked only into the
# fuzz_T binaries.
fuzz:
	@sh scripts/install-deps fuzz
	@$(MAKE) --no-print-directory O=$(FUZZ_O) CC=$(FUZZ_CC) \
		SANITIZE=address,undefined \
		CFLAGS='-O1 -g -fsanitize=fuzzer-no-link' \
		$(FUZZ_TARGETS:%=$(FUZZ_O)/fuzz/fuzz_%)
	@sh tests/fuzz/run.sh fuzz $(FUZZ_O) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

clean: clean-fuzz
clean-fuzz:
	rm -rf $(FUZZ_O)

.PHONY: check-fuzz fuzz clean-fuzz
