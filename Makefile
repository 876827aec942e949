# Thin wrapper over CMake/ctest. The real build lives in CMakeLists.txt.
# SystemC prints its banner from every process, test discovery at build time included.
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE := 1

BUILD    ?= build
JOBS     ?= $(shell nproc)
CMAKE    ?= cmake
GENERATOR := $(shell command -v ninja >/dev/null 2>&1 && echo Ninja || echo "Unix Makefiles")

# Debian packages the build needs (Debian 12 names). slurm-wlm and munge run the real
# single-node Slurm sweep test; gnuplot-nox draws `decodesim sweep-report --plot`; chromium
# renders the HTML reports in the browser test and for `make docs-img`.
PACKAGES := build-essential cmake ninja-build pkg-config git \
            libsystemc-dev verilator libyaml-cpp-dev libgtest-dev libgmock-dev \
            libcli11-dev nlohmann-json3-dev libbenchmark-dev \
            slurm-wlm munge gnuplot-nox chromium

.PHONY: all deps build demo test bench clean docs-img

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

test: build
	cd $(BUILD) && ctest -j $(JOBS) --output-on-failure --timeout 600

# Every executable under build/bench/<component>/ prints its figures; none asserts timing.
bench: build
	@for exe in $(BUILD)/bench/*/*; do \
	  if [ -f "$$exe" ] && [ -x "$$exe" ]; then echo "== $$exe"; "$$exe" || exit 1; echo; fi; \
	done

clean:
	rm -rf $(BUILD)

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
