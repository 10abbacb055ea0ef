#!/bin/sh
# Builds the real Flatpak manifest against a runtime made from Debian 12
# packages, installs the bundle in a private Flatpak installation, runs the
# app in its sandbox under Xvfb and takes a screenshot. This proves the
# manifest, the install layout, the finish-args and the sandbox where the
# GNOME runtime cannot be downloaded (see PLATFORM.md, "Flatpak without
# Flathub").
#
# Run as root from anywhere: flatpak/build-local.sh
# Everything goes to _build/flatpak-local (KS_FLATPAK_CACHE overrides it);
# the Debian root file system and the runtime are made once and reused.
# The first run takes about 3 minutes and 2.6 GB, later runs under one.
# The last line printed is the path of the screenshot.
set -eu

cd "$(dirname "$0")/.."
top=$(pwd)
app_id=io.github.kontextstudio.KontextStudio
manifest=$top/flatpak/$app_id.json
cache=${KS_FLATPAK_CACHE:-$top/_build/flatpak-local}
runtime_id=org.debian.KontextStudio.Sdk
runtime_branch=1
arch=$(uname -m)
runtime_ref=runtime/$runtime_id/$arch/$runtime_branch
screenshot=$cache/flatpak-run.png

say () {
  printf 'build-local: %s\n' "$*"
}

fail () {
  printf 'build-local: error: %s\n' "$*" >&2
  exit 1
}

start=$(date +%s)

# 1. Host tools, installed with apt when missing (like .ci/install-deps).
host_packages="flatpak flatpak-builder elfutils appstream-util mmdebstrap
  imagemagick xvfb xauth x11-utils dbus python3"
missing=""
for package in $host_packages; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)
  if [ "$status" != "installed" ]; then
    missing="$missing $package"
  fi
