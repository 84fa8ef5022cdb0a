# sparkify/job, built offline: build.sh compiles ./cmd/job on the host
# (CGO_ENABLED=0, -ldflags "-s -w -X main.version=...") and builds this file
# in a context that holds only that binary, the host's CA bundle and an
# empty report/ folder. The result is the same image as the root
# Dockerfile's, which builds the binary in a golang image where a registry is
# reachable. Keep the two alike.
FROM scratch
# CA certificates: the job talks TLS to S3, Redshift and the AWS APIs.
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY job /job
# The report folder, empty and owned by the image's user: "-phase report"
# works without a mount. To keep the files, mount a folder on /report (a
# bind mount with --user $(id -u):$(id -g), so that they are yours).
COPY --chown=65532:65532 report /report
ENV SPARKIFY_REPORT_DIR=/report
# Any non-root user: the job writes only to SPARKIFY_REPORT_DIR.
USER 65532:65532
ENTRYPOINT ["/job"]
