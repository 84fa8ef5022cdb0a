#!/usr/bin/env bash
# Builds, with no container registry, the images that the integration tests
# and the local demo run (make images calls this):
#
#   $POSTGRES_IMAGE  sparkify/postgres:15      PostgreSQL 15 from Debian's packages: debootstrap
#                                              into $PGROOT, docker import, then postgres/Dockerfile.
#                                              When the image exists, only postgres/ is built again,
#                                              and only when it changed (delete the image to rebuild all).
#   $S3_IMAGE        sparkify/s3emulator:latest  cmd/s3emulator, static, FROM scratch, non-root.
#   $JOB_IMAGE       sparkify/job:latest       cmd/job, static, FROM scratch, non-root, CA certificates.
#   $REDSHIFTEMU_IMAGE sparkify/redshiftemu:latest  cmd/redshiftemu (the Redshift-compatible test
#                                              endpoint, for make demo-redshift), static, FROM scratch.
#
# The job image is the one the root Dockerfile builds where a registry is
# reachable (golang base image, modules downloaded in the image). Here the
# binary is built by the host's Go, from the host's module cache, and copied
# into job.Dockerfile's FROM scratch image; the two must stay alike.
#
# Each image is labelled com.sparkify.inputs with a digest of what it is
# built from (see inputs_hash), and is not built again while the label
# matches: make demo and make integration-test then start at once when
# nothing changed. docker rmi IMAGE forces a build.
#
# Usage: deploy/images/build.sh [postgres] [s3emulator] [job] [redshiftemu]   (default: all four;
# the Postgres image builds in the background while the others compile)
# Environment: VERSION (stamped into the job binary), POSTGRES_IMAGE, S3_IMAGE,
# JOB_IMAGE, PGROOT (debootstrap directory, kept as a cache; default
# /var/tmp/sparkify-pgroot-bookworm). Needs docker, go, and for the Postgres
# image debootstrap and root (or sudo).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)

: "${VERSION:=dev}"
: "${POSTGRES_IMAGE:=sparkify/postgres:15}"
: "${S3_IMAGE:=sparkify/s3emulator:latest}"
: "${JOB_IMAGE:=sparkify/job:latest}"
: "${REDSHIFTEMU_IMAGE:=sparkify/redshiftemu:latest}"
: "${PGROOT:=/var/tmp/sparkify-pgroot-bookworm}"

log() { printf '==> %s\n' "$*"; }
die() { printf 'build.sh: %s\n' "$*" >&2; exit 1; }

command -v docker >/dev/null || die "docker not found: apt-get install docker.io"
docker info >/dev/null 2>&1 || die "no Docker engine answers: start dockerd (for example: dockerd >/tmp/dockerd.log 2>&1 &)"

