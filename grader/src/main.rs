//! The `grader` command line.
use clap::{Parser, Subcommand, ValueEnum};
use std::io::IsTerminal;
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
use tern_grader::result::Report;
use tern_grader::runner::process::Limits;
use tern_grader::runner::sandbox::{self, Policy};
use tern_grader::workspace::{self, Workspace};
use tern_grader::{engine_check, instructor, validate, GradeError};

#[derive(Parser)]
#[command(
    name = "grader",
    version,
    about = "Grades language-runtime exercises against student and reference engines"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

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
        /// The engine under test: a manifest path or reference:interp|jit|aot.
        #[arg(long)]
        engine: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Perf thresholds; off skips them (with a notice).
        #[arg(long, value_enum, default_value_t = OnOff::On)]
        perf: OnOff,
        /// Parallel exercises (default: number of cores).
        #[arg(long)]
        jobs: Option<usize>,
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
    /// Check that an engine speaks the protocol (grader/PROTOCOL.md).
    EngineCheck {
        engine: String,
        #[command(flatten)]
        limits: RunLimits,
    },
    /// Create a student workspace with each exercise's starter files.
    Init { course: PathBuf, dir: Option<PathBuf> },
    /// Progress, points and XP per level in the current workspace.
    Status,
    /// Write the student copy of a course: no solutions, answer keys or hidden checks.
    Publish { course: PathBuf, out: PathBuf },
    /// For authors: schema, solutions pass, starters fail, snapshots exist.
    Validate {
        paths: Vec<PathBuf>,
        #[command(flatten)]
        limits: RunLimits,
    },
    /// Record snapshots from the reference engines.
    Bless {
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

fn paths_or_cwd(paths: Vec<PathBuf>) -> Vec<PathBuf> {
    if paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        paths
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match dispatch(cli.command) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("{e}");
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
            starter: _,
            reveal,
            after_due,
            limits,
        } => {
            let mut opts = options(&limits, perf == OnOff::On, jobs);
            opts.disclosure = Disclosure { reveal, after_due };
            run_instructor(&course, &paths, engine.as_deref(), format, opts)
        }
        Command::Run {
            paths,
            course: None,
            engine,
            format,
            perf,
            jobs,
            starter,
            reveal,
            after_due,
            limits,
        } => {
            let mut opts = options(&limits, perf == OnOff::On, jobs);
            opts.disclosure = Disclosure { reveal, after_due };
            run(paths, engine, format, starter, opts)
        }
        Command::Publish { course, out } => {
            let p = publish::publish(&course, &out)?;
            for n in &p.notes {
                println!("note: {n}");
            }
            for w in &p.withheld {
                println!("withheld  {}", w.display());
            }
            println!(
                "published {} to {}: {} exercises, {} files; withheld {} files and {} hidden check groups",
                course.display(),
                out.display(),
                p.exercises,
                p.files,
                p.withheld.len(),
                p.hidden_groups
            );
            println!("next: grader init {} DIR (keep {} for grading)", out.display(), course.display());
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
            print!("{}", report::human::render(&report, std::io::stdout().is_terminal()));
            if report.failed() {
                println!("\nThe engine does not follow the protocol yet; see grader/PROTOCOL.md.");
                Ok(ExitCode::FAILURE)
            } else {
                println!("\nThe engine speaks protocol {}.", tern_grader::manifest::PROTOCOL_VERSION);
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
            println!(
                "created workspace {} for \"{}\" ({}, {})",
                dir.display(),
                ws.course.title,
                plural(levels, "level"),
                plural(n, "exercise")
            );
            println!("next: cd {} && grader run", dir.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Status => {
            let cwd = std::env::current_dir().map_err(|e| GradeError::new(e.to_string()))?;
            let dir = Workspace::find(&cwd).ok_or_else(|| {
                GradeError::new("not inside a workspace (no tern-course.yaml here or above)")
                    .hint("create one with `grader init COURSE DIR`")
            })?;
            let ws = Workspace::open(&dir)?;
            let stored = ws.load_results();
            let results: Vec<_> = stored.into_values().collect();
            let levels = grade::level_results(&ws.course, &results, true);
            println!("{} — {}", ws.course.title, ws.dir.display());
            for l in &levels {
                let lock = if l.locked_by.is_empty() {
                    String::new()
                } else {
                    format!("  (locked: finish {} first)", l.locked_by.join(", "))
                };
                println!(
                    "\nlevel {} — {}: {}/{} exercises, {:.2}/{} points, {}/{} XP{lock}",
                    l.name, l.title, l.passed, l.total, l.earned, l.points, l.earned_xp, l.xp
                );
                if let Some(level) = ws.course.levels.iter().find(|c| c.name == l.name) {
                    for ex in &level.exercises {
                        let r = results.iter().find(|r| r.id == ex.id && r.level.as_deref() == Some(&l.name));
                        let (mark, pts) = match r {
                            Some(r) => (r.status.as_str(), format!("{:.2}/{}", r.earned, r.points)),
                            None => ("not run", format!("0/{}", ex.points)),
                        };
                        println!("  {:<10} {:<24} {:>10}  {}", mark, ex.id, pts, ex.title);
                    }
                }
            }
            let xp: u32 = levels.iter().map(|l| l.earned_xp).sum();
            let xp_total: u32 = levels.iter().map(|l| l.xp).sum();
            println!("\nXP: {xp}/{xp_total}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Validate { paths, limits } => {
            let (jobs, _) = collect::jobs_for_paths(&paths_or_cwd(paths), &Source::Solution)?;
            validate::full_course(&jobs)?;
            let findings = validate::validate(&jobs, &options(&limits, false, None));
            for f in &findings {
                println!("{}: {}", f.exercise, f.message);
            }
            println!("{} exercises checked, {} problems", jobs.len(), findings.len());
            Ok(if findings.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        }
        Command::Bless { paths, review, limits } => {
            let (jobs, _) = collect::jobs_for_paths(&paths_or_cwd(paths), &Source::Solution)?;
            let mut failed = false;
            for b in bless::bless(&jobs, &options(&limits, false, None).run, review) {
                match b {
                    Blessed::Written(p) => println!("wrote     {}", p.display()),
                    Blessed::Unchanged(p) => println!("unchanged {}", p.display()),
                    Blessed::Failed(p, m) => {
                        failed = true;
                        println!("FAILED    {}: {m}", p.display())
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
        let spec = engine.or_else(|| ws.file.engine.clone());
        let engine = spec
            .map(|s| Engine::resolve(&s, if s.starts_with("reference:") { &cwd } else { &dir }))
            .transpose()?;
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
        if let Err(e) = ws.save_results(&results) {
            notices.push(format!("could not save progress for `grader status`: {e}"));
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
    };
    emit(&[report], format)
}

/// Prints the reports; exit 1 when any check failed.
fn emit(reports: &[Report], format: Format) -> Result<ExitCode, GradeError> {
    print!("{}", report::render_many(reports, format, std::io::stdout().is_terminal()));
    if std::env::var_os("GITHUB_ACTIONS").is_some() {
        // The runner reads workflow commands from stderr too; keeping them off
        // stdout keeps `--format junit > results.xml` a valid XML file.
        for r in reports {
            eprint!("{}", report::github::annotations(r));
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
    let mut reports = Vec::new();
    for ws in &workspaces {
        let mut r = instructor::grade_workspace(&course, ws, engine, &opts)?;
        r.notices.splice(0..0, notices.iter().cloned());
        reports.push(r);
    }
    emit(&reports, format)
}
