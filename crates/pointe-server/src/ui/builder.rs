//! `/edits/{slug}/builder`: the edit builder. Picks in order with their blurbs; pin or
//! unpin, move up or down, remove, rewrite a blurb, replace a pick by one of the hero's
//! look-alikes, refresh prices; what was left out and why; the public page previewed at
//! phone and desktop widths; the embed code. Every change is a POST form carrying the
//! session's CSRF token, answered by a redirect back here, and calls the same
//! `pointe_app::edits` use cases as the API.

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use pointe_app::edits::{self, CreateEditRequest, PickSpec, Shown, UpdateEditRequest};
use pointe_app::lookalikes::{HeroRef, LookalikesRequest};
use serde::Deserialize;

use super::error::{PageError, PageForm, PageResult};
use super::session;
use super::view::{Html, Layout, http_url, label, render, segment};
use crate::error::ApiError;
use crate::state::AppState;

/// How many of the hero's look-alikes are offered as replacements.
const CANDIDATES: usize = 12;

#[derive(Debug, Template)]
#[template(path = "builder.html")]
struct BuilderPage {
    layout: Layout,
    action: String,
    signed_in: bool,
    csrf: String,
    title: String,
    hero: String,
    warnings: Vec<String>,
    groups: Vec<TierGroup>,
    left_out: Vec<String>,
    candidates: Vec<(String, String)>,
    public_path: String,
    script: &'static str,
    iframe: String,
    oembed_url: String,
    widget_html_url: String,
}

/// A run of picks of one tier, in the edit's order: a heading each time the tier changes.
#[derive(Debug)]
struct TierGroup {
    /// The tier's label, or "Untiered".
    name: String,
    /// The position of its first pick (its list's `start`).
    start: usize,
    picks: Vec<PickRow>,
}

/// `picks` in their order, cut where the tier changes.
fn by_tier(picks: Vec<PickRow>) -> Vec<TierGroup> {
    let mut groups: Vec<TierGroup> = Vec::new();
    for pick in picks {
        let name = pick.tier.clone().unwrap_or_else(|| "Untiered".into());
        match groups.last_mut() {
            Some(g) if g.name == name => g.picks.push(pick),
            _ => groups.push(TierGroup {
                name,
                start: pick.position,
                picks: vec![pick],
            }),
        }
    }
    groups
}

#[derive(Debug)]
struct PickRow {
    id: String,
    position: usize,
    first: bool,
    last: bool,
    image: Option<String>,
    alt: String,
    brand: Option<String>,
    name: String,
    price: Option<String>,
    retailer: Option<String>,
    tier: Option<String>,
    availability: String,
    pinned: bool,
    blurb: String,
}

