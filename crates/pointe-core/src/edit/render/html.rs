//! The HTML widget renderer.
//!
//! Built on a ten-line writer rather than a template crate such as `maud`: maud escapes `&`, `<`,
//! `>` and `"` but not `'`, and brings a proc-macro to every build of the core, while all this
//! renderer needs is the rule the writer enforces by its types: markup can only be a
//! `&'static str` written here, and anything else goes through [`escape_into`] (text and attribute
//! values alike) or is a URL that [`super::safe_url`] accepted.

use std::sync::LazyLock;

use serde_json::Value;
use url::Url;

use super::{Card, clean, json_ld, reader_date};
use crate::edit::view::{EditView, Family};

/// The widget's stylesheet, without the placeholder rules [`stylesheet`] adds. Every rule is
/// scoped under `.pointe-edit` and every class is prefixed `pointe-edit__`, so it neither leaks
/// into nor picks up the host page's classes. Text colours on their backgrounds meet WCAG AA
/// (checked by the tests); tier badges look alike whatever the tier's name, which only names
/// their class. Pictures sit whole (`object-fit: contain`) in a 4:5 box, over the box's own
/// colour, so a picture of any shape is neither stretched nor cropped.
const BASE_STYLE: &str = "\
.pointe-edit{--pe-ink:#1d1b1a;--pe-muted:#6b6560;--pe-line:#e7e1da;--pe-accent:#a3264b;--pe-save:#2f6b4f;--pe-paper:#fff;--pe-media:#f4f0eb;--pe-outline:#8c8279;--pe-sans:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;--pe-serif:Georgia,'Times New Roman',serif;font-family:var(--pe-serif);color:var(--pe-ink);background:var(--pe-paper);line-height:1.45;max-width:1100px;margin:0 auto;padding:16px;text-align:left;overflow-wrap:anywhere}\n\
.pointe-edit *{box-sizing:border-box}\n\
.pointe-edit__head{margin:0 0 24px}\n\
.pointe-edit__title{font-family:var(--pe-serif);font-size:2rem;line-height:1.15;font-weight:400;margin:0 0 8px}\n\
.pointe-edit__standfirst{font-size:1.15rem;margin:0 0 10px}\n\
.pointe-edit__byline,.pointe-edit__trend,.pointe-edit__trend-note,.pointe-edit__checked,.pointe-edit__disclosure,.pointe-edit__foot{font-family:var(--pe-sans);font-size:.8rem;color:var(--pe-muted);letter-spacing:.02em;margin:0 0 4px}\n\
.pointe-edit__trend{color:var(--pe-accent);font-weight:600;text-transform:uppercase}\n\
.pointe-edit__hero{display:flex;flex-wrap:wrap;gap:20px;margin:0 0 28px;padding:0 0 28px;border-bottom:1px solid var(--pe-line)}\n\
.pointe-edit__hero>.pointe-edit__media{flex:1 1 260px;max-width:380px}\n\
.pointe-edit__hero>.pointe-edit__body{flex:1 1 260px;align-self:center}\n\
.pointe-edit__grid{list-style:none;margin:0;padding:0;display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,200px),1fr));gap:28px 16px}\n\
.pointe-edit__item{margin:0;padding:0;min-width:0}\n\
.pointe-edit__card{display:flex;flex-direction:column;gap:10px;height:100%}\n\
.pointe-edit__card>.pointe-edit__body{flex:1}\n\
.pointe-edit__media{position:relative;margin:0;aspect-ratio:4/5;background:var(--pe-media);overflow:hidden}\n\
.pointe-edit__img{position:absolute;inset:0;display:block;width:100%;height:100%;object-fit:contain;border:0;background:var(--pe-media);color:var(--pe-muted);font:.75rem var(--pe-sans)}\n\
.pointe-edit__img::after{content:\"\";position:absolute;inset:0;background:var(--pe-media) no-repeat center/100% 100%}\n\
.pointe-edit__ph{position:absolute;inset:0;width:100%;height:100%;fill:none;stroke:var(--pe-outline);stroke-width:1.5;stroke-linecap:round;stroke-linejoin:round}\n\
.pointe-edit__body{display:flex;flex-direction:column;align-items:flex-start;gap:4px;min-width:0;max-width:100%;font-family:var(--pe-sans)}\n\
.pointe-edit__tier{font-size:.65rem;font-weight:600;text-transform:uppercase;letter-spacing:.08em;padding:2px 6px;border:1px solid currentColor;border-radius:2px;color:var(--pe-muted)}\n\
.pointe-edit__brand{margin:0;font-size:.75rem;font-weight:700;text-transform:uppercase;letter-spacing:.08em}\n\
.pointe-edit__name{margin:0;font-family:var(--pe-serif);font-size:1rem;font-weight:400;line-height:1.3}\n\
.pointe-edit__hero .pointe-edit__name{font-size:1.5rem}\n\
.pointe-edit__price{margin:0;font-weight:600}\n\
.pointe-edit__price s{margin-right:6px;color:var(--pe-muted);font-weight:400}\n\
.pointe-edit__now--sale{color:var(--pe-accent)}\n\
.pointe-edit__orig{margin-left:6px;font-size:.75rem;font-weight:400;color:var(--pe-muted)}\n\
.pointe-edit__saving{margin:0;font-size:.8rem;font-weight:600;color:var(--pe-save)}\n\
.pointe-edit__saving--dearer{color:var(--pe-muted)}\n\
.pointe-edit__retailer{margin:0;font-size:.85rem;color:var(--pe-muted)}\n\
.pointe-edit__notice{margin:0;font-size:.85rem;font-style:italic;color:var(--pe-accent)}\n\
.pointe-edit__blurb{margin:0;font-family:var(--pe-serif);font-size:.95rem}\n\
.pointe-edit__buy{margin-top:auto;display:inline-block;padding:10px 16px;background:var(--pe-ink);color:var(--pe-paper);font-size:.75rem;font-weight:600;letter-spacing:.08em;text-transform:uppercase;text-decoration:none}\n\
.pointe-edit__buy:hover,.pointe-edit__buy:focus{background:var(--pe-accent);color:var(--pe-paper)}\n\
.pointe-edit__buy:focus-visible{outline:3px solid var(--pe-ink);outline-offset:2px}\n\
.pointe-edit__buy--muted{background:var(--pe-paper);color:var(--pe-ink);box-shadow:inset 0 0 0 1px var(--pe-ink)}\n\
.pointe-edit__vh{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);clip-path:inset(50%);white-space:nowrap}\n\
.pointe-edit__foot{margin:28px 0 0}\n\
@media (max-width:480px){.pointe-edit__title{font-size:1.5rem}.pointe-edit__hero>.pointe-edit__media{max-width:none}.pointe-edit__grid{grid-template-columns:minmax(0,1fr);gap:20px}.pointe-edit__card{flex-direction:row;gap:14px}.pointe-edit__card>.pointe-edit__media{flex:0 0 38%;align-self:flex-start}}\n";

