//! A synthetic plan N× larger than the real one, to see how keikaku grows.

use keikaku::plan::Plan;

/// A plan `factor` times larger: every initiative copied `factor` times, copies named
/// 「第N地区 …」, pages renumbered in order, the list tables and details rebuilt to match.
pub fn synthetic_plan(text: &str, factor: usize) -> anyhow::Result<String> {
    let plan = Plan::parse(text)?;
    let lines: Vec<&str> = text.lines().collect();
    // Each initiative's detail block, from its heading to the next one (or the colophon).
    let mut blocks: Vec<Vec<&str>> = Vec::new();
    for (n, i) in plan.initiatives.iter().enumerate() {
        let start = i.line - 1;
        let end = match plan.initiatives.get(n + 1) {
            Some(next) => next.line - 1,
            None => lines[start + 1..]
                .iter()
                .position(|l| l.starts_with("## ") && !is_section_heading(l))
                .map_or(lines.len(), |p| start + 1 + p),
        };
        blocks.push(lines[start..end].to_vec());
    }
    let mut out = String::new();
    out.push_str(&format!("# {}（合成 ×{factor}）\n\n", plan.title));
    for l in lines.iter().filter(|l| l.starts_with("<p>")) {
        out.push_str(l);
        out.push('\n');
    }
    let mut page: usize = 15;
    let mut details = String::new();
    for policy in &plan.policies {
        out.push_str(&format!(
            "\n# 基本方針{} 「{}」を実現するための取組\n\n所属\t取組名\t頁\n",
            policy.number, policy.title
        ));
        for copy in 0..factor {
            let prefix = if copy == 0 { String::new() } else { format!("第{copy}地区 ") };
            for (n, i) in plan.initiatives.iter().enumerate().filter(|(_, i)| i.policy == policy.number) {
                anyhow::ensure!(page <= usize::from(u16::MAX), "too many pages for a u16 page number");
                out.push_str(&format!("{}\t{prefix}{}\t<a href=\"#\">{page}</a>\n", i.departments.join("・"), i.title));
                let block = &blocks[n];
                details.push_str(&format!("\n# {prefix}{}\n", i.heading));
                for l in &block[1..] {
                    details.push_str(l);
                    details.push('\n');
                }
                page += 1;
            }
        }
    }
    out.push_str(&details);
    out.push_str("\n## 那須塩原市DX推進戦略アクションプラン\n");
    Ok(out)
}

fn is_section_heading(line: &str) -> bool {
    let name = line.trim_start_matches('#').trim().trim_start_matches('■').trim();
    ["内容", "具体的方法", "期待する効果", "取組期間", "実施スケジュール", "KPI"].contains(&name)
}
