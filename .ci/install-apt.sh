#!/usr/bin/env bash
# System packages the test harness and the code-server host need (Debian 12):
#   chromium        the browser Playwright drives (UI tests, and the workbench that starts the extension host)
#   libkrb5-dev     kerberos headers: code-server's `kerberos` native module does not build without gssapi.h
#   libsecret-1-dev keeps vsce's optional keytar from failing to build
#   ripgrep         seeds @vscode/ripgrep's download cache (its postinstall would otherwise call GitHub)
#   build-essential, pkg-config, python3: node-gyp for code-server's native modules
#   clang, lld      compile src/core/wasm/dense.c (the unit layer checks the committed wasm is its build)
#   python3-numpy   the unit layer checks python/flowmorph.py (numpy only) against the CLI, under /usr/bin/python3
# Only runs apt when something is missing (dpkg -s is fast), so repeated runs cost nothing.
set -euo pipefail
PKGS=(chromium libkrb5-dev libsecret-1-dev ripgrep build-essential pkg-config python3 clang lld python3-numpy)
missing=()
for p in "${PKGS[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-apt: all present (${PKGS[*]})"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-apt: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
