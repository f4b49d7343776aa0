# ActorMigration: `make demo` runs the main job, `make test` runs every test. Both install what is missing.
# `make test-defects` runs only the tests that reproduce a third-party bug (trait Category=ThirdPartyDefect),
# which `make test` skips.
CONFIG ?= Release
DOTNET ?= dotnet
TEST_PROJECTS := $(sort $(wildcard tests/*/*.Tests.csproj))
GUEST_DIR := .build/guest

.PHONY: all deps deps-test restore build format format-check compose-check guest demo demo-sim serve test test-defects test-docker bench clean

all: build

deps:
	bash scripts/deps.sh demo

deps-test:
	bash scripts/deps.sh test

# Packages exactly as in the packages.lock.json files; a changed dependency needs `dotnet restore` and the new lock files.
restore:
	$(DOTNET) restore ActorMigration.sln --locked-mode

build: restore
	$(DOTNET) build ActorMigration.sln -c $(CONFIG) -nologo -clp:ErrorsOnly --no-restore

# Applies the automatic fixes (whitespace, style, analyzers) after the .editorconfig.
format:
	$(DOTNET) format ActorMigration.sln --no-restore

format-check:
	bash scripts/check-format.sh

# docker-compose.yml through Debian's docker-compose (1.29) `config`, its cluster layout, and broken copies refused.
compose-check:
	bash scripts/check-compose.sh --self-test

guest:
	bash scripts/build-guest-image.sh $(GUEST_DIR)

demo: deps build guest
	CONFIG=$(CONFIG) AM_DRIVER=$${AM_DRIVER:-auto} bash scripts/demo.sh

demo-sim: build
	CONFIG=$(CONFIG) AM_DRIVER=sim bash scripts/demo.sh

serve: deps build
	$(DOTNET) src/ActorMigration.Api/bin/$(CONFIG)/net10.0/actormigration.dll

test: deps-test build format-check compose-check guest
	bash scripts/netns.sh prepare
	AM_TEST_PG="$$(bash scripts/postgres.sh)" bash scripts/test.sh $(CONFIG) $(TEST_PROJECTS)

test-defects: deps-test build guest
	TEST_FILTER="Category=ThirdPartyDefect" bash scripts/test.sh $(CONFIG) $(TEST_PROJECTS)

# The compose cluster for real on Debian's docker.io (offline, own network namespace): tests/docker/compose-cluster.sh.
test-docker:
	bash tests/docker/compose-cluster.sh

bench: build
	$(DOTNET) run -c $(CONFIG) --project bench/ActorMigration.Bench -- $(BENCH_ARGS)

clean:
	$(DOTNET) clean ActorMigration.sln -c $(CONFIG) -nologo
	rm -rf .build data/demo
