//! `/edits`: every edit with its hero, picks, dates and where it is published.

use askama::Template;
use axum::extract::State;

use super::error::PageResult;
use super::view::{Html, Layout, http_url, render, segment};
use crate::state::AppState;

#[derive(Debug, Template)]
#[template(path = "edits.html")]
struct EditsPage {
    layout: Layout,
    edits: Vec<EditRow>,
}

#[derive(Debug)]
struct EditRow {
    page: String,
    public_url: Option<String>,
    title: String,
    standfirst: Option<String>,
    hero: String,
    hero_href: String,
    picks: usize,
    pinned: usize,
    trend: Option<String>,
    created: String,
    refreshed: Option<String>,
}

/// `GET /edits`.
pub async fn list(State(state): State<AppState>) -> PageResult<Html> {
    let links = state.links()?;
    let list = state
        .blocking(move |ws| pointe_app::edits::list(ws, &links))
        .await?;
    let day = |t: jiff::Timestamp| t.strftime("%Y-%m-%d").to_string();
    let edits = list
        .items
        .into_iter()
        .map(|e| EditRow {
            page: format!("/edits/{}", segment(&e.slug)),
            public_url: http_url(&e.embed.public_url),
            hero_href: format!("/products/{}", segment(&e.hero)),
            picks: e.picks.len(),
            pinned: e.picks.iter().filter(|p| p.pinned).count(),
            trend: e.trend.as_ref().map(|t| t.term.clone()),
            created: day(e.created_at),
            refreshed: e.refreshed_at.map(day),
            title: e.title,
            standfirst: e.standfirst,
            hero: e.hero,
        })
        .collect();
    render(&EditsPage {
        layout: Layout::new("Edits", "edits"),
        edits,
    })
}
