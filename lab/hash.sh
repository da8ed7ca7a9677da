#!/usr/bin/env bash
# Prints the lab's version: a hash of every file of lab/ but its documentation. Dumps are cached
# under RELEASE-HASH, so that a change to a module, a scenario or the capture makes new ones.
set -euo pipefail
cd "$(dirname "$0")"
find . -type f ! -name '*.md' ! -path './build/*' -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-12
