//! `pointe products list|show`.

use clap::Subcommand;
use pointe_app::products::ListRequest;
use pointe_core::catalog::{ProductDetail, ProductSummary};

use crate::Cli;
use crate::output::{Format, clip, print_json, print_list, table};

/// `pointe products …`.
#[derive(Debug, Subcommand)]
pub enum ProductsCommand {
    /// List products with their lowest current price.
    List {
        /// Only this brand (any alias: "M&S" finds Marks & Spencer).
        #[arg(long)]
        brand: Option<String>,
        /// Only products sold by this retailer.
        #[arg(long)]
        retailer: Option<String>,
        /// At most this many products.
        #[arg(long, default_value_t = 50, value_parser = crate::limit_arg())]
        limit: usize,
        /// Skip this many first.
        #[arg(long, default_value_t = 0)]
        offset: usize,
        /// Show prices in this currency (converted at the ECB reference rate).
        #[arg(long)]
        currency: Option<String>,
    },
    /// Show one product: its data, offers and price history. ID is Pointe's id, a feed item
    /// id or an offer URL.
    Show {
        /// The product.
        id: String,
        /// Show the lowest price in this currency.
        #[arg(long)]
        currency: Option<String>,
    },
}

/// Runs `pointe products list|show`.
pub fn run(cli: &Cli, cmd: &ProductsCommand) -> anyhow::Result<u8> {
    let ws = crate::workspace(cli)?;
    match cmd {
        ProductsCommand::List {
            brand,
            retailer,
            limit,
            offset,
            currency,
        } => {
            let request = ListRequest {
                brand: brand.clone(),
                retailer: retailer.clone(),
                limit: *limit,
                offset: *offset,
                currency: currency.clone(),
            };
            let page = pointe_app::products::list(&ws, &request).map_err(crate::app_error)?;
            match cli.output {
                Format::Table => out!("{}", list_table(&page.items, page.total))?,
                format => print_list(format, &page.items, page.total)?,
            }
        }
        ProductsCommand::Show { id, currency } => {
            let detail = pointe_app::products::show(&ws, id, currency.as_deref())
                .map_err(crate::app_error)?;
            match cli.output {
                Format::Table => out!("{}", show_text(&detail))?,
                Format::Json => print_json(&detail)?,
                _ => outln!("{}", serde_json::to_string(&detail)?)?,
            }
        }
    }
    Ok(0)
}

/// The products table.
pub fn list_table(items: &[ProductSummary], total: u64) -> String {
    let mut rows = vec![vec![
        "ID".to_string(),
        "BRAND".into(),
        "TITLE".into(),
        "LOWEST".into(),
        "AT".into(),
        "OFFERS".into(),
    ]];
    for p in items {
        rows.push(vec![
            p.id.clone(),
            p.brand.clone().unwrap_or_default(),
            clip(&p.title, 48),
            crate::output::price_cell(p.lowest_price.as_ref()),
            p.lowest_price_retailer.clone().unwrap_or_default(),
            p.offers.to_string(),
        ]);
    }
    let mut out = table(&rows);
    out.push_str(&format!("{} of {} products\n", items.len(), total));
    out
}

/// The text of `products show`.
pub fn show_text(d: &ProductDetail) -> String {
    let s = &d.summary;
    let mut out = format!(
        "{} — {}{}\n",
        s.id,
        s.brand
            .as_deref()
            .map(|b| format!("{b} "))
            .unwrap_or_default(),
        s.title
    );
    if let Some(price) = &s.lowest_price {
        out.push_str(&format!(
            "lowest current price: {} at {}{}\n",
            price.display,
            s.lowest_price_retailer.as_deref().unwrap_or("?"),
            if s.in_stock { "" } else { " (out of stock)" }
        ));
    }
    let fields: [(&str, Option<String>); 9] = [
        ("description", d.data.description.clone()),
        ("category", d.data.category_text.clone()),
        (
            "google category",
            d.data.google_category_id.map(|c| c.to_string()),
        ),
        ("gender", d.data.gender.clone()),
        (
            "colours",
            Some(d.data.colours.join(", ")).filter(|s| !s.is_empty()),
        ),
        (
            "materials",
            Some(d.data.materials.join(", ")).filter(|s| !s.is_empty()),
        ),
        ("gtin", d.data.gtin.clone()),
        ("mpn", d.data.mpn.clone()),
        (
            "images",
            Some(d.data.image_urls.join(" ")).filter(|s| !s.is_empty()),
        ),
    ];
    for (name, value) in fields {
        if let Some(v) = value {
            out.push_str(&format!("{name}: {v}\n"));
        }
    }
    if let Some(attrs) = &d.data.attributes {
        out.push_str("\nattributes (with the words that state them):\n");
        out.push_str(&crate::attributes::explain_text(attrs));
    }
    out.push_str(&format!("\noffers ({}):\n", d.offer_list.len()));
    for o in &d.offer_list {
        let price = match &o.sale_price {
            Some(sale) => format!("{} (was {})", sale.display, o.price.display),
            None => o.price.display.clone(),
        };
        out.push_str(&format!(
            "- {} — {} — {}{}\n  item {} from source {:?}; seen {} … {}\n",
            o.retailer,
            price,
            o.availability,
            if o.current {
                ""
            } else {
                " — stale: not in its source's latest feed"
            },
            o.item_id,
            o.source,
            o.first_seen,
            o.last_seen
        ));
        if let Some(url) = &o.url {
            out.push_str(&format!("  {url}\n"));
        }
        for p in &o.history {
            let price = match &p.sale_price {
                Some(sale) => format!("{} (was {})", sale.display, p.price.display),
                None => p.price.display.clone(),
            };
            out.push_str(&format!(
                "    {}  {}  {}\n",
                p.seen_at, price, p.availability
            ));
        }
    }
    out
}
