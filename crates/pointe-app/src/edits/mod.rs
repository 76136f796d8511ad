//! Edits: create, update, pick, render, refresh, list and show, one function per use case
//! over a workspace. Each takes the request as written, checks it (naming the field at
//! fault), and stores a changed edit only once it still resolves against the current offers.

mod doc;
pub mod embed;
mod finder;
mod request;

use jiff::Timestamp;
use jiff::civil::Date;
use pointe_core::catalog::CatalogReader;
use pointe_core::edit::affiliate::AffiliateLinks;
use pointe_core::edit::view::EditView;
use pointe_core::edit::{self, Edit, LeftOut, RefreshReport};
use pointe_core::fx::RateTable;
use pointe_core::store::Backend;
use pointe_core::tiers::Tiers;
use serde::Serialize;
use serde_json::Value;

pub use doc::{EditDoc, Embed, PickDoc};
pub use embed::{Links, OEmbed};
pub use finder::SearchFinder;
pub use request::{CreateEditRequest, PickRequest, PickSpec, UpdateEditRequest};

use crate::{Error, IndexNote, Result, Workspace};

/// The longest slug, in bytes.
pub const MAX_SLUG: usize = 100;

/// A slug: 1 to [`MAX_SLUG`] letters, digits, '-' and '_'.
pub fn check_slug(slug: &str) -> Result<()> {
    let ok = !slug.is_empty()
        && slug.len() <= MAX_SLUG
        && slug
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(Error::bad(
            "slug",
            format!("{slug:?}: 1 to {MAX_SLUG} letters, digits, '-' and '_'"),
        ))
    }
}

/// An edit after a use case, as both front ends present it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Shown {
    /// The edit in the JSON contract.
    #[serde(flatten)]
    pub edit: EditDoc,
    /// What the editor should know: picks that cannot be bought now, trends not cited.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// What readers see now (for a front end's summary).
    #[serde(skip)]
    #[schema(ignore)]
    pub view: EditView,
    /// What opening the index had to do ("the search index was missing; rebuilt it").
    #[serde(skip)]
    #[schema(ignore)]
    pub notes: Vec<String>,
}

/// A new edit, and the look-alikes it left out because they cannot be bought.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Created {
    /// The edit.
    #[serde(flatten)]
    pub shown: Shown,
    /// Look-alikes as close as the picks that cannot be bought, closest first (product_id,
    /// name, score, status, reason).
    #[schema(value_type = Vec<Object>)]
    pub left_out: Vec<LeftOut>,
}

/// A list of edits.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EditList {
    /// The edits, by slug.
    pub items: Vec<EditDoc>,
    /// How many.
    pub total: u64,
}

/// What refreshing edits changed.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RefreshList {
    /// One report per edit (slug, changes: at, product_id, what).
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<RefreshReport>,
    /// How many.
    pub total: u64,
}

/// How an edit is rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RenderFormat {
    /// Markdown for a CMS's text field.
    Markdown,
    /// The embeddable HTML widget with JSON-LD.
    Html,
    /// The view as JSON, every product with its `id` and `item_ids`.
    Json,
}

/// A rendered edit.
#[derive(Debug, Clone, PartialEq)]
pub enum Rendered {
    /// Markdown or HTML.
    Text(String),
    /// JSON.
    Json(Value),
}

/// What every edit use case opens.
struct Ctx {
    ws: Workspace,
    store: Box<dyn Backend>,
    rates: RateTable,
    tiers: Tiers,
    links: AffiliateLinks,
    today: Date,
    now: Timestamp,
}

impl Ctx {
    fn open(ws: &Workspace) -> Result<Ctx> {
        let store = ws.store()?;
        let rates = ws.rates(&*store)?;
        Ok(Ctx {
            ws: ws.clone(),
            store,
            rates,
            tiers: Tiers::load(Some(ws.dir()))?,
            links: AffiliateLinks::load(Some(ws.dir()))?,
            today: ws.today()?,
            now: pointe_core::clock::now()?,
        })
    }

