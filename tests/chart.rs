//! The KPI chart: golden SVGs for a rising KPI, a falling one and a reduction with its
//! baseline; the PNG the bots send decodes, is not blank, and draws kanji, not boxes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use keikaku::actuals::Role;
use keikaku::chart::{Chart, png::Renderer, svg};
use keikaku::plan::FiscalYear;
use resvg as _;

const YEARS: [FiscalYear; 3] = [FiscalYear::reiwa(8), FiscalYear::reiwa(9), FiscalYear::reiwa(10)];

/// Charts of three KPIs with actuals reported: (name, SVG).
fn charts() -> Vec<(&'static str, Chart)> {
    // 令和10年度: the years charted with actuals have ended, so each has its verdict.
    let today = FiscalYear::reiwa(10);
    let (_dir, _db, app) = common::app_with_roster_on(today, &[(1, "管理者", Role::Admin, &[])]);
    let mut store = app.store().unwrap();
    let plan = app.plan();
    for parts in [
        ["どこでも窓口", "搭載手続数", "R8", "92件"],
        ["どこでも窓口", "搭載手続数", "R9", "90件"],
        ["漏水", "発生件数", "R8", "230件"],
        ["漏水", "発生件数", "R9", "200件"],
        ["行政文書保存", "書庫に保存する箱数", "R8", "12%"],
    ] {
        let [i, k, y, v] = parts;
        let resolved = app.resolve_parts(i, k, y, v);
        assert!(resolved.is_ok(), "{parts:?}: {resolved:?}");
        store.report(&plan, 1, &parts.join(" "), resolved, "test").unwrap().unwrap();
    }
    let view = store.view().unwrap();
    [("rising_p18", 18, 0), ("falling_p32", 32, 0), ("baseline_p42", 42, 1)]
        .into_iter()
        .map(|(name, page, kpi)| {
            let i = plan.initiative(page).unwrap();
            (name, Chart::of(i, &i.kpis[kpi], &YEARS, Some(&view), today))
        })
        .collect()
}

#[test]
fn golden_chart_svgs() {
    for (name, chart) in charts() {
        let svg = svg(&chart, name);
        std::fs::write(format!("{}/../charts-{name}.svg", env!("CARGO_TARGET_TMPDIR")), &svg).unwrap();
        insta::assert_snapshot!(format!("chart_{name}"), svg.replace("><", ">\n<"));
    }
}

#[test]
fn the_text_alternative_says_what_the_chart_shows() {
    let charts = charts();
    let rising = charts[0].1.description();
    assert!(
        rising.contains("多いほど良い")
            && rising.contains("令和8年度: 目標 90件、実績 92件（達成）")
            && rising.contains("令和9年度: 目標 95件、実績 90件（未達）")
            && rising.contains("令和10年度: 目標 100件、実績 未報告"),
        "{rising}"
    );
    assert!(charts[1].1.description().contains("少ないほど良い"), "{}", charts[1].1.description());
    assert!(charts[2].1.description().contains("令和5年度比"), "{}", charts[2].1.description());
}

/// The PNG the bots send: it decodes at twice the size, is not blank, and its Japanese is
/// drawn with the font's glyphs — 「令和8年度」 rendered alone differs from the same number of
/// boxes (what a font without kanji would draw).
#[test]
fn the_png_decodes_and_draws_kanji_not_boxes() {
    let renderer = match Renderer::new() {
        Ok(r) => r,
        Err(e) => panic!("{e} (CI installs fonts-noto-cjk in .ci/setup)"),
    };
    for (name, chart) in charts() {
        let png = renderer.png(&svg(&chart, name), 2.0).unwrap();
        std::fs::write(format!("{}/../chart-{name}.png", env!("CARGO_TARGET_TMPDIR")), &png).unwrap();
        let pixmap = resvg::tiny_skia::Pixmap::decode_png(&png).unwrap();
        assert_eq!((pixmap.width(), pixmap.height()), (2 * keikaku::chart::WIDTH, 2 * keikaku::chart::HEIGHT));
        let ink = pixmap.pixels().iter().filter(|p| p.red() < 200 || p.green() < 200 || p.blue() < 200).count();
        assert!(ink > 5_000, "{name}: {ink} inked pixels: blank?");
    }
    let label = |text: &str| {
        let svg = format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40"><text x="4" y="30" font-size="28" font-family="{}">{text}</text></svg>"#,
            keikaku::chart::FONT_FAMILIES
        );
        let png = renderer.png(&svg, 1.0).unwrap();
        let pixmap = resvg::tiny_skia::Pixmap::decode_png(&png).unwrap();
        pixmap.pixels().iter().map(|p| p.red() < 128).collect::<Vec<bool>>()
    };
    let kanji = label("令和8年度");
    let boxes = label("□□□□□");
    let inked = kanji.iter().filter(|b| **b).count();
    assert!(inked > 300, "「令和8年度」 drew {inked} pixels");
    let differing = kanji.iter().zip(&boxes).filter(|(a, b)| a != b).count();
    assert!(differing > inked / 2, "「令和8年度」 looks like boxes ({differing} pixels differ)");
    // A font without kanji is refused, not used.
    let latin =
        ["/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"].into_iter().find(|p| std::path::Path::new(p).is_file());
    if let Some(latin) = latin {
        let refused = Renderer::with_font(std::path::Path::new(latin)).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(refused.contains("has no glyph"), "{refused}");
    }
}
