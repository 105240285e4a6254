#!/usr/bin/env bash
# Installs the Debian packages named as arguments that are not installed yet.
# Uses sudo when not root; waits for another apt/dpkg run to release its lock.
set -euo pipefail
missing=()
for package in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    sudo="sudo"
fi
echo "installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# DPkg::Lock::Timeout waits for a concurrent apt run instead of failing on its lock.
for attempt in 1 2 3; do
    if $sudo apt-get -o DPkg::Lock::Timeout=300 update -qq &&
       $sudo apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}"; then
        exit 0
    fi
    echo "apt-get failed (attempt $attempt), retrying in 10 s" >&2
    sleep 10
done
exit 1
