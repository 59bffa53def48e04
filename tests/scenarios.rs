//! Every scenario under `scenarios/` as one `cargo test` test named `<path>::<title>`
//! (libtest-mimic: filterable, `--list`, `--exact`).

use std::path::PathBuf;

use kscn::runner::{self, exec, load, report, Status};
use libtest_mimic::{Arguments, Failed, Trial};

fn main() {
    let args = Arguments::from_args();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let files = runner::discover(&[root.join("scenarios")]).expect("the scenarios folder exists");
    let mut trials = Vec::new();
    for (path, _) in files {
        let shown = path
            .strip_prefix(&root)
            .unwrap_or(&path)
            .display()
            .to_string();
        match load::load(&path, &shown) {
            Ok(file) => {
                let file = std::sync::Arc::new(file);
                for (index, scenario) in file.ast.scenarios.iter().enumerate() {
                    let file = file.clone();
                    let name = format!("{shown}::{}", scenario.title);
                    trials.push(
                        Trial::test(name, move || {
                            let result = exec::run_scenario(&file, index);
                            match &result.status {
                                Status::Passed => Ok(()),
                                Status::Failed(_) => Err(Failed::from(report::render_scenario(
                                    &file.display,
                                    &result,
                                    report::Palette { color: false },
                                ))),
                            }
                        })
                        .with_kind(scenario.tags.join(",")),
                    );
                }
            }
            Err(errors) => {
                let text =
                    report::render_load_errors(&shown, &errors, report::Palette { color: false });
                trials.push(Trial::test(format!("{shown}::(load)"), move || {
                    Err(Failed::from(text))
                }));
            }
        }
    }
    libtest_mimic::run(&args, trials).exit();
}
