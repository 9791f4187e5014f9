#!/usr/bin/env bash
# Regenerates dashboards/connectome-overview.png, the README's picture: the monitoring module's live test runs a
# sample on the embedded default while a real Prometheus scrapes it, then draws the overview dashboard from the
# dashboard's own panel queries into an HTML page (inline SVG), which headless Chromium renders to PNG.
# Needs: prometheus (apt-get install prometheus), chromium (apt-get install chromium), node and npm; the project
# installed once (mvn -B -DskipTests install). playwright-core goes into dashboards/picture/node_modules.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
(cd "$root" && CX_DASHBOARD_PICTURE="$out/overview.html" CX_REQUIRE_PROMETHEUS=1 \
  mvn -B -q -pl monitoring verify -Dtest=LiveDashboardsTest -Dsurefire.failIfNoSpecifiedTests=false)
test -s "$out/overview.html"
if [ ! -d "$here/node_modules/playwright-core" ]; then
  (cd "$here" && npm install --no-save --no-package-lock --silent playwright-core@1.65.1)
fi
node "$here/screenshot.mjs" "$out/overview.html" "$root/dashboards/connectome-overview.png"
