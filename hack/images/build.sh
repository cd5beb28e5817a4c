#!/usr/bin/env bash
# Builds, without a registry or a Docker engine, the images that do not come from our Java code,
# as docker-archive tarballs (what `ctr images import`, `kind load image-archive` and Jib's
# `tar://` base read):
#   pause.tar      swell/pause:3.10       the pod sandbox: hack/build-nodes.sh's static pause
#   redis.tar      swell/redis:0.1.0      this machine's redis-server and redis-cli with their
#                                         libraries, entrypoint redis-server, user 999
#   java-base.tar  swell/java-base:0.1.0  a jlink'd runtime of the build JDK with the libraries it
#                                         needs, user 65532: the base Jib builds our images on
#   frameworks.tar swell/frameworks:0.1.0 the job frameworks' own workers for the real-pod tests and
#                                         samples: this machine's Python with the pinned Celery and
#                                         RQ (hack/frameworks, installed by install-deps) and Node
#                                         with the locked BullMQ, Debian's Ruby with Sidekiq, user 65532
# Each is rebuilt only when its inputs (this script, the binaries, the JDK) change.
#
#   hack/images/build.sh [OUTDIR]   default <repo>/target/images; prints OUTDIR
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$repo/target/images}
mkdir -p "$out"
say() { echo "images: $*" >&2; }

# An image of one layer: the folder ROOTFS as it is (files owned by root), with its config.
image_tar() { # name:tag rootfs out.tar user entrypoint-json cmd-json env-json workdir
  local ref=$1 rootfs=$2 tarball=$3 user=$4 entrypoint=$5 cmd=$6 env=$7 workdir=$8
  local tmp; tmp=$(mktemp -d)
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$rootfs" -cf "$tmp/layer.tar" .
  local layer; layer=$(sha256sum "$tmp/layer.tar" | cut -d' ' -f1)
  mkdir -p "$tmp/$layer" && mv "$tmp/layer.tar" "$tmp/$layer/layer.tar"
  cat >"$tmp/config.json" <<JSON
{"architecture":"amd64","os":"linux","created":"1970-01-01T00:00:00Z",
 "config":{"User":"$user","Env":$env,"Entrypoint":$entrypoint,"Cmd":$cmd,"WorkingDir":"$workdir"},
 "rootfs":{"type":"layers","diff_ids":["sha256:$layer"]},
 "history":[{"created":"1970-01-01T00:00:00Z","created_by":"hack/images/build.sh"}]}
JSON
  local cfg; cfg=$(sha256sum "$tmp/config.json" | cut -d' ' -f1)
  mv "$tmp/config.json" "$tmp/$cfg.json"
  printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":["%s/layer.tar"]}]\n' "$cfg" "$ref" "$layer" >"$tmp/manifest.json"
  tar --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$tmp" -cf "$tarball.tmp" manifest.json "$cfg.json" "$layer"
  mv "$tarball.tmp" "$tarball"
  rm -rf "$tmp"
}

copy_with_libs() { # rootfs binary...: the binaries at their paths, and every library ldd names
  local root=$1; shift
  local f lib
  for f in "$@"; do
    mkdir -p "$root$(dirname "$f")"; cp -L "$f" "$root$f"
    for lib in $(ldd "$f" 2>/dev/null | grep -oE '/[^ ]+\.so[^ ]*'); do
      [[ -e $root$lib ]] && continue
      mkdir -p "$root$(dirname "$lib")"; cp -L "$lib" "$root$lib"
    done
  done
}

base_files() { # rootfs: users, name lookup, a writable-by-mount /tmp
  local root=$1
  chmod 755 "$root"
  mkdir -p "$root/etc" "$root/tmp" && chmod 1777 "$root/tmp"
  printf 'root:x:0:0:root:/root:/sbin/nologin\nredis:x:999:999:redis:/data:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >"$root/etc/passwd"
  printf 'root:x:0:\nredis:x:999:\nnonroot:x:65532:\n' >"$root/etc/group"
  printf 'hosts: files dns\n' >"$root/etc/nsswitch.conf"
  mkdir -p "$root/home/nonroot"
}

fresh() { # tarball key: true if the tarball was built from this key
  [[ -f $1 && -f $1.key && "$(cat "$1.key")" == "$2" ]]
}

self=$(sha256sum "$0" | cut -c1-16)

# pause
if ! nodebin=$("$repo/hack/build-nodes.sh" --bin-dir 2>/dev/null); then
  say "no pause.tar: the node binaries are not built (hack/build-nodes.sh); kind has its own pause"
