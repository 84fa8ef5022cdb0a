// Package containers starts the project's Postgres and S3 emulator images
// with testcontainers-go, the way every user of them needs it here: no
// reaper, ports published on 127.0.0.1 only, and a message naming what to
// start or build when the Docker engine or an image is missing. The
// integration suite, the Redshift emulator's end-to-end tests and cmd/bench
// use it.
//
// Environment: TESTCONTAINERS_RYUK_DISABLED and TESTCONTAINERS_HOST_OVERRIDE
// (see SetDefaults), and the images' overrides SPARKIFY_TEST_POSTGRES_IMAGE,
// SPARKIFY_TEST_S3_IMAGE and SPARKIFY_TEST_S3_PORT (see PostgresImage and
// S3Image).
package containers

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx", for the wait strategy
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/wait"
)

// Defaults of the images.
const (
	DefaultPostgresImage = "sparkify/postgres:15"
	DefaultS3Image       = "sparkify/s3emulator:latest"
	DefaultS3Port        = "9000"
)

// SetDefaults sets, unless the environment already has them,
// TESTCONTAINERS_RYUK_DISABLED=true (the reaper's image cannot be pulled
// here) and TESTCONTAINERS_HOST_OVERRIDE=localhost (the published ports are
// reached on the loopback address). Call it before the first container
// starts: testcontainers-go reads its configuration once.
func SetDefaults() {
	for k, v := range map[string]string{
		"TESTCONTAINERS_RYUK_DISABLED": "true",
		"TESTCONTAINERS_HOST_OVERRIDE": "localhost",
	} {
		if _, ok := os.LookupEnv(k); !ok {
			os.Setenv(k, v)
		}
	}
}

// PostgresImage is SPARKIFY_TEST_POSTGRES_IMAGE, or sparkify/postgres:15.
func PostgresImage() string { return envOr("SPARKIFY_TEST_POSTGRES_IMAGE", DefaultPostgresImage) }

// S3Image is SPARKIFY_TEST_S3_IMAGE, or sparkify/s3emulator:latest, and the
// port it serves on: SPARKIFY_TEST_S3_PORT, or 9000.
func S3Image() (image, port string) {
	return envOr("SPARKIFY_TEST_S3_IMAGE", DefaultS3Image), envOr("SPARKIFY_TEST_S3_PORT", DefaultS3Port)
}

// Check returns an error that says what to do when no Docker engine
// answers or one of images, if it is one of the project's own (sparkify/…,
// built by make images, never pulled), is not in the engine.
func Check(ctx context.Context, images ...string) error {
	provider, err := testcontainers.NewDockerProvider()
	if err == nil {
		defer provider.Close()
		err = provider.Health(ctx)
	}
	if err != nil {
		return fmt.Errorf("no Docker engine answers (%v).\n"+
			"Install and start one (apt-get install docker.io; dockerd &) and build the images (make images)", err)
	}
	for _, img := range images {
		if strings.HasPrefix(img, "sparkify/") {
			if _, err := provider.Client().ImageInspect(ctx, img); err != nil {
				return fmt.Errorf("image %s is not in the local Docker engine (%v): build it with make images", img, err)
			}
		}
	}
	return nil
}

// Postgres describes a Postgres container to start.
type Postgres struct {
	Image              string
	User, Password, DB string // POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB
	// Args are the server's command-line settings ("-c", "fsync=off", …);
	// none means the image's stock settings.
	Args []string
	// ShmSize is /dev/shm's size in bytes; 0 means Docker's default (64 MiB).
	ShmSize int64
	Labels  map[string]string
}

// PostgresContainer is a started Postgres container.
type PostgresContainer struct {
	*testcontainers.DockerContainer
	HostPort       string // 127.0.0.1:PORT
	user, password string
}

