#!/usr/bin/env bash
# Installs the pinned code-server (tools/vscode-host: code-server 4.100.3 = VS Code 1.100.3, the last release
# that runs on Node 20) that the integration/UI tests and `npm start` use. See /work/shared/vscode-host.md.
# Idempotent: returns at once when that version is already installed.
# Needs: .ci/install-apt.sh first (ripgrep, libkrb5-dev, build tools).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HOST="$ROOT/tools/vscode-host"
WANT="$(node -p "require('$HOST/package.json').dependencies['code-server']")"
BIN="$HOST/node_modules/.bin/code-server"
PKG="$HOST/node_modules/code-server/package.json"

# Installed = the package at the pinned version AND its postinstall finished (lib/vscode's own deps present).
if [ -x "$BIN" ] && [ -f "$PKG" ] && [ "$(node -p "require('$PKG').version")" = "$WANT" ] \
   && [ -d "$HOST/node_modules/code-server/lib/vscode/node_modules" ]; then
  echo "install-vscode-host: code-server $WANT already installed"
  exit 0
fi

command -v rg >/dev/null || { echo "install-vscode-host: ripgrep (rg) missing: run .ci/install-apt.sh" >&2; exit 1; }

# 1) @vscode/ripgrep 1.15.11 (pinned by code-server 4.100.3's shrinkwrap) downloads its binary from GitHub
#    in a postinstall, which is unreachable here. It first looks in its download cache: seed it with Debian's rg.
RG_CACHE="$(node -p 'require("os").tmpdir()')/vscode-ripgrep-cache-1.15.11"
RG_ASSET="$RG_CACHE/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
if [ ! -s "$RG_ASSET" ]; then
  mkdir -p "$RG_CACHE"
  t="$(mktemp -d)"
  cp "$(command -v rg)" "$t/rg"
  tar czf "$RG_ASSET.tmp" -C "$t" rg && mv "$RG_ASSET.tmp" "$RG_ASSET"
  rm -rf "$t"
fi

# 2) npm_config_unsafe_perm: code-server's postinstall.sh refuses to run as root without it (npm 11 warns
#    "unknown config" but still passes the variable, which is all the script checks).
#    npm_config_yes: node-pty's postinstall runs `npx node-gyp`; with yes=false in an npmrc, npx aborts.
export npm_config_unsafe_perm=true npm_config_yes=true
start=$(date +%s)
(cd "$HOST" && npm ci --no-audit --no-fund --loglevel=error)
echo "install-vscode-host: installed in $(( $(date +%s) - start )) s"
# --config of our own: otherwise code-server writes ~/.config/code-server/config.yaml on its first run.
cfg="$(mktemp)"; "$BIN" --config "$cfg" --version; rm -f "$cfg"
