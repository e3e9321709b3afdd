# ferry — build, demo and test entry points. `make help` lists the targets.
SHELL := /bin/bash
GO ?= go
BIN := bin
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X github.com/ferrysync/ferry/protocol.Version=$(VERSION)

.PHONY: help build demo test test-go deps clean

help:
	@echo "make demo   build, then sync a sample folder to a second local folder"
	@echo "make test   install what the tests need, then run every test"
	@echo "make build  bin/ferry and bin/ferry-agent"

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/ferry ./cmd/ferry
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/ferry-agent ./cmd/ferry-agent

demo: build
	./scripts/demo.sh

# deps installs what the test suite needs on a fresh machine of this kind.
deps:
	./scripts/deps.sh

test: deps build
	$(GO) vet ./...
	$(GO) test -race -count=1 ./...

clean:
	rm -rf $(BIN)
