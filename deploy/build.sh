#!/usr/bin/env bash
# Builds the Lambda zips that deploy/template.yaml's CodeUri points at:
# deploy/dist/{authorizer,sessionapi,examplebackend}.zip, each holding one
# linux/arm64 `bootstrap` for the provided.al2023 runtime.
# Run from anywhere: deploy/build.sh [cmd ...]   (default: all three)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dist="$root/deploy/dist"
cmds=("$@")
[ ${#cmds[@]} -gt 0 ] || cmds=(authorizer sessionapi examplebackend)

command -v zip >/dev/null || { echo "build.sh: zip is required (apt-get install -y zip)" >&2; exit 1; }
mkdir -p "$dist"
for c in "${cmds[@]}"; do
  case "$c" in
    authorizer|sessionapi|examplebackend) ;;
    *) echo "build.sh: unknown command $c (want authorizer, sessionapi or examplebackend)" >&2; exit 2 ;;
  esac
  if [ ! -d "$root/cmd/$c" ]; then
    echo "build.sh: $root/cmd/$c does not exist" >&2
    exit 1
  fi
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  (cd "$root" && GOOS=linux GOARCH=arm64 CGO_ENABLED=0 \
    go build -tags lambda.norpc -trimpath -ldflags='-s -w -buildid=' -o "$work/bootstrap" "./cmd/$c")
  touch -d '2000-01-01T00:00:00Z' "$work/bootstrap"
  rm -f "$dist/$c.zip"
  (cd "$work" && zip -q -X "$dist/$c.zip" bootstrap)
  rm -rf "$work"
  trap - EXIT
  echo "built deploy/dist/$c.zip"
done
