//! Every report format checked against its platform's published schema or
//! spec (copies in grader/schemas/), on real grader output: a class of
//! fixture-course workspaces graded in instructor mode, and sharded runs
//! merged back. Fake engines only; no `tern` needed.
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn schemas() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas")
}

fn course() -> String {
    fixtures().join("course").display().to_string()
}

fn grader(args: &[&str], cwd: &Path) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_grader"))
        .args(args)
        .current_dir(cwd)
        .env_remove("GITHUB_ACTIONS")
        .output()
        .unwrap();
    let (o, e) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    assert!(!e.contains("panicked"), "grader panicked: {e}");
    (out.status.code().unwrap_or(-1), o, e)
}

/// Three workspaces of the fixture course: no engine, an honest engine with a
/// solved program, and an engine that prints ANSI colour and a NUL first.
fn class(tmp: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for (i, script) in [None, Some(""), Some("printf '\\033[31mred\\000\\n'")].into_iter().enumerate() {
        let ws = tmp.join(format!("student{i}"));
        let (code, o, e) = grader(&["init", &course(), ws.to_str().unwrap()], tmp);
        assert_eq!(code, 0, "{o}{e}");
        if let Some(script) = script {
            let dir = ws.join("my-engine");
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::copy(fixtures().join("engines/fake_engine.py"), dir.join("fake_engine.py")).unwrap();
            std::fs::write(
                dir.join("engine.sh"),
                format!("{script}\nexec python3 \"$(dirname \"$0\")/fake_engine.py\" interp run \"$1\"\n"),
            )
            .unwrap();
            std::fs::write(
                dir.join("engine.yaml"),
                "protocol: 1\nname: mine\nkind: interp\nrun: [sh, engine.sh, \"{file}\"]\n",
            )
            .unwrap();
            std::fs::write(ws.join("tern-course.yaml"), "course: x\nengine: my-engine/engine.yaml\n")
                .unwrap();
            std::fs::write(ws.join("02-programs/sum/main.tern"), "// @all print 55\nprint(55);\n").unwrap();
        }
        out.push(ws);
    }
    out
}

/// `grader run --course` over `ws` with `extra` arguments; stdout.
fn run_class(ws: &[PathBuf], extra: &[&str]) -> String {
    let course = course();
    let mut args = vec!["run", "--perf=off", "--course", &course];
    args.extend(extra);
    args.extend(ws.iter().map(|p| p.to_str().unwrap()));
    let (code, out, err) = grader(&args, ws[0].parent().unwrap());
    assert!(code == 0 || code == 1, "exit {code}: {out}{err}");
    out
}

fn validator(schema: &Path) -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(schema).unwrap()).unwrap();
    jsonschema::validator_for(&schema).expect("a valid JSON Schema")
}

