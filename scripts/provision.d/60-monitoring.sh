#!/usr/bin/env bash
# What the monitoring checks need (tests/monitoring/*):
#   promtool            Debian `prometheus` (00-apt.sh): `promtool check rules` / `test rules`
#   amtool              built from the Go module at the Alertmanager line the chart deploys:
#                       Debian's 0.25 predates `url_file` on webhook receivers, which keeps the
#                       receivers' URLs out of the config file
#   postgres_exporter,  Debian `prometheus-postgres-exporter` / `prometheus-redis-exporter` (00-apt.sh):
#   redis_exporter      the loopback scrape that proves every metric name an alert or dashboard uses
#   alloy-fmt           scripts/alloy-fmt: `alloy fmt` over Alloy's configuration-language module
#                       (github.com/grafana/alloy/syntax, pinned in its go.mod), which checks the
#                       rendered Alloy config; Alloy itself is not built (its module requires
#                       github.com/grafana/loki/v3, which is under the AGPL and not used here), nor
#                       Loki (same module), so Loki's values are checked by tests only
# Idempotent: amtool is rebuilt only when its pin changes; built in a temporary directory and
# renamed into place, so two worktrees provisioning at once never see half a binary.
set -euo pipefail
CACHE="${PROJECT_CACHE:-$HOME/.cache/matrix-platform}"
AMTOOL_VERSION=v0.32.1

dest="$CACHE/amtool-$AMTOOL_VERSION"
if [ ! -x "$dest/amtool" ]; then
  echo "  go install github.com/prometheus/alertmanager/cmd/amtool@$AMTOOL_VERSION"
  mkdir -p "$CACHE"
  tmp="$(mktemp -d "$CACHE/.amtool-$AMTOOL_VERSION.XXXXXX")"
  GOBIN="$tmp" GOFLAGS="-buildvcs=false" go install "github.com/prometheus/alertmanager/cmd/amtool@$AMTOOL_VERSION"
  mv -T "$tmp" "$dest" 2>/dev/null || rm -rf "$tmp" # another worktree won the race: same binary
fi

# alloy-fmt, keyed by the syntax module's pin in scripts/alloy-fmt/go.mod.
SYNTAX_VERSION="$(sed -n 's/^require github.com\/grafana\/alloy\/syntax \(v[0-9.]*\)$/\1/p' "$(dirname "$0")/../alloy-fmt/go.mod")"
[ -n "$SYNTAX_VERSION" ] || { echo "no github.com/grafana/alloy/syntax pin in scripts/alloy-fmt/go.mod" >&2; exit 1; }
dest="$CACHE/alloy-fmt-$SYNTAX_VERSION"
if [ ! -x "$dest/alloy-fmt" ]; then
  echo "  building alloy-fmt (github.com/grafana/alloy/syntax $SYNTAX_VERSION)"
  mkdir -p "$CACHE"
  tmp="$(mktemp -d "$CACHE/.alloy-fmt-$SYNTAX_VERSION.XXXXXX")"
  (cd "$(dirname "$0")/../alloy-fmt" && CGO_ENABLED=0 GOFLAGS="-buildvcs=false -mod=mod" go build -trimpath -o "$tmp/alloy-fmt" .)
  mv -T "$tmp" "$dest" 2>/dev/null || rm -rf "$tmp" # another worktree won the race: same binary
fi

# jaeger, keyed by its module version.
JAEGER_MODULE_VERSION=v1.75.0
dest="$CACHE/jaeger-$JAEGER_MODULE_VERSION"
if [ ! -x "$dest/jaeger" ]; then
  echo "  building jaeger (github.com/jaegertracing/jaeger/cmd/jaeger@$JAEGER_MODULE_VERSION)"
  mkdir -p "$CACHE"
  tmp="$(mktemp -d "$CACHE/.jaeger-$JAEGER_MODULE_VERSION.XXXXXX")"
  mkdir "$tmp/build"
  (
    cd "$tmp/build"
    export GOFLAGS="-buildvcs=false"
    go mod init jaeger-build >/dev/null 2>&1
    # The one replace directive of jaeger's own go.mod at this version.
    go mod edit -replace github.com/Shopify/sarama=github.com/Shopify/sarama@v1.33.0
    go get -tool "github.com/jaegertracing/jaeger/cmd/jaeger@$JAEGER_MODULE_VERSION"
    CGO_ENABLED=0 go build -trimpath -o "$tmp/jaeger" github.com/jaegertracing/jaeger/cmd/jaeger
  )
  rm -rf "$tmp/build"
  mv -T "$tmp" "$dest" 2>/dev/null || rm -rf "$tmp" # another worktree won the race: same binary
fi
