//! The public progress site: pages over HTTP (headers, escaping, limits, errors in Japanese,
//! nothing of the staff side), and in a real browser (Debian's chromium through
//! chromium-driver): navigation, the KPI table and chart, search, a phone's width.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "support/site.rs"]
mod site;
#[path = "support/webdriver.rs"]
mod webdriver;

use std::sync::Arc;
use std::time::Duration;

use keikaku::actuals::Role;
use keikaku::app::App;
use site::{LEAD, LEAD_NAME, report, start, start_limited};

/// Headings: one h1, and no level skipped on the way down.
fn assert_headings_in_order(html: &str, path: &str) {
    let levels: Vec<u8> = html
        .match_indices("<h")
        .filter_map(|(at, _)| html.as_bytes().get(at + 2).filter(|b| (b'1'..=b'6').contains(b)).map(|b| b - b'0'))
        .collect();
    assert_eq!(levels.iter().filter(|l| **l == 1).count(), 1, "{path}: one h1 ({levels:?})");
    assert_eq!(levels.first(), Some(&1), "{path}: starts with h1");
    for pair in levels.windows(2) {
        assert!(pair[1] <= pair[0] + 1, "{path}: heading skips a level ({levels:?})");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_is_japanese_accessible_safe_and_shows_nothing_of_the_staff_side() {
    // One client reads every page at once: a crawler's burst, allowed here.
    let site = start_limited(1000.0).await;
    let plan = site.app.plan();
    let mut paths: Vec<String> =
        vec!["/".into(), "/opendata".into(), "/search".into(), "/search?q=どこでも窓口のKPI".into()];
    paths.extend((1..=3).map(|n| format!("/policies/{n}")));
    paths.extend((1..=4).map(|n| format!("/means/{n}")));
    paths.extend(plan.departments().iter().map(|d| format!("/departments/{d}")));
    paths.extend(plan.initiatives.iter().map(|i| format!("/initiatives/{}", i.page)));
    for path in &paths {
        let (status, headers, html) = site.get(path).await;
        assert_eq!(status, 200, "{path}");
        assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"ja\">"), "{path}");
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("default-src 'none'") && !csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert_eq!(headers["referrer-policy"], "no-referrer");
        assert!(!html.contains("<script") && !html.contains("style="), "{path}: no inline script or style");
        assert_headings_in_order(&html, path);
        assert!(!html.contains(LEAD_NAME) && !html.contains(&LEAD.to_string()), "{path} shows a reporter");
    }
    // Open data: the actual, without who reported it.
    let (status, headers, csv) = site.get("/opendata/actuals.csv").await;
    assert_eq!(status, 200);
    assert!(headers["content-type"].to_str().unwrap().starts_with("text/csv"));
    assert!(
        csv.starts_with("\u{feff}page,title,department,kpi,fiscal_year,target,actual,unit,achievement,reason\r\n"),
        "{csv}"
    );
    // Today is 令和8年度 (the fixture's): the year runs, so the value has no verdict yet.
    assert!(csv.contains("搭載手続数,令和8年度,90件,92,件,年度途中 102%（92/90件）,"), "{csv}");
    let (_, _, json) = site.get("/opendata/actuals.json").await;
    let rows: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 1);
    assert!(rows[0].get("reported_by").is_none() && rows[0].get("reported_at").is_none(), "{json}");
    let (_, _, plan_json) = site.get("/opendata/plan.json").await;
    let parsed: serde_json::Value = serde_json::from_str(&plan_json).unwrap();
    assert_eq!(parsed["initiatives"].as_array().unwrap().len(), plan.initiatives.len());
    for text in [&csv, &json, &plan_json] {
        assert!(!text.contains(LEAD_NAME) && !text.contains("1001"), "open data shows a reporter");
    }
    site.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_input_is_escaped_and_bad_requests_get_japanese_pages() {
    let site = start().await;
    let (status, _, html) = site.get("/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E%22%27").await;
    assert_eq!(status, 200);
    assert!(!html.contains("<script>") && html.contains("&lt;script&gt;"), "{html}");
    let (status, _, html) = site.get("/initiatives/9999").await;
    assert!(status == 404 && html.contains("ページが見つかりません"));
    let (status, _, html) = site.get("/no/such/page").await;
    assert!(status == 404 && html.contains("<h1>ページが見つかりません</h1>"));
    let (status, _, _) = site.get("/initiatives/%3Cb%3E").await;
    assert_eq!(status, 404);
    let long = "あ".repeat(keikaku::web::MAX_QUERY + 1);
    let (status, _, html) = site.get(&format!("/search?q={long}")).await;
    assert!(status == 400 && html.contains("検索語が長すぎます"), "{status}");
    let posted = site.http.post(format!("{}/search", site.base)).body("q=x").send().await.unwrap();
    assert_eq!(posted.status().as_u16(), 405);
    // A client that keeps asking is slowed down; the site stays up for others.
    let mut limited = false;
    for _ in 0..200 {
        if site.get("/healthz").await.0 == 429 {
            limited = true;
            break;
        }
    }
    assert!(limited, "the rate limit never held");
    site.stop().await;
}

