#!/usr/bin/env bash
# actionlint (from the Go module proxy) over the repository's workflows and the workflow docs/ci.md
# shows users; action.yml's composite steps are checked through the doc's use of it (uses: ./.kleak).
set -euo pipefail
cd "$(dirname "$0")/.."
version=v1.7.12
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/.github/workflows" "$work/.kleak"
cp .github/workflows/*.yml "$work/.github/workflows/"
# each workflow of the doc, as a user would commit it, with this repository's action.yml where it points
awk -v dir="$work/.github/workflows" '/^```yaml$/ { n++; out = dir "/docs-ci-" n ".yml"; next } /^```$/ { out = ""; next } out { print > out }' docs/ci.md
cp action.yml "$work/.kleak/action.yml"
(cd "$work" && git init -q . && GOFLAGS=-mod=mod go run "github.com/rhysd/actionlint/cmd/actionlint@$version" -color=false)
echo "actionlint $version: $(ls "$work/.github/workflows" | wc -l) workflows clean"