done
if [ -n "$missing" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    fail "these host packages are missing:$missing; run this script as root"
  fi
  say "installing host packages:$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  # shellcheck disable=SC2086 # the list is meant to split into words
  apt-get install -y -q --no-install-recommends $missing
fi

mkdir -p "$cache"

# 2. The real manifest: syntax (flatpak-builder parses it offline) and the
#    promises the README makes about it.
say "checking $manifest with flatpak-builder --show-manifest"
flatpak-builder --show-manifest "$manifest" >"$cache/manifest.shown"
python3 - "$cache/manifest.shown" <<'EOF'
import json, sys
m = json.load(open(sys.argv[1]))
want = ["--share=network", "--share=ipc", "--socket=wayland",
        "--socket=fallback-x11", "--device=dri"]
problems = []
if m.get("runtime") != "org.gnome.Platform" or m.get("sdk") != "org.gnome.Sdk":
    problems.append("runtime/sdk are not org.gnome.Platform/org.gnome.Sdk")
if sorted(m.get("finish-args", [])) != sorted(want):
    problems.append("finish-args are %s, not %s" % (m.get("finish-args"), want))
mod = m["modules"][-1]
if mod.get("buildsystem") != "meson" or mod["sources"][0].get("type") != "dir":
    problems.append("the last module is not meson from a local directory")
if problems:
    sys.exit("build-local: manifest: " + "; ".join(problems))
EOF
say "manifest OK: org.gnome.Platform $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["runtime-version"])' "$cache/manifest.shown"), finish-args as documented"

# 3. A Debian 12 root file system with everything the build and the app need.
#    Reused as long as the package list does not change.
runtime_packages="gcc,libc6-dev,pkgconf,meson,ninja-build,gettext,\
libglib2.0-dev-bin,libglib2.0-bin,libgtk-4-dev,libgtk-4-bin,\
libadwaita-1-dev,libsoup-3.0-dev,libjson-glib-dev,libgdk-pixbuf-2.0-dev,\
libsecret-1-dev,desktop-file-utils,appstream,appstream-util,\
shared-mime-info,hicolor-icon-theme,glib-networking,fonts-dejavu-core,\
adwaita-icon-theme,librsvg2-common,libgl1-mesa-dri,webp-pixbuf-loader"
rootfs=$cache/rootfs
if [ -d "$rootfs" ] && [ "$(cat "$cache/rootfs.packages" 2>/dev/null)" = "$runtime_packages" ]; then
  say "reusing the Debian root file system in $rootfs"
else
  say "making a Debian 12 root file system with mmdebstrap (about a minute)"
  rm -rf "$rootfs" "$rootfs.tmp" "$cache/sdk" "$cache/runtime.stamp"
  mmdebstrap --variant=minbase --include="$runtime_packages" bookworm "$rootfs.tmp"
  mv "$rootfs.tmp" "$rootfs"
  printf '%s\n' "$runtime_packages" >"$cache/rootfs.packages"
fi

# 4. The runtime: usr as files/, etc as files/etc, exported to a local
#    repository and installed in a private Flatpak installation.
export FLATPAK_USER_DIR="$cache/flatpak-user"
repo=$cache/repo
# A new root file system removes the stamp, so the runtime is made again.
if [ ! -f "$cache/runtime.stamp" ]; then
  say "making the runtime $runtime_id from the root file system"
  rm -rf "$cache/sdk"
  mkdir -p "$cache/sdk"
  cp -a "$rootfs/usr" "$cache/sdk/files"
  cp -a "$rootfs/etc" "$cache/sdk/files/etc"
  ln -sf ../sbin/ldconfig "$cache/sdk/files/bin/ldconfig"
  cat >"$cache/sdk/metadata" <<EOF
[Runtime]
name=$runtime_id
runtime=$runtime_id/$arch/$runtime_branch
sdk=$runtime_id/$arch/$runtime_branch
EOF
  say "exporting the runtime to $repo"
  flatpak build-export --runtime --files=files "$repo" "$cache/sdk" "$runtime_branch"
  flatpak --user remote-add --if-not-exists --no-gpg-verify ks-local "file://$repo"
  say "installing the runtime into $FLATPAK_USER_DIR"
  flatpak --user install -y --noninteractive --reinstall ks-local "$runtime_ref"
  rm -rf "$cache/sdk"
  touch "$cache/runtime.stamp"
else
  say "reusing the runtime $runtime_ref"
fi

# 5. The app: the real manifest with only the runtime and sdk swapped and
#    the source directory made absolute (the copy lives in the cache).
local_manifest=$cache/$app_id.json
python3 - "$cache/manifest.shown" "$local_manifest" "$runtime_id" "$runtime_branch" "$top" <<'EOF'
import json, sys
src, dst, runtime, branch, top = sys.argv[1:]
m = json.load(open(src))
m["runtime"] = runtime
m["sdk"] = runtime
m["runtime-version"] = branch
for source in m["modules"][-1]["sources"]:
    if source.get("type") == "dir":
        source["path"] = top
json.dump(m, open(dst, "w"), indent=4)
EOF
say "building the app with flatpak-builder (sources: $top)"
cd "$cache"
flatpak-builder --disable-download --disable-rofiles-fuse --force-clean \
  --state-dir="$cache/.flatpak-builder" --repo="$repo" \
  "$cache/app-build" "$local_manifest"
bundle=$cache/$app_id.flatpak
say "bundling to $bundle"
flatpak build-bundle "$repo" "$bundle" "$app_id"
say "installing the bundle"
flatpak --user install -y --noninteractive --reinstall --bundle "$bundle"
cd "$top"

# 6. The sandbox has the permissions the manifest asks for, and no others:
#    as flatpak reports them, and as the app sees them from inside.
say "permissions (flatpak info --show-permissions):"
flatpak --user info --show-permissions "$app_id" | tee "$cache/permissions.host"
flatpak --user run --command=cat "$app_id" /.flatpak-info >"$cache/permissions.sandbox"
python3 - "$cache/manifest.shown" "$cache/permissions.host" "$cache/permissions.sandbox" <<'EOF'
import configparser, json, sys
m = json.load(open(sys.argv[1]))
keys = {"share": "shared", "socket": "sockets", "device": "devices",
        "filesystem": "filesystems", "talk-name": "talk", "own-name": "own"}
want = {}
for arg in m["finish-args"]:
    option, value = arg[2:].split("=", 1)
    want.setdefault(keys[option], set()).add(value)
for path, where in ((sys.argv[2], "flatpak info"), (sys.argv[3], "/.flatpak-info inside the sandbox")):
    c = configparser.ConfigParser(interpolation=None, delimiters=("=",))
    c.optionxform = str
    c.read(path)
    got = {k: set(v for v in c["Context"][k].split(";") if v)
           for k in c["Context"]} if "Context" in c else {}
    got = {k: v for k, v in got.items() if v}
    # flatpak lists x11 alongside fallback-x11: it means "X11 only when
    # there is no Wayland", which the sandbox enforces at run time.
    if "fallback-x11" in got.get("sockets", set()):
        got["sockets"].discard("x11")
    if got != want:
        sys.exit("build-local: %s shows %s, the manifest asks for %s"
                 % (where, sorted((k, sorted(v)) for k, v in got.items()),
                    sorted((k, sorted(v)) for k, v in want.items())))
    for section in c.sections():
        if "Policy" in section and len(c[section]):
            sys.exit("build-local: %s has a %s section" % (where, section))
    print("build-local: %s: the permissions are exactly the manifest's" % where)
EOF

# 7. Run it in the sandbox under Xvfb, wait for its window, screenshot.
say "running the app in its sandbox under Xvfb (the simulated service, --demo)"
rm -f "$screenshot"
run_home=$cache/home
mkdir -p "$run_home"
# shellcheck disable=SC2016 # expanded by the inner shell
HOME=$run_home KS_APP_ID=$app_id KS_SCREENSHOT=$screenshot \
  xvfb-run -a -s "-screen 0 1280x1024x24" dbus-run-session -- sh -c '
    flatpak --user run "$KS_APP_ID" --demo >"$HOME/app.log" 2>&1 &
    app=$!
    deadline=$(( $(date +%s) + 60 ))
    until xwininfo -root -tree 2>/dev/null | grep -q "Kontext Studio"; do
      if ! kill -0 $app 2>/dev/null; then
        echo "build-local: the app exited before showing a window:" >&2
        cat "$HOME/app.log" >&2
        exit 1
      fi
      if [ "$(date +%s)" -gt "$deadline" ]; then
        echo "build-local: no window after 60 s" >&2
        cat "$HOME/app.log" >&2
        exit 1
      fi
      sleep 0.2
    done
    # The window is mapped; give GTK a moment to draw its first frame.
    sleep 3
    import -window root "$KS_SCREENSHOT"
    echo "build-local: the window belongs to a sandboxed instance (flatpak ps):"
    flatpak ps --columns=instance,pid,application,runtime
    flatpak --user kill "$KS_APP_ID" 2>/dev/null || kill $app
    wait $app 2>/dev/null || true
  '
[ -s "$screenshot" ] || fail "no screenshot was taken"

end=$(date +%s)
say "app size installed: $(du -sh "$FLATPAK_USER_DIR/app/$app_id" | cut -f1)," \
  "runtime: $(du -sh "$FLATPAK_USER_DIR/runtime/$runtime_id" | cut -f1)," \
  "bundle: $(du -h "$bundle" | cut -f1), cache in all: $(du -sh "$cache" | cut -f1)"
say "done in $((end - start)) s"
echo "$screenshot"
