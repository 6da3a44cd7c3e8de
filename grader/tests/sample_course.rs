//! The libtest-mimic harness grading the sample course against the fake
//! interpreter, exactly as a student's five-line test file would.
fn main() {
    tern_grader::harness::main("tests/fixtures/course", Some("tests/fixtures/engines/interp.yaml"));
}
