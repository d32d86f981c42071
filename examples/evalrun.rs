fn main() {
    tracing_subscriber::fmt().with_env_filter(tracing_subscriber::EnvFilter::from_default_env()).with_writer(std::io::stderr).init();
    let paths = keikaku::search::Paths { data_dir: "data".into(), index_dir: "index".into() };
    let engine = keikaku::search::open(&paths, keikaku::search::Rebuild::IfStale).unwrap();
    for q in std::env::args().skip(1) {
        let o = engine.ask(&q);
        let j = keikaku::answer::ask_json(engine.plan(), &o);
        println!("{}", serde_json::to_string_pretty(&j).unwrap());
        println!("{}", j.text);
    }
}
