//! `batch_scp`: see `herd::cli`.

fn main() {
    std::process::exit(herd::cli::main(
        herd::cli::Flavor::BatchScp,
        std::env::args(),
    ));
}
