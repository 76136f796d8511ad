//! `/status`: the catalog's size, the sources and their last ingests with rejections, the
//! search index's generation, and the trend series imported.

use askama::Template;
use axum::extract::State;

use super::error::PageResult;
use super::view::{Html, Layout, label, render};
use crate::state::AppState;

/// The most ingests the page lists.
const INGESTS: usize = 20;

#[derive(Debug, Template)]
#[template(path = "status.html")]
struct StatusPage {
    layout: Layout,
    products: u64,
    generation: u64,
    index_generation: u64,
    indexed: u64,
    edits: usize,
    trend_series: usize,
    ingests: Vec<IngestRow>,
    trends: Vec<TrendImport>,
}

#[derive(Debug)]
struct IngestRow {
    source: String,
    file: String,
    format: String,
    seen_at: String,
    accepted: u64,
    updated: u64,
    unchanged: u64,
    rejected: u64,
    unseen: u64,
}

#[derive(Debug)]
struct TrendImport {
    term: String,
    source: String,
    region: Option<String>,
    scale_group: String,
    latest: Option<String>,
}

/// `GET /status`.
pub async fn show(State(state): State<AppState>) -> PageResult<Html> {
    let (status, trends) = state
        .blocking(|ws| {
            let status = pointe_app::status::status(ws, INGESTS)?;
            let options = pointe_app::trends::options(12, None)?;
            Ok((status, pointe_app::trends::list(ws, &options)?))
        })
        .await?;
    let (index_generation, indexed) = state
        .read(|open| {
            let meta = open.loaded.index.meta();
            Ok((meta.generation, meta.products))
        })
        .await?;
    render(&StatusPage {
        layout: Layout::new("Status", "status"),
        products: status.products,
        generation: status.generation,
        index_generation,
        indexed,
        edits: status.edits,
        trend_series: status.trend_series,
        ingests: status
            .ingests
            .iter()
            .map(|i| IngestRow {
                source: i.source.clone(),
                file: i.file.clone(),
                format: i.format.clone(),
                seen_at: i.seen_at.strftime("%Y-%m-%d %H:%M UTC").to_string(),
                accepted: i.accepted,
                updated: i.updated,
                unchanged: i.unchanged,
                rejected: i.rejected,
                unseen: i.unseen,
            })
            .collect(),
        trends: trends
            .items
            .into_iter()
            .map(|t| TrendImport {
                source: label(&t.source),
                region: t.region,
                scale_group: t.scale_group,
                latest: t.latest_date,
                term: t.term,
            })
            .collect(),
    })
}