/// The outline drawn for each kind of product that has no picture, in a 100×125 box: shapes
/// only, the stroke set by the stylesheet (inline) or by [`outline_image`].
fn outline(family: Family) -> &'static str {
    match family {
        Family::Footwear => {
            "<path d=\"M18 78c0-7 6-10 13-8l14 4c9 2 19 1 27-4 6-3 11 1 10 7l-1 4c-1 4-4 6-8 6H26c-5 0-8-3-8-7z\"/><path d=\"M20 84h62\"/><path d=\"M40 73c4-3 9-3 12 1\"/>"
        }
        Family::Bag => {
            "<path d=\"M27 52h46l5 42H22z\"/><path d=\"M39 52c0-17 22-17 22 0\"/><path d=\"M44 64h12\"/>"
        }
        Family::Clothing => {
            "<path d=\"M41 26h18l2 12c0 6-4 9-4 13l15 45H28l15-45c0-4-4-7-4-13z\"/><path d=\"M43 26l-2-8M57 26l2-8\"/><path d=\"M42 51h16\"/>"
        }
        Family::Watch => {
            "<circle cx=\"50\" cy=\"62\" r=\"15\"/><path d=\"M42 49l2-19h12l2 19M42 75l2 19h12l2-19\"/><path d=\"M50 62v-8M50 62l6 3\"/>"
        }
        Family::Jewellery => {
            "<circle cx=\"50\" cy=\"72\" r=\"17\"/><path d=\"M42 55l8-10 8 10-8 6z\"/>"
        }
        Family::Other => {
            "<path d=\"M45 40c0-4 3-6 5-6s5 2 5 5c0 4-5 5-5 9\"/><path d=\"M50 48L22 70h56z\"/>"
        }
    }
}

