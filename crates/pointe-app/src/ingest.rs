//! Ingesting feeds: the options a front end gathers, checked and turned into the core's, and
//! one ingest per feed file with the index brought up to date after.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use pointe_core::attributes::Market;
use pointe_core::feed::{FeedFormat, FeedOptions, Mapping, ShopUrl};
use pointe_core::fx::RateTable;
use pointe_core::ingest::{IngestOptions, IngestReport, PriceRules, Progress, ingest_file};
use pointe_core::money::{Currency, parse_price};

use crate::{Error, Result, Workspace};

/// The mappings shipped with Pointe, by name.
pub const SHIPPED_MAPPINGS: &[(&str, &str)] = &[
    (
        "myntra-products",
        include_str!("../../../mappings/myntra-products.toml"),
    ),
    (
        "myntra-fpi-names",
        include_str!("../../../mappings/myntra-fpi-names.toml"),
    ),
    (
        "datafiniti-womens-shoes-2018",
        include_str!("../../../mappings/datafiniti-womens-shoes-2018.toml"),
    ),
    (
        "datafiniti-womens-shoes-jun19",
        include_str!("../../../mappings/datafiniti-womens-shoes-jun19.toml"),
    ),
];

/// Where a mapping comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MappingRef {
    /// A file (the CLI's `--mapping FILE`).
    File(PathBuf),
    /// A name: one of [`SHIPPED_MAPPINGS`] or `<data dir>/mappings/NAME.toml` (the API's
    /// `mapping=`; a name is never a path).
    Name(String),
}

/// What a front end asks of an ingest, as the user wrote it; [`IngestRequest::options`] checks
/// each and names the one at fault. `field` names in errors are the API's; the CLI's flags are
/// the same words with `--`.
#[derive(Debug, Clone, Default)]
pub struct IngestRequest {
    /// The feed layout (`gmc-tsv`, `gmc-csv`, `gmc-xml`, `awin`, `shopify`, `mapped`); found
    /// from the content when absent.
    pub feed_format: Option<String>,
    /// The column mapping of a CSV or TSV of any other layout.
    pub mapping: Option<MappingRef>,
    /// The name of the source (one feed); by default the file name and its retailer.
    pub source: Option<String>,
    /// The retailer selling the offers.
    pub retailer: Option<String>,
    /// The currency of prices that name none.
    pub currency: Option<String>,
    /// The market whose words the text uses (`UK`, `US`).
    pub market: Option<String>,
    /// When the feed was seen (RFC 3339); now by default.
    pub seen_at: Option<String>,
    /// The highest believable price (default the equivalent of €1,000,000).
    pub max_price: Option<String>,
    /// The shop's address, to link each Shopify variant to its page.
    pub shop_url: Option<String>,
}

fn format_of(name: &str) -> Result<FeedFormat> {
    FeedFormat::from_name(name).ok_or_else(|| {
        Error::bad(
            "feed_format",
            format!("{name:?}: expected gmc-tsv, gmc-csv, gmc-xml, awin, shopify or mapped"),
        )
    })
}

/// The mapping `r` names.
pub fn load_mapping(ws: &Workspace, r: &MappingRef) -> Result<Mapping> {
    let bad = |e: pointe_core::Error| Error::bad("mapping", e.to_string());
    match r {
        MappingRef::File(path) => Mapping::load(path).map_err(bad),
        MappingRef::Name(name) => {
            if let Some((_, text)) = SHIPPED_MAPPINGS.iter().find(|(n, _)| n == name) {
                return Mapping::parse(text, &format!("{name} (shipped)")).map_err(bad);
            }
            let plain = !name.is_empty()
                && name.len() <= 100
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            let path = ws.dir().join("mappings").join(format!("{name}.toml"));
            if !plain || !path.is_file() {
                let shipped: Vec<&str> = SHIPPED_MAPPINGS.iter().map(|(n, _)| *n).collect();
                return Err(Error::bad(
                    "mapping",
                    format!(
                        "{name:?}: no such mapping; shipped: {}, or a file in {}",
                        shipped.join(", "),
                        ws.dir().join("mappings").display()
                    ),
                ));
            }
            Mapping::load(&path).map_err(bad)
        }
    }
}

/// The price bound: at most `max_price` (any currency), as euro minor units.
fn price_rules(max_price: Option<&str>, rates: RateTable, ws: &Workspace) -> Result<PriceRules> {
    let mut rules = PriceRules {
        rates: Arc::new(rates),
        ..PriceRules::default()
    };
    let Some(raw) = max_price else {
        return Ok(rules);
    };
    let bad = |m: String| Error::bad("max_price", format!("{raw:?}: {m}"));
    let money = parse_price(raw, None).map_err(|e| bad(e.to_string()))?;
    let eur = Currency::from_code("EUR").ok_or_else(|| bad("EUR is unknown".into()))?;
    let in_eur = rules
        .rates
        .convert(money, eur, ws.today()?)
        .map_err(|e| bad(e.to_string()))?
        .money;
    if in_eur.minor <= 0 {
        return Err(bad("must be above zero".into()));
    }
    rules.max_eur_minor = in_eur.minor;
    Ok(rules)
}

