#!/usr/bin/env bash
# Builds the Lambda packages that deploy/template.yaml's CodeUri points at:
# deploy/dist/{authorizer,sessionapi,examplebackend}.zip, each holding one
# linux/arm64 `bootstrap` for the provided.al2023 runtime. authorizer.zip
# also holds rules.json beside bootstrap: the route rules that
# `sessiongate render` derived from the API definition, which the authorizer
# reads at start-up (/var/task/rules.json). The zips are deterministic: the
# same sources and rules give the same bytes.
#
# Run from anywhere:
#   deploy/build.sh [cmd ...]         default: all three
#   RULES=path deploy/build.sh        the rules file to bake in (default deploy/rules.json)
#   DIST=dir deploy/build.sh          where the zips go (default deploy/dist)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dist="${DIST:-$root/deploy/dist}"
rules="${RULES:-$root/deploy/rules.json}"
cmds=("$@")
[ ${#cmds[@]} -gt 0 ] || cmds=(authorizer sessionapi examplebackend)

command -v zip >/dev/null || { echo "build.sh: zip is required (apt-get install -y zip)" >&2; exit 1; }
for c in "${cmds[@]}"; do
  case "$c" in
    authorizer|sessionapi|examplebackend) ;;
    *) echo "build.sh: unknown command $c (want authorizer, sessionapi or examplebackend)" >&2; exit 2 ;;
  esac
  if [ ! -d "$root/cmd/$c" ]; then
    echo "build.sh: $root/cmd/$c does not exist" >&2
    exit 1
  fi
  # The authorizer refuses to start without its rules: check before building.
  if [ "$c" = authorizer ] && [ ! -f "$rules" ]; then
    if [ -n "${RULES:-}" ]; then
      echo "build.sh: RULES=$RULES: no such file" >&2
    else
      echo "build.sh: no route rules at $rules: render them with" \
        "\`go run ./cmd/sessiongate render --api deploy/api.yaml --out deploy\`," \
        "or set RULES=path to the rules.json that render wrote for your API" >&2
    fi
    exit 1
  fi
done

mkdir -p "$dist"
dist="$(cd "$dist" && pwd)"
# zip stores local time: pin the zone, and every file's mtime and mode.
export TZ=UTC
for c in "${cmds[@]}"; do
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  (cd "$root" && GOOS=linux GOARCH=arm64 CGO_ENABLED=0 \
    go build -tags lambda.norpc -trimpath -ldflags='-s -w -buildid=' -o "$work/bootstrap" "./cmd/$c")
  chmod 0755 "$work/bootstrap"
  files=(bootstrap)
  if [ "$c" = authorizer ]; then
    cp "$rules" "$work/rules.json"
    chmod 0644 "$work/rules.json"
    files+=(rules.json)
  fi
  touch -d '2000-01-01T00:00:00Z' "${files[@]/#/$work/}"
  rm -f "$dist/$c.zip"
  (cd "$work" && zip -q -X "$dist/$c.zip" "${files[@]}")
  rm -rf "$work"
  trap - EXIT
  if [ "$c" = authorizer ]; then
    echo "built $dist/$c.zip (route rules from $rules)"
  else
    echo "built $dist/$c.zip"
  fi
done