// StartPostgres starts p (initdb with --no-sync: nothing needs to survive a
// crash of a throwaway server) and waits until a query over TCP succeeds:
// the entrypoint first runs a server that listens on the Unix socket only.
// The container it returns, also with an error, is to be terminated by the
// caller (testcontainers.TerminateContainer); the error carries the end of the container's log.
func StartPostgres(ctx context.Context, p Postgres) (*PostgresContainer, error) {
	pc := &PostgresContainer{user: p.User, password: p.Password}
	opts := []testcontainers.ContainerCustomizer{
		testcontainers.WithEnv(map[string]string{
			"POSTGRES_USER":        p.User,
			"POSTGRES_PASSWORD":    p.Password,
			"POSTGRES_DB":          p.DB,
			"POSTGRES_INITDB_ARGS": "--no-sync",
		}),
		testcontainers.WithLabels(p.Labels),
		loopbackPort("5432/tcp"),
		testcontainers.WithWaitStrategy(wait.ForSQL("5432/tcp", "pgx", func(host string, port network.Port) string {
			return pc.urlAt(net.JoinHostPort(loopback(host), port.Port()), p.DB)
		}).WithStartupTimeout(90 * time.Second).WithQuery("SELECT 1")),
	}
	if len(p.Args) > 0 {
		opts = append(opts, testcontainers.WithCmd(append([]string{"postgres"}, p.Args...)...))
	}
	if p.ShmSize > 0 {
		opts = append(opts, testcontainers.WithHostConfigModifier(func(hc *container.HostConfig) { hc.ShmSize = p.ShmSize }))
	}
	c, err := testcontainers.Run(ctx, p.Image, opts...)
	pc.DockerContainer = c
	if err != nil {
		return pc, fmt.Errorf("start Postgres (%s): %w%s", p.Image, err, tail(ctx, c))
	}
	if pc.HostPort, err = hostPort(ctx, c, "5432/tcp"); err != nil {
		return pc, err
	}
	return pc, nil
}

// URL is the connection URL of database db, without TLS.
func (pc *PostgresContainer) URL(db string) string { return pc.urlAt(pc.HostPort, db) }

func (pc *PostgresContainer) urlAt(addr, db string) string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.UserPassword(pc.user, pc.password),
		Host:     addr,
		Path:     "/" + db,
		RawQuery: "sslmode=disable",
	}
	return u.String()
}

// StartS3 starts the S3 emulator image, serving on port (its container
// port, "9000"), and waits until it answers HTTP. Like StartPostgres, it
// returns the container also with an error. The endpoint is
// http://127.0.0.1:PORT.
func StartS3(ctx context.Context, image, port string, labels map[string]string) (c *testcontainers.DockerContainer, endpoint string, err error) {
	port += "/tcp"
	c, err = testcontainers.Run(ctx, image,
		testcontainers.WithLabels(labels),
		loopbackPort(port),
		testcontainers.WithWaitStrategy(wait.ForHTTP("/").WithPort(port).
			WithStatusCodeMatcher(func(status int) bool { return status < 500 }).
			WithStartupTimeout(60*time.Second)),
	)
	if err != nil {
		return c, "", fmt.Errorf("start the S3 emulator (%s): %w%s", image, err, tail(ctx, c))
	}
	hp, err := hostPort(ctx, c, port)
	if err != nil {
		return c, "", err
	}
	return c, "http://" + hp, nil
}

// loopbackPort publishes the container port on 127.0.0.1 only, on a port
// that Docker picks.
func loopbackPort(port string) testcontainers.CustomizeRequestOption {
	return func(req *testcontainers.GenericContainerRequest) error {
		if err := testcontainers.WithExposedPorts(port)(req); err != nil {
			return err
		}
		p, err := network.ParsePort(port)
		if err != nil {
			return err
		}
		return testcontainers.WithHostConfigModifier(func(hc *container.HostConfig) {
			if hc.PortBindings == nil {
				hc.PortBindings = network.PortMap{}
			}
			hc.PortBindings[p] = []network.PortBinding{{HostIP: netip.MustParseAddr("127.0.0.1")}}
		})(req)
	}
}

// hostPort is where the host reaches the container's port: 127.0.0.1:PORT.
func hostPort(ctx context.Context, c *testcontainers.DockerContainer, port string) (string, error) {
	host, err := c.Host(ctx)
	if err != nil {
		return "", fmt.Errorf("container host: %w", err)
	}
	p, err := c.MappedPort(ctx, port)
	if err != nil {
		return "", fmt.Errorf("mapped port %s: %w", port, err)
	}
	return net.JoinHostPort(loopback(host), p.Port()), nil
}

// loopback replaces "localhost" with 127.0.0.1: the ports are published on
// IPv4 only, and localhost may resolve to ::1 first.
func loopback(host string) string {
	if host == "localhost" {
		return "127.0.0.1"
	}
	return host
}

// tail returns the end of a container's log, to explain a failed start;
// nothing for a nil container.
func tail(ctx context.Context, c *testcontainers.DockerContainer) string {
	if c == nil {
		return ""
	}
	rc, err := c.Logs(ctx)
	if err != nil {
		return ""
	}
	defer rc.Close()
	b, _ := io.ReadAll(rc)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return "\ncontainer log (end):\n" + string(b)
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