/// The outline of `family` as a `data:` SVG image for a stylesheet, drawn like the inline one.
fn outline_image(family: Family) -> String {
    let svg = format!(
        "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 100 125' fill='none' stroke='#8c8279' stroke-width='1.5' stroke-linecap='round' stroke-linejoin='round'>{}</svg>",
        outline(family).replace('"', "'")
    );
    let mut uri = String::from("data:image/svg+xml,");
    for ch in svg.chars() {
        match ch {
            '<' => uri.push_str("%3C"),
            '>' => uri.push_str("%3E"),
            '#' => uri.push_str("%23"),
            '%' => uri.push_str("%25"),
            _ => uri.push(ch),
        }
    }
    uri
}

/// The whole stylesheet: [`BASE_STYLE`] and, per kind of product, the outline a picture that
/// fails to load is replaced by. A broken `<img>` is the only one that draws its `::after`, so
/// this needs no script; under a policy that refuses `data:` images the box is left plain.
fn stylesheet() -> &'static str {
    static STYLE: LazyLock<String> = LazyLock::new(|| {
        let mut style = BASE_STYLE.to_string();
        for family in Family::ALL {
            style.push_str(&format!(
                ".pointe-edit__media--{} .pointe-edit__img::after{{background-image:url(\"{}\")}}\n",
                family.as_str(),
                outline_image(family)
            ));
        }
        style
    });
    &STYLE
}

/// The heading elements of the widget's title and of each card's name: below a host page's own
/// `h1` when embedded, the page's first heading when it is the whole page.
#[derive(Debug, Clone, Copy)]
pub(super) struct Headings {
    title: &'static str,
    name: &'static str,
}

impl Headings {
    /// Inside a host's page (a CMS article, an iframe's document with its own title).
    pub(super) const EMBEDDED: Headings = Headings {
        title: "h2",
        name: "h3",
    };
    /// The whole page: the edit's public page.
    pub(super) const PAGE: Headings = Headings {
        title: "h1",
        name: "h2",
    };
}

pub(super) fn render(view: &EditView, headings: Headings) -> String {
    let mut w = Writer::default();
    w.markup("<section class=\"pointe-edit\"");
    w.attr("data-pointe-edit", &view.slug);
    w.markup(">\n<style>\n");
    w.markup(stylesheet());
    w.markup("</style>\n<header class=\"pointe-edit__head\">\n<");
    w.markup(headings.title);
    w.markup(" class=\"pointe-edit__title\">");
    w.text(&view.title);
    w.markup("</");
    w.markup(headings.title);
    w.markup(">\n");
    if let Some(standfirst) = present(view.standfirst.as_deref()) {
        w.markup("<p class=\"pointe-edit__standfirst\">");
        w.text(&standfirst);
        w.markup("</p>\n");
    }
    if let Some(author) = present(view.author.as_deref()) {
        w.markup("<p class=\"pointe-edit__byline\">By ");
        w.text(&author);
        w.markup("</p>\n");
    }
    if let Some(trend) = present(view.trend_line.as_deref()) {
        w.markup("<p class=\"pointe-edit__trend\">");
        w.text(&trend);
        w.markup("</p>\n");
    }
    if let Some(note) = present(view.trend_note.as_deref()) {
        w.markup("<p class=\"pointe-edit__trend-note\">");
        w.text(&note);
        w.markup("</p>\n");
    }
    w.markup("<p class=\"pointe-edit__checked\">Prices checked ");
    w.text(&reader_date(&view.prices_checked));
    w.markup(".</p>\n");
    if let Some(disclosure) = present(view.disclosure.as_deref()) {
        w.markup("<p class=\"pointe-edit__disclosure\">");
        w.text(&disclosure);
        w.markup("</p>\n");
    }
    w.markup("</header>\n<article class=\"pointe-edit__hero\">\n");
    card(&mut w, &Card::new(&view.hero, None), true, headings.name);
    w.markup("</article>\n");
    if !view.picks.is_empty() {
        w.markup("<ul class=\"pointe-edit__grid\">\n");
        for pick in &view.picks {
            w.markup("<li class=\"pointe-edit__item\"><article class=\"pointe-edit__card\">\n");
            card(
                &mut w,
                &Card::new(pick, view.hero.price.as_ref()),
                false,
                headings.name,
            );
            w.markup("</article></li>\n");
        }
        w.markup("</ul>\n");
    }
    w.json_ld(&json_ld::item_list(view));
    w.markup("</section>\n");
    w.out
}