/// A site configured to log (`keikaku web --log-questions`) keeps each search as the chats
/// keep questions: channel `web`, an anonymous asker, an answer id.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_search_is_logged_as_every_channel_logs_when_the_site_is_told_to() {
    let site = start().await;
    let (status, _, _) = site.get("/search?q=%E3%81%A9%E3%81%93%E3%81%A7%E3%82%82%E7%AA%93%E5%8F%A3%E3%81%AEKPI").await;
    assert_eq!(status, 200);
    let app = Arc::clone(&site.app);
    let rows = tokio::task::spawn_blocking(move || app.questions(None).unwrap()).await.unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    let row = &rows[0];
    assert_eq!(
        (row.question.as_str(), row.asker.as_str(), row.pages.first()),
        ("どこでも窓口のKPI", "anonymous", Some(&18))
    );
    assert!(row.channel == "web" && row.public && row.answer.is_some(), "{row:?}");
    site.stop().await;
}

/// A report made through the store shows on the initiative page and in the CSV at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reported_actual_shows_on_the_page_and_in_the_csv() {
    let site = start().await;
    let (_, _, before) = site.get("/initiatives/18").await;
    assert!(before.contains("<td>92件</td><td>年度途中 102%（92/90件）</td>"), "{before}");
    let app = Arc::clone(&site.app);
    tokio::task::spawn_blocking(move || report(&app, ["どこでも窓口", "搭載手続数", "R8", "85件"])).await.unwrap();
    let (_, _, after) = site.get("/initiatives/18").await;
    // Below target while the year runs: 年度途中, never 未達, on the page, the chart and the CSV.
    assert!(after.contains("<td>85件</td><td>年度途中 94%（85/90件）</td>"), "{after}");
    assert!(after.contains("実績 85件（年度途中）"), "the chart's text alternative says it");
    assert!(!after.contains(">× 未達<"), "the chart marks no 未達");
    let (_, _, csv) = site.get("/opendata/actuals.csv").await;
    assert!(csv.contains(",85,件,年度途中 94%（85/90件）"), "{csv}");
    site.stop().await;
}

