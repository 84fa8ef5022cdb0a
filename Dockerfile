# The job's image, built the ordinary way where a container registry is
# reachable:
#
#   docker build --build-arg VERSION=$(git describe --tags --always) -t sparkify/job .
#
# Machines with no registry (CI here) build the same image with
# "make images": deploy/images/build.sh compiles the binary on the host and
# copies it into deploy/images/job.Dockerfile, this file's last stage.
ARG GO_VERSION=1.26

FROM golang:${GO_VERSION} AS build
WORKDIR /src
# Modules first, so that this layer is cached until go.mod or go.sum change.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -ldflags "-s -w -X main.version=${VERSION}" -o /out/job ./cmd/job \
 && mkdir /out/report

FROM scratch
# CA certificates: the job talks TLS to S3, Redshift and the AWS APIs.
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/job /job
# The report folder, empty and owned by the image's user: "-phase report"
# works without a mount. To keep the files, mount a folder on /report (a
# bind mount with --user $(id -u):$(id -g), so that they are yours).
COPY --from=build --chown=65532:65532 /out/report /report
ENV SPARKIFY_REPORT_DIR=/report
# Any non-root user: the job writes only to SPARKIFY_REPORT_DIR.
USER 65532:65532
ENTRYPOINT ["/job"]
