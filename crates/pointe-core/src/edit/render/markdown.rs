//! The Markdown renderer, and the escaping that keeps feed text plain text in CommonMark.

use url::Url;

use super::{Card, clean, reader_date};
use crate::edit::view::EditView;

pub(super) fn render(view: &EditView) -> String {
    let mut out = String::new();
    out.push_str("# ");
    out.push_str(&inline(&clean(&view.title)));
    out.push_str("\n\n");
    if let Some(standfirst) = present(view.standfirst.as_deref()) {
        paragraph(&mut out, &block(&standfirst));
    }
    if let Some(author) = present(view.author.as_deref()) {
        paragraph(&mut out, &format!("By {}", inline(&author)));
    }
    if let Some(trend) = present(view.trend_line.as_deref()) {
        paragraph(&mut out, &format!("**Trending:** {}", inline(&trend)));
    }
    if let Some(note) = present(view.trend_note.as_deref()) {
        paragraph(&mut out, &block(&note));
    }
    paragraph(
        &mut out,
        &format!(
            "*Prices checked {}.*",
            inline(&reader_date(&view.prices_checked))
        ),
    );
    if let Some(disclosure) = present(view.disclosure.as_deref()) {
        paragraph(&mut out, &format!("*{}*", inline(&disclosure)));
    }
    piece(&mut out, &Card::new(&view.hero, None));
    for pick in &view.picks {
        piece(&mut out, &Card::new(pick, view.hero.price.as_ref()));
    }
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

/// One product: the bold name line (with the price in the offer's own currency in brackets
/// when it was converted) and what it saves against the hero, then the notice, the blurb and
/// the link, each its own paragraph.
fn piece(out: &mut String, card: &Card) {
    let mut line = format!("**{}", inline(&card.full_name));
    if let Some(price) = &card.price {
        line.push_str(", ");
        if let Some(was) = &card.was {
            line.push_str(&format!("~~{}~~ ", inline(was)));
        }
        line.push_str(&inline(price));
        if let Some(original) = &card.original {
            line.push_str(&format!(" ({})", inline(original)));
        }
    }
    if let Some(retailer) = &card.retailer {
        line.push_str(" | ");
        line.push_str(&inline(retailer));
    }
    line.push_str("**");
    if let Some(saving) = &card.saving {
        line.push_str(" · ");
        line.push_str(&inline(&saving.text));
    }
    paragraph(out, &line);
    if let Some(status) = &card.status {
        paragraph(out, &format!("*{}*", inline(status)));
    }
    if !card.blurb.is_empty() {
        paragraph(out, &block(&card.blurb));
    }
    if let Some(url) = &card.buy {
        let label = if card.unavailable() {
            "View"
        } else {
            "Buy now"
        };
        paragraph(out, &format!("[{label}]({})", link_destination(url)));
    }
}

fn paragraph(out: &mut String, text: &str) {
    out.push_str(text);
    out.push_str("\n\n");
}

fn present(text: Option<&str>) -> Option<String> {
    text.map(clean).filter(|t| !t.is_empty())
}

/// Escapes cleaned feed text for use inside a line: every character that could start emphasis,
/// a link, an image, HTML, an autolink, code, strikethrough, a table cell or a closing heading
/// sequence is backslash-escaped, and so is an `&` that would start an entity reference. The
/// text renders as itself. Text that starts a paragraph also needs [`block`].
pub(super) fn inline(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for (i, ch) in text.char_indices() {
        match ch {
            '\\' | '*' | '_' | '[' | ']' | '<' | '>' | '`' | '|' | '~' | '#' => {
                out.push('\\');
                out.push(ch);
            }
            '&' if entity_follows(&text[i + 1..]) => out.push_str("\\&"),
            _ => out.push(ch),
        }
    }
    out
}

/// [`inline`], plus the escapes a paragraph's first characters need so they cannot open a list
/// (`- `, `+ `, `1. `, `1) `) or underline a heading (`=`).
pub(super) fn block(text: &str) -> String {
    let mut out = inline(text);
    if out.starts_with(['-', '+', '=']) {
        out.insert(0, '\\');
    } else {
        let digits = out.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 && out[digits..].starts_with(['.', ')']) {
            out.insert(digits, '\\');
        }
    }
    out
}

/// Whether `rest` (what follows an `&`) would make it an entity or numeric character
/// reference, such as `amp;` or `#60;`.
fn entity_follows(rest: &str) -> bool {
    let name = rest
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'#')
        .count();
    name > 0 && rest.as_bytes().get(name) == Some(&b';')
}

