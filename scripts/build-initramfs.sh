#!/bin/sh
# Builds tsvisor's default initramfs: a gzip'd newc cpio with Debian's static busybox and an
# /init that mounts proc/sys/devtmpfs, prints TSVISOR-INIT on the console and runs a shell
# on it (ttyS0 with console=ttyS0). When the shell exits, the guest powers off.
# Usage: scripts/build-initramfs.sh OUT.cpio.gz
# Idempotent and reproducible (fixed timestamps); the only network use is apt-get when
# busybox-static or cpio is missing.
set -eu

if [ $# -ne 1 ]; then
  echo "usage: $0 OUT.cpio.gz" >&2
  exit 2
fi
OUT=$1

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

is_static_busybox() {
  [ -x /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1
}

if ! is_static_busybox || ! command -v cpio >/dev/null 2>&1 || ! command -v gzip >/dev/null 2>&1; then
  echo "build-initramfs: installing busybox-static and cpio with apt-get" >&2
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq busybox-static cpio gzip >/dev/null
fi
if ! is_static_busybox; then
  echo "build-initramfs: /bin/busybox is not a static binary (install busybox-static)" >&2
  exit 1
fi

ROOT=$(mktemp -d)
trap 'rm -rf "$ROOT"' EXIT INT TERM
mkdir -p "$ROOT/bin" "$ROOT/sbin" "$ROOT/dev" "$ROOT/proc" "$ROOT/sys" "$ROOT/tmp" "$ROOT/root" "$ROOT/etc"
cp /bin/busybox "$ROOT/bin/busybox"
ln -s busybox "$ROOT/bin/sh"
# The kernel opens /dev/console for init before devtmpfs exists; only root can mknod.
mknod -m 600 "$ROOT/dev/console" c 5 1 2>/dev/null || true

cat > "$ROOT/init" <<'INIT'
#!/bin/sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev
/bin/busybox --install -s /bin
export PATH=/bin:/sbin HOME=/root
exec </dev/console >/dev/console 2>&1
echo TSVISOR-INIT
setsid cttyhack sh -l
echo "init: shell exited, powering off"
poweroff -f
INIT
chmod 755 "$ROOT/init"

# Fixed timestamps and sorted names: the same inputs give the same bytes.
find "$ROOT" -exec touch -h -d @0 {} +
TMP="$OUT.tmp.$$"
(cd "$ROOT" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc --reproducible -R 0:0) | gzip -9 -n > "$TMP"
mv -f "$TMP" "$OUT"
echo "build-initramfs: wrote $OUT ($(wc -c < "$OUT") bytes)" >&2
