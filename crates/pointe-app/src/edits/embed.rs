//! Publishing edits where editors work: the public page of each edit (the URL they paste),
//! an `<iframe>` of it, and the oEmbed answer CMSs ask for when given that URL.

use serde::Serialize;

use super::doc::Embed;
use crate::{Error, Result};

/// The default width of an embedded edit, in CSS pixels.
pub const DEFAULT_WIDTH: u32 = 640;
/// The height an embedded edit is given, in CSS pixels: the hero and two rows of picks at the
/// default width.
pub const DEFAULT_HEIGHT: u32 = 1200;

/// The addresses of published edits: the public base URL Pointe is reached at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Links {
    base: String,
}

impl Links {
    /// Links under `base` (`https://edits.example.com`), which must be an absolute http(s)
    /// URL without a query or fragment; a trailing slash is dropped.
    pub fn new(base: &str) -> Result<Links> {
        let bad = |m: &str| Error::bad("public_url", format!("{base:?}: {m}"));
        let url = url::Url::parse(base).map_err(|e| bad(&e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(bad("an http(s) URL with a host"));
        }
        if url.query().is_some() || url.fragment().is_some() || base.len() > 512 {
            return Err(bad(
                "a base URL without a query or fragment, at most 512 bytes",
            ));
        }
        Ok(Links {
            base: url.as_str().trim_end_matches('/').to_string(),
        })
    }

    /// The base URL, without a trailing slash.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The public page of the edit `slug`.
    pub fn page(&self, slug: &str) -> String {
        format!("{}/edits/{slug}", self.base)
    }

    /// The oEmbed address answering for the public page of `slug`.
    pub fn oembed(&self, slug: &str) -> String {
        let page: String =
            url::form_urlencoded::byte_serialize(self.page(slug).as_bytes()).collect();
        format!("{}/oembed?url={page}&format=json", self.base)
    }

    /// The `<iframe>` snippet of the public page of `slug`, `width` wide (`None`: the column's
    /// width).
    pub fn iframe(&self, slug: &str, title: &str, width: Option<u32>) -> String {
        let width = width.map_or_else(|| "100%".to_string(), |w| w.to_string());
        format!(
            "<iframe src=\"{}\" title=\"{}\" width=\"{width}\" height=\"{DEFAULT_HEIGHT}\" \
             style=\"border:0;max-width:100%\" loading=\"lazy\" \
             referrerpolicy=\"strict-origin-when-cross-origin\"></iframe>",
            escape(&self.page(slug)),
            escape(title)
        )
    }

    /// Every address of the edit `slug`.
    pub fn embed(&self, slug: &str, title: &str) -> Embed {
        Embed {
            public_url: self.page(slug),
            iframe: self.iframe(slug, title, None),
            oembed_url: self.oembed(slug),
            widget_html_url: format!("{}/api/v1/edits/{slug}/widget.html", self.base),
        }
    }

    /// The slug of the public page `url`, when it is one of ours; a query or fragment on it
    /// is ignored, as a pasted URL may carry tracking parameters.
    pub fn slug_of(&self, url: &str) -> Result<String> {
        let not_ours = || {
            Error::not_found(format!(
                "{url:?} is not the public page of an edit here ({}/edits/SLUG)",
                self.base
            ))
        };
        let path = url
            .strip_prefix(&self.base)
            .and_then(|rest| rest.strip_prefix("/edits/"))
            .ok_or_else(not_ours)?;
        let slug = path.split(['?', '#']).next().unwrap_or("");
        let slug = slug.strip_suffix('/').unwrap_or(slug);
        if super::check_slug(slug).is_err() {
            return Err(not_ours());
        }
        Ok(slug.to_string())
    }
}

/// An oEmbed answer of the `rich` type.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OEmbed {
    /// Always `rich`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Always `1.0`.
    pub version: String,
    /// The edit's headline.
    pub title: String,
    /// The edit's author, when it names one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author_name: Option<String>,
    /// `Pointe`.
    pub provider_name: String,
    /// The base URL.
    pub provider_url: String,
    /// How long the answer may be cached, in seconds.
    pub cache_age: u64,
    /// The iframe of the public page.
    pub html: String,
    /// Its width in pixels.
    pub width: u32,
    /// Its height in pixels.
    pub height: u32,
}

/// The oEmbed answer for an edit, at most `maxwidth` wide and `maxheight` high.
pub fn oembed(
    links: &Links,
    slug: &str,
    title: &str,
    author: Option<&str>,
    maxwidth: Option<u32>,
    maxheight: Option<u32>,
) -> OEmbed {
    let width = maxwidth.map_or(DEFAULT_WIDTH, |w| w.min(DEFAULT_WIDTH));
    let height = maxheight.map_or(DEFAULT_HEIGHT, |h| h.min(DEFAULT_HEIGHT));
    let html = links.iframe(slug, title, Some(width)).replace(
        &format!("height=\"{DEFAULT_HEIGHT}\""),
        &format!("height=\"{height}\""),
    );
    OEmbed {
        kind: "rich".into(),
        version: "1.0".into(),
        title: title.to_string(),
        author_name: author.map(str::to_string),
        provider_name: "Pointe".into(),
        provider_url: links.base.clone(),
        cache_age: 3600,
        html,
        width,
        height,
    }
}

/// The public page of an edit: its widget in a page of its own, with the oEmbed discovery
/// link and the canonical address.
pub fn page(links: &Links, slug: &str, title: &str, widget: &str) -> String {
    let oembed = escape(&links.oembed(slug));
    let canonical = escape(&links.page(slug));
    let title = escape(title);
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n<link rel=\"canonical\" href=\"{canonical}\">\n\
         <link rel=\"alternate\" type=\"application/json+oembed\" href=\"{oembed}\" title=\"{title}\">\n\
         </head>\n<body style=\"margin:0\">\n<main>\n{widget}\n</main>\n</body>\n</html>\n"
    )
}

/// `text` fit for an HTML attribute or element.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_our_public_pages_have_a_slug() {
        let links = Links::new("https://edits.example.com/").unwrap();
        assert_eq!(
            links.page("balletcore"),
            "https://edits.example.com/edits/balletcore"
        );
        assert_eq!(
            links
                .slug_of("https://edits.example.com/edits/balletcore?utm_source=x")
                .unwrap(),
            "balletcore"
        );
        for bad in [
            "https://evil.example.com/edits/balletcore",
            "https://edits.example.com/edits/../secrets",
            "https://edits.example.com/edits/",
            "https://edits.example.com.evil.example/edits/balletcore",
            "javascript:alert(1)",
        ] {
            assert!(links.slug_of(bad).is_err(), "{bad}");
        }
        assert!(Links::new("ftp://x.example").is_err());
        assert!(Links::new("https://x.example/?a=1").is_err());
    }

    #[test]
    fn the_iframe_and_page_escape_the_title() {
        let links = Links::new("http://127.0.0.1:8080").unwrap();
        let iframe = links.iframe("a", "\"><script>alert(1)</script>", None);
        assert!(!iframe.contains("<script>"), "{iframe}");
        let html = page(&links, "a", "<b>Title</b>", "<section>w</section>");
        assert!(html.contains("&lt;b&gt;Title"));
        assert!(html.contains("type=\"application/json+oembed\""));
        assert!(
            html.contains("oembed?url=http%3A%2F%2F127.0.0.1%3A8080%2Fedits%2Fa&amp;format=json")
        );
    }
}
