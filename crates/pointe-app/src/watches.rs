//! Watches: make, list and remove them, judge the price points recorded since each watch last
//! looked, and record the alerts they raise (once each, by key). Delivery is
//! [`crate::webhooks`]'s.

use std::collections::BTreeSet;

use jiff::Timestamp;
use pointe_core::catalog::paid_at;
use pointe_core::domain::Offer;
use pointe_core::fx::RateTable;
use pointe_core::money::{Currency, Money};
use pointe_core::store::{Backend, Observation};
use pointe_core::watch::{
    Alert, AlertKind, Amount, Armed, Delivery, DeliveryState, DropRule, Fired, Observed, Rules,
    Watch, WatchState, WatchTarget, Webhook, judge,
};

use crate::{Error, Result, Workspace};

/// The most price points read at once.
const BATCH: usize = 5_000;
/// The most products of a saved search a watch follows.
pub const MAX_SEARCH_MATCHES: usize = 200;
/// The longest a webhook secret may be.
const MAX_SECRET: usize = 1_024;

/// What a watch follows, as the user named it.
#[derive(Debug, Clone)]
pub enum Target {
    /// A product: a Pointe id, a feed item id, a URL or an exact title.
    Product(String),
    /// An edit's slug.
    Edit(String),
    /// A saved search's words.
    Search(String),
}

/// A watch to make, as the user wrote it.
#[derive(Debug, Clone)]
pub struct AddWatch {
    /// What it follows.
    pub target: Target,
    /// For a product: only the offer of this feed item id (a variant).
    pub item: Option<String>,
    /// At or below this price ("£50", "60 EUR").
    pub below: Option<String>,
    /// A drop of at least this share or amount ("10%", "£20").
    pub drop: Option<String>,
    /// Any rise.
    pub rise: bool,
    /// Back in stock.
    pub restock: bool,
    /// Out of stock.
    pub out_of_stock: bool,
    /// A new match of the saved search.
    pub new_match: bool,
    /// Where to POST its alerts.
    pub webhook: Option<String>,
    /// The key that signs them.
    pub webhook_secret: Option<String>,
    /// The least time between two of its alerts (`0s`, `30m`, `1h`).
    pub min_interval: Option<String>,
    /// For an edit: swap a pick that can no longer be bought.
    pub auto_swap: bool,
    /// Whether its webhook may be a private or loopback address (the CLI's; the API's when
    /// configured).
    pub allow_private: bool,
}

/// Makes a watch. A threshold in another currency than an offer's is converted now, once,
/// into every currency it may be compared in.
pub fn add(ws: &Workspace, req: &AddWatch) -> Result<Watch> {
    let mut store = ws.store()?;
    let rates = ws.rates(&*store)?;
    let today = ws.today()?;
    let (target, offers) = target(ws, &*store, req)?;
    let currencies = compared_in(&target, &offers, &rates);
    let convert = |field: &str, m: Money| -> Result<Vec<Amount>> {
        let amounts: Vec<Amount> = currencies
            .iter()
            .filter_map(|c| rates.convert(m, *c, today).ok().map(|v| v.money.into()))
            .collect();
        if amounts.is_empty() {
            return Err(Error::bad(
                field,
                format!("{m}: no exchange rate into the offers' currency"),
            ));
        }
        Ok(amounts)
    };
    let rules = rules(req, &target, &convert)?;
    let webhook = webhook(req)?;
    let now = pointe_core::clock::now()?;
    let mut state = WatchState {
        cursor: store.last_observation()?,
        ..WatchState::default()
    };
    for offer in &offers {
        state.offers.insert(offer.id, baseline(&rules, offer));
    }
    if let WatchTarget::Search { query } = &target {
        state.matched = search_matches(ws, query)?;
    }
    let watch = Watch {
        id: String::new(),
        target,
        rules,
        webhook,
        min_interval_secs: match &req.min_interval {
            Some(raw) if raw.trim() == "0" || raw.trim() == "0s" => 0,
            Some(raw) => crate::sources::parse_every(raw).map_err(|_| {
                Error::bad("min_interval", format!("{raw:?}: 0s, 90s, 30m, 6h, 1d"))
            })?,
            None => 0,
        },
        auto_swap: req.auto_swap,
        created_at: now,
        state,
    };
    Ok(store.add_watch(&watch)?)
}