impl IngestRequest {
    /// The core's options for this request, each parameter checked.
    pub fn options(&self, ws: &Workspace, rates: RateTable) -> Result<IngestOptions> {
        let format = self.feed_format.as_deref().map(format_of).transpose()?;
        let currency = self
            .currency
            .as_deref()
            .map(|c| Workspace::currency("currency", c))
            .transpose()?;
        if format == Some(FeedFormat::Shopify) && currency.is_none() {
            return Err(Error::bad(
                "currency",
                "the shopify layout needs a currency: a Shopify products.json names none (e.g. GBP)",
            ));
        }
        let mapping = self
            .mapping
            .as_ref()
            .map(|m| load_mapping(ws, m))
            .transpose()?;
        match (format, &mapping) {
            (Some(f), Some(_)) if f != FeedFormat::Mapped => {
                return Err(Error::bad(
                    "mapping",
                    format!("a mapping reads a CSV/TSV as `mapped`, not as {}", f.name()),
                ));
            }
            (Some(FeedFormat::Mapped), None) => {
                return Err(Error::bad(
                    "mapping",
                    "the mapped layout needs a mapping saying which column holds what (--mapping FILE on the command line, mapping=NAME over HTTP)",
                ));
            }
            _ => {}
        }
        let shop_url = self
            .shop_url
            .as_deref()
            .map(|raw| ShopUrl::parse(raw).map_err(|e| Error::bad("shop_url", e.to_string())))
            .transpose()?;
        let seen_at = match &self.seen_at {
            Some(raw) => pointe_core::clock::parse_time(raw)
                .map_err(|e| Error::bad("seen_at", e.to_string()))?,
            None => pointe_core::clock::now()?,
        };
        let market = self
            .market
            .as_deref()
            .map(|m| {
                m.parse::<Market>()
                    .map_err(|e| Error::bad("market", e.to_string()))
            })
            .transpose()?;
        Ok(IngestOptions {
            feed: FeedOptions {
                format,
                currency,
                mapping,
                shop_url,
                ..FeedOptions::default()
            },
            source: self.source.clone(),
            retailer: self.retailer.clone(),
            seen_at,
            market,
            prices: price_rules(self.max_price.as_deref(), rates, ws)?,
        })
    }
}

/// What ingesting a list of feeds did.
#[derive(Debug)]
pub struct IngestOutcome {
    /// Each file with its report, or the error that stored nothing of it.
    pub files: Vec<(PathBuf, Result<IngestReport>)>,
    /// Why the search index could not be brought up to date (the next search does).
    pub index_warning: Option<String>,
}

impl IngestOutcome {
    /// The reports of the files that were ingested.
    pub fn reports(&self) -> impl Iterator<Item = &IngestReport> {
        self.files.iter().filter_map(|(_, r)| r.as_ref().ok())
    }

    /// Every file's report, or the first file's error when one stored nothing.
    pub fn into_reports(self) -> Result<Vec<IngestReport>> {
        self.files.into_iter().map(|(_, r)| r).collect()
    }
}

/// Ingests each of `files` in one store, each whole or not at all, then brings the index up
/// to date. `progress` hears how far each file has been read.
pub fn ingest(
    ws: &Workspace,
    files: &[PathBuf],
    request: &IngestRequest,
    progress: &mut dyn FnMut(&Path, Progress),
) -> Result<IngestOutcome> {
    if request.source.is_some() && files.len() > 1 {
        return Err(Error::bad(
            "source",
            "a source names one feed; give one file per ingest when using it",
        ));
    }
    let mut store = ws.store()?;
    let brands = ws.brands()?;
    let extractor = ws.extractor()?;
    let options = request.options(ws, ws.rates(&*store)?)?;
    let mut out = Vec::with_capacity(files.len());
    for file in files {
        let result = ingest_file(&mut *store, &brands, &extractor, file, &options, &mut |p| {
            progress(file, p)
        });
        out.push((file.clone(), result.map_err(Error::from)));
    }
    let any = out.iter().any(|(_, r)| r.is_ok());
    let index_warning = if any {
        ws.refresh_index(&*store).err().map(|e| e.to_string())
    } else {
        None
    };
    Ok(IngestOutcome {
        files: out,
        index_warning,
    })
}
