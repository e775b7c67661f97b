//! PNG copies of the SVG figures, for slides, word processors and journals that want raster
//! images.
//!
//! Why these choices:
//! - **Print resolution.** A figure is rendered at 300 dpi at the SVG's own size. plotters writes
//!   800 x 520 CSS px (1 px = 1/96 in), i.e. 8.33 x 5.42 in, so the PNG is 2500 x 1625 pixels. The
//!   300 dpi is also recorded in the PNG's pHYs chunk, so a word processor places it at that size.
//! - **No system dependency.** resvg (with usvg and tiny-skia) is pure Rust.
//! - **Deterministic text.** Only the bundled DejaVu Sans (assets/fonts, Bitstream Vera licence,
//!   which allows redistribution) is loaded; every generic family (`sans-serif`, `serif`, ...) and
//!   the default family map to it. No system font lookup, so the same SVG gives byte-identical
//!   PNG files on any machine.

use resvg::tiny_skia::{Color, Pixmap, Transform};
use resvg::usvg::{fontdb, Options, Tree};
use std::sync::{Arc, OnceLock};

/// Resolution of the PNG files.
pub const PRINT_DPI: f32 = 300.0;
/// CSS pixels per inch: the unit of the SVG's width and height.
const CSS_PX_PER_INCH: f32 = 96.0;
/// Metres per inch, for the pHYs chunk (pixels per metre).
const METRES_PER_INCH: f64 = 0.0254;

/// The bundled font (DejaVu Sans 2.37, from Debian's fonts-dejavu-core; licence beside it).
static FONT_TTF: &[u8] = include_bytes!("../assets/fonts/DejaVuSans.ttf");
/// The family name inside that file.
const FONT_FAMILY: &str = "DejaVu Sans";

/// The PNG file name for an SVG file name (`x.svg` -> `x.png`); `None` for other files.
pub fn png_name(svg_name: &str) -> Option<String> {
    svg_name
        .strip_suffix(".svg")
        .map(|stem| format!("{stem}.png"))
}

/// Renders an SVG document to PNG bytes at [`PRINT_DPI`].
pub fn svg_to_png(svg: &[u8]) -> anyhow::Result<Vec<u8>> {
    let tree = parse(svg)?;
    let pixmap = render(&tree)?;
    encode(&pixmap)
}

/// The font database: the bundled font only, built once per process.
fn fonts() -> Arc<fontdb::Database> {
    static DB: OnceLock<Arc<fontdb::Database>> = OnceLock::new();
    DB.get_or_init(|| {
        let mut db = fontdb::Database::new();
        db.load_font_data(FONT_TTF.to_vec());
        db.set_sans_serif_family(FONT_FAMILY);
        db.set_serif_family(FONT_FAMILY);
        db.set_monospace_family(FONT_FAMILY);
        db.set_cursive_family(FONT_FAMILY);
        db.set_fantasy_family(FONT_FAMILY);
        Arc::new(db)
    })
    .clone()
}

/// Parses the SVG with text resolved against the bundled font.
fn parse(svg: &[u8]) -> anyhow::Result<Tree> {
    let opt = Options {
        font_family: FONT_FAMILY.to_string(),
        fontdb: fonts(),
        ..Options::default()
    };
    Tree::from_data(svg, &opt).map_err(|e| anyhow::anyhow!("PNG rendering: SVG not readable: {e}"))
}

/// Rasterises the tree on a white background at print resolution.
fn render(tree: &Tree) -> anyhow::Result<Pixmap> {
    let scale = PRINT_DPI / CSS_PX_PER_INCH;
    let size = tree.size();
    let (w, h) = (
        (size.width() * scale).round() as u32,
        (size.height() * scale).round() as u32,
    );
    let mut pixmap = Pixmap::new(w, h)
        .ok_or_else(|| anyhow::anyhow!("PNG rendering: invalid figure size {w} x {h} px"))?;
    // Opaque white first: journals reject transparent figures, and RGB without alpha is smaller.
    pixmap.fill(Color::WHITE);
    resvg::render(
        tree,
        Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    Ok(pixmap)
}

/// Encodes an opaque pixmap as 8-bit RGB PNG with the resolution in the pHYs chunk.
fn encode(pixmap: &Pixmap) -> anyhow::Result<Vec<u8>> {
    // The background is opaque, so premultiplied and straight colour are the same: drop alpha.
    let rgb: Vec<u8> = pixmap
        .data()
        .chunks_exact(4)
        .flat_map(|p| [p[0], p[1], p[2]])
        .collect();
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, pixmap.width(), pixmap.height());
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let ppm = (f64::from(PRINT_DPI) / METRES_PER_INCH).round() as u32;
        enc.set_pixel_dims(Some(png::PixelDimensions {
            xppu: ppm,
            yppu: ppm,
            unit: png::Unit::Meter,
        }));
        let err = |e: png::EncodingError| anyhow::anyhow!("PNG encoding: {e}");
        let mut writer = enc.write_header().map_err(err)?;
        writer.write_image_data(&rgb).map_err(err)?;
        writer.finish().map_err(err)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn png_name_only_for_svg() {
        assert_eq!(
            png_name("pta_by_dose.svg").as_deref(),
            Some("pta_by_dose.png")
        );
        assert_eq!(png_name("summary.json"), None);
    }

    /// A 96 x 48 px SVG is 1 x 0.5 in, so 300 x 150 pixels at 300 dpi; black text renders dark
    /// pixels only if the bundled font was found (there is no other font to fall back on).
    #[test]
    fn text_renders_with_bundled_font_at_print_size() {
        let svg = br#"<svg xmlns="http://www.w3.org/2000/svg" width="96" height="48">
            <text x="4" y="30" font-family="sans-serif" font-size="20" fill="black">Dose mg</text>
        </svg>"#;
        let png = svg_to_png(svg).unwrap();
        let pm = Pixmap::decode_png(&png).unwrap();
        assert_eq!((pm.width(), pm.height()), (300, 150));
        let dark = pm.pixels().iter().filter(|p| p.red() < 100).count();
        assert!(dark > 100, "text drew only {dark} dark pixels");
        assert_eq!(png, svg_to_png(svg).unwrap(), "same SVG, same bytes");
    }
}
