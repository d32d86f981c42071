//! The site's pages: pure functions from the plan, the public actuals and today's fiscal
//! year to HTML. Every string from the plan, the actuals or the visitor is escaped; nothing
//! from the staff side (reporters, roster, audit, question log) is ever passed in.

use crate::actuals::{ActualsView, Status, judge};
use crate::answer::{Card, escape, render_web};
use crate::chart::{Chart, svg};
use crate::plan::{FiscalYear, Initiative, Plan, format_number};

/// How the KPIs of some initiatives stand in a fiscal year.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    /// KPIs with a target that year.
    pub kpis: usize,
    /// Of those, with an actual reported.
    pub reported: usize,
    /// Of those, met.
    pub achieved: usize,
    /// Of those, not met (the year has ended).
    pub missed: usize,
    /// Of those, reported while the year still runs (年度途中: no verdict yet).
    pub interim: usize,
}

impl Progress {
    /// Of `initiatives`, in `year`, which the pages show as today's: a value of it is
    /// 年度途中 until it ends.
    pub fn of<'a>(
        initiatives: impl IntoIterator<Item = &'a Initiative>,
        view: &ActualsView,
        year: FiscalYear,
    ) -> Progress {
        let mut p = Progress::default();
        for i in initiatives {
            for kpi in &i.kpis {
                let Some(target) = kpi.target(year) else { continue };
                p.kpis += 1;
                if let Some(a) = view.get(i.page, &kpi.name, year) {
                    p.reported += 1;
                    match judge(kpi, target, year, Some(a.value), year).status {
                        Status::Achieved => p.achieved += 1,
                        Status::NotAchieved => p.missed += 1,
                        Status::Interim => p.interim += 1,
                        _ => {}
                    }
                }
            }
        }
        p
    }

    /// 「KPI 3件: 実績 2件（達成 1・未達 1）」, in words (never colour alone).
    pub fn label(&self) -> String {
        if self.kpis == 0 {
            return "この年度のKPIなし".into();
        }
        if self.interim > 0 {
            return format!(
                "KPI {}件: 実績 {}件（年度途中 {}・達成 {}・未達 {}）",
                self.kpis, self.reported, self.interim, self.achieved, self.missed
            );
        }
        format!("KPI {}件: 実績 {}件（達成 {}・未達 {}）", self.kpis, self.reported, self.achieved, self.missed)
    }
}

/// A whole page: `title` is its `h1` and the document's title; `body` is trusted HTML.
pub fn layout(plan_title: &str, title: &str, body: &str) -> String {
    format!(
        r#"<!DOCTYPE html>
<html lang="ja">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} ｜ {plan}</title>
<link rel="stylesheet" href="/static/style.css">
</head>
<body>
<header><p class="site"><a href="/">{plan}</a>（那須塩原市）の進捗</p>
<form class="search" action="/search" method="get" role="search"><label for="q">取組を探す</label> <input id="q" name="q" type="search" maxlength="200" placeholder="例: 書かない窓口はいつから？"> <button type="submit">検索</button></form>
</header>
<main>
<h1>{title}</h1>
{body}</main>
<footer><p>出典: 那須塩原市「{plan}」。実績は各課の報告によるものです。<a href="/opendata">オープンデータ</a></p></footer>
</body>
</html>
"#,
        title = escape(title),
        plan = escape(plan_title),
    )
}

fn table_of_initiatives(initiatives: &[&Initiative], view: &ActualsView, year: FiscalYear) -> String {
    let mut out = format!(
        "<table>\n<caption>{}の状況</caption>\n<thead><tr><th scope=\"col\">取組</th><th scope=\"col\">所属</th><th scope=\"col\">{}のKPI</th></tr></thead>\n<tbody>\n",
        escape(&year.japanese()),
        escape(&year.japanese())
    );
    for i in initiatives {
        let p = Progress::of([*i], view, year);
        out.push_str(&format!(
            "<tr><td><a href=\"/initiatives/{}\">{}</a></td><td>{}</td><td>{}</td></tr>\n",
            i.page,
            escape(&i.title),
            escape(&i.department_label()),
            escape(&p.label())
        ));
    }
    out.push_str("</tbody>\n</table>\n");
    out
}

