# Thin wrapper over CMake/ctest. The real build lives in CMakeLists.txt.
# SystemC prints its banner from every process, test discovery at build time included.
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE := 1

BUILD    ?= build
JOBS     ?= $(shell nproc)
CMAKE    ?= cmake
GENERATOR := $(shell command -v ninja >/dev/null 2>&1 && echo Ninja || echo "Unix Makefiles")

# Debian packages the build needs (Debian 12 names). slurm-wlm and munge run the real
# single-node Slurm sweep test; gnuplot-nox draws `decodesim sweep-report --plot`.
PACKAGES := build-essential cmake ninja-build pkg-config git \
            libsystemc-dev verilator libyaml-cpp-dev libgtest-dev libgmock-dev \
            libcli11-dev nlohmann-json3-dev libbenchmark-dev \
            slurm-wlm munge gnuplot-nox

.PHONY: all deps build demo test bench clean validation-table

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

# Runs every calibration point (tests/validation/points.yaml) and rewrites docs/VALIDATION.md;
# exits non-zero when a point leaves its band (the document is written either way).
validation-table: build
	$(BUILD)/apps/decodesim/decodesim validate --bin-dir $(BUILD) --markdown docs/VALIDATION.md -j $(JOBS)

clean:
	rm -rf $(BUILD)

# Systems shown by `make demo`; the others join as their tiles land.
DEMO_SYSTEMS ?= tpu_v4 tpu_v5e lpu_llama2_7b gpu_a100 gpu_h100
