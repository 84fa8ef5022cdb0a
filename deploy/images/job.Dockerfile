# sparkify/job, built offline: build.sh compiles ./cmd/job on the host
# (CGO_ENABLED=0, -ldflags "-s -w -X main.version=...") and builds this file
# in a context that holds only that binary and the host's CA bundle. The
# result is the same image as the root Dockerfile's, which builds the binary
# in a golang image where a registry is reachable. Keep the two alike.
FROM scratch
# CA certificates: the job talks TLS to S3, Redshift and the AWS APIs.
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY job /job
# Any non-root user: the job writes only to SPARKIFY_REPORT_DIR.
USER 65532:65532
ENTRYPOINT ["/job"]
