# Sourced by hack/demo.sh and hack/demo-kind.sh: where the demo writes, which java, how it talks.
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo"
out=$repo/.demo
mkdir -p "$out"
export JAVA_HOME=${JAVA_HOME:-$(hack/find-jdk.sh)}
java=$JAVA_HOME/bin/java
say() { printf '\n\033[1mdemo: %s\033[0m\n' "$*"; }
