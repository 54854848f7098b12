#!/usr/bin/env bash
# Runs jco (npm @bytecodealliance/jco), installing it first into a cache directory shared by test runs:
#   Tests/Components/jco.sh new module.wasm --wasi-command -o component.wasm
#   Tests/Components/jco.sh --bin componentize-js ...   (the componentize-js that jco depends on)
#   Tests/Components/jco.sh --root                      (prints the installation, e.g. for jco's WASI WIT files)
# MOC_NPM_CACHE overrides where (default: $XDG_CACHE_HOME or ~/.cache, under moc-test-npm).
set -euo pipefail
version=1.35.0
root="${MOC_NPM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/moc-test-npm}/jco-$version"
if [ ! -x "$root/node_modules/.bin/jco" ]; then
  mkdir -p "$(dirname "$root")"
  staging="$(mktemp -d "$root.XXXXXX")"
  npm install --silent --no-audit --no-fund --prefix "$staging" "@bytecodealliance/jco@$version" >&2
  # Parallel runs each install into their own staging directory; the first to finish publishes it.
  mv -T "$staging" "$root" 2>/dev/null || rm -rf "$staging"
fi
case "${1:-}" in
  --root) echo "$root/node_modules/@bytecodealliance/jco" ;;
  --bin) bin="$2"; shift 2; exec "$root/node_modules/.bin/$bin" "$@" ;;
  *) exec "$root/node_modules/.bin/jco" "$@" ;;
esac
