//! The `grader` command line.
use clap::{Parser, Subcommand, ValueEnum};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;
use tern_grader::bless::{self, Blessed};
use tern_grader::collect;
use tern_grader::course::Course;
use tern_grader::grade::{self, GradeOptions};
use tern_grader::job::Source;
use tern_grader::manifest::Engine;
use tern_grader::provenance::{self, Provenance};
use tern_grader::publish;
use tern_grader::redact::Disclosure;
use tern_grader::report::{self, Format};
use tern_grader::result::{Partition, Report};
use tern_grader::runner::process::Limits;
use tern_grader::runner::sandbox::{self, Policy};
use tern_grader::term::{self, Color};
use tern_grader::workspace::{self, Workspace};
use tern_grader::{engine_check, instructor, say, student, validate, watch, GradeError};

#[derive(Parser)]
#[command(
    name = "grader",
    version,
    about = "Grades language-runtime exercises against student and reference engines",
    after_help = EXIT_CODES
)]
struct Cli {
    /// Colour: auto (a terminal, unless NO_COLOR is set; CLICOLOR_FORCE forces it), always or never.
    #[arg(long, value_enum, global = true, default_value_t = Color::Auto)]
    color: Color,
    #[command(subcommand)]
    command: Command,
}

const EXIT_CODES: &str = "Exit codes:\n  0  everything graded passed (or the command did its job)\n  1  \
a check failed, an exercise is not at full marks, or `validate` found problems\n  2  usage error, or \
the grader could not run (a file it needs is missing or malformed)";

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum OnOff {
    On,
    Off,
}

