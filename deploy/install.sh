#!/usr/bin/env bash
# Installs remitd on this machine under systemd, or removes it again.
#
#   deploy/install.sh                 build release, install, create the user, reload systemd
#   deploy/install.sh --uninstall     remove what it installed; the ledger, backups, edited
#                                     configuration, credentials and the user stay
#   --prefix DIR     binaries in DIR/bin, docs in DIR/share (default /usr/local)
#   --root DIR       install into DIR as if it were / (packaging, tests); systemd is not touched
#   --no-build       use binaries built already; --bin-dir DIR says where (default .build/release)
#
# Running it twice is harmless: files are replaced by the same files, an existing
# /etc/remitd/remitd.toml is never overwritten, and the user is created once. What it installed
# is listed in PREFIX/share/remitd/installed-files, which --uninstall reads.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
root="" prefix="/usr/local" build=1 bin_dir="" uninstall=0
while [ $# -gt 0 ]; do
    case "$1" in
        --root) root="${2:?--root needs a folder}"; shift 2 ;;
        --prefix) prefix="${2:?--prefix needs a folder}"; shift 2 ;;
        --no-build) build=0; shift ;;
        --bin-dir) bin_dir="${2:?--bin-dir needs a folder}"; shift 2 ;;
        --uninstall) uninstall=1; shift ;;
        -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "install.sh: unknown argument $1 (see --help)" >&2; exit 64 ;;
    esac
done
case "$prefix" in /*) ;; *) echo "install.sh: --prefix must be an absolute path" >&2; exit 64 ;; esac
if [ -n "$root" ]; then
    mkdir -p "$root"
    root="$(cd "$root" && pwd)"
fi
live=0  # systemd is running this machine and we install into it
if [ -z "$root" ] && [ -d /run/systemd/system ]; then live=1; fi
if [ -z "$root" ] && [ "$(id -u)" -ne 0 ]; then
    echo "install.sh: run as root (or give --root DIR)" >&2
    exit 77
fi

manifest_rel="$prefix/share/remitd/installed-files"
manifest="$root$manifest_rel"
say() { printf '%s\n' "$*"; }

if [ "$uninstall" -eq 1 ]; then
    if [ ! -f "$manifest" ]; then say "install.sh: nothing to remove ($manifest_rel is absent)"; exit 0; fi
    if [ "$live" -eq 1 ]; then
        systemctl disable --now remitd-backup.timer remitd.service 2>/dev/null || true
    fi
    # Lines: "file PATH" removed; "config PATH SHA256" removed only if unchanged; "dir PATH"
    # removed only if empty.
    tac "$manifest" | while read -r kind path sum; do
        target="$root$path"
        case "$kind" in
            file) rm -f "$target" && say "removed $path" ;;
            config)
                if [ -f "$target" ] && [ "$(sha256sum < "$target" | cut -d' ' -f1)" = "$sum" ]; then
                    rm -f "$target" && say "removed $path (unchanged example)"
                elif [ -f "$target" ]; then
                    say "kept $path (edited)"
                fi ;;
            dir) rmdir "$target" 2>/dev/null && say "removed $path" || true ;;
        esac
    done
    rm -f "$manifest"
    rmdir "$root$prefix/share/remitd" 2>/dev/null || true
    [ "$live" -eq 1 ] && systemctl daemon-reload
    say "kept: /var/lib/remitd (the ledger), /var/backups/remitd, /etc/remitd/credentials, the user remitd."
    say "remove them by hand only once the ledger is archived elsewhere."
    exit 0
fi

if [ "$build" -eq 1 ]; then
    (cd "$repo" && swift build -c release --product remitd && swift build -c release --product remitctl)
fi
bin_dir="${bin_dir:-$repo/.build/release}"
for binary in remitd remitctl; do
    [ -x "$bin_dir/$binary" ] || { echo "install.sh: $bin_dir/$binary is not built (drop --no-build, or give --bin-dir)" >&2; exit 66; }
done

entries=()
put() {  # put MODE SOURCE DEST: install one file, recorded for --uninstall
    install -D -m "$1" "$2" "$root$3"
    entries+=("file $3")
}
put_dir() {  # folders this script made, removed by --uninstall when empty
    if [ ! -d "$root$1" ]; then mkdir -p "$root$1"; fi
    entries+=("dir $1")
}

put_dir "$prefix/share/doc/remitd"
put_dir "$prefix/share/remitd"
put 0755 "$bin_dir/remitd" "$prefix/bin/remitd"
put 0755 "$bin_dir/remitctl" "$prefix/bin/remitctl"
for unit in remitd.service remitd-backup.service remitd-backup.timer; do
    tmp="$(mktemp)"
    sed "s#/usr/local/#$prefix/#g" "$here/$unit" > "$tmp"
    put 0644 "$tmp" "/etc/systemd/system/$unit"
    rm -f "$tmp"
done
put 0644 "$here/remitd.sysusers" "/etc/sysusers.d/remitd.conf"
put 0644 "$here/remitd.tmpfiles" "/etc/tmpfiles.d/remitd.conf"
for doc in docs/operations.md docs/configuration.md docs/partners.md docs/reconciliation.md; do
    put 0644 "$repo/$doc" "$prefix/share/doc/remitd/$(basename "$doc")"
done
put 0644 "$here/grafana-dashboard.json" "$prefix/share/doc/remitd/grafana-dashboard.json"
put 0644 "$here/prometheus-alerts.yml" "$prefix/share/doc/remitd/prometheus-alerts.yml"
put 0644 "$here/remitd.toml" "$prefix/share/doc/remitd/remitd.toml.example"
completion="$(mktemp)"
"$bin_dir/remitctl" --generate-completion-script bash > "$completion"
put 0644 "$completion" "$prefix/share/bash-completion/completions/remitctl"
rm -f "$completion"

# The user and folders first: /etc/remitd belongs to root:remitd.
if [ -n "$root" ]; then
    systemd-sysusers --root="$root" "$root/etc/sysusers.d/remitd.conf"
    systemd-tmpfiles --root="$root" --create "$root/etc/tmpfiles.d/remitd.conf"
else
    systemd-sysusers /etc/sysusers.d/remitd.conf
    systemd-tmpfiles --create /etc/tmpfiles.d/remitd.conf
fi
config=/etc/remitd/remitd.toml
sum="$(sha256sum < "$here/remitd.toml" | cut -d' ' -f1)"
if [ -f "$root$config" ]; then
    say "kept $config as it is (the example is $prefix/share/doc/remitd/remitd.toml.example)"
    # An earlier run may have installed it: keep recording it so --uninstall can tell.
    if [ -f "$manifest" ] && grep -q "^config $config " "$manifest"; then entries+=("$(grep "^config $config " "$manifest")"); fi
else
    install -m 0640 "$here/remitd.toml" "$root$config"
    chgrp --reference="$root/etc/remitd" "$root$config" 2>/dev/null || true
    entries+=("config $config $sum")
    say "installed the example configuration as $config: edit it before starting remitd"
fi

mkdir -p "$(dirname "$manifest")"
printf '%s\n' "${entries[@]}" > "$manifest"
say "installed remitd and remitctl in $prefix/bin, units in /etc/systemd/system${root:+ (under $root)}"

if [ "$live" -eq 1 ]; then
    systemctl daemon-reload
    say "next: certificates and configuration (docs/operations.md), then"
    say "  systemctl enable --now remitd remitd-backup.timer"
fi