/// A safe URL as a link destination: the characters that could end the destination early or be
/// read as Markdown by a lax renderer are percent-encoded (the URL means the same), and an `&`
/// that would start an entity reference is backslash-escaped.
pub(super) fn link_destination(url: &Url) -> String {
    let raw = url.as_str();
    let mut out = String::with_capacity(raw.len());
    for (i, ch) in raw.char_indices() {
        match ch {
            '(' => out.push_str("%28"),
            ')' => out.push_str("%29"),
            '[' => out.push_str("%5B"),
            ']' => out.push_str("%5D"),
            '<' => out.push_str("%3C"),
            '>' => out.push_str("%3E"),
            '\\' => out.push_str("%5C"),
            '`' => out.push_str("%60"),
            '|' => out.push_str("%7C"),
            '"' => out.push_str("%22"),
            '\'' => out.push_str("%27"),
            ' ' => out.push_str("%20"),
            '&' if entity_follows(&raw[i + 1..]) => out.push_str("\\&"),
            _ => out.push(ch),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

    use super::*;

    fn parse(markdown: &str) -> Vec<Event<'_>> {
        Parser::new_ext(
            markdown,
            Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES,
        )
        .collect()
    }

    /// The text a Markdown document renders, asserting it holds nothing but `allowed` wrappers.
    fn plain_text(markdown: &str, allowed: &[TagEnd]) -> String {
        let mut text = String::new();
        for event in parse(markdown) {
            match event {
                Event::Text(t) => text.push_str(&t),
                Event::Start(tag) => {
                    let end = tag.to_end();
                    assert!(
                        end == TagEnd::Paragraph || allowed.contains(&end),
                        "{markdown:?} opened {end:?}"
                    );
                }
                Event::End(_) => {}
                other => panic!("{markdown:?} rendered {other:?}"),
            }
        }
        text
    }

    #[test]
    fn escapes_what_would_become_markup() {
        assert_eq!(
            inline("[click](javascript:alert(1))"),
            r"\[click\](javascript:alert(1))"
        );
        assert_eq!(inline("<script>"), r"\<script\>");
        assert_eq!(inline("a_b*c`d|e~f#g\\h"), r"a\_b\*c\`d\|e\~f\#g\\h");
        assert_eq!(inline("M&S"), "M&S");
        assert_eq!(inline("&lt;b&gt; &#60;"), r"\&lt;b\&gt; \&\#60;");
        assert_eq!(block("- not a list"), r"\- not a list");
        assert_eq!(block("1. not a list"), r"1\. not a list");
        assert_eq!(block("2026) not a list"), r"2026\) not a list");
        assert_eq!(block("1,566% up"), "1,566% up");
    }

    #[test]
    fn link_destinations_cannot_end_early() {
        let url =
            Url::parse("https://shop.example/a)[x](javascript:alert(1))?q=<'\">&amp;").unwrap();
        let dest = link_destination(&url);
        assert_eq!(
            dest,
            "https://shop.example/a%29%5Bx%5D%28javascript:alert%281%29%29?q=%3C%27%22%3E\\&amp;"
        );
        let markdown = format!("[Buy now]({dest})");
        let links: Vec<String> = parse(&markdown)
            .into_iter()
            .filter_map(|e| match e {
                Event::Start(Tag::Link { dest_url, .. }) => Some(dest_url.to_string()),
                _ => None,
            })
            .collect();
        assert_eq!(
            links,
            ["https://shop.example/a%29%5Bx%5D%28javascript:alert%281%29%29?q=%3C%27%22%3E&amp;"]
        );
    }

    proptest! {
        /// Whatever a feed sends renders as exactly its cleaned text, in every place the
        /// renderer puts text, and never as a link, image, HTML, list, heading or code.
        #[test]
        fn escaped_text_renders_as_itself(raw in r#"[a-zA-Z0-9 *_\[\]<>`|~#&;!()\-+=.:/\\"'\n\t]{0,40}"#) {
            let text = clean(&raw);
            prop_assume!(!text.is_empty());
            prop_assert_eq!(plain_text(&block(&text), &[]), text.clone());
            prop_assert_eq!(
                plain_text(&format!("# {}", inline(&text)), &[TagEnd::Heading(pulldown_cmark::HeadingLevel::H1)]),
                text.clone()
            );
            prop_assert_eq!(plain_text(&format!("**{}**", inline(&text)), &[TagEnd::Strong]), text.clone());
            prop_assert_eq!(plain_text(&format!("*{}*", inline(&text)), &[TagEnd::Emphasis]), text.clone());
            prop_assert_eq!(plain_text(&format!("By {}", inline(&text)), &[]), format!("By {text}"));
        }
    }
}
