#!/usr/bin/env bash
# Set up a fresh Debian 12 machine for tsvisor: system packages (the default guest's kernel,
# busybox for its initramfs, nasm/gcc for the tests), npm dependencies, the build, and the
# default guest's initramfs in .work/.
set -euo pipefail
cd "$(dirname "$0")/.."
pkgs=()
ls /boot/vmlinuz-*-cloud-amd64 >/dev/null 2>&1 || pkgs+=(linux-image-cloud-amd64)
[ -x /bin/busybox ] || pkgs+=(busybox-static)
command -v cpio >/dev/null 2>&1 || pkgs+=(cpio)
command -v nasm >/dev/null 2>&1 || pkgs+=(nasm)
command -v gcc >/dev/null 2>&1 || pkgs+=(gcc)
if [ ${#pkgs[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${pkgs[@]}" >/dev/null
fi
npm ci --no-audit --no-fund --loglevel=error
npm run build >/dev/null
mkdir -p .work
[ -s .work/initramfs.cpio.gz ] || scripts/build-initramfs.sh .work/initramfs.cpio.gz
echo "setup done: kernel $(ls /boot/vmlinuz-*-cloud-amd64 | sort -V | tail -1), initramfs .work/initramfs.cpio.gz"
