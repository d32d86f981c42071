//! `keikaku web`: the public, read-only progress site (axum), server-side rendered from the
//! same plan, engine and database as the bots. It reads the actuals and never writes
//! anything; it shows nothing of the staff side.
//!
//! Safe to expose: every string escaped ([`pages`]), a Content-Security-Policy without
//! inline script or style, `X-Content-Type-Options`, `Referrer-Policy`, `X-Frame-Options` on
//! every answer (hyper's own included, [`serve`]); GET only, bodies refused, queries of at
//! most [`MAX_QUERY`] characters; a per-client rate limit ([`limit`]); timeouts and a cap on
//! each client's connections ([`serve`]); error pages in Japanese.

mod config;
pub mod limit;
pub mod pages;
mod serve;

pub use config::Config;

use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use anyhow::Context;
use axum::extract::{ConnectInfo, FromRequestParts, Path, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::actuals::{ActualsView, Readers, export_csv_for, export_json_for};
use crate::app::{App, Audience};
use crate::plan::Initiative;
use limit::{ClientKey, Limiter};

/// The longest search query taken, in characters.
pub const MAX_QUERY: usize = 200;

/// The longest raw query string read: [`MAX_QUERY`] characters percent-encoded (up to 12
/// bytes a character: 4 bytes of UTF-8, an emoji, at 3 each) and room for the name.
const MAX_RAW_QUERY: usize = MAX_QUERY * 12 + 64;

/// The headers on every answer, hyper's own error answers included.
const SECURITY_HEADERS: [(HeaderName, &str); 4] = [
    (
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    ),
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::REFERRER_POLICY, "no-referrer"),
    (header::X_FRAME_OPTIONS, "DENY"),
];

/// Pages, charts and open data may be kept five minutes, by browsers and by any proxy in
/// front: they change only when a department reports an actual or the plan is reloaded, so
/// a reader sees a new figure within five minutes while repeat views and crawlers cost the
/// server nothing. (The style sheet, which changes with a release only, sets an hour.)
const CACHE_PUBLIC: &str = "public, max-age=300";

/// Errors and refusals (404, 400, 429, …) are never kept: a 429 kept would refuse a reader
/// who is no longer over the limit.
const CACHE_NONE: &str = "no-store";

/// What the handlers share.
pub struct Site {
    app: Arc<App>,
    trust_proxy: bool,
    limiter: Limiter,
}

/// The site's routes over `app`.
pub fn router(app: Arc<App>, config: &Config) -> axum::Router {
    routes(Site::new(app, config))
}

fn routes(site: Arc<Site>) -> axum::Router {
    axum::Router::new()
        .route("/", get(top))
        .route("/policies/{n}", get(policy))
        .route("/departments/{name}", get(department))
        .route("/means/{n}", get(means))
        .route("/initiatives/{page}", get(initiative))
        .route("/charts/{page}/{file}", get(chart))
        .route("/search", get(search))
        .route("/opendata", get(opendata))
        .route("/opendata/actuals.csv", get(actuals_csv))
        .route("/opendata/actuals.json", get(actuals_json))
        .route("/opendata/plan.json", get(plan_json))
        .route("/static/style.css", get(style))
        // A probe's answer is about this moment: never kept.
        .route("/healthz", get(|| async { ([(header::CACHE_CONTROL, CACHE_NONE)], "ok") }))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(Arc::clone(&site), guard))
        .layer(middleware::from_fn(headers))
        .with_state(site)
}

/// Serves the site at `config.listen` until `stop` completes.
pub async fn run(config: Config, app: Arc<App>, stop: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
    let listener = bind(&config).await?;
    serve_on(listener, &config, app, stop).await
}

/// Binds `config.listen`; an error says which address and what to change.
pub async fn bind(config: &Config) -> anyhow::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(config.listen).await.with_context(|| {
        format!("cannot listen on {}: is another process there? (--listen / KEIKAKU_WEB_LISTEN)", config.listen)
    })
}

