# sparkify/s3emulator: cmd/s3emulator (gofakes3, in memory) FROM scratch,
# built offline by build.sh from a context that holds only the static binary
# and the host's CA bundle. Health check: /s3emulator -healthcheck.
FROM scratch
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY s3emulator /s3emulator
USER 65532:65532
EXPOSE 9000
ENTRYPOINT ["/s3emulator"]