elif key="$self $(sha256sum "$nodebin/pause" | cut -c1-16)" && ! fresh "$out/pause.tar" "$key"; then
  say "swell/pause:3.10"
  root=$(mktemp -d); chmod 755 "$root"; cp "$nodebin/pause" "$root/pause"
  image_tar swell/pause:3.10 "$root" "$out/pause.tar" "65535:65535" '["/pause"]' 'null' '[]' /
  rm -rf "$root"; echo "$key" >"$out/pause.tar.key"
fi

# redis
if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
  say "no redis.tar: redis-server and redis-cli are not installed (hack/install-deps.sh)"
elif redis=$(command -v redis-server) cli=$(command -v redis-cli) \
  key="$self $(redis-server --version | tr -d '\n' | sha256sum | cut -c1-16)" && ! fresh "$out/redis.tar" "$key"; then
  say "swell/redis:0.1.0 from $(redis-server --version | grep -o 'v=[0-9.]*')"
  root=$(mktemp -d)
  base_files "$root"
  copy_with_libs "$root" "$(readlink -f "$redis")" "$(readlink -f "$cli")"
  mkdir -p "$root/usr/local/bin" "$root/data"
  ln -sf "$(readlink -f "$redis")" "$root/usr/local/bin/redis-server"
  ln -sf "$(readlink -f "$cli")" "$root/usr/local/bin/redis-cli"
  image_tar swell/redis:0.1.0 "$root" "$out/redis.tar" "999:999" '["redis-server"]' 'null' \
    '["PATH=/usr/local/bin:/usr/bin:/bin"]' /data
  rm -rf "$root"; echo "$key" >"$out/redis.tar.key"
fi

# the Java base: the JDK that builds and benchmarks Swell (hack/find-jdk.sh), cut down by jlink
jdk=$("$repo/hack/find-jdk.sh")
modules=java.base,java.compiler,java.desktop,java.instrument,java.logging,java.management,java.naming,java.net.http,java.scripting,java.security.jgss,java.security.sasl,java.sql,java.xml,jdk.crypto.cryptoki,jdk.httpserver,jdk.jfr,jdk.management,jdk.naming.dns,jdk.unsupported,jdk.zipfs
key="$self $(sha256sum "$jdk/release" | cut -c1-16)"
if ! fresh "$out/java-base.tar" "$key"; then
  say "swell/java-base:0.1.0 from $jdk"
  root=$(mktemp -d)
  base_files "$root"
  mkdir -p "$root/opt"
  "$jdk/bin/jlink" --add-modules "$modules" --strip-debug --no-man-pages --no-header-files \
    --compress=zip-6 --output "$root/opt/java"
  # java.desktop is there for java.beans; its window, sound and splash libraries go (headless)
  rm -f "$root"/opt/java/lib/{libawt_xawt,libjawt,libsplashscreen,libjsound}.so
  for f in "$root/opt/java/bin/java" $(find "$root/opt/java/lib" -name '*.so'); do
    for lib in $(ldd "$f" 2>/dev/null | grep -oE '/[^ ]+\.so[^ ]*' | grep -v "^$root"); do
      [[ -e $root$lib ]] && continue
      mkdir -p "$root$(dirname "$lib")"; cp -L "$lib" "$root$lib"
    done
  done
  image_tar swell/java-base:0.1.0 "$root" "$out/java-base.tar" "65532:65532" 'null' 'null' \
    '["PATH=/opt/java/bin:/usr/bin:/bin","JAVA_HOME=/opt/java","LANG=C.UTF-8"]' /
  rm -rf "$root"; echo "$key" >"$out/java-base.tar.key"
fi
# the frameworks: Python (the interpreter the virtualenv was made from, its standard library without
# tests, IDLE or Tk), the virtualenv's packages, Node and the npm project, and the tasks
fw=$repo/hack/frameworks
venv_python=$("$fw/install.sh" --python)
if [[ ! -x $venv_python || ! -d $fw/node/node_modules/bullmq || ! -x /usr/bin/sidekiq ]] || ! command -v node >/dev/null; then
  say "no frameworks.tar: the frameworks are not installed (hack/frameworks/install.sh)"
