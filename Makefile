# The two commands a new user needs: `make demo` (set up + main job) and `make test`
# (set up + everything CI checks). Both install what is missing first (scripts/setup).
# -j2 everywhere: CI has 2 cores, and oversubscribing them only slows the build.

CMAKE ?= cmake
JOBS ?= 2
# ccache hashes paths relative to the checkout, so two clones share their cache.
export CCACHE_BASEDIR ?= $(CURDIR)
FACE_MODEL := .cache/npm/@mediapipe/face_detection@0.4.1657300184/face_detection_short_range.tflite
ASTRONAUT := .cache/debian/python3-skimage/astronaut.png
# Tests whose names say they feed corrupt or hostile input, or that index raw buffers with
# computed offsets (preprocessing taps, NMS, drawing), or that rewrite the graph in place (the
# layout pass, fusion, in-place buffers), the fast kernels against the reference on random
# shapes (DifferentialBackend: small tensors, about a second in Release), the backend registry,
# and issue 19's bad-input suite (malformed pipelines, signals mid-pipeline, mismatched tasks,
# non-UTF-8 names, CLI parse errors), and the models whose data decides their shapes or that
# hold control flow (graphs split and copied per run, bodies unrolled), and the device agent's
# parts that read what the network and other processes send (downloads, metrics, state files,
# configuration, child processes and their output; about 12 s in Release), the outbox and the
# MQTT uplink (a database file and a broker's packets), and FFmpeg's loader: worth the slower
# sanitizer build.
SANITIZED_TESTS := Corrupt|OnnxQdq|TfliteInt8Writer|TfliteModelData|OnnxFp16Writer|OnnxChannelPruner|RangeObserver|ActivationInt8|Int8Weights|ReportHtml|Robust|Npy|Image|Preprocess|DetectionPostProcess|Draw|ChannelsLast|ActivationFusion|InPlace|DifferentialBackend|BackendRegistry|ConstantFolding|PipelineSpec|JsonText|Utf8|PipelineRun|PipelineFailures|PipelineSignal|TaskFit|CliUsage|TfliteBuiltinRules|DynamicShapes|DataDecidedShapes|ControlFlow|TfliteSequenceLstm|HealthProbe|Fetcher|ContentStoreTest|ReportedState|AgentConfig|DirectorySourceTest|SupervisorTest|RotatingLog|CopiedConstants|TopKReference|OutboxTest|MqttUplink|FfmpegLibrary|UplinkSocket|UplinkSink|MqttLite|DeviceSimulator|RolloutWaves|RolloutVerdict|FleetStore|GatewayRelayTest|GatewayConfigFiles|CApi|c_api_example|CBundleTest|CPipelineTest

.PHONY: all setup build demo test test-build test-minimal test-asan test-fuzz clean

all: build

setup:
	scripts/setup

build:
	$(CMAKE) -S . -B build -DCMAKE_BUILD_TYPE=Release
	$(CMAKE) --build build -j$(JOBS)

# Steps run in order even under `make -j`: setup must finish before anything builds. The demo
# needs the CLI alone (the library and `outpost`), not the test suite that `make build` adds;
# the Python module (_outpost) is built beside it, for README's Python lines.
demo: setup
	$(CMAKE) -S . -B build -DCMAKE_BUILD_TYPE=Release
	$(CMAKE) --build build -j$(JOBS) --target outpost _outpost
	mkdir -p out
	build/outpost detect $(FACE_MODEL) $(ASTRONAUT) -o out/astronaut.faces.png

test: setup
	$(MAKE) test-build
	$(MAKE) test-minimal
	$(MAKE) test-asan
	$(MAKE) test-fuzz

test-build:
	$(CMAKE) -S . -B build-test -DCMAKE_BUILD_TYPE=Release -DOUTPOST_WERROR=ON
	$(CMAKE) --build build-test -j$(JOBS)
	cd build-test && ctest --output-on-failure -j$(JOBS)
	@# ctest shows only failing tests' output; the conformance summaries belong in every log.
	@echo "Conformance, ONNX's and TFLite's (per-op tables: build-test/conformance-onnx.md," \
	  "build-test/conformance-tflite.md; its lines start with tflite:), real TFLite models" \
	  "against TFLite (tflite-models:) and real ONNX models against ONNX Runtime (onnx-models:):"
	@grep -h -E '^([a-z-]+: )?[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$$' \
	  build-test/Testing/Temporary/LastTest.log || echo "  (summary line not found)"

# What a device that only runs models links: the runtime with XNNPACK and the reference backend,
# no oneDNN, FFmpeg, libsodium, libpng or libjpeg, no CLI. The same flags as test-build, so ccache
# hands it every object the two share; its test binary must link none of the optional libraries.
MINIMAL_OPTIONS := -DOUTPOST_WITH_ONEDNN=OFF -DOUTPOST_WITH_VISION=OFF -DOUTPOST_WITH_BUNDLES=OFF \
                   -DOUTPOST_WITH_SERVER=OFF
test-minimal:
	$(CMAKE) -S . -B build-minimal -DCMAKE_BUILD_TYPE=Release -DOUTPOST_WERROR=ON $(MINIMAL_OPTIONS)
	$(CMAKE) --build build-minimal -j$(JOBS)
	cd build-minimal && ctest --output-on-failure -j$(JOBS)

test-asan:
	$(CMAKE) -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOUTPOST_SANITIZE=ON
	$(CMAKE) --build build-asan -j$(JOBS)
	cd build-asan && ctest --output-on-failure -j$(JOBS) -R '$(SANITIZED_TESTS)'

# Each libFuzzer target (fuzz/fuzz_*.cc) for FUZZ_SECONDS under ASan+UBSan (clang, build-fuzz/);
# any crash fails. Each starts from the seed corpus alone (fuzz/make-corpus) with a fixed random
# seed and a cap of FUZZ_RUNS executions: a smoke test close to the run before the commit (not
# identical on another machine: the corpus is read in directory order); longer runs, which
# keep their corpus in .cache and are logged in fuzz/README.md: fuzz/run TARGET SECONDS.
FUZZ_SECONDS ?= 60
FUZZ_SEED ?= 1
FUZZ_RUNS ?= 50000
FUZZ_TARGETS = $(basename $(notdir $(wildcard fuzz/fuzz_*.cc)))
test-fuzz:
	CC=clang CXX=clang++ $(CMAKE) -S . -B build-fuzz -DOUTPOST_FUZZ=ON -DOUTPOST_BUILD_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo
	rm -rf build-fuzz/ci-corpus
	for t in $(FUZZ_TARGETS); do \
	  FUZZ_LOG=0 FUZZ_SEED=$(FUZZ_SEED) FUZZ_RUNS=$(FUZZ_RUNS) FUZZ_CORPUS_ROOT=build-fuzz/ci-corpus \
	    fuzz/run $$t $(FUZZ_SECONDS) || exit 1; \
	done

clean:
	rm -rf build build-test build-minimal build-asan out
