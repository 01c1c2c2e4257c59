fn main() -> std::process::ExitCode {
    leakguard::cli::main()
}
