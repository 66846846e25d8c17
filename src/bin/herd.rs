//! `herd`: see `herd::cli`.

fn main() {
    std::process::exit(herd::cli::main(herd::cli::Flavor::Herd, std::env::args()));
}
