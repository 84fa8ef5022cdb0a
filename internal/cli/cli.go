package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/sparkify/warehouse/internal/awslog"
	"github.com/sparkify/warehouse/internal/config"
)

// Phases lists the valid phases in the order they run when combined.
var Phases = []string{"provision", "check", "load", "report", "teardown"}

type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// Run runs the job with the given arguments (without the program name) and
// returns its exit code. The job's own variables (SPARKIFY_…) are read from
// the process environment by envconfig, the AWS SDK's standard variables by
// the SDK. version is the build's version, or empty to use the module build
// information.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer, version string) int {
	return runJob(ctx, args, runEnv{stdout: stdout, stderr: stderr, version: version, now: time.Now})
}

// runEnv is what a run takes from its caller besides its arguments.
type runEnv struct {
	stdout, stderr io.Writer
	version        string
	now            func() time.Time // the clock the report and the teardown plan read
}

// runFlags are the command line's flags, checked.
type runFlags struct {
	phases      []string
	dryRun      bool
	fullRefresh bool
}

// runJob is Run, given its output, version and clock in env.
func runJob(ctx context.Context, args []string, env runEnv) int {
	flags, code, ok := parseFlags(args, env)
	if !ok {
		return code
	}
	cfg, err := config.Load()
	if err != nil {
		return configFailure(err, env.stderr)
	}
	cfg.FullRefresh = cfg.FullRefresh || flags.fullRefresh
	log := newLogger(cfg.LogFormat, cfg.LogLevel, env.stderr)
	// The AWS SDK's own messages (credential fallbacks, connection reuse)
	// are records of the run's logger too.
	defer awslog.Use(log)()
	for _, u := range config.UnknownVariables(os.Environ()) {
		log.Warn("unknown variable ignored", "variable", u.Name, "did_you_mean", u.Suggestion)
	}
	stdout := env.stdout
	if cfg.LogFormat == "json" {
		// Every line on stdout is then a JSON object too: plans and
		// outputs go out line by line through the logger.
		stdout = &logLines{log: log}
	}
	if limit := setMemoryLimit("/"); limit > 0 {
		log.Info("Go memory limit set to 55% of the container's", "bytes", limit)
	}
	res := newRunResult(buildVersion(env.version), string(cfg.Target), flags.dryRun, time.Now())
	if cfg.RunResult != "" {
		// "running" until the run replaces it: a run killed on the way
		// (SIGKILL, the OOM killer) leaves no earlier run's status behind,
		// and an unwritable path is found before any work.
		if err := res.write(cfg.RunResult); err != nil {
			return fail(ctx, "start", &config.Error{Var: "RUN_RESULT", Msg: fmt.Sprintf("cannot write the run result: %v; point it at a writable file", err)}, textOnly(cfg, env.stderr), log)
		}
	}
	a := phaseArgs{cfg: cfg, dryRun: flags.dryRun, stdout: stdout, log: log, res: res, now: env.now}
	code, runErr := runPhases(ctx, flags.phases, a, env.stderr)
	finish(ctx, a, code, runErr)
	return code
}

// parseFlags parses the command line. When ok is false the run ends
// there, with exit code code: after -help or -version, or a usage error.
func parseFlags(args []string, env runEnv) (flags runFlags, code int, ok bool) {
	fs := flag.NewFlagSet("job", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	phaseFlag := fs.String("phase", "", "comma-separated phases to run, in order: "+strings.Join(Phases, ", "))
	dryRun := fs.Bool("dry-run", false, "print what would be executed, touching no database and no AWS API")
	fullRefresh := fs.Bool("full-refresh", false, "load: stage every source object again, not only the new or changed ones (as SPARKIFY_FULL_REFRESH=true)")
	showVersion := fs.Bool("version", false, "print the version and exit")
	// The flag package prints its error, then calls Usage: the help goes
	// to stdout, once, and only when asked for.
	fs.Usage = func() {}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			usage(fs, env.stdout)
			return flags, ExitOK, false
		}
		fmt.Fprintln(env.stderr, "job: run job -help for the flags, phases and variables")
		return flags, ExitUsage, false
	}
	if *showVersion {
		fmt.Fprintln(env.stdout, "job", buildVersion(env.version))
		return flags, ExitOK, false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(env.stderr, "job: unexpected argument %q; phases are chosen with -phase\n", fs.Arg(0))
		return flags, ExitUsage, false
	}
	phases, err := parsePhases(*phaseFlag)
	if err != nil {
		fmt.Fprintln(env.stderr, "job:", err)
		return flags, ExitUsage, false
	}
	return runFlags{phases: phases, dryRun: *dryRun, fullRefresh: *fullRefresh}, ExitOK, true
}

