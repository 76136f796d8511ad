//! Affiliate links: each retailer's (or network's) link template, applied to a product page.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::text::fold_key;
use crate::{Error, Result};

/// The templates shipped with Pointe (none: links go straight to the retailer).
const BUNDLED: &str = include_str!("../../data/affiliates.toml");

/// What readers are told when buy links go through an affiliate template, unless the file says
/// otherwise.
pub const DEFAULT_DISCLOSURE: &str =
    "We may earn a commission when you buy through links on this page.";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    default: Option<String>,
    #[serde(default)]
    disclosure: Option<String>,
    #[serde(default)]
    retailer: Vec<Entry>,
}

#[derive(Debug, Deserialize)]
struct Entry {
    name: String,
    template: String,
}

/// Affiliate link templates by retailer. A template is an http(s) URL with `{url}` where the
/// product page goes, percent-encoded (an Awin-style deep link:
/// `https://www.awin1.com/cread.php?awinmid=1402&awinaffid=12345&ued={url}`).
#[derive(Debug, Clone, Default)]
pub struct AffiliateLinks {
    by_retailer: BTreeMap<String, String>,
    default: Option<String>,
    disclosure: Option<String>,
}

impl AffiliateLinks {
    /// The bundled templates, replaced by `<data_dir>/affiliates.toml` when that file exists.
    pub fn load(data_dir: Option<&Path>) -> Result<AffiliateLinks> {
        match crate::toml_file::data_dir_copy(data_dir, "affiliates.toml")? {
            Some((text, path)) => AffiliateLinks::from_toml(&text, &path),
            None => AffiliateLinks::from_toml(BUNDLED, Path::new("affiliates.toml (bundled)")),
        }
    }

    /// Reads templates from TOML text; every template must be an http(s) URL holding `{url}`.
    pub fn from_toml(text: &str, path: &Path) -> Result<AffiliateLinks> {
        let file: File = crate::toml_file::parse(text, path)?;
        let check = |t: &str| -> Result<()> {
            if !t.contains("{url}") || !is_http_url(&t.replace("{url}", "x")) {
                return Err(Error::bad_file(
                    path,
                    None,
                    format!("template {t:?} must be an http(s) URL containing {{url}}"),
                ));
            }
            Ok(())
        };
        let mut links = AffiliateLinks {
            disclosure: file.disclosure.filter(|d| !d.trim().is_empty()),
            ..AffiliateLinks::default()
        };
        if let Some(d) = file.default {
            check(&d)?;
            links.default = Some(d);
        }
        for entry in file.retailer {
            check(&entry.template)?;
            links
                .by_retailer
                .insert(fold_key(&entry.name), entry.template);
        }
        Ok(links)
    }

    /// The line that tells readers a buy link may earn a commission (UK and EU advertising
    /// rules want affiliate links disclosed before them): the file's `disclosure`, or
    /// [`DEFAULT_DISCLOSURE`].
    pub fn disclosure(&self) -> &str {
        self.disclosure.as_deref().unwrap_or(DEFAULT_DISCLOSURE)
    }

    /// The link to print for `url` sold by `retailer`: the retailer's template (or the default
    /// one) with the URL percent-encoded into it, or the URL itself. `None` unless `url` is an
    /// absolute http(s) URL.
    pub fn link(&self, retailer: Option<&str>, url: &str) -> Option<String> {
        if !is_http_url(url) {
            return None;
        }
        let template = retailer
            .and_then(|r| self.by_retailer.get(&fold_key(r)))
            .or(self.default.as_ref());
        Some(match template {
            Some(t) => {
                let encoded: String =
                    url::form_urlencoded::byte_serialize(url.as_bytes()).collect();
                t.replace("{url}", &encoded)
            }
            None => url.to_string(),
        })
    }
}

/// Whether `url` parses as an absolute http or https URL.
pub fn is_http_url(url: &str) -> bool {
    url::Url::parse(url.trim()).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
        && url.trim() == url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_encode_the_destination_and_refuse_other_schemes() {
        let links = AffiliateLinks::from_toml(
            "[[retailer]]\nname = \"Marks & Spencer\"\ntemplate = \"https://www.awin1.com/cread.php?awinmid=1402&awinaffid=1&ued={url}\"\n",
            Path::new("a.toml"),
        )
        .unwrap();
        // Offers carry canonical retailer names; another name has no template.
        assert_eq!(
            links
                .link(Some("Mango"), "https://shop.example/p?a=1&b=2")
                .as_deref(),
            Some("https://shop.example/p?a=1&b=2")
        );
        assert_eq!(
            links
                .link(Some("marks and spencer"), "https://shop.example/p?a=1&b=2")
                .as_deref(),
            Some(
                "https://www.awin1.com/cread.php?awinmid=1402&awinaffid=1&ued=https%3A%2F%2Fshop.example%2Fp%3Fa%3D1%26b%3D2"
            )
        );
        assert_eq!(links.link(Some("Mango"), "javascript:alert(1)"), None);
        assert_eq!(links.link(None, " https://shop.example"), None);
        let bad =
            AffiliateLinks::from_toml("default = \"javascript:go({url})\"\n", Path::new("a.toml"));
        assert!(bad.is_err());
    }
}
