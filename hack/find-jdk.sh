#!/usr/bin/env bash
# Prints a JAVA_HOME whose java is 21 or newer: $JAVA_HOME if it qualifies, else the default
# java's home, else the newest JDK under /usr/lib/jvm. Exits 1 (with a message) if none exists.
set -euo pipefail
want=21

major() { # major version of a java binary
  "$1" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2; exit}'
}

candidates=()
[[ -n "${JAVA_HOME:-}" ]] && candidates+=("$JAVA_HOME")
if command -v java >/dev/null; then
  candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
fi
for d in $(ls -d /usr/lib/jvm/*/ 2>/dev/null | sort -rV); do candidates+=("${d%/}"); done

for home in "${candidates[@]}"; do
  [[ -x "$home/bin/java" && -x "$home/bin/javac" ]] || continue
  v=$(major "$home/bin/java")
  if [[ -n "$v" && "$v" -ge "$want" ]]; then echo "$home"; exit 0; fi
done
echo "find-jdk: no JDK >= $want found (looked at JAVA_HOME, the default java, /usr/lib/jvm/*)" >&2
exit 1
