//! The `keikaku` binary: parse the command line, set up logging, run, print errors once.

use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = keikaku::cli::parse();
    keikaku::telemetry::init();
    let code = match keikaku::cli::run(cli) {
        Ok(code) => code,
        // A closed stdout (`keikaku … | head`) is not an error worth a message.
        Err(e)
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) =>
        {
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    };
    keikaku::telemetry::report_peak_rss();
    code
}
