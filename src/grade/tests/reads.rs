use std::path::Path;

/// Each submission file is read and parsed once per grading (issue 11), however many
/// scenario files apply it: the required-files check, the teacher's scenario files and the
/// student's own scenarios share what was read.
#[test]
fn each_submission_file_is_read_once_per_grading() {
    use super::super::{grade_reading, load_assignment};
    use std::collections::BTreeMap;
    let reads = |assignment: &Path, submission: &Path| -> BTreeMap<String, u32> {
        let assignment = load_assignment(assignment).expect("the assignment loads");
        let (report, read) = grade_reading(&assignment, submission, "s");
        assert!(report.score > 0.0, "the submission earns something");
        read.reads
    };
    // Six `apply submission "web.yaml"` in five files, and a required file.
    let basics = Path::new("assignments/statefulset-basics");
    assert_eq!(
        reads(basics, &basics.join("samples/correct")),
        BTreeMap::from([("web.yaml".to_string(), 1)])
    );
    // The student's scenarios: each read once, and the `web.yaml` they apply five times.
    let mutants = Path::new("assignments/statefulset-mutants");
    assert_eq!(
        reads(mutants, &mutants.join("reference")),
        BTreeMap::from([
            ("identity.scn".to_string(), 1),
            ("ordering.scn".to_string(), 1),
            ("web.yaml".to_string(), 1),
        ])
    );
    // Both at once: a teacher's scenario and the student's own apply the same file.
    let dir = tempfile::tempdir().expect("temp dir");
    let assignment = dir.path().join("assignment");
    std::fs::create_dir_all(&assignment).expect("assignment dir");
    std::fs::write(
        assignment.join("assignment.toml"),
        "title = \"t\"\nscn = \"1\"\nrequired_files = [\"web.yaml\"]\n\
         [[scenario]]\nfile = \"a.scn\"\ntitle = \"*\"\npoints = 1\n\
         [[scenario]]\nfile = \"b.scn\"\ntitle = \"*\"\npoints = 1\n\
         [[mutant]]\nid = \"no-hostname\"\npoints = 1\n",
    )
    .expect("toml");
    for name in ["a.scn", "b.scn"] {
        std::fs::write(
            assignment.join(name),
            "scenario \"x\" {\n  apply submission \"web.yaml\"\n  await statefulset/web ready\n}\n",
        )
        .expect("scn");
    }
    let submission = dir.path().join("submission");
    std::fs::create_dir_all(&submission).expect("submission dir");
    std::fs::copy(
        mutants.join("reference/web.yaml"),
        submission.join("web.yaml"),
    )
    .expect("web.yaml");
    std::fs::copy(
        mutants.join("reference/identity.scn"),
        submission.join("identity.scn"),
    )
    .expect("identity.scn");
    assert_eq!(
        reads(&assignment, &submission),
        BTreeMap::from([("identity.scn".to_string(), 1), ("web.yaml".to_string(), 1),])
    );
}
