//! `batch_run`: see `herd::cli`.

fn main() {
    std::process::exit(herd::cli::main(
        herd::cli::Flavor::BatchRun,
        std::env::args(),
    ));
}
