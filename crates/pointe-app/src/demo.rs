//! The demo: the bundled sample catalog loaded into a fresh directory, and the Balletcore edit
//! built from it through the same use cases an editor's front end calls.

use std::path::{Path, PathBuf};

use pointe_core::catalog::{ProductDetail, ProductSummary};
use pointe_core::ingest::IngestReport;

use crate::edits::{CreateEditRequest, Links, RenderFormat, Rendered, Shown};
use crate::ingest::IngestRequest;
use crate::products::{ListRequest, Page};
use crate::{Error, Result, Workspace};

/// The sample feeds shipped inside the binary: an affiliate CSV of 24 products (the eight of
/// the Balletcore edit among them) and a second retailer's Google Merchant Center XML feed that
/// sells two of the same products.
pub const SAMPLES: &[(&str, &str)] = &[
    (
        "catalog.awin.csv",
        include_str!("../../../samples/catalog.awin.csv"),
    ),
    (
        "harvey.gmc.xml",
        include_str!("../../../samples/harvey.gmc.xml"),
    ),
];

/// The product the demo shows in full: the M&S pumps, sold by two retailers.
pub const SHOWN_PRODUCT: &str = "seed-004";

/// The slug of the demo's edit.
pub const EDIT_SLUG: &str = "balletcore";

/// What the demo loaded and built.
#[derive(Debug)]
pub struct Demo {
    /// The directory it lives in.
    pub dir: PathBuf,
    /// One report per sample feed.
    pub reports: Vec<IngestReport>,
    /// The whole catalog.
    pub catalog: Page<ProductSummary>,
    /// [`SHOWN_PRODUCT`] with its offers.
    pub shown: ProductDetail,
    /// The Balletcore edit.
    pub edit: Shown,
    /// The edit as Markdown.
    pub markdown: String,
    /// Where the edit's HTML widget was written.
    pub html_path: PathBuf,
}

/// Empties `dir` for the demo, refusing a directory that holds anything but an earlier demo.
pub fn prepare(dir: &Path) -> Result<()> {
    if dir.exists() {
        let empty = std::fs::read_dir(dir)
            .map_err(|e| io(dir, e))?
            .next()
            .is_none();
        if !dir.join("pointe.db").exists() && !empty {
            return Err(Error::bad(
                "dir",
                format!(
                    "{} exists and is not a Pointe demo directory; choose another",
                    dir.display()
                ),
            ));
        }
        std::fs::remove_dir_all(dir).map_err(|e| io(dir, e))?;
    }
    std::fs::create_dir_all(dir.join("samples")).map_err(|e| io(dir, e))
}

fn io(path: &Path, e: std::io::Error) -> Error {
    Error::Core(pointe_core::Error::io(path, e))
}

/// Loads the samples into `dir` (emptied first, see [`prepare`]) and builds the Balletcore
/// edit, with the editor's figure (Pinterest) as its trend line: the demo imports no trend
/// series, and never cites a made-up one.
pub fn run(dir: &Path, links: &Links) -> Result<Demo> {
    prepare(dir)?;
    let ws = Workspace::new(dir);
    let mut files = Vec::with_capacity(SAMPLES.len());
    for (name, text) in SAMPLES {
        let path = dir.join("samples").join(name);
        std::fs::write(&path, text).map_err(|e| io(&path, e))?;
        files.push(path);
    }
    let outcome = crate::ingest::ingest(&ws, &files, &IngestRequest::default(), &mut |_, _| {})?;
    let reports = outcome.into_reports()?;
    let catalog = crate::products::list(
        &ws,
        &ListRequest {
            limit: crate::products::MAX_PAGE,
            ..ListRequest::default()
        },
    )?;
    let shown = crate::products::show(&ws, SHOWN_PRODUCT, None)?;
    let edit = crate::edits::create(&ws, &balletcore(), links)?.shown;
    let markdown = text(crate::edits::render(
        &ws,
        EDIT_SLUG,
        RenderFormat::Markdown,
    )?);
    let html = text(crate::edits::render(&ws, EDIT_SLUG, RenderFormat::Html)?);
    let html_path = dir.join("balletcore.html");
    std::fs::write(&html_path, html).map_err(|e| io(&html_path, e))?;
    Ok(Demo {
        dir: dir.to_path_buf(),
        reports,
        catalog,
        shown,
        edit,
        markdown,
        html_path,
    })
}

fn text(rendered: Rendered) -> String {
    match rendered {
        Rendered::Text(t) => t,
        Rendered::Json(v) => v.to_string(),
    }
}

/// The demo's edit, as an editor would ask for it.
fn balletcore() -> CreateEditRequest {
    CreateEditRequest {
        slug: EDIT_SLUG.into(),
        title: "Balletcore is here to stay: the Miu Miu flats, and the pairs that get the look for less"
            .into(),
        standfirst: Some(
            "Satin, bows and a dancer's slipper shape: the trend that refuses to leave, at every price."
                .into(),
        ),
        author: Some("The Pointe desk".into()),
        hero: "seed-001".into(),
        trend: Some("balletcore".into()),
        trend_figure: Some(1566.0),
        trend_source: Some("Pinterest".into()),
        count: Some(4),
        per_brand: Some(1),
        currency: Some("GBP".into()),
        ..CreateEditRequest::default()
    }
}