/// The rule state an offer starts with: a price already at or below the threshold counts as
/// alerted, so that only a move below it fires.
fn baseline(rules: &Rules, offer: &Offer) -> Armed {
    let paid = offer.current_price();
    Armed {
        below_fired: rules
            .below
            .iter()
            .any(|a| a.currency == paid.currency && paid.minor <= a.minor),
        ..Armed::default()
    }
}

/// The watch target and the offers it follows now.
fn target(
    ws: &Workspace,
    store: &dyn Backend,
    req: &AddWatch,
) -> Result<(WatchTarget, Vec<Offer>)> {
    match &req.target {
        Target::Product(id) => {
            let rates = ws.rates(store)?;
            let reader = pointe_core::catalog::CatalogReader::new(store, &rates, ws.today()?);
            let product = reader.resolve(id)?;
            let mut offers = store.offers_of(product.key)?;
            if let Some(item) = &req.item {
                offers.retain(|o| &o.item_id == item);
                if offers.is_empty() {
                    return Err(Error::bad(
                        "item",
                        format!("{item:?} is not an item id of {}", product.id),
                    ));
                }
            }
            let target = WatchTarget::Product {
                product_id: product.id.clone(),
                item_id: req.item.clone(),
            };
            Ok((target, offers))
        }
        Target::Edit(slug) => {
            crate::edits::check_slug(slug)?;
            let edit = store.edit(slug)?.ok_or_else(|| Error::NotFound {
                message: format!("no edit {slug:?}"),
                candidates: Vec::new(),
            })?;
            let offers = edit_offers(store, &edit)?;
            Ok((WatchTarget::Edit { slug: slug.clone() }, offers))
        }
        Target::Search(query) => {
            crate::bounds::check_len("search", query, 500)?;
            if query.trim().is_empty() {
                return Err(Error::bad("search", "say what to search for"));
            }
            let target = WatchTarget::Search {
                query: query.trim().to_string(),
            };
            Ok((target, Vec::new()))
        }
    }
}

/// The offers of an edit's picks (its hero is not a pick).
fn edit_offers(store: &dyn Backend, edit: &pointe_core::edit::Edit) -> Result<Vec<Offer>> {
    let mut offers = Vec::new();
    for pick in &edit.picks {
        if let Some(p) = store.product_by_id(&pick.product_id)? {
            offers.extend(store.offers_of(p.key)?);
        }
    }
    Ok(offers)
}

/// The currencies a threshold may be compared in: the offers' own, or for a saved search
/// every currency the rates quote.
fn compared_in(target: &WatchTarget, offers: &[Offer], rates: &RateTable) -> BTreeSet<Currency> {
    match target {
        WatchTarget::Search { .. } => {
            let mut all: BTreeSet<Currency> = rates.currencies().collect();
            all.extend(Currency::from_code("EUR"));
            all
        }
        _ => offers.iter().map(|o| o.price.currency).collect(),
    }
}