/// In Chromium: the top page, a policy, an initiative with its KPI table and chart, the
/// search box, a 375-px phone with no sideways scroll; screenshots under `target/`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_a_real_browser() {
    let site = start().await;
    let shots = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("../screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let browser = webdriver::Browser::start(1280, 900).await;
    browser.goto(&format!("{}/", site.base)).await;
    assert!(browser.title().await.contains("那須塩原市DX推進戦略アクションプラン"));
    std::fs::write(shots.join("top.png"), browser.screenshot().await).unwrap();
    let policy = browser.find("a[href='/policies/1']").await;
    browser.click(&policy).await;
    assert!(browser.wait_for_url("/policies/1").await.ends_with("/policies/1"));
    assert!(browser.text(&browser.find("h1").await).await.contains("基本方針1"));
    let initiative = browser.find("a[href='/initiatives/18']").await;
    browser.click(&initiative).await;
    browser.wait_for_url("/initiatives/18").await;
    assert!(browser.text(&browser.find("h1").await).await.contains("どこでも窓口"));
    let table = browser.text(&browser.find("section.kpi table").await).await;
    assert!(
        table.contains("令和8年度") && table.contains("90件") && table.contains("92件") && table.contains("年度途中"),
        "{table}"
    );
    let desc = browser.script("return document.querySelector('section.kpi svg desc').textContent").await;
    assert!(desc.as_str().unwrap_or("").contains("実績 92件（年度途中）"), "{desc}");
    let labelled =
        browser.script("return document.querySelector('section.kpi svg').getAttribute('aria-labelledby')").await;
    assert!(labelled.as_str().unwrap_or("").contains("desc"));
    std::fs::write(shots.join("initiative-18.png"), browser.screenshot().await).unwrap();
    browser.script("document.querySelector('section.kpi').scrollIntoView(); return true").await;
    std::fs::write(shots.join("initiative-18-kpi.png"), browser.screenshot().await).unwrap();
    // The search box: the bots' card.
    let q = browser.find("input#q").await;
    browser.type_into(&q, "どこでも窓口のKPI").await;
    browser.click(&browser.find("form.search button").await).await;
    assert!(browser.wait_for_url("/search?q=").await.contains("/search?q="));
    let card = browser.text(&browser.find("article.card").await).await;
    assert!(card.contains("搭載手続数") && card.contains("90件") && card.contains("p.18"), "{card}");
    std::fs::write(shots.join("search.png"), browser.screenshot().await).unwrap();
    // A phone: nothing wider than the screen.
    browser.set_size(375, 800).await;
    for path in ["/", "/initiatives/18", "/search?q=どこでも窓口のKPI", "/policies/3"] {
        browser.goto(&format!("{}{path}", site.base)).await;
        let fits =
            browser.script("return document.documentElement.scrollWidth <= document.documentElement.clientWidth").await;
        let widths =
            browser.script("return [document.documentElement.scrollWidth, document.documentElement.clientWidth]").await;
        assert_eq!(fits, serde_json::Value::Bool(true), "{path} scrolls sideways at 375 px: {widths}");
    }
    std::fs::write(shots.join("policy-3-phone.png"), browser.screenshot().await).unwrap();
    browser.quit().await;
    site.stop().await;
}

/// Every colour text is drawn in, on the site and in the chart, passes WCAG AA (4.5:1)
/// against its background.
#[test]
fn text_colours_pass_wcag_aa() {
    fn luminance(hex: &str) -> f64 {
        let hex = hex.trim_start_matches('#');
        let hex = if hex.len() == 3 { hex.chars().flat_map(|c| [c, c]).collect::<String>() } else { hex.to_string() };
        let channel = |i: usize| {
            let c = f64::from(u8::from_str_radix(&hex[i..i + 2], 16).unwrap()) / 255.0;
            if c <= 0.039_28 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) }
        };
        0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4)
    }
    let contrast = |a: &str, b: &str| {
        let (x, y) = (luminance(a), luminance(b));
        (x.max(y) + 0.05) / (x.min(y) + 0.05)
    };
    let (_dir, _db, app) = common::app_with_roster(&[]);
    let plan = app.plan();
    let i = plan.initiative(32).unwrap();
    let svg = keikaku::chart::svg(
        &keikaku::chart::Chart::of(i, &i.kpis[0], &plan.years, None, keikaku::plan::FiscalYear::reiwa(8)),
        "c",
    );
    let style = keikaku::web::pages::STYLE.to_lowercase();
    // Text colours of the chart (every `fill` of a <text>) on its white background.
    let mut pairs: Vec<(String, String)> = svg
        .split("<text ")
        .skip(1)
        .filter_map(|t| {
            t.split("fill=\"").nth(1).and_then(|f| f.split('"').next()).map(|f| (f.to_lowercase(), "#ffffff".into()))
        })
        .collect();
    // The style sheet's: ink, links, notes, the search button, table heads.
    for (fg, bg) in [
        ("#1a1a1a", "#ffffff"),
        ("#0b4f8a", "#ffffff"),
        ("#444", "#ffffff"),
        ("#fff", "#0b4f8a"),
        ("#1a1a1a", "#f4f6f8"),
        ("#0b4f8a", "#f4f6f8"),
    ] {
        assert!(
            style.contains(fg) && style.contains(bg.trim_start_matches('#')) || bg == "#ffffff",
            "{fg} on {bg} is not in the style sheet"
        );
        pairs.push((fg.into(), bg.into()));
    }
    assert!(pairs.len() > 8);
    for (fg, bg) in pairs {
        let ratio = contrast(&fg, &bg);
        assert!(ratio >= 4.5, "{fg} on {bg}: {ratio:.2}:1");
    }
}