/// `/`: the three policies and the four means, with how their KPIs stand this year.
pub fn top(plan: &Plan, view: &ActualsView, year: FiscalYear) -> String {
    let mut body = format!(
        "<p>{}件の取組の目標と、報告された実績です。{}の状況を示します。</p>\n",
        plan.initiatives.len(),
        escape(&year.japanese())
    );
    let all = Progress::of(&plan.initiatives, view, year);
    body.push_str(&format!("<p class=\"summary\">計画全体: {}</p>\n", escape(&all.label())));
    body.push_str("<h2>基本方針</h2>\n<ul class=\"tiles\">\n");
    for p in &plan.policies {
        let of: Vec<&Initiative> = plan.initiatives.iter().filter(|i| i.policy == p.number).collect();
        let progress = Progress::of(of.iter().copied(), view, year);
        body.push_str(&format!(
            "<li><a href=\"/policies/{}\">基本方針{} {}</a><br>取組 {}件 ／ {}</li>\n",
            p.number,
            p.number,
            escape(&p.title),
            of.len(),
            escape(&progress.label())
        ));
    }
    body.push_str("</ul>\n<h2>基本的な手段</h2>\n<ul class=\"tiles\">\n");
    for m in &plan.means {
        let of: Vec<&Initiative> = plan.initiatives.iter().filter(|i| i.means.contains(&m.number)).collect();
        let progress = Progress::of(of.iter().copied(), view, year);
        body.push_str(&format!(
            "<li><a href=\"/means/{}\">{}</a><br>取組 {}件 ／ {}</li>\n",
            m.number,
            escape(&m.name),
            of.len(),
            escape(&progress.label())
        ));
    }
    body.push_str("</ul>\n<h2>部署</h2>\n<ul class=\"departments\">\n");
    for d in plan.departments() {
        let count = plan.initiatives.iter().filter(|i| i.departments.iter().any(|x| x == d)).count();
        body.push_str(&format!(
            "<li><a href=\"/departments/{}\">{}</a>（{count}件）</li>\n",
            percent_encode(d),
            escape(d)
        ));
    }
    body.push_str("</ul>\n");
    layout(&plan.title, &plan.title, &body)
}

/// A list page: a policy's, a department's or a means' initiatives.
pub fn list(
    plan: &Plan,
    heading: &str,
    intro: &str,
    of: &[&Initiative],
    view: &ActualsView,
    year: FiscalYear,
) -> String {
    let progress = Progress::of(of.iter().copied(), view, year);
    let body = format!(
        "<p>{}</p>\n<p class=\"summary\">{}件の取組 ／ {}</p>\n{}",
        escape(intro),
        of.len(),
        escape(&progress.label()),
        table_of_initiatives(of, view, year)
    );
    layout(&plan.title, heading, &body)
}