else
  venv=$(dirname "$(dirname "$venv_python")")
  base_python=$(readlink -f "$(sed -n 's/^executable = //p' "$venv/pyvenv.cfg")")
  prefix=$(dirname "$(dirname "$base_python")")
  pyver=$(basename "$base_python" | sed 's/^python//')
  node=$(readlink -f "$(command -v node)")
  ruby=$(readlink -f "$(command -v ruby)")
  sidekiq=$(dpkg-query -W -f '${Version}' ruby-sidekiq)
  key="$self $(cat "$fw/requirements.txt" "$fw/node/package-lock.json" "$fw/swell_tasks.py" "$fw/node/swell-bullmq.mjs" "$fw/swell_jobs.rb" | sha256sum | cut -c1-16) $("$base_python" --version) $("$node" --version) $("$ruby" --version) sidekiq $sidekiq"
  if ! fresh "$out/frameworks.tar" "$key"; then
    say "swell/frameworks:0.1.0: Python $pyver with Celery and RQ, Node $("$node" --version) with BullMQ, $("$ruby" --version | cut -d' ' -f1-2) with Sidekiq $sidekiq"
    root=$(mktemp -d)
    base_files "$root"
    mkdir -p "$root/opt/python/bin" "$root/opt/python/lib" "$root/opt/site-packages" "$root/app"
    cp -L "$base_python" "$root/opt/python/bin/python$pyver"
    ln -s "python$pyver" "$root/opt/python/bin/python3"
    cp -L "$prefix"/lib/libpython*.so* "$root/opt/python/lib/"
    (cd "$prefix/lib" && tar --exclude=test --exclude=tests --exclude=__pycache__ --exclude=site-packages \
      --exclude='config-*' --exclude=idlelib --exclude=tkinter --exclude=turtledemo --exclude=ensurepip \
      --exclude=lib2to3 -cf - "python$pyver") | tar -C "$root/opt/python/lib" -xf -
    cp -a "$venv/lib/python$pyver/site-packages/." "$root/opt/site-packages/"
    find "$root/opt/site-packages" -name __pycache__ -prune -exec rm -rf {} +
    copy_with_libs "$root" "$node"
    mkdir -p "$root/opt/node/bin" && ln -sf "$node" "$root/opt/node/bin/node"
    for f in "$root/opt/python/bin/python$pyver" $(find "$root/opt/python/lib" -name '*.so*'); do
      for lib in $(ldd "$f" 2>/dev/null | grep -oE '/[^ ]+\.so[^ ]*' | grep -v "^$root" | grep -v "^$prefix"); do
        [[ -e $root$lib ]] && continue
        mkdir -p "$root$(dirname "$lib")"; cp -L "$lib" "$root$lib"
      done
    done
    # Ruby and Debian's Sidekiq (ruby-sidekiq and the gems it depends on, as installed by
    # install-deps): the interpreter, its standard and vendor libraries with their native
    # extensions' libraries, the rubygems-integration gem specs, the sidekiq command
    copy_with_libs "$root" "$ruby" /usr/bin/sidekiq
    ln -sf "$(basename "$ruby")" "$root/usr/bin/ruby"
    for d in /usr/lib/ruby /usr/lib/x86_64-linux-gnu/ruby /usr/share/rubygems-integration \
      /usr/lib/x86_64-linux-gnu/rubygems-integration; do
      [[ -d $d ]] && { mkdir -p "$root$(dirname "$d")"; cp -a "$d" "$root$d"; }
    done
    for f in $(find "$root/usr/lib/x86_64-linux-gnu/ruby" -name '*.so'); do
      for lib in $(ldd "$f" 2>/dev/null | grep -oE '/[^ ]+\.so[^ ]*' | grep -v "^$root"); do
        [[ -e $root$lib ]] && continue
        mkdir -p "$root$(dirname "$lib")"; cp -L "$lib" "$root$lib"
      done
    done
    # time zones: Celery's kombu asks for UTC from zoneinfo
    mkdir -p "$root/usr/share" && cp -rL /usr/share/zoneinfo "$root/usr/share/zoneinfo"
    cp "$fw/swell_tasks.py" "$fw/swell_jobs.rb" "$root/app/"
    cp "$fw/node/swell-bullmq.mjs" "$fw/node/package.json" "$root/app/"
    cp -a "$fw/node/node_modules" "$root/app/node_modules"
    chmod -R a+rX "$root/opt" "$root/app" "$root/usr"
    image_tar swell/frameworks:0.1.0 "$root" "$out/frameworks.tar" "65532:65532" 'null' \
      '["python3", "/app/swell_tasks.py"]' \
      '["PATH=/opt/python/bin:/opt/node/bin:/usr/bin:/bin","LD_LIBRARY_PATH=/opt/python/lib","PYTHONPATH=/app:/opt/site-packages","PYTHONDONTWRITEBYTECODE=1","HOME=/tmp","LANG=C.UTF-8"]' /app
    rm -rf "$root"; echo "$key" >"$out/frameworks.tar.key"
  fi
fi
echo "$out"
