# ferry — build, demo and test entry points. `make help` lists the targets.
SHELL := /bin/bash
GO ?= go
BIN := bin
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X github.com/ferrysync/ferry/protocol.Version=$(VERSION)

.PHONY: help build cross demo test check deps clean

# help lists every target (TestMakeHelpListsEveryTarget in cmd/ferry keeps it whole).
help:
	@echo "make demo             build, then sync a sample folder to a second local folder"
	@echo "make test             install what the tests need, then run every test (CI runs this)"
	@echo "make check            the inner loop: go vet and the unit tests, without the sshd and editor suites"
	@echo "make build            bin/ferry, bin/ferry-agent and the agents for other systems in bin/agents/"
	@echo "make cross            build every binary for linux, darwin and windows (amd64, arm64)"
	@echo "make deps             install what the tests need (Go modules, Debian packages)"
	@echo "make generate         regenerate docs/api.md and the extension's protocol.gen.ts from protocol/"
	@echo "make extension-deps   install the extension's npm packages"
	@echo "make extension-build  type-check and bundle the VS Code extension"
	@echo "make extension-test   the extension's tests against the real ferry --stdio"
	@echo "make vsix             package the extension (.vsix) that finds ferry on the machine"
	@echo "make vsix-all         platform VSIX packages carrying ferry and the agents (vsix-linux-x64, ...)"
	@echo "make editor-e2e       the extension in code-server in headless Chromium, with screenshots"
	@echo "make bench            ferry against rsync, unison, tar and ssh -L (BENCH_QUICK=1, BENCH_ONLY=W1,..., BENCH_LINK=wan)"
	@echo "make clean            remove bin/"
	@echo "make help             this list"

# CHECK_PKGS are the packages whose tests need no sshd, editor or browser.
CHECK_PKGS = $(shell $(GO) list ./... | grep -vE '/cmd/ferry$$|/engine/remote$$|/engine/transport/ssh')

check:
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 5m $(CHECK_PKGS)

# The platforms the daemon can install agents on (bin/agents/ferry-agent-OS-ARCH; a
# Windows host gets its build as ferry-agent.exe).
AGENT_PLATFORMS := linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64
# The platforms every binary must build for, all without cgo (make cross).
CROSS_PLATFORMS := linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/ferry ./cmd/ferry
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/ferry-agent ./cmd/ferry-agent
	@for p in $(AGENT_PLATFORMS); do \
	  os=$${p%/*}; arch=$${p#*/}; \
	  CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -trimpath -ldflags '$(LDFLAGS)' \
	    -o $(BIN)/agents/ferry-agent-$$os-$$arch ./cmd/ferry-agent || exit 1; \
	done

# cross checks that every binary (the CLI and daemon, and the agent) builds for every
# supported system without cgo; go build discards the results of several packages.
cross:
	@for p in $(CROSS_PLATFORMS); do \
	  os=$${p%/*}; arch=$${p#*/}; echo "cross $$os/$$arch"; \
	  CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -trimpath ./cmd/ferry ./cmd/ferry-agent || exit 1; \
	done

demo: build
	./scripts/demo.sh

# deps installs what the test suite needs on a fresh machine of this kind.
deps:
	./scripts/deps.sh

test: deps build cross
	$(GO) vet ./...
	$(GO) test -race -count=1 -timeout 30m ./...
	$(MAKE) extension-test
	$(MAKE) editor-e2e
	BENCH_QUICK=1 $(MAKE) bench

clean:
	rm -rf $(BIN)

# ---- editor extension (VS Code) and generated API files ---------------------------------
# `make test` runs extension-test and editor-e2e after the Go tests. The extension tests
# need Node 20+ and npm; editor-e2e also needs apt (chromium, libkrb5-dev, pkg-config) and
# installs Node 24 and code-server into ~/.cache/ferry-e2e on first use.
.PHONY: generate extension-deps extension-build extension-test vsix vsix-all editor-e2e

# The platforms a platform-specific VSIX is built for (VS Code's target names).
VSIX_TARGETS := linux-x64 linux-arm64 darwin-x64 darwin-arm64 win32-x64

# generate rewrites extension/src/protocol.gen.ts and docs/api.md from protocol/*.go.
generate:
	$(GO) run ./protocol/gen

extension-deps:
	./scripts/extension-deps.sh

extension-build: extension-deps
	npm run typecheck
	npm run build

# extension-test runs the extension's node tests (core, the extension against the real
# bin/ferry --stdio, prompts, forwarding over a throwaway sshd, the manifest, the vsix
# files, and the editors.md examples).
extension-test: build vsix vsix-linux-x64
	npm run build-tests
	node --test --test-concurrency=1 --test-timeout=300000 dist/test/*.test.js

# vsix packages the extension as ferry-<version>.vsix (bundle, manifest, README, icon),
# which finds ferry on the machine; vsix-TARGET (e.g. vsix-linux-x64) as
# ferry-<version>-TARGET.vsix carrying ferry for TARGET and the agents, as language-server
# extensions ship their server; vsix-all builds every one of VSIX_TARGETS.
vsix: extension-build
	./scripts/extension-vsix.sh

vsix-%: build extension-build
	LDFLAGS='$(LDFLAGS)' ./scripts/extension-vsix.sh $*

vsix-all: build extension-build
	LDFLAGS='$(LDFLAGS)' ./scripts/extension-vsix.sh $(VSIX_TARGETS)

# editor-e2e runs the extension inside code-server in headless Chromium (the linux-x64
# VSIX, with ferry inside it); screenshots in test-output/editor-e2e/.
editor-e2e: build vsix vsix-linux-x64
	./scripts/extension-e2e.sh

# ---- benchmarks ----------------------------------------------------------------------------
# bench measures ferry against rsync, unison, tar | ssh | tar and ssh -L over a throwaway
# sshd on 127.0.0.1 (workloads W1-W7), prints the table and writes bench/RESULTS.md;
# it installs the peers when missing. BENCH_QUICK=1: a small version of every workload
# in under two minutes (bench/RESULTS-quick.md; CI runs it); BENCH_PROFILE=1: CPU and
# heap profiles per workload in bench/profiles/; BENCH_REPS=N; BENCH_ONLY=W1,W5;
# BENCH_LINK=lan|wan|far: every tool reaches sshd through the harness's link simulator
# (delay and rate cap per direction), results in bench/RESULTS-wan.md (...).
.PHONY: bench
bench: build
	./scripts/bench.sh