/// The inside of a card: image, then a body with tier, brand, name, price, retailer, notice,
/// blurb and buy link.
fn card(w: &mut Writer, card: &Card, hero: bool, name_tag: &'static str) {
    w.markup("<div class=\"pointe-edit__media pointe-edit__media--");
    w.markup(card.family.as_str());
    w.markup("\">");
    match &card.image {
        Some(image) => {
            w.markup("<img class=\"pointe-edit__img\"");
            w.url_attr("src", image);
            w.attr("alt", &card.full_name);
            w.markup(if hero {
                " decoding=\"async\">"
            } else {
                " loading=\"lazy\" decoding=\"async\">"
            });
        }
        None => {
            w.markup("<svg class=\"pointe-edit__ph\" viewBox=\"0 0 100 125\" aria-hidden=\"true\" focusable=\"false\">");
            w.markup(outline(card.family));
            w.markup("</svg>");
        }
    }
    w.markup("</div>\n<div class=\"pointe-edit__body\">\n");
    if let Some(tier) = &card.tier {
        w.markup("<span");
        w.attr(
            "class",
            &if tier.modifier.is_empty() {
                "pointe-edit__tier".to_string()
            } else {
                format!("pointe-edit__tier pointe-edit__tier--{}", tier.modifier)
            },
        );
        w.markup(">");
        w.text(&tier.label);
        w.markup("</span>\n");
    }
    if let Some(brand) = &card.brand {
        w.markup("<p class=\"pointe-edit__brand\">");
        w.text(brand);
        w.markup("</p>\n");
    }
    w.markup("<");
    w.markup(name_tag);
    w.markup(" class=\"pointe-edit__name\">");
    w.text(&card.name);
    w.markup("</");
    w.markup(name_tag);
    w.markup(">\n");
    if let Some(price) = &card.price {
        w.markup("<p class=\"pointe-edit__price\">");
        if let Some(was) = &card.was {
            w.markup("<s><span class=\"pointe-edit__vh\">Was </span>");
            w.text(was);
            w.markup("</s> <span class=\"pointe-edit__now pointe-edit__now--sale\"><span class=\"pointe-edit__vh\">Now </span>");
        } else {
            w.markup("<span class=\"pointe-edit__now\">");
        }
        w.text(price);
        w.markup("</span>");
        if let Some(original) = &card.original {
            w.markup("<small class=\"pointe-edit__orig\"><span class=\"pointe-edit__vh\">converted from </span>");
            w.text(original);
            w.markup("</small>");
        }
        w.markup("</p>\n");
    }
    if let Some(saving) = &card.saving {
        w.markup(if saving.cheaper {
            "<p class=\"pointe-edit__saving\">"
        } else {
            "<p class=\"pointe-edit__saving pointe-edit__saving--dearer\">"
        });
        w.text(&saving.text);
        w.markup("</p>\n");
    }
    if let Some(retailer) = &card.retailer {
        w.markup("<p class=\"pointe-edit__retailer\">at ");
        w.text(retailer);
        w.markup("</p>\n");
    }
    if let Some(status) = &card.status {
        w.markup("<p class=\"pointe-edit__notice\">");
        w.text(status);
        w.markup("</p>\n");
    }
    if !card.blurb.is_empty() {
        w.markup("<p class=\"pointe-edit__blurb\">");
        w.text(&card.blurb);
        w.markup("</p>\n");
    }
    if let Some(buy) = &card.buy {
        let unavailable = card.unavailable();
        w.markup(if unavailable {
            "<a class=\"pointe-edit__buy pointe-edit__buy--muted\""
        } else {
            "<a class=\"pointe-edit__buy\""
        });
        w.url_attr("href", buy);
        w.markup(" rel=\"sponsored noopener\" target=\"_blank\">");
        w.markup(if unavailable { "View" } else { "Buy now" });
        if let Some(retailer) = &card.retailer {
            w.markup("<span class=\"pointe-edit__vh\"> at ");
            w.text(retailer);
            w.markup("</span>");
        }
        w.markup("</a>\n");
    }
    w.markup("</div>\n");
}