fn assert_valid(v: &jsonschema::Validator, doc: &Value, what: &str) {
    let errors: Vec<String> = v.iter_errors(doc).map(|e| format!("{e} at {}", e.instance_path())).collect();
    assert!(errors.is_empty(), "{what} does not match its schema:\n{}\n{doc:#}", errors.join("\n"));
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

#[test]
fn json_reports_match_the_published_schema() {
    let tmp = tempfile::tempdir().unwrap();
    let ws = class(tmp.path());
    let schema = validator(&schemas().join("report.schema.json"));
    let many = json(&run_class(&ws, &["--format", "json"]));
    assert_valid(&schema, &many, "a class report");
    let one = json(&run_class(&ws[1..2], &["--format", "json"]));
    assert_valid(&schema, &one, "a workspace report");
    assert_eq!(one["schema_version"], 1);
    // Per-check points add up to the exercise's; every run has a time.
    for ex in one["exercises"].as_array().unwrap() {
        let sum: f64 = ex["checks"].as_array().unwrap().iter().map(|c| c["score"].as_f64().unwrap()).sum();
        assert!((sum - ex["earned"].as_f64().unwrap()).abs() < 0.01, "{ex}");
    }
    let hello = &one["exercises"][0];
    assert_eq!(hello["id"], "hello");
    assert!(hello["checks"].as_array().unwrap().iter().all(|c| c["duration_ms"].is_u64()), "{hello}");
    assert!(hello["checks"][0]["program"].as_str().is_some_and(|p| !p.is_empty()), "{hello}");
    assert!(
        one["provenance"]["engine_sha256"].is_string() && one["provenance"]["workspace_sha256"].is_string()
    );
    // The schema is strict: a field it does not describe is an error.
    let mut extra = one.clone();
    extra["exercises"][0]["checks"][0]["surprise"] = Value::Bool(true);
    assert!(!schema.is_valid(&extra), "the schema lets undocumented fields through");
}

fn xmllint_validates(xml: &str) {
    let have = Command::new("xmllint").arg("--version").output().is_ok();
    if !have {
        assert!(
            std::env::var_os("CI").is_none(),
            "xmllint is missing: CI must validate JUnit against junit-10.xsd (ci/setup.sh installs libxml2-utils)"
        );
        eprintln!("note: xmllint is not installed; JUnit was not validated against junit-10.xsd");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("junit.xml");
    std::fs::write(&file, xml).unwrap();
    let out = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(schemas().join("vendor/junit-10.xsd"))
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "JUnit output fails junit-10.xsd:\n{}\n{xml}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn junit_is_valid_against_the_jenkins_xunit_schema() {
    let tmp = tempfile::tempdir().unwrap();
    let ws = class(tmp.path());
    let xml = run_class(&ws, &["--format", "junit"]);
    xmllint_validates(&xml);
    xmllint_validates(&run_class(&ws[2..], &["--format", "junit"]));
    let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
    let root = doc.root_element();
    assert!(root.attribute("skipped").is_none() && root.attribute("time").is_some());
    let cases: Vec<_> = doc.descendants().filter(|n| n.has_tag_name("testcase")).collect();
    assert!(cases.iter().all(|c| c.attribute("time").is_some()), "every test case has a time");
    // student2's engine printed ANSI colour and a NUL on failing checks: kept, minus what XML cannot carry.
    let out: Vec<&str> =
        doc.descendants().filter(|n| n.has_tag_name("system-out")).filter_map(|n| n.text()).collect();
    assert!(out.iter().any(|t| t.contains("[31mred")), "failures carry the engine's stdout: {xml}");
}

#[test]
fn gradescope_results_match_the_spec() {
    let tmp = tempfile::tempdir().unwrap();
    let ws = class(tmp.path());
    let schema = validator(&schemas().join("vendor/gradescope-results.schema.json"));
    let v = json(&run_class(&ws[1..2], &["--format", "gradescope"]));
    assert_valid(&schema, &v, "gradescope results.json");
    let report = json(&run_class(&ws[1..2], &["--format", "json"]));
    assert_eq!(v["score"], report["points"]["earned"]);
    let tests = v["tests"].as_array().unwrap();
    let max: f64 = tests.iter().map(|t| t["max_score"].as_f64().unwrap()).sum();
    assert!((max - report["points"]["total"].as_f64().unwrap()).abs() < 0.01, "{max}: {v:#}");
    assert!(tests.iter().all(|t| t["name"].as_str().unwrap().contains('/')), "names say level/exercise");
    let class = json(&run_class(&ws, &["--format", "gradescope"]));
    for w in class["workspaces"].as_array().unwrap() {
        assert_valid(&schema, w, "a class's gradescope section");
    }

    // Hidden and after-due checks take Gradescope's visibility levels.
    let (_, out, _) =
        grader(&["run", "hidden", "--engine", "engines/silent.yaml", "--format", "gradescope"], &fixtures());
    let v = json(&out);
    assert_valid(&schema, &v, "gradescope results.json with hidden checks");
    let vis = |prefix: &str| -> Vec<String> {
        v["tests"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["name"].as_str().unwrap().contains(prefix))
            .map(|t| t["visibility"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(vis("hidden check 2."), ["hidden", "hidden"]);
    assert_eq!(vis("hidden check 3"), ["after_due_date"]);
}

#[test]
fn exercism_results_match_the_spec_even_when_nothing_can_be_graded() {
    let tmp = tempfile::tempdir().unwrap();
    let ws = class(tmp.path());
    let schema = validator(&schemas().join("vendor/exercism-results-v3.schema.json"));
    let v = json(&run_class(&ws[2..], &["--format", "exercism"]));
    assert_valid(&schema, &v, "exercism results.json");
    assert_eq!(v["status"], "fail");
    let tests = v["tests"].as_array().unwrap();
    assert!(tests.iter().any(|t| t["test_code"].as_str().is_some_and(|c| c.contains("@"))), "{v:#}");
    assert!(tests.iter().all(|t| t["output"].as_str().is_none_or(|o| o.chars().count() <= 500)));
    let passing = json(&run_class(&ws[1..2], &["--format", "exercism"]));
    assert_valid(&schema, &passing, "exercism results.json");
    for w in json(&run_class(&ws, &["--format", "exercism"]))["workspaces"].as_array().unwrap() {
        assert_valid(&schema, w, "a class's exercism section");
    }

    // An unusable input still gets a results.json, with status error.
    let (code, out, _) = grader(
        &["run", "--format", "exercism", "--course", "/nonexistent-course", ws[0].to_str().unwrap()],
        tmp.path(),
    );
    assert_eq!(code, 2);
    let v = json(&out);
    assert_valid(&schema, &v, "exercism error results.json");
    assert_eq!(v["status"], "error");
    assert!(v["message"].as_str().unwrap().contains("nonexistent-course"), "{v}");
}

#[test]
fn csv_is_one_rfc4180_row_per_workspace() {
    let tmp = tempfile::tempdir().unwrap();
    let ws = class(tmp.path());
    let text = run_class(&ws, &["--format", "csv"]);
    assert!(text.lines().count() == 4 && text.matches("\r\n").count() == 4, "CRLF records: {text:?}");
    let mut r = csv::ReaderBuilder::new().flexible(false).from_reader(text.as_bytes());
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header,
        ["workspace", "engine", "points", "max_points", "xp", "max_xp", "xp 01-basics", "xp 02-programs"]
    );
    let rows: Vec<csv::StringRecord> = r.records().map(|r| r.expect("a well-formed record")).collect();
    assert_eq!(rows.len(), 3);
    let report = json(&run_class(&ws, &["--format", "json"]));
    for (row, w) in rows.iter().zip(report["workspaces"].as_array().unwrap()) {
        assert_eq!(row[0], *w["provenance"]["workspace"].as_str().unwrap());
        assert_eq!(row[2].parse::<f64>().unwrap(), w["points"]["earned"].as_f64().unwrap());
        assert_eq!(row[3], w["points"]["total"].to_string());
        assert_eq!(row[4], w["xp"]["earned"].to_string());
    }
}

/// The report without what differs between two gradings of the same files: times.
fn timeless(mut v: Value) -> Value {
    fn strip(v: &mut Value) {
        match v {
            Value::Object(m) => {
                m.remove("duration_ms");
                m.values_mut().for_each(strip);
            }
            Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    strip(&mut v);
    v
}

#[test]
fn jobs_grade_a_class_into_one_report_whatever_the_parallelism() {
    let tmp = tempfile::tempdir().unwrap();
    let ws = class(tmp.path());
    let one = timeless(json(&run_class(&ws, &["--format", "json", "--jobs", "1"])));
    let four = timeless(json(&run_class(&ws, &["--format", "json", "--jobs", "4"])));
    assert_eq!(one, four);
    assert_eq!(one["workspaces"].as_array().unwrap().len(), 3);
}

#[test]
fn shards_plus_merge_equal_the_unsharded_report() {
    let tmp = tempfile::tempdir().unwrap();
    let ws = class(tmp.path());
    let whole = json(&run_class(&ws, &["--format", "json"]));
    let mut files = Vec::new();
    let mut sizes = Vec::new();
    for k in 1..=3 {
        let text = run_class(&ws, &["--format", "json", "--partition", &format!("{k}/3")]);
        let v = json(&text);
        assert_eq!(v["workspaces"].as_array().unwrap().len(), 3, "every shard reports every workspace");
        sizes.push(
            v["workspaces"]
                .as_array()
                .unwrap()
                .iter()
                .map(|w| w["exercises"].as_array().unwrap().len())
                .sum::<usize>(),
        );
        let f = tmp.path().join(format!("shard{k}.json"));
        std::fs::write(&f, text).unwrap();
        files.push(f.display().to_string());
    }
    assert!(sizes.iter().filter(|&&n| n > 0).count() >= 2, "the work is split: {sizes:?}");
    let merge = |fs: &[String], extra: &[&str]| {
        let mut args = vec!["merge"];
        args.extend(fs.iter().map(String::as_str));
        args.extend(extra);
        grader(&args, tmp.path())
    };
    let (code, out, err) = merge(&files, &[]);
    assert!(code == 0 || code == 1, "{out}{err}");
    assert_eq!(timeless(json(&out)), timeless(whole.clone()));
    // Any format: merged JUnit is the unsharded JUnit, times aside.
    let (_, xml, _) = merge(&files, &["--format", "junit"]);
    let times = regex_free_times(&xml);
    assert_eq!(times, regex_free_times(&run_class(&ws, &["--format", "junit"])));

    // A missing or repeated shard is refused, never a lower grade.
    let (code, _, err) = merge(&files[..2], &[]);
    assert_eq!(code, 2);
    assert!(err.contains("shard 3/3 is missing"), "{err}");
    let (code, _, err) =
        merge(&[files[0].clone(), files[0].clone(), files[1].clone(), files[2].clone()], &[]);
    assert_eq!(code, 2);
    assert!(err.contains("shard 1/3 appears twice"), "{err}");
    // So is a shard that graded different files.
    std::fs::write(ws[1].join("02-programs/sum/main.tern"), "// @all print 54\n").unwrap();
    let changed = tmp.path().join("changed.json");
    std::fs::write(&changed, run_class(&ws, &["--format", "json", "--partition", "3/3"])).unwrap();
    let (code, _, err) = merge(&[files[0].clone(), files[1].clone(), changed.display().to_string()], &[]);
    assert_eq!(code, 2);
    assert!(err.contains("graded different workspace files"), "{err}");
}

/// JUnit text with its `time="..."` values blanked.
fn regex_free_times(xml: &str) -> String {
    let mut out = String::new();
    let mut rest = xml;
    while let Some(i) = rest.find("time=\"") {
        out.push_str(&rest[..i + 6]);
        rest = &rest[i + 6..];
        let end = rest.find('"').unwrap();
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}
