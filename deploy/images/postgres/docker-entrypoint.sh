#!/bin/bash
# Entrypoint of sparkify/postgres, PostgreSQL 15 from Debian's packages.
#
# It behaves like the official postgres image's entrypoint for everything this
# project (docker compose, testcontainers-go's generic and postgres modules)
# relies on:
#   - POSTGRES_USER (default postgres), POSTGRES_PASSWORD (required unless
#     POSTGRES_HOST_AUTH_METHOD=trust), POSTGRES_DB (default $POSTGRES_USER),
#     POSTGRES_INITDB_ARGS, POSTGRES_HOST_AUTH_METHOD (default scram-sha-256);
#   - on an empty $PGDATA: initdb (UTF8, locale C.UTF-8), password auth for
#     every TCP client, a temporary server on the Unix socket only that creates
#     POSTGRES_DB and runs /docker-entrypoint-initdb.d/*.sh|*.sql|*.sql.gz,
#     then the real server on 0.0.0.0:5432;
#   - "database system is ready to accept connections" is therefore logged
#     twice on a first start (temporary server, then the real one), which is
#     what the official image's log wait strategies count on;
#   - started as root, it fixes the ownership of $PGDATA and drops to the
#     postgres user (setpriv from util-linux stands in for gosu);
#   - arguments that start with "-" are passed to postgres
#     (docker run sparkify/postgres:15 -c fsync=off).
set -Eeuo pipefail

if [ "${1:0:1}" = '-' ]; then
	set -- postgres "$@"
fi

if [ "$1" != 'postgres' ]; then
	exec "$@"
fi

if [ "$(id -u)" = '0' ]; then
	mkdir -p "$PGDATA" /var/run/postgresql
	find "$PGDATA" \! -user postgres -exec chown postgres:postgres '{}' +
	chown postgres:postgres /var/run/postgresql
	chmod 700 "$PGDATA"
	chmod 3777 /var/run/postgresql
	exec setpriv --reuid=postgres --regid=postgres --init-groups "${BASH_SOURCE[0]}" "$@"
fi

psql_run() {
	psql -v ON_ERROR_STOP=1 --no-password --no-psqlrc --username "$POSTGRES_USER" "$@"
}

initialize() {
	if [ -z "${POSTGRES_PASSWORD:-}" ] && [ "${POSTGRES_HOST_AUTH_METHOD:-}" != 'trust' ]; then
		cat >&2 <<-'EOM'
			Error: database is uninitialized and superuser password is not specified.
			       Set POSTGRES_PASSWORD to a non-empty value for the superuser,
			       or POSTGRES_HOST_AUTH_METHOD=trust to allow every connection
			       without a password (never do that outside a test).
		EOM
		exit 1
	fi

	# POSTGRES_INITDB_ARGS is a list of words, as in the official image.
	# shellcheck disable=SC2086
	set -- --username="$POSTGRES_USER" --auth-local=trust --auth-host="$auth" \
		--encoding=UTF8 --locale=C.UTF-8 ${POSTGRES_INITDB_ARGS:-}
	if [ -n "${POSTGRES_PASSWORD:-}" ]; then
		initdb "$@" --pwfile=/dev/stdin <<<"$POSTGRES_PASSWORD"
	else
		initdb "$@"
	fi
	printf '\nhost all all all %s\n' "$auth" >>"$PGDATA/pg_hba.conf"
	printf "\nlisten_addresses = '*'\n" >>"$PGDATA/postgresql.conf"

	# A server that only the Unix socket reaches, so that no client sees the
	# database before it is fully initialized.
	pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p 5432" -w start

	if [ "$POSTGRES_DB" != 'postgres' ]; then
		psql_run --dbname postgres --set db="$POSTGRES_DB" <<-'EOSQL'
			SELECT 'CREATE DATABASE ' || quote_ident(:'db')
			WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \gexec
		EOSQL
	fi

	local f
	for f in /docker-entrypoint-initdb.d/*; do
		case "$f" in
		*.sh)
			echo "$0: running $f"
			if [ -x "$f" ]; then "$f"; else . "$f"; fi
			;;
		*.sql)
			echo "$0: running $f"
			psql_run --dbname "$POSTGRES_DB" -f "$f"
			;;
		*.sql.gz)
			echo "$0: running $f"
			gzip -dc "$f" | psql_run --dbname "$POSTGRES_DB"
			;;
		*) [ -e "$f" ] && echo "$0: ignoring $f" ;;
		esac
	done

	pg_ctl -D "$PGDATA" -m fast -w stop
	echo
	echo 'PostgreSQL init process complete; ready for start up.'
	echo
}

: "${POSTGRES_USER:=postgres}"
: "${POSTGRES_DB:=$POSTGRES_USER}"
auth="${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}"
export POSTGRES_USER POSTGRES_DB

if [ ! -s "$PGDATA/PG_VERSION" ]; then
	initialize
fi

exec "$@"