/// A changed plan document is on the site without a restart (the site looks every 50 ms
/// here; `KEIKAKU_RELOAD_SECS` in service).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_plan_is_on_the_site_without_a_restart() {
    let (dir, paths) = tokio::task::spawn_blocking(common::data_copy).await.unwrap();
    let source = paths.clone();
    let (_dir, app) = tokio::task::spawn_blocking(move || {
        let engine = keikaku::search::open(&source, keikaku::search::Rebuild::IfStale).unwrap();
        let app = App::new(engine, &dir.path().join("keikaku.db")).with_source(source);
        (dir, app)
    })
    .await
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let config = keikaku::web::Config {
        reload_every: Some(Duration::from_millis(50)),
        ..keikaku::web::Config::at(listener.local_addr().unwrap())
    };
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        keikaku::web::serve_on(listener, &config, Arc::new(app), async move {
            let _ = tokio::time::timeout(Duration::from_secs(60), rx).await;
        })
        .await
    });
    let page = || async { reqwest::get(format!("{base}/initiatives/18")).await.unwrap().text().await.unwrap() };
    assert!(page().await.contains("<td>90件</td>"));
    let plan = std::fs::read_to_string(paths.plan_file()).unwrap();
    std::fs::write(paths.plan_file(), plan.replacen("搭載手続数\t90件", "搭載手続数\t93件", 1)).unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while !page().await.contains("<td>93件</td>") {
        assert!(tokio::time::Instant::now() < deadline, "the changed plan never showed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = tx.send(());
    let _ = tokio::time::timeout(Duration::from_secs(10), task).await;
}

/// The initiative page as rendered (a pure function of the plan, the actuals and today),
/// pinned: p.32, a count that should fall, with one year reported.
#[test]
fn golden_initiative_page() {
    let (_dir, _db, app) = common::app_with_roster(&[(LEAD, LEAD_NAME, Role::Admin, &[])]);
    report(&app, ["漏水", "発生件数", "R8", "230件"]);
    let view = app.actuals().unwrap().unwrap();
    let plan = app.plan();
    let html = keikaku::web::pages::initiative(&plan, plan.initiative(32).unwrap(), &view, app.today());
    assert!(!html.contains(LEAD_NAME));
    insta::assert_snapshot!("web_initiative_p32", html.replace("><", ">\n<"));
}

/// The site says which way each KPI should move in residents' words, never how the parser
/// decided it (「既定」, 「指標名から」).
#[test]
fn kpi_directions_are_told_without_internal_words() {
    let (_dir, _db, app) = common::app_with_roster(&[(LEAD, LEAD_NAME, Role::Admin, &[])]);
    let view = app.actuals().unwrap().unwrap();
    let plan = app.plan();
    let (mut higher, mut lower) = (false, false);
    for i in &plan.initiatives {
        let html = keikaku::web::pages::initiative(&plan, i, &view, app.today());
        for internal in
            ["（既定）", "指標名から", "多いほど良い（", "少ないほど良い（", "年度ごとに目標値が下がる", "削減量の目標"]
        {
            assert!(!html.contains(internal), "p.{}: {internal}", i.page);
        }
        higher |= html.contains("<p>増えるほど良い指標</p>");
        lower |= html.contains("<p>減るほど良い指標</p>");
    }
    assert!(higher && lower, "both directions are said");
}

/// Chart URLs count an initiative's KPIs from 0, as the README says: the page links
/// `/charts/18/0.svg`…, each answers, and the one past the last is not found.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chart_urls_count_from_zero_as_the_readme_says() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    assert!(readme.contains("counts the initiative's KPIs from 0") && readme.contains("`/charts/18/0.svg`"));
    let site = start().await;
    let kpis = site.app.plan().initiative(18).unwrap().kpis.len();
    let (_, _, page) = site.get("/initiatives/18").await;
    for n in 0..kpis {
        let link = format!("/charts/18/{n}.svg");
        assert!(page.contains(&format!("href=\"{link}\"")), "the page links {link}");
        assert_eq!(site.get(&link).await.0, 200, "{link}");
    }
    assert_eq!(site.get(&format!("/charts/18/{kpis}.svg")).await.0, 404);
    site.stop().await;
}