#[derive(clap::Args, Clone)]
struct RunLimits {
    /// Per-run timeout in milliseconds. An exercise's `timeout_ms` replaces it for that
    /// exercise; an engine manifest's `timeout_ms` can only lower it, never raise it.
    #[arg(long, default_value_t = 10_000)]
    timeout_ms: u64,
    /// Per-stream output cap in bytes (an engine manifest cannot change it).
    #[arg(long, default_value_t = 1 << 20)]
    output_cap: usize,
    /// Memory of an engine's whole process tree, in MiB (over it: status `memory`).
    #[arg(long, default_value_t = 2048)]
    memory_mb: u64,
    /// Processes an engine may have alive at once (over it: status `processes`).
    #[arg(long, default_value_t = 256)]
    max_processes: u32,
    /// Largest file an engine may write, in MiB (over it: status `file-size`).
    #[arg(long, default_value_t = 64)]
    file_size_mb: u64,
    /// CPU seconds per engine process (over it: status `cpu-time`).
    #[arg(long, default_value_t = 60)]
    cpu_seconds: u64,
    /// Run engines without the bubblewrap sandbox. Instructor mode (`--course`)
    /// refuses to grade without it unless this is given; the report says so.
    #[arg(long)]
    no_sandbox: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Grade exercises (a workspace, a course, a level or exercise files), or,
    /// with --course, student workspaces against an instructor's course.
    Run {
        /// Exercise files, level or course directories, or a workspace (default: .);
        /// with --course: the workspaces to grade.
        paths: Vec<PathBuf>,
        /// Instructor mode: grade the workspaces PATHS against this course. Exercises,
        /// expectations and points come only from it; each workspace supplies its
        /// student's files, quiz answers and engine (its `course:` is ignored).
        #[arg(long, value_name = "COURSE_DIR")]
        course: Option<PathBuf>,
        /// The engine under test: a manifest path (relative to the current directory) or
        /// reference:interp|jit|aot.
        #[arg(long)]
        engine: Option<String>,
        /// human, json, junit, or html (one self-contained page with charts of the perf rules).
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Perf thresholds; off skips them (with a notice).
        #[arg(long, value_enum, default_value_t = OnOff::On)]
        perf: OnOff,
        /// Exercises graded at once, across all workspaces (default: number of cores).
        #[arg(long)]
        jobs: Option<usize>,
        /// With --course: grade only shard K of N (exercises split by workspace and
        /// exercise name); `grader merge` combines the shards' JSON reports.
        #[arg(long, value_name = "K/N", requires = "course", value_parser = Partition::parse)]
        partition: Option<Partition>,
        /// Outside a workspace, grade `program` exercises' starters instead of their solutions.
        #[arg(long)]
        starter: bool,
        /// Instructor output: show hidden and after-due checks in full (programs, diffs, details).
        #[arg(long)]
        reveal: bool,
        /// The due date has passed: show `after_due` checks like visible ones.
        #[arg(long)]
        after_due: bool,
        #[command(flatten)]
        limits: RunLimits,
    },
    /// Combine JSON reports (shards of `run --partition`, or class runs) into one.
    Merge {
        #[arg(required = true)]
        reports: Vec<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Json)]
        format: Format,
    },
    /// Check that an engine speaks the protocol (grader/PROTOCOL.md).
    EngineCheck {
        /// The engine: a manifest path or reference:interp|jit|aot.
        engine: String,
        #[command(flatten)]
        limits: RunLimits,
    },
    /// Create a student workspace with each exercise's starter files.
    Init {
        /// The course directory (the one with course.yaml), usually a published copy.
        course: PathBuf,
        /// Where to create the workspace (default: COURSE's name + `.workspace`).
        dir: Option<PathBuf>,
    },
    /// Progress per level in the current workspace: each exercise's best result and its engine.
    Status,
    /// The first exercise not at full marks, with what it asks.
    Next,
    /// The hint of an exercise (hints are shown by themselves only after a failure).
    Hint {
        /// The exercise's id (as `grader status` lists it).
        id: String,
    },
    /// Re-grade an exercise each time its files change; on a pass, name the next one.
    Watch {
        /// The engine under test for `engine` exercises (default: the workspace's `engine:`).
        #[arg(long)]
        engine: Option<String>,
        #[command(flatten)]
        limits: RunLimits,
    },
    /// Write the student copy of a course: no solutions, answer keys or hidden checks.
    Publish {
        /// The instructor's course directory.
        course: PathBuf,
        /// Where to write the student copy.
        out: PathBuf,
    },
    /// For authors: schema, solutions pass, starters fail (and earn nothing), snapshots exist.
    Validate {
        /// Exercise files, level or course directories (default: .).
        paths: Vec<PathBuf>,
        #[command(flatten)]
        limits: RunLimits,
    },
    /// Record snapshots from the reference engines.
    Bless {
        /// Exercise files, level or course directories (default: .).
        paths: Vec<PathBuf>,
        /// Write `.snap.new` files for `cargo insta review` instead of replacing snapshots.
        #[arg(long)]
        review: bool,
        #[command(flatten)]
        limits: RunLimits,
    },
}

fn options(limits: &RunLimits, perf: bool, jobs: Option<usize>) -> GradeOptions {
    let mut o = GradeOptions { perf, progress: true, ..GradeOptions::default() };
    let mib = tern_grader::runner::process::MIB;
    o.run.limits = Limits {
        timeout: Duration::from_millis(limits.timeout_ms),
        output_cap: limits.output_cap,
        memory: limits.memory_mb.saturating_mul(mib),
        processes: limits.max_processes,
        file_size: limits.file_size_mb.saturating_mul(mib),
        cpu_seconds: limits.cpu_seconds,
    };
    if limits.no_sandbox {
        o.run.sandbox = Policy::Off;
    }
    if let Some(j) = jobs {
        o.jobs = j;
    }
    o
}

fn current_workspace() -> Result<Workspace, GradeError> {
    let cwd = std::env::current_dir().map_err(|e| GradeError::new(e.to_string()))?;
    let dir = Workspace::find(&cwd).ok_or_else(|| {
        GradeError::new("not inside a workspace (no tern-course.yaml here or above)")
            .hint("create one with `grader init COURSE DIR`")
    })?;
    Workspace::open(&dir)
}