    fn reader(&self) -> CatalogReader<'_> {
        CatalogReader::new(&*self.store, &self.rates, self.today)
    }

    fn finder(&self) -> Result<(SearchFinder<'_>, Vec<String>)> {
        let (finder, note) = SearchFinder::open(&self.ws, &*self.store)?;
        let notes = match note {
            IndexNote::Fresh => Vec::new(),
            IndexNote::Rebuilt { why, products } => vec![format!(
                "the search index {why}; rebuilt it ({products} products)"
            )],
        };
        Ok((finder, notes))
    }

    fn load(&self, slug: &str) -> Result<Edit> {
        check_slug(slug)?;
        match self.store.edit(slug)? {
            Some(e) => Ok(e),
            None => Err(Error::UnknownEdit {
                slug: slug.to_string(),
                candidates: self.store.edits()?.into_iter().map(|e| e.slug).collect(),
            }),
        }
    }

    /// Stores `edit` once it still resolves (every product known, every price convertible),
    /// so a failing change leaves the stored edit as it was.
    fn save(&mut self, edit: &Edit) -> Result<()> {
        edit::resolve(&self.reader(), &self.tiers, edit, self.now)?;
        self.store.put_edit(edit)?;
        Ok(())
    }

    /// The view with buy links passed through the affiliate templates, and the disclosure
    /// line when any of them was.
    fn view(&self, e: &Edit) -> Result<EditView> {
        let mut view = edit::resolve(&self.reader(), &self.tiers, e, self.now)?.into_view();
        let mut affiliated = false;
        for p in std::iter::once(&mut view.hero).chain(view.picks.iter_mut()) {
            p.buy_url = p
                .url
                .as_deref()
                .and_then(|u| self.links.link(p.retailer.as_deref(), u));
            affiliated |= p.buy_url.is_some() && p.buy_url != p.url;
        }
        if affiliated {
            view.disclosure = Some(self.links.disclosure().to_string());
        }
        Ok(view)
    }

    fn shown(&self, e: &Edit, links: &Links, warnings: Vec<String>) -> Result<Shown> {
        Ok(Shown {
            edit: doc::edit_doc(&*self.store, e, links)?,
            warnings,
            view: self.view(e)?,
            notes: Vec::new(),
        })
    }

    fn position_of(&self, e: &Edit, product: &str) -> Result<usize> {
        let id = self.reader().resolve(product)?.id;
        e.picks
            .iter()
            .position(|p| p.product_id == id)
            .ok_or_else(|| usage(format!("{product} is not a pick of {:?}", e.slug)))
    }

    /// Records what the pick at `at` shows now; refuses it when its price cannot be
    /// converted, and warns when it cannot be bought.
    fn settle(&self, e: &mut Edit, at: usize, product: &str) -> Result<Option<String>> {
        let resolved = edit::resolve(&self.reader(), &self.tiers, e, self.now)?;
        let shown = &resolved.picks[at];
        if shown.price_money.is_none() {
            let key = self.reader().resolve(&e.picks[at].product_id)?.key;
            if let Some(offer) = self.store.offers_of(key)?.first()
                && !self.rates.quotes(offer.price.currency)
            {
                return Err(usage(format!(
                    "{product} cannot be priced in {}: no exchange rate from {} to {}",
                    e.currency, offer.price.currency, e.currency
                )));
            }
        }
        e.picks[at].last_price = shown.price_money.clone();
        e.picks[at].last_status = shown.status;
        Ok(shown.reason.as_ref().map(|reason| {
            format!(
                "{product} cannot be bought now ({reason}): it is left out of the public \
                 renders until it can"
            )
        }))
    }
}

fn usage(message: String) -> Error {
    Error::Core(pointe_core::Error::Usage(message))
}

/// Builds and stores a new edit: the hero's closest look-alikes that can be bought, across
/// tiers, with blurbs; an existing slug is a conflict unless `request.replace`.
pub fn create(ws: &Workspace, request: &CreateEditRequest, links: &Links) -> Result<Created> {
    let checked = request.check()?;
    let mut ctx = Ctx::open(ws)?;
    if !request.replace && ctx.store.edit(&request.slug)?.is_some() {
        return Err(Error::Conflict(format!(
            "edit {:?} exists; give --replace to build it again",
            request.slug
        )));
    }
    let mut warnings = Vec::new();
    let trend = match &request.trend {
        Some(term) => {
            let cited = edit::cite_trend(&*ctx.store, term, checked.editor_figure.clone())?;
            warnings.extend(cited.warnings);
            cited.citation
        }
        None => None,
    };
    let core_request = checked.into_core(trend, ctx.now);
    let (finder, notes) = ctx.finder()?;
    let created = edit::create(&ctx.reader(), &ctx.tiers, &finder, &core_request)?;
    drop(finder);
    if created.edit.picks.len() < core_request.count {
        warnings.push(format!(
            "only {} of {} picks can be bought now",
            created.edit.picks.len(),
            core_request.count
        ));
    }
    ctx.save(&created.edit)?;
    let mut shown = ctx.shown(&created.edit, links, warnings)?;
    shown.notes = notes;
    Ok(Created {
        shown,
        left_out: created.left_out,
    })
}

