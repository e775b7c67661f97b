#!/usr/bin/env bash
# Records golden/outputs/ from the current code: the --json output of every README example and of
# the test suite's scenario runs (golden/commands.txt). Run it only when a change of output is
# intended and named in the commit; `cargo test --test golden_outputs` checks the recorded files.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf golden/outputs
LEVODOSE_GOLDEN_RECORD=1 cargo test -p levodose-cli --test golden_outputs -- --nocapture
git status --short golden/
