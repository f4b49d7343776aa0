# ActorMigration: `make demo` runs the main job, `make test` runs every test. Both install what is missing.
# `make test-defects` runs only the tests that reproduce a third-party bug (trait Category=ThirdPartyDefect),
# which `make test` skips.
CONFIG ?= Release
DOTNET ?= dotnet
TEST_PROJECTS := $(sort $(wildcard tests/*/*.Tests.csproj))
GUEST_DIR := .build/guest

.PHONY: all deps deps-test build guest demo demo-sim serve test test-defects bench clean

all: build

deps:
	bash scripts/deps.sh demo

deps-test:
	bash scripts/deps.sh test

build:
	$(DOTNET) build ActorMigration.sln -c $(CONFIG) -nologo -clp:ErrorsOnly

guest:
	bash scripts/build-guest-image.sh $(GUEST_DIR)

demo: deps build guest
	CONFIG=$(CONFIG) AM_DRIVER=$${AM_DRIVER:-auto} bash scripts/demo.sh

demo-sim: build
	CONFIG=$(CONFIG) AM_DRIVER=sim bash scripts/demo.sh

serve: deps build guest
	$(DOTNET) src/ActorMigration.Api/bin/$(CONFIG)/net10.0/actormigration.dll

test: deps-test build guest
	bash scripts/netns.sh prepare
	AM_TEST_PG="$$(bash scripts/postgres.sh)" bash scripts/test.sh $(CONFIG) $(TEST_PROJECTS)

test-defects: deps-test build guest
	TEST_FILTER="Category=ThirdPartyDefect" bash scripts/test.sh $(CONFIG) $(TEST_PROJECTS)

bench: build
	$(DOTNET) run -c $(CONFIG) --project bench/ActorMigration.Bench -- $(BENCH_ARGS)

clean:
	$(DOTNET) clean ActorMigration.sln -c $(CONFIG) -nologo
	rm -rf .build data/demo