/// `/initiatives/{page}`: every section of the plan, the KPIs with targets and actuals per
/// year, and a chart per KPI.
pub fn initiative(plan: &Plan, i: &Initiative, view: &ActualsView, today: FiscalYear) -> String {
    let mut body = format!(
        "<p class=\"meta\">所属: {} ／ 基本方針{} {} ／ 計画書 p.{}</p>\n",
        escape(&i.department_label()),
        i.policy,
        escape(plan.policy(i.policy).map_or("", |p| p.title.as_str())),
        i.page
    );
    for (name, items) in [("内容", &i.contents), ("具体的方法", &i.methods), ("期待する効果", &i.effects)]
    {
        body.push_str(&format!("<h2>{name}</h2>\n<ul>\n"));
        for item in items {
            body.push_str(&format!("<li>{}</li>\n", escape(item)));
        }
        body.push_str("</ul>\n");
    }
    body.push_str(&format!("<h2>取組期間</h2>\n<p>{}</p>\n", escape(&i.period_raw)));
    body.push_str("<h2>実施スケジュール</h2>\n");
    if i.schedule.is_empty() {
        body.push_str("<p>計画書に記載がありません。</p>\n");
    } else {
        body.push_str("<table>\n<caption>年度ごとの予定</caption>\n<thead><tr><th scope=\"col\">項目</th>");
        for y in &plan.years {
            body.push_str(&format!("<th scope=\"col\">{}</th>", escape(&y.japanese())));
        }
        body.push_str("</tr></thead>\n<tbody>\n");
        for row in &i.schedule {
            body.push_str(&format!("<tr><th scope=\"row\">{}</th>", escape(&row.label)));
            for y in &plan.years {
                let cell = row.cells.iter().find(|(year, _)| year == y).map_or("", |(_, c)| c.as_str());
                body.push_str(&format!("<td>{}</td>", escape(cell)));
            }
            body.push_str("</tr>\n");
        }
        body.push_str("</tbody>\n</table>\n");
    }
    body.push_str("<h2>KPI</h2>\n");
    if i.kpis.is_empty() {
        body.push_str("<p>この取組には、計画書にKPIの記載がありません。</p>\n");
    }
    for (n, kpi) in i.kpis.iter().enumerate() {
        body.push_str(&format!(
            "<section class=\"kpi\">\n<h3>{}</h3>\n<p>{}</p>\n",
            escape(&kpi.name),
            escape(kpi.direction.for_residents())
        ));
        body.push_str("<table>\n<caption>目標と実績</caption>\n<thead><tr><th scope=\"col\">年度</th><th scope=\"col\">目標</th><th scope=\"col\">実績</th><th scope=\"col\">達成状況</th></tr></thead>\n<tbody>\n");
        for y in &plan.years {
            let target = kpi.target(*y);
            let actual = view.get(i.page, &kpi.name, *y);
            let (value, status) = match (actual, target) {
                (Some(a), Some(t)) => {
                    let v = judge(kpi, t, *y, Some(a.value), today);
                    let unit = t.unit.clone().unwrap_or_default();
                    let status = match v.status {
                        Status::Achieved | Status::NotAchieved => {
                            let achievement = v.achievement.map_or(String::new(), |p| format!(" {p:.0}%"));
                            format!("{}{achievement}", v.status.japanese())
                        }
                        _ => v.label(),
                    };
                    let reason = a.reason.as_ref().map_or(String::new(), |r| format!("（理由: {r}）"));
                    (format!("{}{unit}", format_number(a.value)), format!("{status}{reason}"))
                }
                (Some(a), None) => (format_number(a.value), "目標なし".to_string()),
                (None, _) if *y > today => ("—".to_string(), "これから".to_string()),
                (None, _) => ("—".to_string(), "未報告".to_string()),
            };
            body.push_str(&format!(
                "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                escape(&y.japanese()),
                escape(target.map_or("—", |t| t.raw.as_str())),
                escape(&value),
                escape(&status)
            ));
        }
        body.push_str("</tbody>\n</table>\n");
        let chart = Chart::of(i, kpi, &plan.years, Some(view), today);
        if chart.years.iter().any(|y| y.target.is_some() || y.actual.is_some()) {
            body.push_str(&format!(
                "<figure>\n{}\n<figcaption>{}</figcaption>\n</figure>\n<p><a href=\"/charts/{}/{n}.svg\">グラフ（SVG）</a></p>\n",
                svg(&chart, &format!("kpi{n}")),
                escape(&chart.description()),
                i.page
            ));
        } else {
            body.push_str("<p>目標に数値がないため、グラフはありません。</p>\n");
        }
        body.push_str("</section>\n");
    }
    layout(&plan.title, &i.title, &body)
}

/// `/search?q=`: the bots' answer as HTML.
pub fn search(plan: &Plan, question: &str, card: Option<&Card>) -> String {
    let body = match card {
        Some(card) => format!("<p>「{}」の答え:</p>\n{}", escape(question), render_web(card)),
        None => "<p>上の検索欄に、知りたいことをそのまま入力してください（例: 書かない窓口はいつから？、保全管理課の取組）。</p>\n".to_string(),
    };
    layout(&plan.title, "検索", &body)
}