/// Pins a product as a pick of `slug` (added, or moved, and never swapped out
/// automatically), explained and blurbed as the edit's own picks are.
pub fn pick(ws: &Workspace, slug: &str, request: &PickRequest, links: &Links) -> Result<Shown> {
    request.check()?;
    let mut ctx = Ctx::open(ws)?;
    let mut e = ctx.load(slug)?;
    let (finder, notes) = ctx.finder()?;
    let at = edit::pin(
        &ctx.reader(),
        &ctx.tiers,
        &finder,
        &mut e,
        &request.product,
        request.position,
        request.blurb.as_deref(),
        ctx.now,
    )?;
    drop(finder);
    let warnings = ctx
        .settle(&mut e, at, &request.product)?
        .into_iter()
        .collect();
    ctx.save(&e)?;
    let mut shown = ctx.shown(&e, links, warnings)?;
    shown.notes = notes;
    Ok(shown)
}

/// Removes a pick.
pub fn unpick(ws: &Workspace, slug: &str, product: &str, links: &Links) -> Result<Shown> {
    let mut ctx = Ctx::open(ws)?;
    let mut e = ctx.load(slug)?;
    let i = ctx.position_of(&e, product)?;
    e.picks.remove(i);
    ctx.save(&e)?;
    ctx.shown(&e, links, Vec::new())
}

/// Moves a pick to `position`, from 1.
pub fn move_pick(
    ws: &Workspace,
    slug: &str,
    product: &str,
    position: usize,
    links: &Links,
) -> Result<Shown> {
    let mut ctx = Ctx::open(ws)?;
    let mut e = ctx.load(slug)?;
    if position == 0 || position > e.picks.len() {
        return Err(usage(format!(
            "position {position}: the edit has picks 1 to {}",
            e.picks.len()
        )));
    }
    let i = ctx.position_of(&e, product)?;
    let pick = e.picks.remove(i);
    e.picks.insert(position - 1, pick);
    ctx.save(&e)?;
    ctx.shown(&e, links, Vec::new())
}

/// Replaces a pick's blurb with the editor's own (never regenerated after).
pub fn set_blurb(
    ws: &Workspace,
    slug: &str,
    product: &str,
    text: &str,
    links: &Links,
) -> Result<Shown> {
    let text = request::check_blurb("blurb", text)?;
    let mut ctx = Ctx::open(ws)?;
    let mut e = ctx.load(slug)?;
    let i = ctx.position_of(&e, product)?;
    e.picks[i].blurb = text;
    e.picks[i].blurb_by_editor = true;
    ctx.save(&e)?;
    ctx.shown(&e, links, Vec::new())
}

/// Changes an edit's headline, standfirst and picks: `picks`, when given, is the whole
/// ordered list; a product not yet picked is pinned as `pick` pins it, one no longer listed is
/// removed, and a listed one keeps what it has unless its blurb or pinning is given.
pub fn update(
    ws: &Workspace,
    slug: &str,
    request: &UpdateEditRequest,
    links: &Links,
) -> Result<Shown> {
    request.check()?;
    let mut ctx = Ctx::open(ws)?;
    let mut e = ctx.load(slug)?;
    if let Some(title) = &request.title {
        e.title = title.trim().to_string();
    }
    if let Some(standfirst) = &request.standfirst {
        let s = standfirst.trim();
        e.standfirst = (!s.is_empty()).then(|| s.to_string());
    }
    let mut warnings = Vec::new();
    if let Some(specs) = &request.picks {
        warnings = repick(&ctx, &mut e, specs)?;
    }
    ctx.save(&e)?;
    ctx.shown(&e, links, warnings)
}