/// Serves the site on `listener` (tests bind port 0; `config.listen` is not used) until
/// `stop` completes.
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    config: &Config,
    app: Arc<App>,
    stop: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let at = listener.local_addr().map(|a| a.to_string()).unwrap_or_default();
    tracing::info!(listen = %at, "the progress site is listening");
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    if let Some(every) = config.reload_every {
        tokio::spawn(crate::app::watch_data(Arc::clone(&app), every, stop_rx, |_| async {}));
    }
    let site = Site::new(app, config);
    let for_errors = Arc::clone(&site);
    let own_answer: serve::OwnAnswer = Arc::new(move |status| for_errors.raw_error_answer(status));
    let limits = serve::Limits {
        header: config.header_timeout,
        idle: config.idle_timeout,
        per_client: config.max_connections,
        proxy_on_loopback: config.trust_proxy,
    };
    serve::serve(listener, routes(site), own_answer, limits, stop).await;
    let _ = stop_tx.send(true);
    Ok(())
}

type St = State<Arc<Site>>;

/// An extractor whose rejection is the site's 400 page in Japanese rather than axum's
/// English text: `/departments/%ff` (not UTF-8 once decoded), a query that does not parse.
struct Checked<E>(E);

impl<E> FromRequestParts<Arc<Site>> for Checked<E>
where
    E: FromRequestParts<Arc<Site>>,
    E::Rejection: std::fmt::Display,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, site: &Arc<Site>) -> Result<Self, Response> {
        E::from_request_parts(parts, site).await.map(Checked).map_err(|e| {
            tracing::debug!(error = %e, "a malformed address");
            page(
                StatusCode::BAD_REQUEST,
                pages::error(
                    &site.app.plan(),
                    "アドレスが正しくありません",
                    "アドレスの文字を読み取れません。トップページか検索欄からお進みください。",
                ),
            )
        })
    }
}

/// Every response: the security headers, and how long it may be kept (unless the handler
/// said).
async fn headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let cache = if response.status().is_success() { CACHE_PUBLIC } else { CACHE_NONE };
    let h = response.headers_mut();
    for (name, value) in SECURITY_HEADERS {
        h.insert(name, HeaderValue::from_static(value));
    }
    h.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static(cache));
    response
}

/// Before any page: GET (or HEAD) only, no body, a query of sensible length, and the
/// client's rate.
async fn guard(State(site): St, ConnectInfo(peer): ConnectInfo<SocketAddr>, request: Request, next: Next) -> Response {
    if request.method() != axum::http::Method::GET && request.method() != axum::http::Method::HEAD {
        return page(
            StatusCode::METHOD_NOT_ALLOWED,
            pages::error(&site.app.plan(), "使えない操作です", "このサイトは閲覧専用です。"),
        );
    }
    let has_body = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .is_some_and(|n| n > 0);
    if has_body {
        return page(
            StatusCode::BAD_REQUEST,
            pages::error(&site.app.plan(), "リクエストが大きすぎます", "このサイトは閲覧専用です。"),
        );
    }
    // A query longer than the longest search could be, encoded: never read further (the
    // search itself counts characters).
    if request.uri().query().is_some_and(|q| q.len() > MAX_RAW_QUERY) {
        return page(
            StatusCode::URI_TOO_LONG,
            pages::error(&site.app.plan(), "アドレスが長すぎます", "検索語を短くしてください。"),
        );
    }
    let client = client_address(request.headers(), peer, site.trust_proxy);
    if !site.limiter.allow(ClientKey::of(client)) {
        let mut response = page(
            StatusCode::TOO_MANY_REQUESTS,
            pages::error(&site.app.plan(), "アクセスが集中しています", "少し時間をおいて、もう一度お試しください。"),
        );
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        return response;
    }
    next.run(request).await
}

/// The client: the connection's address, or behind a trusted proxy the last address it
/// added to `X-Forwarded-For`.
fn client_address(headers: &HeaderMap, peer: SocketAddr, trust_proxy: bool) -> IpAddr {
    if trust_proxy
        && let Some(ip) = headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|v| v.trim().parse().ok())
    {
        return ip;
    }
    peer.ip()
}