fn rules(
    req: &AddWatch,
    target: &WatchTarget,
    convert: &dyn Fn(&str, Money) -> Result<Vec<Amount>>,
) -> Result<Rules> {
    let gbp = Currency::from_code("GBP").expect("GBP is known");
    let below = match &req.below {
        Some(raw) => convert("below", crate::search::price("below", raw, gbp)?)?,
        None => Vec::new(),
    };
    let drop = match req.drop.as_deref().map(str::trim) {
        None => None,
        Some(raw) if raw.ends_with('%') => {
            let percent: u32 = raw[..raw.len() - 1]
                .trim()
                .parse()
                .ok()
                .filter(|p| (1..=99).contains(p))
                .ok_or_else(|| Error::bad("drop", format!("{raw:?}: a share from 1% to 99%")))?;
            Some(DropRule::Percent { percent })
        }
        Some(raw) => Some(DropRule::Amount {
            amounts: convert("drop", crate::search::price("drop", raw, gbp)?)?,
        }),
    };
    let is_edit = matches!(target, WatchTarget::Edit { .. });
    let is_search = matches!(target, WatchTarget::Search { .. });
    if req.new_match && !is_search {
        return Err(Error::bad(
            "new_match",
            "only a saved search (--search) has new matches",
        ));
    }
    let mut rules = Rules {
        below,
        drop,
        rise: req.rise,
        restock: req.restock,
        out_of_stock: req.out_of_stock,
        new_match: req.new_match,
    };
    if rules == Rules::default() {
        if !is_edit {
            return Err(Error::bad(
                "rules",
                "say what to watch for: below, drop, rise, restock, out-of-stock or new-match",
            ));
        }
        // An edit's watch tells when a pick can no longer be bought.
        rules.out_of_stock = true;
    }
    if req.auto_swap && !is_edit {
        return Err(Error::bad("auto_swap", "only an edit's watch swaps picks"));
    }
    Ok(rules)
}

fn webhook(req: &AddWatch) -> Result<Option<Webhook>> {
    let Some(url) = &req.webhook else {
        if req.webhook_secret.is_some() {
            return Err(Error::bad("webhook_secret", "a secret needs a webhook"));
        }
        return Ok(None);
    };
    crate::sources::check_url(url, false, req.allow_private).map_err(|e| match e {
        Error::BadParameter { message, .. } => Error::bad("webhook", message),
        other => other,
    })?;
    let secret = req
        .webhook_secret
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    if secret.is_some_and(|s| s.len() > MAX_SECRET) {
        return Err(Error::bad(
            "webhook_secret",
            format!("at most {MAX_SECRET} bytes"),
        ));
    }
    Ok(Some(Webhook {
        url: url.clone(),
        secret: secret.map(str::to_string),
        public_only: !req.allow_private,
    }))
}

/// Every watch, oldest first.
pub fn list(ws: &Workspace) -> Result<Vec<Watch>> {
    Ok(ws.store()?.watches()?)
}

/// Removes a watch; its alerts stay.
pub fn remove(ws: &Workspace, id: &str) -> Result<()> {
    let mut store = ws.store()?;
    if !store.remove_watch(id)? {
        let ids: Vec<String> = store.watches()?.into_iter().map(|w| w.id).collect();
        return Err(Error::NotFound {
            message: format!("no watch {id:?}; watches: {}", known(&ids)),
            candidates: ids,
        });
    }
    Ok(())
}

fn known(ids: &[String]) -> String {
    match ids.is_empty() {
        true => "none yet".into(),
        false => ids.join(", "),
    }
}

/// Alerts raised at or after `since`, of one watch or all, the latest `limit`, oldest first.
pub fn alerts(
    ws: &Workspace,
    since: Option<Timestamp>,
    watch: Option<&str>,
    limit: usize,
) -> Result<Vec<Alert>> {
    crate::bounds::check_count("limit", limit, 10_000)?;
    Ok(ws.store()?.alerts(since, watch, limit)?)
}

/// Judges, for every watch, the price points recorded since it last looked, and records the
/// alerts they raise. Returns the alerts recorded now.
pub fn evaluate(ws: &Workspace) -> Result<Vec<Alert>> {
    let mut store = ws.store()?;
    let now = pointe_core::clock::now()?;
    let mut raised = Vec::new();
    for watch in store.watches()? {
        let alerts = evaluate_one(ws, &mut *store, &watch, now)?;
        raised.extend(alerts);
    }
    Ok(raised)
}