// configFailure reports a configuration that cannot be loaded and returns
// the exit code. The run's logger does not exist yet: SPARKIFY_LOG_FORMAT
// alone says whether the report is a JSON record.
func configFailure(err error, stderr io.Writer) int {
	if os.Getenv(config.Prefix+"_LOG_FORMAT") == "json" {
		newLogger("json", "info", stderr).Error("configuration error", "error", err.Error(), "exit_code", ExitUsage)
	} else {
		fmt.Fprintln(stderr, "job: configuration error:", err)
	}
	return ExitUsage
}

// runPhases runs the phases in order, up to the first that fails, and
// returns the exit code and that phase's error.
func runPhases(ctx context.Context, phases []string, a phaseArgs, stderr io.Writer) (int, error) {
	for _, p := range phases {
		start := time.Now()
		attrs := []any{"phase", p, "target", a.cfg.Target, "dry_run", a.dryRun, "run_id", a.res.RunID}
		if p == "load" {
			attrs = append(attrs, "full_refresh", a.cfg.FullRefresh)
		}
		a.log.Info("phase started", attrs...)
		err := runPhase(ctx, p, a)
		a.res.phase(p, start, err)
		if err != nil {
			return fail(ctx, p, err, textOnly(a.cfg, stderr), a.log), err
		}
		a.log.Info("phase done", "phase", p, "duration_ms", time.Since(start).Milliseconds())
	}
	return ExitOK, nil
}

// finish records how the run ended: in the run result file, at the
// Pushgateway and in the log.
func finish(ctx context.Context, a phaseArgs, code int, runErr error) {
	cfg, res := a.cfg, a.res
	res.finish(ctx, code, runErr)
	if cfg.RunResult != "" {
		if err := res.write(cfg.RunResult); err != nil {
			a.log.Error("could not write the run result", "file", cfg.RunResult, "error", err.Error())
		}
	}
	if cfg.PushgatewayURL != "" {
		pushMetrics(ctx, cfg.PushgatewayURL, res, a.log)
	}
	a.log.Info("run finished", "run_id", res.RunID, "status", res.Status, "exit_code", code, "duration_ms", res.DurationMS, "run_result", cfg.RunResult)
}

// fail logs why a phase failed and returns the exit code. The plain "job:"
// line goes to stderr, which is io.Discard in JSON logging.
func fail(ctx context.Context, phase string, err error, stderr io.Writer, log *slog.Logger) int {
	class, code := classify(ctx, err)
	msg := redactSecrets(err.Error())
	log.Error("phase failed", "phase", phase, "error_class", class, "exit_code", code, "error", msg)
	switch class {
	case classConfiguration:
		fmt.Fprintf(stderr, "job: %s: configuration error: %s\n", phase, msg)
	case classUsage:
		fmt.Fprintf(stderr, "job: %s: %s\n", phase, msg)
	case classInterrupted:
		fmt.Fprintf(stderr, "job: %s: interrupted; nothing from this run was committed (exit %d: run it again)\n", phase, code)
	case classTransient:
		fmt.Fprintf(stderr, "job: %s failed for now (a peer was down, stalled or busy; exit %d: run it again): %s\n", phase, code, msg)
	default:
		fmt.Fprintf(stderr, "job: %s failed: %s\n", phase, msg)
	}
	return code
}

