# Thin wrapper over CMake/ctest. The real build lives in CMakeLists.txt.
BUILD    ?= build
JOBS     ?= $(shell nproc)
CMAKE    ?= cmake
GENERATOR := $(shell command -v ninja >/dev/null 2>&1 && echo Ninja || echo "Unix Makefiles")

# Debian packages the build needs (Debian 12 names). slurm-wlm and munge run the real
# single-node Slurm sweep test; gnuplot-nox draws `decodesim sweep-report --plot`; python3 runs
# tools/doccheck.py (make docs, the docs_current test); clang and libclang-rt-14-dev build
# `make test-sanitize` and `make fuzz` (libFuzzer, ASan and UBSan runtimes); chromium renders the
# HTML reports in the browser test and for `make docs-img`.
PACKAGES := build-essential cmake ninja-build pkg-config git \
            libsystemc-dev verilator libyaml-cpp-dev libgtest-dev libgmock-dev \
            libcli11-dev nlohmann-json3-dev libbenchmark-dev \
            slurm-wlm munge gnuplot-nox python3 clang libclang-rt-14-dev chromium

.PHONY: all deps build demo demo-all test golden bench clean test-sanitize fuzz install docs validation-table docs-img

all: build

# Installs what is missing; as a non-root user prints the exact command instead.
deps:
	@missing=""; for p in $(PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then echo "deps: all packages present"; \
	elif [ "$$(id -u)" = 0 ]; then \
	  echo "deps: installing$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	else \
	  echo "deps: missing packages; run:"; echo "  sudo apt-get install -y$$missing"; exit 1; \
	fi

$(BUILD)/CMakeCache.txt:
	$(CMAKE) -S . -B $(BUILD) -G "$(GENERATOR)" -DCMAKE_BUILD_TYPE=Release

build: deps $(BUILD)/CMakeCache.txt
	$(CMAKE) --build $(BUILD) -j $(JOBS)

demo: build
	$(BUILD)/apps/decodesim/decodesim compare --model llama2_7b --context 2048 \
	  --systems $(DEMO_SYSTEMS)

# Every shipped single-node system side by side on Llama-2-70B int8 (the README's table); slower
# than `make demo`, so a target of its own.
demo-all: build
	$(BUILD)/apps/decodesim/decodesim compare --model llama2_70b --context 4096 --weight-dtype int8 \
	  --systems $(DEMO_ALL_SYSTEMS) -j $(JOBS)

test: build
	cd $(BUILD) && ctest -j $(JOBS) --output-on-failure --timeout 600

# Rewrites tests/golden/ from this build's outputs. Commit the change with the reason for it.
golden: build
	DECODESIM_GOLDEN_UPDATE=1 $(BUILD)/tests/golden/golden_test

# Every executable under build/bench/<component>/ prints its figures; none asserts timing.
bench: build
	@for exe in $(BUILD)/bench/*/*; do \
	  if [ -f "$$exe" ] && [ -x "$$exe" ]; then echo "== $$exe"; "$$exe" || exit 1; echo; fi; \
	done

# `decodesim` on PATH with its configs and models: PREFIX/bin, PREFIX/share/decodesim.
PREFIX ?= /usr/local
install: build
	$(CMAKE) --install $(BUILD) --prefix $(PREFIX)

# Reruns every command shown in README.md and docs/*.md and rewrites their output blocks in
# place (tools/doccheck.py). The docs_current test fails while any block is stale.
docs: build
	python3 tools/doccheck.py --write --build $(BUILD)

# Runs every calibration point (tests/validation/points.yaml) and rewrites docs/VALIDATION.md;
# exits non-zero when a point leaves its band (the document is written either way).
validation-table: build
	$(BUILD)/apps/decodesim/decodesim validate --bin-dir $(BUILD) --markdown docs/VALIDATION.md -j $(JOBS)

clean:
	rm -rf $(BUILD) $(SAN_BUILD)

# ASan + UBSan build of the library, CLI, tests and fuzzers (clang; the Verilated models stay
# uninstrumented, see CMakeLists.txt), then the whole suite under it. The bad-input corpus is
# part of the suite (bad_input_test, fuzz_regression_test); the child processes that the CLI
# tests start inherit the sanitizer options. Suppressions: .ci/sanitizers/ (each one explained).
SAN_BUILD ?= build-asan
SAN_CXX   ?= clang++
SAN_ENV   := ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:detect_stack_use_after_return=0 \
             UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:suppressions=$(CURDIR)/.ci/sanitizers/ubsan.supp \
             LSAN_OPTIONS=suppressions=$(CURDIR)/.ci/sanitizers/lsan.supp
CCACHE    := $(shell command -v ccache 2>/dev/null)
# Tests left out of the sanitizer run, with the reason (see .ci/sanitizers/README.md).
SAN_EXCLUDE ?=

$(SAN_BUILD)/CMakeCache.txt:
	$(CMAKE) -S . -B $(SAN_BUILD) -G "$(GENERATOR)" -DCMAKE_CXX_COMPILER=$(SAN_CXX) \
	  $(if $(CCACHE),-DCMAKE_CXX_COMPILER_LAUNCHER=$(CCACHE)) \
	  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" \
	  -DDECODESIM_SANITIZE=ON -DDECODESIM_FUZZ=ON -DDECODESIM_BENCHES=OFF

test-sanitize: deps $(SAN_BUILD)/CMakeCache.txt
	$(SAN_ENV) $(CMAKE) --build $(SAN_BUILD) -j $(JOBS)
	cd $(SAN_BUILD) && $(SAN_ENV) ctest -j $(JOBS) --output-on-failure --timeout 900 --repeat until-pass:2 \
	  $(if $(SAN_EXCLUDE),-E '$(SAN_EXCLUDE)')

# Each fuzzer for FUZZ_SECONDS, seeded from configs/ and the regression corpus. libFuzzer writes
# what it learns into the FIRST corpus folder it is given and may rewrite files there, so it is
# given only folders under $(SAN_BUILD): the seeds are copied into $(SAN_BUILD)/fuzz/seeds/<target>
# first (named by content hash, so configs/systems/x.yaml and configs/components/x.yaml cannot
# collide) and the source tree is never a corpus argument. A crash input lands in fuzz/findings/;
# once fixed, copy it into fuzz/corpus/regressions/<target>/ where fuzz_regression_test replays it
# in every build.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= config_loader sweep_spec
fuzz: deps $(SAN_BUILD)/CMakeCache.txt
	$(SAN_ENV) $(CMAKE) --build $(SAN_BUILD) -j $(JOBS) $(foreach t,$(FUZZ_TARGETS),--target fuzz_$(t))
	@mkdir -p fuzz/findings
	@set -e; for t in $(FUZZ_TARGETS); do \
	  case $$t in config_loader) src="configs/systems configs/components";; *) src=configs/sweeps;; esac; \
	  work=$(SAN_BUILD)/fuzz/work/$$t; seeds=$(SAN_BUILD)/fuzz/seeds/$$t; \
	  rm -rf $$seeds; mkdir -p $$work $$seeds; \
	  for f in $$(find $$src fuzz/corpus/seeds/$$t fuzz/corpus/regressions/$$t -type f 2>/dev/null); do \
	    cp "$$f" "$$seeds/$$(sha1sum < "$$f" | cut -c1-40)"; \
	  done; \
	  echo "== fuzz_$$t for $(FUZZ_SECONDS) s"; \
	  $(SAN_ENV) $(SAN_BUILD)/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -timeout=20 -rss_limit_mb=2048 \
	    -max_len=8192 -dict=fuzz/yaml.dict -artifact_prefix=fuzz/findings/$$t- -print_final_stats=1 \
	    $$work $$seeds; \
	done

# The README's "See it" pictures: each report made by the command the README shows, then
# photographed in headless Chromium (which also fails on any console error or network request).
DS      := $(BUILD)/apps/decodesim/decodesim
IMG_TMP ?= $(BUILD)/docs-img
docs-img: build
	rm -rf $(IMG_TMP) && mkdir -p $(IMG_TMP) docs/img
	$(DS) run --system tpu_v5e_x8 --model llama2_70b --weight-dtype int8 --quiet --html $(IMG_TMP)/run.html
	$(DS) gemm --system tpu_v5e --m 8 --k 8192 --n 8192 --quiet --html $(IMG_TMP)/gemm.html
	$(DS) compare --model llama2_7b --systems tpu_v5e lpu_llama2_7b gpu_h100 -j $(JOBS) --html $(IMG_TMP)/compare.html
	$(DS) sweep configs/sweeps/tpu_mxu_hbm_batch.yaml -j $(JOBS) --no-progress --out $(IMG_TMP)/sweep
	$(DS) sweep-report $(IMG_TMP)/sweep --html $(IMG_TMP)/sweep.html
	$(DS) portfolio --model llama2_70b --systems $(PORTFOLIO_SYSTEMS) --weight-dtype int8 \
	  --batches $(PORTFOLIO_BATCHES) -j $(JOBS) --html $(IMG_TMP)/portfolio.html --csv $(IMG_TMP)/portfolio.csv
	for r in run gemm compare sweep portfolio; do \
	  $(BUILD)/tests/support/html_screenshot $(IMG_TMP)/$$r.html docs/img/$$r.png || exit 1; done

PORTFOLIO_SYSTEMS ?= tpu_v5e_x8 lpu_llama2_70b gpu_h100_x8
PORTFOLIO_BATCHES ?= 1,2,4,8,16,32,64,128,256

# Systems shown by `make demo`; the others join as their tiles land.
DEMO_SYSTEMS ?= tpu_v4 tpu_v5e lpu_llama2_7b gpu_a100 gpu_h100
DEMO_ALL_SYSTEMS ?= tpu_v4 tpu_v5e tpu_v5e_x8 tpu_v6e tpu_v6e_x8 trn2 trn2_x16 lpu_llama2_70b \
                    gpu_a100 gpu_h100 gpu_h100_x8 gpu_b200 gpu_b200_x8 sn40l_x16 \
                    ascend_910b ascend_910b_x8 wse3 wse3_x4
