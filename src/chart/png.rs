//! The chart as PNG, for the bots: the same SVG rasterised with resvg, with a Japanese font
//! loaded from a file named here (or `KEIKAKU_FONT`) — never a system lookup that could fall
//! back to a font without kanji and draw boxes (tofu). A font that lacks the chart's
//! characters is refused when loaded.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use resvg::{tiny_skia, usvg};

/// Where Debian puts Japanese fonts (`fonts-noto-cjk`, `fonts-ipafont-gothic`), in order.
pub const FONT_CANDIDATES: [&str; 3] = [
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf",
    "/usr/share/fonts/truetype/fonts-japanese-gothic.ttf",
];

/// Characters every chart uses: a font without them would draw tofu.
const MUST_HAVE: &str = "令和年度途中目標実績達成未報告多少ほど良い基準比削減単位件↑↓✓×";

/// Why a chart could not be drawn as PNG, and what to do.
#[derive(Debug, thiserror::Error)]
pub enum PngError {
    /// No Japanese font.
    #[error(
        "no Japanese font for the charts: install one (`apt-get install -y fonts-noto-cjk`), or set KEIKAKU_FONT to a .ttf/.otf/.ttc file"
    )]
    NoFont,
    /// The font file named (by `KEIKAKU_FONT`) cannot be read: named, with what to do.
    #[error(
        "グラフ用のフォント {path} を読めません（{why}）。KEIKAKU_FONT に .ttf/.otf/.ttc ファイルの正しい場所を指定するか、KEIKAKU_FONT を外して既定のフォントを使ってください（apt-get install -y fonts-noto-cjk）"
    )]
    FontFile {
        /// The file named.
        path: PathBuf,
        /// Why it could not be read (not found, no permission).
        why: String,
    },
    /// The font cannot draw the chart's text.
    #[error(
        "the font {path} has no glyph for 「{missing}」: charts would show boxes; choose a Japanese font (KEIKAKU_FONT)"
    )]
    MissingGlyphs {
        /// The font file.
        path: PathBuf,
        /// The characters it lacks.
        missing: String,
    },
    /// The SVG did not parse (a bug: the SVG is ours).
    #[error("the chart's SVG: {0}")]
    Svg(String),
    /// Encoding failed.
    #[error("the chart's PNG: {0}")]
    Encode(String),
}

/// The process's renderer, made on first use (loading the font once): the bots share it.
pub fn shared() -> Result<&'static Renderer, String> {
    static SHARED: std::sync::OnceLock<Result<Renderer, String>> = std::sync::OnceLock::new();
    SHARED.get_or_init(|| Renderer::new().map_err(|e| e.to_string())).as_ref().map_err(Clone::clone)
}

/// Draws charts as PNG with one loaded font.
pub struct Renderer {
    options: usvg::Options<'static>,
    /// The font file in use.
    pub font: PathBuf,
}

impl Renderer {
    /// Loads the font: `KEIKAKU_FONT`, or the first of [`FONT_CANDIDATES`] that exists.
    pub fn new() -> Result<Renderer, PngError> {
        let chosen = std::env::var_os("KEIKAKU_FONT")
            .map(PathBuf::from)
            .or_else(|| FONT_CANDIDATES.iter().map(PathBuf::from).find(|p| p.is_file()))
            .ok_or(PngError::NoFont)?;
        Renderer::with_font(&chosen)
    }

    /// Loads the font at `path`, checking it has every character a chart uses.
    pub fn with_font(path: &Path) -> Result<Renderer, PngError> {
        let mut db = usvg::fontdb::Database::new();
        let data =
            std::fs::read(path).map_err(|e| PngError::FontFile { path: path.to_path_buf(), why: e.to_string() })?;
        db.load_font_data(data);
        let face = db.faces().next().ok_or(PngError::NoFont)?;
        let (id, family) = (face.id, face.families.first().map(|(f, _)| f.clone()).unwrap_or_default());
        let missing: String = db
            .with_face_data(id, |data, index| {
                use skrifa::MetadataProvider as _;
                let font = skrifa::FontRef::from_index(data, index).ok()?;
                let charmap = font.charmap();
                Some(MUST_HAVE.chars().filter(|c| charmap.map(*c).is_none()).collect::<String>())
            })
            .flatten()
            .unwrap_or_else(|| MUST_HAVE.to_string());
        if !missing.is_empty() {
            return Err(PngError::MissingGlyphs { path: path.to_path_buf(), missing });
        }
        // Whatever family the SVG names, this font draws it.
        db.set_sans_serif_family(family.clone());
        let options = usvg::Options { font_family: family, fontdb: Arc::new(db), ..usvg::Options::default() };
        Ok(Renderer { options, font: path.to_path_buf() })
    }

    /// `svg` as PNG bytes, at `scale` (2: sharp on phones).
    pub fn png(&self, svg: &str, scale: f32) -> Result<Vec<u8>, PngError> {
        let tree = usvg::Tree::from_str(&svg.replace(super::FONT_FAMILIES, "sans-serif"), &self.options)
            .map_err(|e| PngError::Svg(e.to_string()))?;
        let size = tree.size().to_int_size().scale_by(scale).ok_or_else(|| PngError::Encode("empty size".into()))?;
        let mut pixmap =
            tiny_skia::Pixmap::new(size.width(), size.height()).ok_or_else(|| PngError::Encode("no pixmap".into()))?;
        pixmap.fill(tiny_skia::Color::WHITE);
        resvg::render(&tree, tiny_skia::Transform::from_scale(scale, scale), &mut pixmap.as_mut());
        pixmap.encode_png().map_err(|e| PngError::Encode(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_font_file_is_named_with_what_to_do() {
        let path = Path::new("/nonexistent/keikaku-font.ttf");
        let Err(e) = Renderer::with_font(path) else { panic!("a missing file loads") };
        let said = e.to_string();
        assert!(said.contains("/nonexistent/keikaku-font.ttf") && said.contains("KEIKAKU_FONT"), "{said}");
        assert!(said.contains("読めません"), "in Japanese: {said}");
    }
}
