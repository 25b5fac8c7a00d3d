#!/usr/bin/env bash
# Installs the real servers the test suite talks to (Debian packages), only when missing.
# Each entry: the command the tests run (or a file they need), and the Debian package that ships it.
set -euo pipefail

peers=(
  "promtool prometheus"
  "prometheus prometheus"
  "prometheus-node-exporter prometheus-node-exporter"
  "prometheus-pushgateway prometheus-pushgateway"
  "redis-server redis-server"
  "redis-cli redis-tools"
  "prometheus-redis-exporter prometheus-redis-exporter"
  "kcat kcat"
  "go golang-go"
  "/usr/share/gocode/src/github.com/Shopify/sarama/mockbroker.go golang-github-shopify-sarama-dev"
)

missing=()
for peer in "${peers[@]}"; do
  read -r command package <<<"$peer"
  if [[ "$command" == /* ]]; then [ -e "$command" ] || missing+=("$package")
  else command -v "$command" >/dev/null 2>&1 || missing+=("$package"); fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

packages=$(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')
echo "install-peers: the tests need these Debian packages, which are missing: $packages"
if [ "$(id -u)" -ne 0 ]; then
  echo "install-peers: not root, so I cannot install them; run: sudo apt-get install -y $packages" >&2
  exit 1
fi
echo "install-peers: apt-get update"
apt-get update -q >/dev/null
echo "install-peers: apt-get install $packages"
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends $packages >/dev/null
echo "install-peers: done"
