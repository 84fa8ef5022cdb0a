# sparkify/redshiftemu: cmd/redshiftemu (a Redshift-compatible endpoint for
# tests: Postgres wire-protocol proxy in front of sparkify/postgres that runs
# COPY ... FROM 's3://...' against the S3 emulator) FROM scratch, built
# offline by build.sh from a context that holds only the static binary and
# the host's CA bundle. Health check: /redshiftemu -healthcheck.
FROM scratch
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY redshiftemu /redshiftemu
USER 65532:65532
EXPOSE 5439
ENTRYPOINT ["/redshiftemu"]