/// One watch's evaluation, saved with its alerts at once.
fn evaluate_one(
    ws: &Workspace,
    store: &mut dyn Backend,
    watch: &Watch,
    now: Timestamp,
) -> Result<Vec<Alert>> {
    let mut state = watch.state.clone();
    let (followed, found) = followed_offers(ws, store, watch, &mut state)?;
    let mut alerts = new_matches(store, watch, &mut state, found, now)?;
    loop {
        let batch = store.observations_after(state.cursor, BATCH)?;
        let Some(last) = batch.last().map(|o| o.seq) else {
            break;
        };
        for obs in batch.iter().filter(|o| followed.contains(&o.offer_key)) {
            let quiet = too_soon(watch, &state, now, !alerts.is_empty());
            let history = store.points_before(obs.offer_key, obs.seq)?;
            let armed = state.offers.entry(obs.offer_key).or_default();
            for fired in judge(&watch.rules, armed, &history, &obs.point, quiet) {
                alerts.push(alert(store, watch, obs, history.last(), &fired, now)?);
            }
        }
        state.cursor = last;
    }
    if watch.auto_swap && alerts.iter().any(|a| a.kind == AlertKind::OutOfStock) {
        swap_picks(ws, watch, &mut alerts)?;
    }
    if !alerts.is_empty() {
        state.last_alert_at = Some(now);
    }
    for a in &mut alerts {
        a.delivery = watch.webhook.as_ref().map(|_| Delivery {
            state: DeliveryState::Pending,
            attempts: 0,
            next_attempt: Some(now),
            delivered_at: None,
            last_error: None,
        });
    }
    store.save_evaluation(&watch.id, &state, &alerts)?;
    Ok(alerts)
}

/// Whether the watch alerted less than its least interval ago (or is alerting now).
fn too_soon(watch: &Watch, state: &WatchState, now: Timestamp, alerting: bool) -> bool {
    if watch.min_interval_secs == 0 {
        return false;
    }
    if alerting {
        return true;
    }
    state
        .last_alert_at
        .is_some_and(|at| now.duration_since(at).as_secs() < watch.min_interval_secs as i64)
}

/// The offer keys a watch follows now, and for a saved search the products it finds.
fn followed_offers(
    ws: &Workspace,
    store: &dyn Backend,
    watch: &Watch,
    state: &mut WatchState,
) -> Result<(BTreeSet<i64>, BTreeSet<String>)> {
    let mut found = BTreeSet::new();
    let offers = match &watch.target {
        WatchTarget::Product {
            product_id,
            item_id,
        } => {
            let Some(p) = store.product_by_id(product_id)? else {
                return Ok((BTreeSet::new(), found));
            };
            let mut offers = store.offers_of(p.key)?;
            if let Some(item) = item_id {
                offers.retain(|o| &o.item_id == item);
            }
            offers
        }
        WatchTarget::Edit { slug } => match store.edit(slug)? {
            Some(edit) => edit_offers(store, &edit)?,
            None => Vec::new(),
        },
        WatchTarget::Search { query } => {
            let mut offers = Vec::new();
            found = search_matches(ws, query)?;
            for id in &found {
                if let Some(p) = store.product_by_id(id)? {
                    offers.extend(store.offers_of(p.key)?);
                }
            }
            offers
        }
    };
    for offer in &offers {
        state
            .offers
            .entry(offer.id)
            .or_insert_with(|| baseline(&watch.rules, offer));
    }
    Ok((offers.iter().map(|o| o.id).collect(), found))
}

/// The products a saved search finds now (none when no product has every word).
fn search_matches(ws: &Workspace, query: &str) -> Result<BTreeSet<String>> {
    let request = crate::search::SearchRequest {
        text: query.to_string(),
        limit: MAX_SEARCH_MATCHES,
        ..crate::search::SearchRequest::default()
    };
    let results = crate::search::search(ws, &request)?;
    if results.relaxed {
        return Ok(BTreeSet::new());
    }
    Ok(results.items.into_iter().map(|h| h.id).collect())
}

