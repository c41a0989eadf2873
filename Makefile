# voip_exporter — the two commands a newcomer needs are `make run` and `make test`.
GO        ?= go
BIN       ?= voip_exporter
PKG        = github.com/voip-exporter/voip_exporter
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
REVISION  ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
BRANCH    ?= $(shell git rev-parse --abbrev-ref HEAD 2>/dev/null || echo unknown)
LDFLAGS    = -s -w \
  -X github.com/prometheus/common/version.Version=$(VERSION) \
  -X github.com/prometheus/common/version.Revision=$(REVISION) \
  -X github.com/prometheus/common/version.Branch=$(BRANCH) \
  -X github.com/prometheus/common/version.BuildUser=make \
  -X github.com/prometheus/common/version.BuildDate=$(shell date -u +%Y%m%d-%H:%M:%S)
LISTEN    ?= 127.0.0.1:19060
FUZZTIME  ?= 20s

.PHONY: all build run test test-time test-deps lint vet fmt-check bench fuzz release clean

all: build

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/voip_exporter

## run: start the exporter on the embedded demo (simulated FreeSWITCH…) at http://$(LISTEN)/
run: build
	./$(BIN) --demo --web.listen-address=$(LISTEN)

## test: install what the tests need from Debian, then vet, format-check and run every test
test: test-deps lint
	$(GO) test -race -count=1 -timeout 12m ./...

## test-time: the suite under faketime at other dates (a year's last seconds, 28 February, 2030) and zones
test-time: test-deps
	./scripts/test-time.sh

test-deps:
	./scripts/test-deps.sh

lint: vet fmt-check

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

## bench: run the benchmarks and print the figures
bench:
	$(GO) test -run='^$$' -bench=. -skip='^BenchmarkHA' -benchmem -count=1 ./... | tee bench.out | grep -E '^(Benchmark|ok|pkg:)'
	$(GO) test -run='^$$' -bench='^BenchmarkHATakeover$$' -benchtime=10x -count=1 ./e2e | tee -a bench.out | grep -E '^(Benchmark|ok|pkg:)|ha_bench'
	$(GO) test -run='^$$' -bench='^BenchmarkHARedisOpsPerEvent$$' -benchtime=2x -count=1 ./e2e | tee -a bench.out | grep -E '^(Benchmark|ok|pkg:)|ha_bench'

## fuzz: run every fuzz target for FUZZTIME each
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz'); do \
	    echo "== $$pkg $$f"; $(GO) test -run='^$$' -fuzz="^$$f$$" -fuzztime=$(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

## release: cross-build linux amd64/arm64 tarballs with checksums (promu's layout) into dist/
RELEASE_ARCHES ?= amd64 arm64
release:
	rm -rf .build dist && mkdir -p dist
	@set -e; for arch in $(RELEASE_ARCHES); do \
	  dir=.build/$(BIN)-$(VERSION).linux-$$arch; mkdir -p $$dir; \
	  echo "building $$dir"; \
	  GOOS=linux GOARCH=$$arch CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $$dir/$(BIN) ./cmd/voip_exporter; \
	  cp README.md $$dir/; cp -r deploy $$dir/; \
	  tar -C .build -czf dist/$(BIN)-$(VERSION).linux-$$arch.tar.gz $(BIN)-$(VERSION).linux-$$arch; \
	done
	cd dist && sha256sum *.tar.gz > sha256sums.txt && cat sha256sums.txt

clean:
	rm -rf $(BIN) bench.out .build dist
