//! The rich menu: its definition and image live in `data/line/` (`rich-menu.json`,
//! `rich-menu.png`, made by `rich-menu.py`); `keikaku line rich-menu` creates it through the
//! API, uploads the image and makes it everyone's default. Its buttons send questions the
//! bot answers (「オンライン化の取組一覧」 …, 「使い方」).

use std::path::Path;

use anyhow::Context;
use serde_json::Value;

use super::api::Api;

/// The definition's file inside the data directory.
pub const DEFINITION: &str = "line/rich-menu.json";
/// The image's file inside the data directory.
pub const IMAGE: &str = "line/rich-menu.png";

/// Reads and checks the definition and the image: LINE's sizes, areas inside the image,
/// message actions within LINE's lengths.
pub fn load(data_dir: &Path) -> anyhow::Result<(Value, Vec<u8>)> {
    let path = data_dir.join(DEFINITION);
    let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let definition: Value = serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))?;
    let image_path = data_dir.join(IMAGE);
    let image = std::fs::read(&image_path).with_context(|| format!("cannot read {}", image_path.display()))?;
    check(&definition, &image).with_context(|| format!("{} or {}", path.display(), image_path.display()))?;
    Ok((definition, image))
}

/// What LINE would refuse, said before asking it.
pub fn check(definition: &Value, png: &[u8]) -> anyhow::Result<()> {
    let width = definition.pointer("/size/width").and_then(Value::as_u64).unwrap_or(0);
    let height = definition.pointer("/size/height").and_then(Value::as_u64).unwrap_or(0);
    anyhow::ensure!(
        width == 2500 && (height == 843 || height == 1686),
        "the menu is {width}×{height}: LINE takes 2500×843 or 2500×1686"
    );
    anyhow::ensure!(png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 24, "the image is not a PNG");
    let png_size = (
        u32::from_be_bytes([png[16], png[17], png[18], png[19]]),
        u32::from_be_bytes([png[20], png[21], png[22], png[23]]),
    );
    anyhow::ensure!(
        (u64::from(png_size.0), u64::from(png_size.1)) == (width, height),
        "the image is {}×{}, the menu {width}×{height}",
        png_size.0,
        png_size.1
    );
    anyhow::ensure!(png.len() <= 1 << 20, "the image is {} bytes: LINE takes at most 1 MB", png.len());
    let chat_bar = definition["chatBarText"].as_str().unwrap_or("");
    anyhow::ensure!(!chat_bar.is_empty() && chat_bar.chars().count() <= 14, "chatBarText must be 1–14 characters");
    let areas = definition["areas"].as_array().map(Vec::as_slice).unwrap_or_default();
    anyhow::ensure!((1..=20).contains(&areas.len()), "a menu has 1–20 areas, not {}", areas.len());
    for (n, area) in areas.iter().enumerate() {
        let b = |k: &str| area.pointer(&format!("/bounds/{k}")).and_then(Value::as_u64).unwrap_or(u64::MAX);
        anyhow::ensure!(
            b("x").saturating_add(b("width")) <= width && b("y").saturating_add(b("height")) <= height,
            "area {} lies outside the menu",
            n + 1
        );
        let text = area.pointer("/action/text").and_then(Value::as_str).unwrap_or("");
        let label = area.pointer("/action/label").and_then(Value::as_str).unwrap_or("");
        anyhow::ensure!(
            area.pointer("/action/type").and_then(Value::as_str) == Some("message") && !text.is_empty(),
            "area {} must send a message the bot answers",
            n + 1
        );
        anyhow::ensure!(label.chars().count() <= 20, "area {}'s label is over 20 characters", n + 1);
    }
    Ok(())
}

/// Creates the menu, uploads its image and sets it as the default; returns its id.
pub async fn install(api: &Api, definition: &Value, png: &[u8]) -> anyhow::Result<String> {
    let id = api.create_rich_menu(definition).await.context("creating the rich menu")?;
    api.upload_rich_menu_image(&id, png).await.context("uploading the rich menu's image")?;
    api.set_default_rich_menu(&id).await.context("making the rich menu the default")?;
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_menu_is_what_line_takes() {
        let loaded = load(Path::new("data"));
        assert!(loaded.is_ok(), "{loaded:?}");
    }
}