fn present(text: Option<&str>) -> Option<String> {
    text.map(clean).filter(|t| !t.is_empty())
}

/// An HTML string that only grows by fixed markup, escaped text, or checked URLs.
#[derive(Debug, Default)]
struct Writer {
    out: String,
}

impl Writer {
    /// Markup written in this file; `'static` so that no feed text can be passed as markup.
    fn markup(&mut self, markup: &'static str) {
        self.out.push_str(markup);
    }

    /// Feed text as element content, cleaned and escaped.
    fn text(&mut self, text: &str) {
        escape_into(&mut self.out, &clean(text));
    }

    /// ` name="value"` with the value cleaned and escaped.
    fn attr(&mut self, name: &'static str, value: &str) {
        self.out.push(' ');
        self.out.push_str(name);
        self.out.push_str("=\"");
        escape_into(&mut self.out, &clean(value));
        self.out.push('"');
    }

    /// ` name="url"` for a URL [`super::safe_url`] accepted, escaped for the attribute (its `&`
    /// becomes `&amp;`).
    fn url_attr(&mut self, name: &'static str, url: &Url) {
        self.out.push(' ');
        self.out.push_str(name);
        self.out.push_str("=\"");
        escape_into(&mut self.out, url.as_str());
        self.out.push('"');
    }

    /// A `<script type="application/ld+json">` data block. `<`, `>` and `&` inside the JSON
    /// are written as `\u003c`, `\u003e` and `\u0026` (the same string to a JSON parser), so
    /// neither `</script>` nor `<!--` in feed text can end or change the element.
    fn json_ld(&mut self, value: &Value) {
        let json = serde_json::to_string(value).unwrap_or_else(|_| "{}".to_string());
        self.markup("<script type=\"application/ld+json\">");
        for ch in json.chars() {
            match ch {
                '<' => self.out.push_str("\\u003c"),
                '>' => self.out.push_str("\\u003e"),
                '&' => self.out.push_str("\\u0026"),
                _ => self.out.push(ch),
            }
        }
        self.markup("</script>\n");
    }
}

/// Escapes the five characters that matter in HTML text and in quoted attribute values.
fn escape_into(out: &mut String, text: &str) {
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(ch),
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use scraper::{Html, Selector};

    use super::*;

    fn escape(text: &str) -> String {
        let mut out = String::new();
        escape_into(&mut out, text);
        out
    }

    #[test]
    fn escapes_the_five() {
        assert_eq!(
            escape(r#"<a href="x" title='y'>&</a>"#),
            "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;"
        );
    }

    #[test]
    fn json_ld_cannot_close_its_script() {
        let mut w = Writer::default();
        w.json_ld(&serde_json::json!({ "name": "</script><script>alert(1)</script> & <!--" }));
        assert_eq!(
            w.out,
            "<script type=\"application/ld+json\">{\"name\":\"\\u003c/script\\u003e\\u003cscript\\u003ealert(1)\\u003c/script\\u003e \\u0026 \\u003c!--\"}</script>\n"
        );
        let body = w
            .out
            .trim_start_matches("<script type=\"application/ld+json\">")
            .trim_end_matches("</script>\n");
        let back: Value = serde_json::from_str(body).unwrap();
        assert_eq!(back["name"], "</script><script>alert(1)</script> & <!--");
    }

    proptest! {
        /// A real HTML parser reads escaped text back as the cleaned text, both as element
        /// content and as an attribute value, and finds no element but the wrapper.
        #[test]
        fn escaped_text_parses_back(raw in r#"[a-z0-9 <>&;"'=/!\-#x\n]{0,40}"#) {
            let text = clean(&raw);
            let mut w = Writer::default();
            w.markup("<p");
            w.attr("title", &raw);
            w.markup(">");
            w.text(&raw);
            w.markup("</p>");
            let doc = Html::parse_fragment(&w.out);
            let elements: Vec<_> = doc.root_element().descendants().filter_map(scraper::ElementRef::wrap).collect();
            prop_assert_eq!(elements.len(), 2, "{}", w.out);
            let p = doc.select(&Selector::parse("p").unwrap()).next().unwrap();
            prop_assert_eq!(p.value().attrs().count(), 1);
            prop_assert_eq!(p.value().attr("title"), Some(text.as_str()));
            prop_assert_eq!(p.text().collect::<String>(), text);
        }
    }
}
