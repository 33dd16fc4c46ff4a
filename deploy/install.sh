#!/bin/sh
# Installs the server into one directory: the steps the Dockerfile runs, also used for a systemd install
# and checked by tests/deploy/install_test.ts against a fresh directory.
#
#   deploy/install.sh <prefix>       e.g. deploy/install.sh /opt/iggy
#
# Run from a clone of the repository (with Deno on PATH). It writes:
#   <prefix>/iggy-server.js     the server bundled into one file (`deno run -A iggy-server.js`)
#   <prefix>/healthcheck.ts     exits 0 when the server's HTTP API answers /ping (container healthcheck)
#   <prefix>/server.toml        the default configuration with comments, to copy and edit
set -eu

if [ "$#" -ne 1 ]; then
  echo "usage: deploy/install.sh <prefix>" >&2
  exit 2
fi
prefix=$1
root=$(cd "$(dirname "$0")/.." && pwd)

mkdir -p "$prefix"
cd "$root"
deno bundle --quiet --platform deno -o "$prefix/iggy-server.js" server/main.ts
cp deploy/healthcheck.ts "$prefix/healthcheck.ts"
cp configs/server.toml "$prefix/server.toml"
chmod 0755 "$prefix/iggy-server.js"
chmod 0644 "$prefix/healthcheck.ts" "$prefix/server.toml"
echo "Installed the server in $prefix"
