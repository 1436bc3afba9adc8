#!/usr/bin/env bash
# Installs what the tests need and is missing, idempotently and quietly:
#   redis-server + redis-cli (Debian redis-server, redis-tools), Chromium
#   (/usr/bin/chromium) with fonts, Node.js + npm, zip, and the npm packages of
#   frontend-example/ and deploy/tools/.
# Runs apt-get update only when a package must be installed. Never starts the
# system redis service. Run from anywhere; needs root (or sudo) to install.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export DEBIAN_FRONTEND=noninteractive

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		sudo_cmd=(sudo -E)
	fi
fi

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v redis-cli >/dev/null 2>&1 || missing+=(redis-tools)
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
command -v zip >/dev/null 2>&1 || missing+=(zip)       # deploy/build.sh packages the Lambda zips (the deploy test runs it)
dpkg -s fonts-liberation >/dev/null 2>&1 || missing+=(fonts-liberation) # readable browser screenshots

if [ "${#missing[@]}" -gt 0 ]; then
	echo "install-test-deps: installing ${missing[*]}"
	if [ "$(id -u)" -ne 0 ] && [ "${#sudo_cmd[@]}" -eq 0 ]; then
		echo "install-test-deps: need root or sudo to install: ${missing[*]}" >&2
		exit 1
	fi
	# Keep the package's post-install from starting the system redis
	# service: a policy-rc.d that refuses every start, removed afterwards
	# (an existing one is left alone).
	policy=/usr/sbin/policy-rc.d
	created_policy=no
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\nexit 101\n' | "${sudo_cmd[@]}" tee "$policy" >/dev/null
		"${sudo_cmd[@]}" chmod 755 "$policy"
		created_policy=yes
	fi
	cleanup() { if [ "$created_policy" = yes ]; then "${sudo_cmd[@]}" rm -f "$policy"; fi; }
	trap cleanup EXIT
	apt_opts=(-q -o Dpkg::Lock::Timeout=600 -o Dpkg::Use-Pty=0)
	"${sudo_cmd[@]}" apt-get "${apt_opts[@]}" update -qq >/dev/null
	"${sudo_cmd[@]}" apt-get "${apt_opts[@]}" install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	cleanup
	trap - EXIT
fi

for bin in redis-server redis-cli node npm zip; do
	command -v "$bin" >/dev/null 2>&1 || { echo "install-test-deps: $bin still missing" >&2; exit 1; }
done
[ -x /usr/bin/chromium ] || { echo "install-test-deps: /usr/bin/chromium still missing" >&2; exit 1; }

# npm packages: install when node_modules is missing or older than the lock
# file (or, without a lock file, than package.json).
for dir in frontend-example deploy/tools; do
	pkg="$root/$dir/package.json"
	[ -f "$pkg" ] || continue
	lock="$root/$dir/package-lock.json"
	mods="$root/$dir/node_modules"
	if [ -f "$lock" ]; then
		ref="$lock"
		npm_cmd=(npm ci)
	else
		ref="$pkg"
		npm_cmd=(npm install)
	fi
	if [ -d "$mods" ] && [ ! "$ref" -nt "$mods" ]; then
		continue
	fi
	echo "install-test-deps: ${npm_cmd[*]} in $dir"
	(cd "$root/$dir" && "${npm_cmd[@]}" --no-audit --no-fund --loglevel=error >/dev/null)
	touch "$mods"
done
