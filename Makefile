# netra: the two commands a person needs.
#   make test   install what is missing, then build and run every test twice:
#               a normal build and an ASan+UBSan build
#   make build  install what is missing, then build (normal build only)
#   make demo   install what is missing, build, then run all of netra on loopback until Ctrl-C
#   make bench  install what is missing, build, then run the benchmarks and their peers side by
#               side, writing bench/RESULTS.md (about 15 minutes; keep the machine otherwise idle)
BUILD      ?= build
BUILD_SAN  ?= build-asan
JOBS       ?= $(shell nproc)

.PHONY: deps build programs build-asan test test-normal test-asan fuzz clean demo bench

deps:
	@scripts/install-deps

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

build-asan: deps
	cmake -S . -B $(BUILD_SAN) -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug -DNETRA_SANITIZE=ON -DNETRA_FUZZ=ON >/dev/null
	cmake --build $(BUILD_SAN) -j $(JOBS)

test-normal: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

# The Bluesky interop test's Node and npm packages are installed once, in the normal build tree.
test-asan: build-asan
	NETRA_INTEROP_DEPS=$(CURDIR)/$(BUILD)/interop-bluesky \
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --test-dir $(BUILD_SAN) --output-on-failure -j $(JOBS)

test: test-normal test-asan

# The demo needs the programs only, not the tests.
programs: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(BUILD) -j $(JOBS) --target netra netra-sim netra-crawler netra-worker netra-desk

demo: programs
	scripts/demo $(BUILD)

bench: build
	bench/run --build $(BUILD) --out bench/RESULTS.md

# The sanitizer build uses clang so the fuzz targets are real libFuzzer runs there.
# A separate fuzz-only build for longer sessions: make fuzz, then run build-fuzz/tests/.../fuzz_*.
fuzz: deps
	cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DNETRA_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
	cmake --build build-fuzz -j $(JOBS)

clean:
	rm -rf $(BUILD) $(BUILD_SAN) build-fuzz