/// Makes `specs` the picks of `e`, in their order.
fn repick(ctx: &Ctx, e: &mut Edit, specs: &[PickSpec]) -> Result<Vec<String>> {
    let reader = ctx.reader();
    let mut ids = Vec::with_capacity(specs.len());
    for (i, spec) in specs.iter().enumerate() {
        let id = reader.resolve(&spec.id)?.id;
        if ids.contains(&id) {
            return Err(Error::bad(
                format!("picks[{i}].id"),
                format!("{:?} is listed twice", spec.id),
            ));
        }
        ids.push(id);
    }
    let old = std::mem::take(&mut e.picks);
    let mut finder = None;
    let mut warnings = Vec::new();
    for (spec, id) in specs.iter().zip(&ids) {
        let at = e.picks.len();
        match old.iter().find(|p| &p.product_id == id) {
            Some(kept) => {
                let mut kept = kept.clone();
                if let Some(b) = &spec.blurb {
                    kept.blurb = b.trim().to_string();
                    kept.blurb_by_editor = true;
                }
                e.picks.push(kept);
            }
            None => {
                if finder.is_none() {
                    finder = Some(ctx.finder()?.0);
                }
                let f = finder.as_ref().ok_or_else(|| usage("no finder".into()))?;
                let blurb = spec.blurb.as_deref().map(str::trim);
                edit::pin(&reader, &ctx.tiers, f, e, id, Some(at + 1), blurb, ctx.now)?;
                warnings.extend(ctx.settle(e, at, &spec.id)?);
            }
        }
        if let Some(pinned) = spec.pinned {
            e.picks[at].pinned = pinned;
        }
    }
    Ok(warnings)
}

/// Renders an edit as Markdown, the HTML widget or JSON, with buy links through the
/// affiliate templates.
pub fn render(ws: &Workspace, slug: &str, format: RenderFormat) -> Result<Rendered> {
    let ctx = Ctx::open(ws)?;
    let e = ctx.load(slug)?;
    let view = ctx.view(&e)?;
    Ok(match format {
        RenderFormat::Markdown => Rendered::Text(edit::render::markdown(&view)),
        RenderFormat::Html => Rendered::Text(edit::render::html(&view)),
        RenderFormat::Json => {
            Rendered::Json(doc::with_ids(&*ctx.store, edit::render::json(&view))?)
        }
    })
}

/// The public page of an edit: its widget in a page of its own, with the oEmbed discovery
/// link.
pub fn page(ws: &Workspace, slug: &str, links: &Links) -> Result<String> {
    let ctx = Ctx::open(ws)?;
    let e = ctx.load(slug)?;
    let widget = edit::render::html_page(&ctx.view(&e)?);
    Ok(embed::page(links, &e.slug, &e.title, &widget))
}

/// The oEmbed answer for `url`, the public page of an edit here; a URL not ours, or of no
/// edit, is not found.
pub fn oembed(
    ws: &Workspace,
    links: &Links,
    url: &str,
    maxwidth: Option<u32>,
    maxheight: Option<u32>,
) -> Result<OEmbed> {
    crate::bounds::check_len("url", url, 2048)?;
    let slug = links.slug_of(url)?;
    let store = ws.store()?;
    let e = store
        .edit(&slug)?
        .ok_or_else(|| Error::not_found(format!("no edit {slug:?} is published here")))?;
    Ok(embed::oembed(
        links,
        &e.slug,
        &e.title,
        e.author.as_deref(),
        maxwidth,
        maxheight,
    ))
}

/// Re-reads the current offers of one edit (or every edit, `slug` `None`): records price and
/// stock changes; with `swap` replaces picks that can no longer be bought by the next best
/// look-alike of the same tier.
pub fn refresh(ws: &Workspace, slug: Option<&str>, swap: bool) -> Result<RefreshList> {
    let mut ctx = Ctx::open(ws)?;
    let mut edits = match slug {
        Some(s) => vec![ctx.load(s)?],
        None => ctx.store.edits()?,
    };
    let mut reports = Vec::with_capacity(edits.len());
    {
        let (finder, _) = ctx.finder()?;
        for e in &mut edits {
            reports.push(edit::refresh(
                &ctx.reader(),
                &ctx.tiers,
                &finder,
                e,
                swap,
                ctx.now,
            )?);
        }
    }
    for e in &edits {
        ctx.save(e)?;
    }
    Ok(RefreshList {
        total: reports.len() as u64,
        items: reports,
    })
}

/// Every edit, by slug.
pub fn list(ws: &Workspace, links: &Links) -> Result<EditList> {
    let store = ws.store()?;
    let items = store
        .edits()?
        .iter()
        .map(|e| doc::edit_doc(&*store, e, links))
        .collect::<Result<Vec<_>>>()?;
    Ok(EditList {
        total: items.len() as u64,
        items,
    })
}

/// One edit as stored, with what it shows now.
pub fn show(ws: &Workspace, slug: &str, links: &Links) -> Result<Shown> {
    let ctx = Ctx::open(ws)?;
    let e = ctx.load(slug)?;
    ctx.shown(&e, links, Vec::new())
}