sudo_if_needed() {
	if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

# inputs_label IMAGE prints the image's com.sparkify.inputs label, or
# nothing when the image or the label is missing.
inputs_label() {
	docker image inspect --format '{{with .Config.Labels}}{{index . "com.sparkify.inputs"}}{{end}}' "$1" 2>/dev/null || true
}

# inputs_hash NAME DOCKERFILE prints a digest of everything the image of
# ./cmd/NAME is built from: the Go and embedded files (SQL, templates) of
# the module's packages that the command imports, as go list reports them,
# go.mod and go.sum (the dependencies' versions), the Go version, the version
# stamped into the binary, the Dockerfile, the CA bundle and this script.
inputs_hash() {
	local name=$1 dockerfile=$2
	local files='{{if .Module}}{{if .Module.Main}}{{$d := .Dir}}{{range .GoFiles}}{{$d}}/{{.}}
{{end}}{{range .EmbedFiles}}{{$d}}/{{.}}
{{end}}{{end}}{{end}}'
	(
		cd "$root"
		printf '%s version=%s\n' "$(go env GOVERSION)" "$VERSION"
		CGO_ENABLED=0 go list -deps -f "$files" "./cmd/$name" | sed "s|^$root/||" | sort | xargs -d '\n' sha256sum
		sha256sum go.mod go.sum
		cat "$dockerfile" /etc/ssl/certs/ca-certificates.crt "$here/build.sh" | sha256sum
	) | sha256sum | cut -c1-64
}

# build_image IMAGE HASH ARGS... runs docker build -t IMAGE ARGS..., labelling
# the image with HASH, then drops the image it replaces unless a container
# still uses it.
build_image() {
	local image=$1 hash=$2 old
	shift 2
	old=$(docker image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)
	log "docker build $image"
	docker build -q --label "com.sparkify.inputs=$hash" -t "$image" "$@" >/dev/null
	if [ -n "$old" ] && [ "$old" != "$(docker image inspect --format '{{.Id}}' "$image")" ]; then
		docker rmi "$old" >/dev/null 2>&1 || true
	fi
}

build_postgres() {
	local base="$POSTGRES_IMAGE-rootfs" hash
	hash=$(cat "$here/postgres/"* | sha256sum | cut -c1-64)
	if docker image inspect "$POSTGRES_IMAGE" >/dev/null 2>&1; then
		if [ "$(inputs_label "$POSTGRES_IMAGE")" = "$hash" ]; then
			log "$POSTGRES_IMAGE is up to date; not rebuilt (docker rmi $POSTGRES_IMAGE to rebuild)"
			return
		fi
		# deploy/images/postgres changed (or the image predates the label):
		# built again on the imported root file system, in seconds, where
		# that is still here. An image from elsewhere (postgres:15) is kept.
		if ! docker image inspect "$base" >/dev/null 2>&1; then
			log "$POSTGRES_IMAGE exists; not rebuilt (docker rmi $POSTGRES_IMAGE to rebuild)"
			return
		fi
	else
		import_rootfs "$base"
	fi
	build_image "$POSTGRES_IMAGE" "$hash" --build-arg BASE="$base" "$here/postgres"
}

# import_rootfs IMAGE: debootstrap bookworm with postgresql-15 into $PGROOT,
# unless a finished one is there, and docker import it as IMAGE.
import_rootfs() {
	local base=$1
	# A finished debootstrap has the server binary and no longer has its
	# work directory; anything else is a failed run, started over.
	if [ ! -x "$PGROOT/usr/lib/postgresql/15/bin/postgres" ] || [ -d "$PGROOT/debootstrap" ]; then
		command -v debootstrap >/dev/null || die "debootstrap not found: apt-get install debootstrap"
		if [ -d "$PGROOT/debootstrap" ]; then
			log "removing the unfinished debootstrap in $PGROOT"
			sudo_if_needed rm -rf "$PGROOT"
		fi
		log "debootstrap bookworm with postgresql-15 into $PGROOT (one to two minutes)"
		# No mirror argument: debootstrap's default Debian mirror.
		local dlog
		dlog=$(mktemp)
		if ! sudo_if_needed debootstrap --variant=minbase --include=postgresql-15 bookworm "$PGROOT" >"$dlog" 2>&1; then
			tail -n 40 "$dlog" >&2
			die "debootstrap failed (full log: $dlog)"
		fi
		rm -f "$dlog"
	else
		log "reusing the debootstrap in $PGROOT"
	fi
	log "docker import $PGROOT as $base"
	# Left out: package caches and lists, documentation, translations, and
	# the cluster that the package's postinst created (the entrypoint makes
	# its own in $PGDATA).
	sudo_if_needed tar --numeric-owner -C "$PGROOT" -c \
		--exclude=./debootstrap \
		--exclude='./var/cache/apt/*' \
		--exclude='./var/lib/apt/lists/*' \
		--exclude='./usr/share/doc/*' \
		--exclude='./usr/share/man/*' \
		--exclude='./usr/share/locale/*' \
		--exclude='./var/lib/postgresql/15' \
		--exclude='./etc/postgresql/15' \
		--exclude='./proc/*' --exclude='./sys/*' --exclude='./dev/*' \
		. | docker import - "$base" >/dev/null
}

# build_scratch NAME IMAGE DOCKERFILE: builds ./cmd/NAME statically and an
# image FROM scratch around it, in a context that holds only the binary, the
# host's CA certificates and an empty report/ folder (job.Dockerfile's), unless
# the image's label says it was built from the same inputs.
build_scratch() {
	local name=$1 image=$2 dockerfile=$3 ctx hash
	[ -r /etc/ssl/certs/ca-certificates.crt ] || die "/etc/ssl/certs/ca-certificates.crt not found: apt-get install ca-certificates"
	hash=$(inputs_hash "$name" "$dockerfile")
	if [ "$(inputs_label "$image")" = "$hash" ]; then
		log "$image is up to date; not rebuilt (docker rmi $image to rebuild)"
		return
	fi
	ctx=$(mktemp -d)
	# shellcheck disable=SC2064 # expand now: ctx is local
	trap "rm -rf '$ctx'" RETURN
	log "go build ./cmd/$name (CGO_ENABLED=0, version $VERSION)"
	# No -trimpath: the compiled packages are then the ones that go test and
	# go vet (CGO_ENABLED=0 in the Makefile) reuse from the build cache.
	(cd "$root" && CGO_ENABLED=0 go build -ldflags "-s -w -X main.version=$VERSION" -o "$ctx/$name" "./cmd/$name")
	cp /etc/ssl/certs/ca-certificates.crt "$ctx/"
	mkdir "$ctx/report"
	build_image "$image" "$hash" -f "$dockerfile" "$ctx"
}

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(postgres s3emulator job redshiftemu)

# build_one NAME builds one image and says how long it took.
build_one() {
	local t=$1 start=$SECONDS
	case "$t" in
	postgres) build_postgres ;;
	s3emulator) build_scratch s3emulator "$S3_IMAGE" "$here/s3emulator.Dockerfile" ;;
	job) build_scratch job "$JOB_IMAGE" "$here/job.Dockerfile" ;;
	redshiftemu) build_scratch redshiftemu "$REDSHIFTEMU_IMAGE" "$here/redshiftemu.Dockerfile" ;;
	*) die "unknown image $t: use postgres, s3emulator, job or redshiftemu" ;;
	esac
	log "$t done in $((SECONDS - start))s"
}

# The Postgres image (debootstrap: downloads and disk) is built in the
# background while the Go images compile (CPU): on a fresh machine the
# build then takes about as long as the longer of the two, not their sum.
pg_pid=
others=()
for t in "${targets[@]}"; do
	if [ "$t" = postgres ] && [ ${#targets[@]} -gt 1 ]; then
		build_one postgres &
		pg_pid=$!
	else
		others+=("$t")
	fi
done
# A failed build stops the script (set -e), and the background build with it.
trap '[ -z "$pg_pid" ] || kill "$pg_pid" 2>/dev/null || true' EXIT
for t in "${others[@]}"; do
	build_one "$t"
done
if [ -n "$pg_pid" ]; then
	wait "$pg_pid" || die "the $POSTGRES_IMAGE build failed (its messages are above)"
	pg_pid=
fi
