//! The progress site under test: served on 127.0.0.1 (a free port) over a fresh database with
//! one lead and a reported actual; it stops when told, or by itself after two minutes.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use super::common;
use keikaku::actuals::Role;
use keikaku::app::App;

pub const LEAD: i64 = 1001;
pub const LEAD_NAME: &str = "山田太郎";

pub struct Site {
    pub base: String,
    pub addr: std::net::SocketAddr,
    pub app: Arc<App>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
    _dir: tempfile::TempDir,
    pub http: reqwest::Client,
}

/// The site as served (rate-limited as served).
pub async fn start() -> Site {
    start_with(|c| c).await
}

/// The same, letting one client make `burst` requests at once.
pub async fn start_limited(burst: f64) -> Site {
    start_with(|c| keikaku::web::Config { burst, ..c }).await
}

/// The site with its configuration changed by `tweak`.
pub async fn start_with(tweak: impl FnOnce(keikaku::web::Config) -> keikaku::web::Config) -> Site {
    let (dir, _db, app) = tokio::task::spawn_blocking(|| {
        let (dir, db, app) = common::app_with_roster(&[(LEAD, LEAD_NAME, Role::Lead, &["デジタル推進課"])]);
        report(&app, ["どこでも窓口", "搭載手続数", "R8", "92件"]);
        (dir, db, app)
    })
    .await
    .unwrap();
    let app = Arc::new(app);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let config = tweak(keikaku::web::Config::at(addr));
    let app2 = Arc::clone(&app);
    let task = tokio::spawn(async move {
        keikaku::web::serve_on(listener, &config, app2, async move {
            let _ = tokio::time::timeout(Duration::from_secs(120), rx).await;
        })
        .await
    });
    let http = reqwest::Client::builder().timeout(Duration::from_secs(20)).build().unwrap();
    Site { base: format!("http://{addr}"), addr, app, stop: Some(tx), task, _dir: dir, http }
}

pub fn report(app: &App, parts: [&str; 4]) {
    let [i, k, y, v] = parts;
    let resolved = app.resolve_parts(i, k, y, v);
    let mut store = app.store().unwrap();
    store.report(&app.plan(), LEAD, &parts.join(" "), resolved, "test").unwrap().unwrap();
}

impl Site {
    pub async fn get(&self, path: &str) -> (u16, reqwest::header::HeaderMap, String) {
        let r = self.http.get(format!("{}{path}", self.base)).send().await.unwrap();
        let (status, headers) = (r.status().as_u16(), r.headers().clone());
        (status, headers, r.text().await.unwrap())
    }

    pub async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        let done = tokio::time::timeout(Duration::from_secs(15), &mut self.task).await;
        assert!(matches!(done, Ok(Ok(Ok(())))), "the site stops: {done:?}");
    }
}