/// `GET /edits/{slug}/builder`: the builder, or the sign-in form when no session may
/// write.
pub async fn show(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> PageResult<Html> {
    edits::check_slug(&slug).map_err(ApiError::from)?;
    let links = state.links()?;
    let wanted = slug.clone();
    let shown = state
        .blocking(move |ws| edits::show(ws, &wanted, &links))
        .await
        .map_err(|e| PageError::from_api(e, "/edits/"))?;
    let signed_in = session::require(&state, &headers).await.ok();
    let hero = shown.edit.hero.clone();
    let looks = state
        .read(move |open| {
            let request = LookalikesRequest {
                limit: CANDIDATES,
                ..LookalikesRequest::new(HeroRef::Product(hero))
            };
            pointe_app::lookalikes::lookalikes_in(open, &request)
        })
        .await
        // Without look-alikes the builder still works; it offers no replacement.
        .map(|l| l.items)
        .unwrap_or_else(|e| {
            tracing::warn!(error = e.message(), "no look-alikes for the builder");
            Vec::new()
        });
    let candidates = looks
        .iter()
        .filter(|l| !shown.edit.picks.iter().any(|p| p.id == l.id))
        .map(|l| {
            let name = match &l.brand {
                Some(b) => format!("{b} {}", l.title),
                None => l.title.clone(),
            };
            let price = l
                .price
                .as_ref()
                .map(|p| format!(", {}", p.display))
                .unwrap_or_default();
            (l.id.clone(), format!("{name}{price}"))
        })
        .collect();
    render(&page_of(slug, shown, signed_in, candidates))
}

fn page_of(
    slug: String,
    shown: Shown,
    secret: Option<String>,
    candidates: Vec<(String, String)>,
) -> BuilderPage {
    let n = shown.view.picks.len();
    let picks = shown
        .view
        .picks
        .iter()
        .enumerate()
        .map(|(i, p)| PickRow {
            id: p.product_id.clone(),
            position: i + 1,
            first: i == 0,
            last: i + 1 == n,
            image: p.image_url.as_deref().and_then(http_url),
            alt: match &p.brand {
                Some(b) => format!("{b} {}", p.name),
                None => p.name.clone(),
            },
            brand: p.brand.clone(),
            name: p.name.clone(),
            price: p.price.as_ref().map(|m| m.display.clone()),
            retailer: p.retailer.clone(),
            tier: p
                .tier_label
                .clone()
                .or_else(|| p.tier.as_deref().map(label)),
            availability: super::view::availability(&p.availability),
            pinned: shown
                .edit
                .picks
                .iter()
                .any(|d| d.id == p.product_id && d.pinned),
            blurb: p.blurb.clone(),
        })
        .collect();
    let hero = &shown.view.hero;
    BuilderPage {
        layout: Layout::new(format!("{} — builder", shown.edit.title), "edits"),
        action: format!("/edits/{}/builder", segment(&slug)),
        public_path: format!("/edits/{}", segment(&slug)),
        script: super::assets::BUILDER_JS_SRC.as_str(),
        signed_in: secret.is_some(),
        csrf: secret.as_deref().map(session::csrf).unwrap_or_default(),
        title: shown.edit.title.clone(),
        hero: match &hero.brand {
            Some(b) => format!("{b} {}", hero.name),
            None => hero.name.clone(),
        },
        warnings: shown.warnings.clone(),
        groups: by_tier(picks),
        left_out: shown
            .view
            .unavailable
            .iter()
            .map(|u| {
                format!(
                    "{}{}: {}",
                    u.brand
                        .as_deref()
                        .map(|b| format!("{b} "))
                        .unwrap_or_default(),
                    u.name,
                    u.reason
                )
            })
            .collect(),
        candidates,
        iframe: shown.edit.embed.iframe.clone(),
        oembed_url: shown.edit.embed.oembed_url.clone(),
        widget_html_url: shown.edit.embed.widget_html_url.clone(),
    }
}

/// What a builder form sends.
#[derive(Debug, Deserialize)]
pub struct Action {
    csrf: String,
    action: String,
    #[serde(default)]
    product: String,
    #[serde(default)]
    blurb: String,
    #[serde(default)]
    with: String,
    /// Where "move" puts the pick: a position from 1.
    #[serde(default)]
    to: Option<usize>,
}

/// `POST /edits/{slug}/builder`: one change, then back to the builder.
pub async fn act(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    PageForm(form): PageForm<Action>,
) -> PageResult<Response> {
    edits::check_slug(&slug).map_err(ApiError::from)?;
    session::require_form(&state, &headers, &form.csrf).await?;
    let links = state.links()?;
    let back = format!("/edits/{}/builder", segment(&slug));
    state
        .blocking(move |ws| apply(ws, &slug, &form, &links))
        .await
        .map_err(|e| PageError::from_api(e, "/products/"))?;
    Ok(session::see_other(&back))
}

fn apply(
    ws: &pointe_app::Workspace,
    slug: &str,
    f: &Action,
    links: &edits::Links,
) -> pointe_app::Result<()> {
    let shown = edits::show(ws, slug, links)?;
    let ids: Vec<&str> = shown.edit.picks.iter().map(|p| p.id.as_str()).collect();
    let at = ids.iter().position(|id| *id == f.product);
    match (f.action.as_str(), at) {
        ("refresh", _) => edits::refresh(ws, Some(slug), false).map(|_| ()),
        ("up", Some(i)) if i > 0 => edits::move_pick(ws, slug, &f.product, i, links).map(|_| ()),
        ("down", Some(i)) if i + 1 < ids.len() => {
            edits::move_pick(ws, slug, &f.product, i + 2, links).map(|_| ())
        }
        ("move", Some(_)) => match f.to {
            Some(to) if (1..=ids.len()).contains(&to) => {
                edits::move_pick(ws, slug, &f.product, to, links).map(|_| ())
            }
            _ => Err(pointe_app::Error::bad(
                "to",
                format!("a position from 1 to {}", ids.len()),
            )),
        },
        ("remove", Some(_)) => edits::unpick(ws, slug, &f.product, links).map(|_| ()),
        ("blurb", Some(_)) => edits::set_blurb(ws, slug, &f.product, &f.blurb, links).map(|_| ()),
        ("pin" | "unpin", Some(i)) => {
            let mut specs = specs(&ids);
            specs[i].pinned = Some(f.action == "pin");
            update(ws, slug, specs, links)
        }
        ("replace", Some(i)) => {
            if f.with.trim().is_empty() {
                return Err(pointe_app::Error::bad(
                    "with",
                    "choose the look-alike to put in its place",
                ));
            }
            let mut specs = specs(&ids);
            specs[i] = PickSpec {
                id: f.with.clone(),
                blurb: None,
                pinned: None,
            };
            update(ws, slug, specs, links)
        }
        (_, None) if f.action != "refresh" => Err(pointe_app::Error::bad(
            "product",
            format!("{:?} is not a pick of this edit", f.product),
        )),
        (action, _) => Err(pointe_app::Error::bad(
            "action",
            format!(
                "{action:?}: one of up, down, move, pin, unpin, remove, blurb, replace, refresh"
            ),
        )),
    }
}

fn specs(ids: &[&str]) -> Vec<PickSpec> {
    ids.iter()
        .map(|id| PickSpec {
            id: id.to_string(),
            blurb: None,
            pinned: None,
        })
        .collect()
}

fn update(
    ws: &pointe_app::Workspace,
    slug: &str,
    picks: Vec<PickSpec>,
    links: &edits::Links,
) -> pointe_app::Result<()> {
    let request = UpdateEditRequest {
        picks: Some(picks),
        ..UpdateEditRequest::default()
    };
    edits::update(ws, slug, &request, links).map(|_| ())
}

#[derive(Debug, Template)]
#[template(path = "new_edit.html")]
struct NewEditPage {
    layout: Layout,
    signed_in: bool,
    csrf: String,
    hero: String,
    next: String,
    trends: Vec<String>,
}

/// `GET /edits/new?hero=`: the form that starts an edit from a hero and a trend.
pub async fn new_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> PageResult<Html> {
    let p = crate::params::Params::parse(query.as_deref(), &["hero"])?;
    let hero = p.string("hero").unwrap_or_default();
    pointe_app::bounds::check_len("hero", &hero, 2048).map_err(ApiError::from)?;
    let secret = session::require(&state, &headers).await.ok();
    let trends = state
        .blocking(|ws| {
            let options = pointe_app::trends::options(12, None)?;
            Ok(pointe_app::trends::list(ws, &options)?.items)
        })
        .await?;
    let mut terms: Vec<String> = trends.into_iter().map(|t| t.term).collect();
    terms.dedup();
    render(&NewEditPage {
        layout: Layout::new("New edit", "edits"),
        signed_in: secret.is_some(),
        csrf: secret.as_deref().map(session::csrf).unwrap_or_default(),
        next: crate::ui::view::href("/edits/new", &[("hero".into(), hero.clone())]),
        hero,
        trends: terms,
    })
}

/// What the new-edit form sends.
#[derive(Debug, Deserialize)]
pub struct NewEdit {
    csrf: String,
    slug: String,
    title: String,
    hero: String,
    #[serde(default)]
    trend: String,
}

/// `POST /edits/new`: builds the edit (as `POST /api/v1/edits` does), then opens its builder.
pub async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageForm(form): PageForm<NewEdit>,
) -> PageResult<Response> {
    session::require_form(&state, &headers, &form.csrf).await?;
    let links = state.links()?;
    let back = format!("/edits/{}/builder", segment(form.slug.trim()));
    let request = CreateEditRequest {
        slug: form.slug.trim().to_string(),
        title: form.title.trim().to_string(),
        hero: form.hero.trim().to_string(),
        trend: Some(form.trend.trim().to_string()).filter(|t| !t.is_empty()),
        ..CreateEditRequest::default()
    };
    state
        .blocking(move |ws| edits::create(ws, &request, &links))
        .await
        .map_err(|e| PageError::from_api(e, "/products/"))?;
    Ok(session::see_other(&back))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pick(position: usize, tier: Option<&str>) -> PickRow {
        PickRow {
            id: format!("pt-{position}"),
            position,
            first: false,
            last: false,
            image: None,
            alt: String::new(),
            brand: None,
            name: format!("pick {position}"),
            price: None,
            retailer: None,
            tier: tier.map(str::to_string),
            availability: String::new(),
            pinned: false,
            blurb: String::new(),
        }
    }

    #[test]
    fn picks_are_grouped_by_tier_in_their_order() {
        let picks = vec![
            pick(1, Some("Designer")),
            pick(2, Some("Mid-range")),
            pick(3, Some("Mid-range")),
            pick(4, None),
            pick(5, Some("Designer")),
        ];
        let groups: Vec<_> = by_tier(picks)
            .iter()
            .map(|g| {
                let ids: Vec<_> = g.picks.iter().map(|p| p.position).collect();
                (g.name.clone(), g.start, ids)
            })
            .collect();
        assert_eq!(
            groups,
            [
                ("Designer".to_string(), 1, vec![1]),
                ("Mid-range".to_string(), 2, vec![2, 3]),
                ("Untiered".to_string(), 4, vec![4]),
                ("Designer".to_string(), 5, vec![5]),
            ]
        );
    }
}