/// `/opendata`: the files, what they hold, their licence of use.
pub fn opendata(plan: &Plan) -> String {
    let body = "<p>計画と実績のデータを、機械で読める形で公開しています。報告者の氏名など職員側の情報は含みません。</p>\n\
<ul>\n\
<li><a href=\"/opendata/actuals.csv\">actuals.csv</a> — 現在の実績（取組、KPI、年度、目標、実績、単位、達成状況）。Excelで開けるUTF-8（BOM付き）</li>\n\
<li><a href=\"/opendata/actuals.json\">actuals.json</a> — 同じ内容のJSON</li>\n\
<li><a href=\"/opendata/plan.json\">plan.json</a> — 計画全体（基本方針、基本的な手段、58の取組の内容・方法・効果・期間・スケジュール・KPI）のJSON</li>\n\
</ul>\n";
    layout(&plan.title, "オープンデータ", body)
}

/// An error page in Japanese.
pub fn error(plan: &Plan, title: &str, message: &str) -> String {
    let body = format!("<p>{}</p>\n<p><a href=\"/\">トップページへ</a></p>\n", escape(message));
    layout(&plan.title, title, &body)
}

/// A path segment, percent-encoded (departments are Japanese).
pub fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The site's style sheet (served as a file: the Content-Security-Policy allows no inline
/// style). Contrast passes WCAG AA; the layout is one column below 600 px.
pub const STYLE: &str = r#"
:root { --ink: #1a1a1a; --link: #0b4f8a; --line: #c8c8c8; --soft: #f4f6f8; }
* { box-sizing: border-box; }
body { margin: 0; font-family: "Noto Sans CJK JP", "Hiragino Sans", "Yu Gothic", sans-serif; color: var(--ink); background: #fff; line-height: 1.7; }
header, main, footer { max-width: 960px; margin: 0 auto; padding: 0 16px; }
header { border-bottom: 1px solid var(--line); padding-top: 8px; padding-bottom: 8px; }
.site { margin: 0 0 6px; font-weight: bold; }
a { color: var(--link); }
a:focus, button:focus, input:focus { outline: 3px solid #f0a000; outline-offset: 2px; }
.search { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; }
.search input { flex: 1 1 12em; min-width: 0; padding: 6px; font-size: 1rem; border: 1px solid #767676; }
.search button { padding: 6px 14px; font-size: 1rem; background: var(--link); color: #fff; border: 0; }
h1 { font-size: 1.5rem; line-height: 1.4; }
h2 { font-size: 1.25rem; border-left: 6px solid var(--link); padding-left: 8px; margin-top: 2em; }
h3 { font-size: 1.1rem; }
.meta, .note, figcaption { color: #444; font-size: 0.9rem; }
.summary { background: var(--soft); padding: 8px 12px; }
.tiles { list-style: none; padding: 0; display: grid; grid-template-columns: repeat(auto-fill, minmax(260px, 1fr)); gap: 12px; }
.tiles li { border: 1px solid var(--line); padding: 12px; }
.departments { columns: 2 14em; }
table { border-collapse: collapse; width: 100%; margin: 8px 0; display: block; overflow-x: auto; }
caption { text-align: left; font-weight: bold; padding: 4px 0; }
th, td { border: 1px solid var(--line); padding: 6px 8px; text-align: left; vertical-align: top; }
thead th { background: var(--soft); }
figure { margin: 12px 0; }
figure svg { width: 100%; height: auto; max-width: 640px; }
.card { border: 1px solid var(--line); padding: 8px 16px; }
.card li.detail { list-style: none; margin-left: 1em; }
.actions ul { display: flex; flex-wrap: wrap; gap: 8px; list-style: none; padding: 0; }
footer { border-top: 1px solid var(--line); margin-top: 3em; font-size: 0.9rem; }
"#;