impl Site {
    fn new(app: Arc<App>, config: &Config) -> Arc<Site> {
        Arc::new(Site { app, trust_proxy: config.trust_proxy, limiter: Limiter::new(config.burst, config.per_sec) })
    }

    /// The whole answer, as bytes, where hyper answers `status` to a request it could not
    /// read: the site's page in Japanese with every header an answer of the site has.
    fn raw_error_answer(&self, status: u16) -> Vec<u8> {
        let (title, message) = match status {
            414 => ("アドレスが長すぎます", "検索語を短くしてください。"),
            431 => ("リクエストが大きすぎます", "送られたヘッダーが大きすぎます。"),
            _ => ("リクエストを読み取れません", "アドレスの形式が正しくありません。トップページからお進みください。"),
        };
        let body = pages::error(&self.app.plan(), title, message);
        let reason = StatusCode::from_u16(status).ok().and_then(|s| s.canonical_reason()).unwrap_or("Error");
        let mut head = format!(
            "HTTP/1.1 {status} {reason}\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\ncache-control: {CACHE_NONE}\r\n",
            body.len()
        );
        for (name, value) in SECURITY_HEADERS {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        [head.into_bytes(), body.into_bytes()].concat()
    }

    /// The public actuals (none before anything was reported), and today's fiscal year.
    fn view(&self) -> Arc<ActualsView> {
        match self.app.actuals() {
            Ok(Some(view)) => view,
            Ok(None) => Arc::default(),
            Err(e) => {
                tracing::warn!(error = %e, "the actuals cannot be read: the site shows targets only");
                Arc::default()
            }
        }
    }
}

fn page(status: StatusCode, html: String) -> Response {
    (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response()
}

fn html(html: String) -> Response {
    page(StatusCode::OK, html)
}

async fn blocking<T: Send + 'static>(
    site: &Arc<Site>,
    f: impl FnOnce(&Site) -> T + Send + 'static,
) -> Result<T, Response> {
    let plan = site.app.plan();
    let site = Arc::clone(site);
    tokio::task::spawn_blocking(move || f(&site)).await.map_err(|e| {
        tracing::warn!(error = %e, "a page failed");
        page(
            StatusCode::INTERNAL_SERVER_ERROR,
            pages::error(&plan, "内部エラーが発生しました", "しばらくしてからもう一度お試しください。"),
        )
    })
}

async fn top(State(site): St) -> Response {
    let view = site.view();
    html(pages::top(&site.app.plan(), &view, site.app.today()))
}

async fn policy(State(site): St, Checked(Path(n)): Checked<Path<String>>) -> Response {
    let plan = site.app.plan();
    let Some(p) = n.parse::<u8>().ok().and_then(|n| plan.policy(n)) else {
        return not_found_page(&plan);
    };
    let of: Vec<&Initiative> = plan.initiatives.iter().filter(|i| i.policy == p.number).collect();
    let view = site.view();
    let heading = format!("基本方針{} {}", p.number, p.title);
    html(pages::list(&plan, &heading, "この基本方針の取組です。", &of, &view, site.app.today()))
}

async fn department(State(site): St, Checked(Path(name)): Checked<Path<String>>) -> Response {
    let plan = site.app.plan();
    let of: Vec<&Initiative> = plan.initiatives.iter().filter(|i| i.departments.contains(&name)).collect();
    if of.is_empty() {
        return not_found_page(&plan);
    }
    let view = site.view();
    html(pages::list(
        &plan,
        &name,
        "この部署が担当する取組です（共同で担当するものを含みます）。",
        &of,
        &view,
        site.app.today(),
    ))
}

async fn means(State(site): St, Checked(Path(n)): Checked<Path<String>>) -> Response {
    let plan = site.app.plan();
    let Some(m) = n.parse::<u8>().ok().and_then(|n| plan.means_by_number(n)) else {
        return not_found_page(&plan);
    };
    let of: Vec<&Initiative> = plan.initiatives.iter().filter(|i| i.means.contains(&m.number)).collect();
    let view = site.view();
    html(pages::list(&plan, &m.name, &m.description, &of, &view, site.app.today()))
}

async fn initiative(State(site): St, Checked(Path(page)): Checked<Path<String>>) -> Response {
    let plan = site.app.plan();
    let Some(i) = page.parse::<u16>().ok().and_then(|p| plan.initiative(p)) else {
        return not_found_page(&plan);
    };
    let view = site.view();
    html(pages::initiative(&plan, i, &view, site.app.today()))
}

/// `/charts/{page}/{n}.svg`: a KPI's chart on its own.
async fn chart(State(site): St, Checked(Path((page, file))): Checked<Path<(String, String)>>) -> Response {
    let plan = site.app.plan();
    let found = page.parse::<u16>().ok().and_then(|p| plan.initiative(p)).and_then(|i| {
        let n: usize = file.strip_suffix(".svg")?.parse().ok()?;
        Some((i, i.kpis.get(n)?))
    });
    let Some((i, kpi)) = found else { return not_found_page(&plan) };
    let view = site.view();
    let chart = crate::chart::Chart::of(i, kpi, &plan.years, Some(&view), site.app.today());
    let svg = crate::chart::svg(&chart, "kpi");
    ([(header::CONTENT_TYPE, "image/svg+xml; charset=utf-8")], svg).into_response()
}

async fn search(State(site): St, Checked(Query(params)): Checked<Query<HashMap<String, String>>>) -> Response {
    let plan = site.app.plan();
    let question = params.get("q").map(|q| q.trim().to_string()).unwrap_or_default();
    if question.chars().count() > MAX_QUERY {
        return page(
            StatusCode::BAD_REQUEST,
            pages::error(&plan, "検索語が長すぎます", &format!("{MAX_QUERY}文字以内で入力してください。")),
        );
    }
    if question.is_empty() {
        return html(pages::search(&plan, "", None));
    }
    let q = question.clone();
    let answered = blocking(&site, move |site| {
        let answered = site.app.answer(&q, None, Audience::Public);
        if let Ok((outcome, _, _)) = &answered {
            // Kept only when the site logs (`keikaku web --log-questions`), as every channel logs.
            let (channel, asker) = (crate::actuals::Channel::Web, crate::app::Asker::Anonymous);
            crate::conversation::record(&site.app, channel, Audience::Public, asker, &q, outcome);
        }
        answered
    })
    .await;
    match answered {
        Ok(Ok((_, card, _))) => html(pages::search(&plan, &question, Some(&card))),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "a search failed");
            page(
                StatusCode::INTERNAL_SERVER_ERROR,
                pages::error(&plan, "検索できませんでした", "しばらくしてからもう一度お試しください。"),
            )
        }
        Err(response) => response,
    }
}