fn paths_or_cwd(paths: Vec<PathBuf>) -> Vec<PathBuf> {
    if paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        paths
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    term::init(cli.color);
    // Exercism's interface wants a results.json whatever happened.
    let exercism = matches!(&cli.command, Command::Run { format: Format::Exercism, .. });
    match dispatch(cli.command) {
        Ok(code) => code,
        Err(e) => {
            term::err(&format!("{e}\n"));
            if exercism {
                print!("{}", report::exercism::error(&e.to_string()));
            }
            ExitCode::from(2)
        }
    }
}

fn dispatch(cmd: Command) -> Result<ExitCode, GradeError> {
    match cmd {
        Command::Run {
            paths,
            course: Some(course),
            engine,
            format,
            perf,
            jobs,
            partition,
            starter: _,
            reveal,
            after_due,
            limits,
        } => {
            let mut opts = options(&limits, perf == OnOff::On, jobs);
            opts.disclosure = Disclosure { reveal, after_due };
            run_instructor(&course, &paths, engine.as_deref(), format, opts, partition)
        }
        Command::Run {
            paths,
            course: None,
            engine,
            format,
            perf,
            jobs,
            partition: _,
            starter,
            reveal,
            after_due,
            limits,
        } => {
            let mut opts = options(&limits, perf == OnOff::On, jobs);
            opts.disclosure = Disclosure { reveal, after_due };
            run(paths, engine, format, starter, opts)
        }
        Command::Merge { reports, format } => {
            let mut files = Vec::new();
            for p in &reports {
                let text = std::fs::read_to_string(p).map_err(|e| GradeError::io(p, &e))?;
                let rs = report::json::parse(&text).map_err(|m| GradeError::in_file(p, m))?;
                files.push((p.display().to_string(), rs));
            }
            emit(&tern_grader::merge::merge(files)?, format)
        }
        Command::Publish { course, out } => {
            let p = publish::publish(&course, &out)?;
            for n in &p.notes {
                say!("note: {n}");
            }
            for w in &p.withheld {
                say!("withheld  {}", w.display());
            }
            say!(
                "published {} to {}: {} exercises, {} files; withheld {} files and {} hidden check groups",
                course.display(),
                out.display(),
                p.exercises,
                p.files,
                p.withheld.len(),
                p.hidden_groups
            );
            say!("next: grader init {} DIR (keep {} for grading)", out.display(), course.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::EngineCheck { engine, limits } => {
            let engine = Engine::resolve(&engine, Path::new("."))?;
            let opts = options(&limits, false, None);
            let results = engine_check::check(&engine, &opts.run);
            let report = Report {
                engine: format!("{} ({})", engine.name, engine.kind),
                exercises: results,
                ..Report::default()
            };
            term::out(&report::human::render(&report, true));
            if report.failed() {
                say!("\nThe engine does not follow the protocol yet; see grader/PROTOCOL.md.");
                Ok(ExitCode::FAILURE)
            } else {
                say!("\nThe engine speaks protocol {}.", tern_grader::manifest::PROTOCOL_VERSION);
                Ok(ExitCode::SUCCESS)
            }
        }
        Command::Init { course, dir } => {
            let dir = dir.unwrap_or_else(|| {
                PathBuf::from(course.file_name().unwrap_or_default()).with_extension("workspace")
            });
            let ws = workspace::init(&course, &dir)?;
            let n: usize = ws.course.levels.iter().map(|l| l.exercises.len()).sum();
            let levels = ws.course.levels.len();
            let plural =
                |n: usize, word: &str| if n == 1 { format!("1 {word}") } else { format!("{n} {word}s") };
            say!(
                "created workspace {} for \"{}\" ({}, {})",
                dir.display(),
                ws.course.title,
                plural(levels, "level"),
                plural(n, "exercise")
            );
            say!("next: cd {} && grader run", dir.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Status => {
            term::out(&student::status(&current_workspace()?));
            Ok(ExitCode::SUCCESS)
        }
        Command::Next => {
            let ws = current_workspace()?;
            term::out(&student::next_text(&ws));
            Ok(if student::next(&ws).is_some() { ExitCode::FAILURE } else { ExitCode::SUCCESS })
        }
        Command::Hint { id } => {
            term::out(&student::hint(&current_workspace()?, &id)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Watch { engine, limits } => {
            let ws = current_workspace()?;
            let mut opts = options(&limits, true, None);
            opts.progress = false;
            term::out(&student::next_text(&ws));
            watch::watch(&ws, |dir| {
                let before = student::next(&ws).map(|(l, e)| format!("{l}/{}", e.id));
                match run(vec![dir.to_path_buf()], engine.clone(), Format::Human, false, opts.clone()) {
                    Ok(_) => {}
                    Err(e) => term::err(&format!("{e}\n")),
                }
                let after = student::next(&ws).map(|(l, e)| format!("{l}/{}", e.id));
                if before != after {
                    term::out(&format!("\n{}", student::next_text(&ws)));
                }
            })
            .map_err(|e| GradeError::new(format!("cannot watch {}: {e}", ws.dir.display())))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Validate { paths, limits } => {
            let (jobs, _) = collect::jobs_for_paths(&paths_or_cwd(paths), &Source::Solution)?;
            validate::full_course(&jobs)?;
            let findings = validate::validate(&jobs, &options(&limits, false, None));
            for f in &findings {
                say!("{}: {}", f.exercise, f.message);
            }
            say!("{} exercises checked, {} problems", jobs.len(), findings.len());
            Ok(if findings.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        }
        Command::Bless { paths, review, limits } => {
            let (jobs, _) = collect::jobs_for_paths(&paths_or_cwd(paths), &Source::Solution)?;
            let mut failed = false;
            for b in bless::bless(&jobs, &options(&limits, false, None).run, review) {
                match b {
                    Blessed::Written(p) => say!("wrote     {}", p.display()),
                    Blessed::Unchanged(p) => say!("unchanged {}", p.display()),
                    Blessed::Failed(p, m) => {
                        failed = true;
                        say!("FAILED    {}: {m}", p.display())
                    }
                }
            }
            Ok(if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS })
        }
    }
}

fn run(
    paths: Vec<PathBuf>,
    engine: Option<String>,
    format: Format,
    starter: bool,
    opts: GradeOptions,
) -> Result<ExitCode, GradeError> {
    let cwd = std::env::current_dir().map_err(|e| GradeError::new(e.to_string()))?;
    let probe = paths.first().cloned().unwrap_or_else(|| cwd.clone());
    let mut notices = Vec::new();
    if !opts.perf {
        notices.push("perf thresholds are off (--perf=off): they were not measured".to_string());
    }
    if opts.run.sandbox == Policy::Preferred {
        if let Err(why) = sandbox::available() {
            notices.push(format!(
                "engines run without a sandbox here ({why}); instructor grading always uses one"
            ));
        }
    }
    let (jobs, course, engine, ws) = if let Some(dir) = Workspace::find(&probe) {
        let ws = Workspace::open(&dir)?;
        if let Some(missing) = paths.iter().find(|p| !p.exists()) {
            return Err(GradeError::new(format!("{} does not exist", missing.display()))
                .hint("pass exercise directories of this workspace"));
        }
        // `--engine` is relative to where you typed it; tern-course.yaml's `engine:` to the workspace.
        let engine = match engine {
            Some(s) => Some(Engine::resolve(&s, &cwd)?),
            None => ws.file.engine.as_ref().map(|s| Engine::resolve(s, &dir)).transpose()?,
        };
        (ws.jobs(&paths), Some(ws.course.clone()), engine, Some(ws))
    } else {
        let source = if starter { Source::Starter } else { Source::Solution };
        let (jobs, course) = collect::jobs_for_paths(&paths_or_cwd(paths), &source)?;
        if jobs.iter().any(|j| matches!(j.exercise.body, tern_grader::exercise::ExerciseBody::Program(_))) {
            notices.push(format!(
                "not in a workspace: `program` exercises run their {}",
                if starter { "starter files" } else { "reference solution" }
            ));
        }
        let engine = engine.map(|s| Engine::resolve(&s, &cwd)).transpose()?;
        (jobs, course, engine, None)
    };
    if jobs.is_empty() {
        return Err(GradeError::new("no exercises to grade")
            .hint("pass exercise files, a level or a course directory"));
    }
    let results = grade::grade_all(&jobs, engine.as_ref(), &opts);
    if let Some(ws) = &ws {
        let label = engine.as_ref().map(Engine::label);
        match ws.save_results(&results, label.as_deref()) {
            Ok(lower) => notices.extend(lower),
            Err(e) => notices.push(format!("could not save progress for `grader status`: {e}")),
        }
    }
    let levels = course.as_ref().map(|c| grade::level_results(c, &results, false)).unwrap_or_default();
    let provenance = Provenance {
        workspace: ws.as_ref().map(|w| w.dir.display().to_string()),
        engine: engine.as_ref().map(Engine::label),
        engine_sha256: engine.as_ref().and_then(provenance::hash_engine),
        course: course.as_ref().map(|c| c.dir.display().to_string()),
        course_sha256: course.as_ref().map(Course::sha256),
        sandboxed: sandbox::active(opts.run.sandbox),
        ..Provenance::default()
    };
    let report = Report {
        engine: engine.as_ref().map(Engine::label).unwrap_or_default(),
        exercises: results,
        levels,
        notices,
        provenance,
        partition: None,
    };
    emit(&[report], format)
}

/// Prints the reports; exit 1 when any check failed.
fn emit(reports: &[Report], format: Format) -> Result<ExitCode, GradeError> {
    term::out(&report::render_many(reports, format, true));
    if std::env::var_os("GITHUB_ACTIONS").is_some() {
        // The runner reads workflow commands from stderr too; keeping them off
        // stdout keeps `--format junit > results.xml` a valid XML file.
        for r in reports {
            term::err(&report::github::annotations(r));
        }
    }
    Ok(if reports.iter().any(Report::failed) { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

/// `grader run --course COURSE_DIR WORKSPACE...`: each workspace against the
/// instructor's course, in the sandbox (or, with --no-sandbox, said so).
fn run_instructor(
    course_dir: &Path,
    paths: &[PathBuf],
    engine: Option<&str>,
    format: Format,
    mut opts: GradeOptions,
    partition: Option<Partition>,
) -> Result<ExitCode, GradeError> {
    let course = Course::load(course_dir)?;
    let workspaces = instructor::workspaces(paths)?;
    let mut notices = Vec::new();
    if opts.run.sandbox == Policy::Off {
        notices.push(
            "graded WITHOUT the sandbox (--no-sandbox): student code ran with the grader's rights"
                .to_string(),
        );
    } else {
        opts.run.sandbox = Policy::Required;
        if let Err(why) = sandbox::available() {
            return Err(GradeError::new(format!("instructor mode grades student code only in the sandbox, and it cannot run here: {why}"))
                .hint("install bubblewrap (apt-get install bubblewrap), or pass --no-sandbox inside a throwaway container"));
        }
    }
    if !opts.perf {
        notices.push("perf thresholds are off (--perf=off): they were not measured".to_string());
    }
    let mut reports = instructor::grade_class(&course, &workspaces, engine, &opts, partition)?;
    for r in &mut reports {
        r.notices.splice(0..0, notices.iter().cloned());
    }
    emit(&reports, format)
}