/// A saved search's new matches, each an alert (with the rule on); the matched set grows.
fn new_matches(
    store: &dyn Backend,
    watch: &Watch,
    state: &mut WatchState,
    found: BTreeSet<String>,
    now: Timestamp,
) -> Result<Vec<Alert>> {
    let WatchTarget::Search { query } = &watch.target else {
        return Ok(Vec::new());
    };
    let mut alerts = Vec::new();
    for id in found {
        if state.matched.insert(id.clone()) && watch.rules.new_match {
            let title = store
                .product_by_id(&id)?
                .map(|p| p.data.title)
                .unwrap_or_default();
            alerts.push(Alert {
                key: key_of(&[&watch.id, "new-match", &id]),
                query: Some(query.clone()),
                ..bare_alert(watch, AlertKind::NewMatch, &id, title, now)
            });
        }
    }
    Ok(alerts)
}

fn bare_alert(
    watch: &Watch,
    kind: AlertKind,
    product: &str,
    title: String,
    now: Timestamp,
) -> Alert {
    Alert {
        edit: match &watch.target {
            WatchTarget::Edit { slug } => Some(slug.clone()),
            _ => None,
        },
        ..Alert::bare(&watch.id, kind, product, title, now)
    }
}

/// The alert a fired rule raises, with its evidence.
fn alert(
    store: &dyn Backend,
    watch: &Watch,
    obs: &Observation,
    previous: Option<&pointe_core::domain::PricePoint>,
    fired: &Fired,
    now: Timestamp,
) -> Result<Alert> {
    let title = store
        .product_by_id(&obs.product_id)?
        .map(|p| p.data.title)
        .unwrap_or_default();
    let seq = obs.seq.to_string();
    let offer = obs.offer_key.to_string();
    Ok(Alert {
        key: key_of(&[&watch.id, fired.kind.name(), &offer, &seq]),
        item_id: Some(obs.item_id.clone()),
        retailer: Some(obs.retailer.clone()).filter(|r| !r.is_empty()),
        source: Some(obs.source.clone()),
        ingest_id: obs.origin.map(|o| o.ingest_id),
        line: obs.origin.map(|o| o.line),
        previous: previous.map(Observed::from),
        current: Some(Observed::from(&obs.point)),
        currency: Some(paid_at(&obs.point).currency),
        against: fired.against.map(Amount::from),
        prior_low_30d: fired.prior_low.map(Amount::from),
        query: match &watch.target {
            WatchTarget::Search { query } => Some(query.clone()),
            _ => None,
        },
        ..bare_alert(watch, fired.kind, &obs.product_id, title, now)
    })
}

/// A stable key: the same alert always gets the same one.
fn key_of(parts: &[&str]) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(parts.join("\u{1f}").as_bytes());
    let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
    format!("al_{hex}")
}

/// Swaps an edit's picks that can no longer be bought (the edits' refresh with swap), and
/// writes what replaced what into its out-of-stock alerts.
fn swap_picks(ws: &Workspace, watch: &Watch, alerts: &mut [Alert]) -> Result<()> {
    let WatchTarget::Edit { slug } = &watch.target else {
        return Ok(());
    };
    let reports = crate::edits::refresh(ws, Some(slug), true)?;
    let changes: Vec<_> = reports
        .items
        .iter()
        .flat_map(|r| r.changes.iter())
        .collect();
    for a in alerts
        .iter_mut()
        .filter(|a| a.kind == AlertKind::OutOfStock)
    {
        a.swapped = changes
            .iter()
            .filter(|c| c.product_id == a.product_id || c.what.contains(&a.product_id))
            .map(|c| c.what.clone())
            .collect();
    }
    Ok(())
}

/// A watch as it is shown: its webhook's secret never, only whether alerts are signed.
pub fn view(watch: &Watch) -> serde_json::Value {
    let mut value = serde_json::to_value(watch).unwrap_or_default();
    if let Some(hook) = value.get_mut("webhook").and_then(|h| h.as_object_mut()) {
        let signed = hook.remove("secret").is_some();
        hook.insert("signed".into(), signed.into());
    }
    value
}