async fn opendata(State(site): St) -> Response {
    html(pages::opendata(&site.app.plan()))
}

async fn actuals_csv(State(site): St) -> Response {
    let csv = export_csv_for(&site.app.plan(), &site.view(), Readers::Everyone, site.app.today());
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"actuals.csv\""),
        ],
        csv,
    )
        .into_response()
}

async fn actuals_json(State(site): St) -> Response {
    let json = export_json_for(&site.app.plan(), &site.view(), Readers::Everyone, site.app.today());
    ([(header::CONTENT_TYPE, "application/json; charset=utf-8")], json).into_response()
}

async fn plan_json(State(site): St) -> Response {
    let json = serde_json::to_string_pretty(&*site.app.plan()).unwrap_or_else(|_| "{}".into());
    ([(header::CONTENT_TYPE, "application/json; charset=utf-8")], json).into_response()
}

async fn style() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "max-age=3600")], pages::STYLE)
        .into_response()
}

async fn not_found(State(site): St) -> Response {
    not_found_page(&site.app.plan())
}

fn not_found_page(plan: &crate::plan::Plan) -> Response {
    page(
        StatusCode::NOT_FOUND,
        pages::error(plan, "ページが見つかりません", "お探しのページはありません。取組は検索欄から探せます。"),
    )
}