// The classes of failure, as the run result and the logs name them.
const (
	classConfiguration = "configuration"
	classUsage         = "usage"
	classInterrupted   = "interrupted"
	classTransient     = "transient"
	classFailed        = "failed"
)

// classify names what failed and the exit code that goes with it.
func classify(ctx context.Context, err error) (class string, code int) {
	var ce *config.Error
	var ue *usageError
	switch {
	case errors.As(err, &ce):
		return classConfiguration, ExitUsage
	case errors.As(err, &ue):
		return classUsage, ExitUsage
	case ctx.Err() != nil:
		return classInterrupted, ExitInterrupted
	case transient(err):
		return classTransient, ExitTransient
	}
	return classFailed, ExitFailed
}

// textOnly returns w in text logging and io.Discard in JSON logging, where
// the logs say it all: for lines meant for people.
func textOnly(cfg config.Config, w io.Writer) io.Writer {
	if cfg.LogFormat == "json" {
		return io.Discard
	}
	return w
}

// logLines turns what is written to it into one log record per line.
type logLines struct {
	log     *slog.Logger
	partial []byte
}

func (l *logLines) Write(p []byte) (int, error) {
	l.partial = append(l.partial, p...)
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			return len(p), nil
		}
		l.log.Info("output", "line", string(l.partial[:i]))
		l.partial = l.partial[i+1:]
	}
}

func parsePhases(s string) ([]string, error) {
	if strings.TrimSpace(s) == "" {
		return nil, fmt.Errorf("no phase given: use -phase with one or more of %s (comma-separated)", strings.Join(Phases, ", "))
	}
	var out []string
	seen := map[string]bool{}
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(p)
		valid := false
		for _, v := range Phases {
			valid = valid || v == p
		}
		if !valid {
			return nil, fmt.Errorf("unknown phase %q: valid phases are %s", p, strings.Join(Phases, ", "))
		}
		if seen[p] {
			return nil, fmt.Errorf("phase %q given twice", p)
		}
		seen[p] = true
		out = append(out, p)
	}
	return out, nil
}

// newLogger returns the run's logger: text or JSON, at level info (phases,
// progress, summaries, warnings) or debug (also each statement and step
// done), with the secrets of URLs redacted in every value (redactAttr).
func newLogger(format, level string, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: slog.LevelInfo, ReplaceAttr: redactAttr}
	if level == "debug" {
		opts.Level = slog.LevelDebug
	}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func buildVersion(v string) string {
	if v != "" {
		return v
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			return bi.Main.Version
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				return s.Value
			}
		}
	}
	return "dev"
}

func usage(fs *flag.FlagSet, w io.Writer) {
	fmt.Fprintf(w, `Usage: job -phase PHASE[,PHASE...] [-dry-run] [-full-refresh]

Runs the Sparkify data warehouse. Phases run in the order given:
  provision  create the AWS resources (redshift) or the database (postgres)
  check      check, changing nothing, that the database, the sources, the
             staging and report destinations and (redshift) the COPY role
             are reachable and usable; one line per check with the fix
  load       stage the song and log files from S3 and update the star schema
  report     run the analytics queries and write the dashboard
  teardown   remove what provision created

Flags:
`)
	fs.SetOutput(w)
	fs.PrintDefaults()
	fmt.Fprintf(w, `
Environment (AWS credentials, region and endpoints come from the AWS SDK's
standard variables: AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
AWS_SESSION_TOKEN, AWS_PROFILE, AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_S3, ...):
`)
	_ = config.Usage(w)
	fmt.Fprintf(w, "\nExit codes:\n")
	for _, c := range ExitCodes {
		fmt.Fprintf(w, "  %3d  %s\n", c.Code, c.Meaning)
	}
}
