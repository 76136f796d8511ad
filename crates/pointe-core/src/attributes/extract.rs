//! The extractor: Aho-Corasick automata over every phrase of the taxonomy (one for the general
//! dimensions, one for the family attributes, so that "leather strap" is both leather and a
//! watch's leather strap), and the rules that turn their matches into one product's attributes.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

use super::normalize::{Folded, LENGTH_UNITS, TokenKind, fold_into, pattern_of, phrase_words};
use super::taxonomy::{
    CASE_SIZE_CLASSES, DIAL_COLOUR, DIMENSIONS, GENERAL_DIMENSIONS, HEEL_CLASSES, Taxonomy,
};
use super::{Attributes, Evidence, Extracted, Market, ProductText};

/// Index of the category dimension in [`DIMENSIONS`].
const CATEGORY: usize = 0;
/// Index of the heel dimension.
const HEEL: usize = 2;
/// Index of the material dimension.
const MATERIAL: usize = 3;
/// Index of the colour dimension.
const COLOUR: usize = 6;
/// Index of the pattern dimension.
const PATTERN: usize = 7;
/// Words around a diameter that make it a watch case's ("42 mm case", "38mm dial").
const CASE_WORDS: &[&str] = &["case", "dial", "watch", "diameter"];
/// How many words around a diameter may hold a case word.
const CASE_CONTEXT_WORDS: usize = 3;
/// Diameters outside this range (mm) are not watch cases.
const CASE_MM_RANGE: (f32, f32) = (15.0, 60.0);
/// Words after which a title names accessories, not the product ("Dress with Belt").
const TITLE_WITH: &[&str] = &["with", "featuring", "incl", "including"];
/// Words that carry a negation on to the next value ("without straps or buckles").
const NEGATION_CHAIN: &[&str] = &["or", "nor"];
/// How many words around a height may hold "heel".
const HEEL_CONTEXT_WORDS: usize = 4;
/// Heights above this (cm) are not heels.
const MAX_HEEL_CM: f32 = 25.0;
/// Folding buffers larger than this are dropped after use rather than kept for the next call.
const SCRATCH_KEEP_BYTES: usize = 1 << 16;

/// Where a phrase was found, in the order fields are scanned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Field {
    Colour,
    Material,
    Title,
    Category,
    Description,
}

impl Field {
    fn name(self) -> &'static str {
        match self {
            Field::Colour => "colour",
            Field::Material => "material",
            Field::Title => "title",
            Field::Category => "category",
            Field::Description => "description",
        }
    }
}

/// A stretch of one field's text: which field (and which of the feed's colour or material
/// values), and the byte range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    field: Field,
    sub: u32,
    start: u32,
    end: u32,
}

impl Span {
    /// The words of the span, as the feed wrote them.
    fn text<'t>(self, product: &ProductText<'t>) -> &'t str {
        let whole: &'t str = match self.field {
            Field::Colour => product
                .colours
                .get(self.sub as usize)
                .map_or("", String::as_str),
            Field::Material => product
                .materials
                .get(self.sub as usize)
                .map_or("", String::as_str),
            Field::Title => product.title,
            Field::Category => product.category_path.unwrap_or_default(),
            Field::Description => product.description.unwrap_or_default(),
        };
        whole
            .get(self.start as usize..self.end as usize)
            .unwrap_or_default()
    }
}

/// What one automaton pattern stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Target {
    value: u32,
    market: Option<Market>,
    /// The pattern states the value is absent ("strapless").
    negation: bool,
}

/// Facts about one taxonomy value that resolution needs, by position.
#[derive(Debug, Clone)]
struct ValueInfo {
    dim: usize,
    /// Ancestors, nearest first.
    ancestors: Vec<usize>,
    implies: Vec<usize>,
}

/// One phrase found in one field.
#[derive(Debug, Clone, Copy)]
struct Mention {
    value: usize,
    /// Token index of the first word, within its field.
    pos: usize,
    pattern: usize,
    span: Span,
    negated: bool,
    /// A dial word follows ("white dial"): the colour or pattern is the dial's.
    dial: bool,
}

/// One automaton over the phrases of some dimensions, with each of its patterns' index in the
/// extractor's pattern tables.
#[derive(Debug, Clone)]
struct Pass {
    automaton: AhoCorasick,
    patterns: Vec<usize>,
}

/// A heel height found in the text.
#[derive(Debug, Clone, Copy)]
struct Height {
    cm: f32,
    span: Span,
}

/// The values resolved for one product: `slots` holds (value, dimension) in the order first
/// added; `evidence` the (slot, span) pairs that support them.
#[derive(Debug, Default)]
struct Resolved {
    slots: Vec<(usize, usize)>,
    evidence: Vec<(usize, Span)>,
}

impl Resolved {
    fn clear(&mut self) {
        self.slots.clear();
        self.evidence.clear();
    }

    /// Adds a value to a dimension (if new there) and one piece of evidence for it (if new).
    fn add(&mut self, value: usize, dim: usize, span: Span) {
        let slot = match self.slots.iter().position(|&s| s == (value, dim)) {
            Some(slot) => slot,
            None => {
                self.slots.push((value, dim));
                self.slots.len() - 1
            }
        };
        if !self.evidence.contains(&(slot, span)) {
            self.evidence.push((slot, span));
        }
    }

    fn values_in(&self, dim: usize) -> impl Iterator<Item = usize> + '_ {
        self.slots.iter().filter(move |s| s.1 == dim).map(|s| s.0)
    }

    fn has_dim(&self, dim: usize) -> bool {
        self.slots.iter().any(|s| s.1 == dim)
    }

    fn first_evidence(&self, slot: usize) -> Option<Span> {
        self.evidence.iter().find(|e| e.0 == slot).map(|e| e.1)
    }
}

/// Buffers one thread reuses from one `extract` call to the next.
#[derive(Debug, Default)]
struct Scratch {
    folded: Folded,
    brand: Folded,
    mentions: Vec<Mention>,
    resolved: Resolved,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Turns product text into [`Attributes`]. Building one compiles every phrase of the taxonomy
/// into one automaton (a few milliseconds); once built it is cheap to reuse, and can be shared
/// between threads.
#[derive(Debug, Clone)]
pub struct Extractor {
    taxonomy: Taxonomy,
    version: String,
    /// The general dimensions' pass, then the family attributes' pass.
    passes: [Pass; 2],
    /// Per pattern: what it stands for (empty for noise phrases).
    targets: Vec<Vec<Target>>,
    /// Per pattern: how many words it has.
    pattern_words: Vec<usize>,
    /// Per pattern: its folded words joined by single spaces.
    phrases: Vec<String>,
    info: Vec<ValueInfo>,
    negation_before: Vec<Vec<String>>,
    negation_prefix: Vec<Vec<String>>,
    negation_after: Vec<Vec<String>>,
    /// (category, patterns that must have stated it, category it becomes).
    heeled: Vec<(usize, Vec<usize>, usize)>,
    /// (category, value that must be stated, category it becomes).
    refined: Vec<(usize, usize, usize)>,
    /// Positions of the heel values flat, kitten, mid and high.
    heel_class: [usize; 4],
    /// Positions of the case sizes small, medium and large, with the small and medium
    /// maxima (mm), when the taxonomy classifies diameters.
    case_class: Option<([usize; 3], f32, f32)>,
    /// The words that make a colour or pattern before them the dial's.
    dial_words: Vec<Vec<String>>,
    /// Per dimension: the positions of the categories it applies to (empty: every product).
    applies: Vec<Vec<usize>>,
    /// Index of the dial colour dimension in [`DIMENSIONS`].
    dial_dim: usize,
    flat_below_cm: f32,
    kitten_max_cm: f32,
    mid_max_cm: f32,
}

impl Extractor {
    /// Compiles `taxonomy` into an extractor.
    pub fn new(taxonomy: &Taxonomy) -> Extractor {
        let values = taxonomy.all();
        let mut patterns: [Vec<String>; 2] = [Vec::new(), Vec::new()];
        let mut globals: [Vec<usize>; 2] = [Vec::new(), Vec::new()];
        let mut pattern_words = Vec::new();
        let mut phrases = Vec::new();
        let mut targets: Vec<Vec<Target>> = Vec::new();
        let mut ids: HashMap<(usize, String), usize> = HashMap::new();
        let mut add =
            |pass: usize, phrase: &str, target: Option<Target>, plural: bool| -> Vec<usize> {
                // Phrases were checked when the taxonomy was read.
                let Ok(words) = phrase_words(phrase) else {
                    return Vec::new();
                };
                let mut forms = vec![words.clone()];
                if plural && let Some(p) = words.last().and_then(|w| plural_of(w)) {
                    let mut w = words;
                    *w.last_mut().expect("phrases have words") = p;
                    forms.push(w);
                }
                let mut out = Vec::new();
                for form in forms {
                    let pattern = pattern_of(&form);
                    let id = *ids.entry((pass, pattern.clone())).or_insert_with(|| {
                        patterns[pass].push(pattern);
                        globals[pass].push(targets.len());
                        pattern_words.push(form.len());
                        phrases.push(form.join(" "));
                        targets.push(Vec::new());
                        targets.len() - 1
                    });
                    if let Some(t) = target
                        && !targets[id].contains(&t)
                    {
                        targets[id].push(t);
                    }
                    out.push(id);
                }
                out
            };

        for (i, v) in values.iter().enumerate() {
            let target = |market, negation| {
                Some(Target {
                    value: i as u32,
                    market,
                    negation,
                })
            };
            let dim = DIMENSIONS
                .iter()
                .position(|d| *d == v.dimension)
                .unwrap_or(0);
            let pass = usize::from(dim >= GENERAL_DIMENSIONS);
            add(pass, &v.label, target(None, false), true);
            for s in &v.synonyms {
                add(pass, s, target(None, false), true);
            }
            for s in &v.uk {
                add(pass, s, target(Some(Market::Uk), false), true);
            }
            for s in &v.us {
                add(pass, s, target(Some(Market::Us), false), true);
            }
            for s in &v.negations {
                add(pass, s, target(None, true), false);
            }
        }
        let rules = taxonomy.rules();
        // A noise phrase means nothing even when it is also some value's phrase or plural
        // ("linens" of "Linens & Bedding" is not the plural of linen).
        let noise: Vec<usize> = rules
            .noise
            .iter()
            .flat_map(|phrase| add(0, phrase, None, false))
            .collect();
        let heeled = rules
            .heeled
            .iter()
            .filter_map(|r| {
                let from = taxonomy.position("category", &r.category)?;
                let to = taxonomy.position("category", &r.becomes)?;
                let pats = r
                    .phrases
                    .iter()
                    .flat_map(|p| add(0, p, None, false))
                    .collect();
                Some((from, pats, to))
            })
            .collect();
        for id in noise {
            targets[id].clear();
        }

        // Every pattern starts with a space, so a prefilter would only find spaces; a DFA (a
        // few megabytes for the bundled taxonomy) scans fastest.
        let build = |patterns: &[String], globals: Vec<usize>| Pass {
            automaton: AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostLongest)
                .kind(Some(AhoCorasickKind::DFA))
                .prefilter(false)
                .build(patterns)
                .expect("taxonomy phrases compile into an automaton"),
            patterns: globals,
        };
        let [general, family] = globals;
        let passes = [build(&patterns[0], general), build(&patterns[1], family)];

        let info = values
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let mut ancestors = Vec::new();
                let mut at = taxonomy.parent_of(i);
                while let Some(p) = at {
                    ancestors.push(p);
                    at = taxonomy.parent_of(p);
                }
                ValueInfo {
                    dim: DIMENSIONS
                        .iter()
                        .position(|d| *d == v.dimension)
                        .unwrap_or(0),
                    ancestors,
                    implies: v
                        .implies
                        .iter()
                        .filter_map(|(d, id)| taxonomy.position(d, id))
                        .collect(),
                }
            })
            .collect();
        let words_of = |list: &[String]| -> Vec<Vec<String>> {
            list.iter().filter_map(|p| phrase_words(p).ok()).collect()
        };
        let heel_class = HEEL_CLASSES.map(|c| taxonomy.position("heel", c).unwrap_or(usize::MAX));
        let case_class = match (rules.case_small_max_mm, rules.case_medium_max_mm) {
            (Some(small), Some(medium)) => Some((
                CASE_SIZE_CLASSES.map(|c| taxonomy.position("case_size", c).unwrap_or(usize::MAX)),
                small,
                medium,
            )),
            _ => None,
        };
        let applies = DIMENSIONS
            .iter()
            .map(|d| {
                taxonomy
                    .applies_to(d)
                    .iter()
                    .filter_map(|c| taxonomy.position("category", c))
                    .collect()
            })
            .collect();
        Extractor {
            version: taxonomy.version(),
            passes,
            case_class,
            dial_words: words_of(&rules.dial_words),
            applies,
            dial_dim: DIMENSIONS
                .iter()
                .position(|d| *d == DIAL_COLOUR)
                .unwrap_or(COLOUR),
            targets,
            pattern_words,
            phrases,
            info,
            negation_before: words_of(&rules.negation_before),
            negation_prefix: words_of(&rules.negation_prefix),
            negation_after: words_of(&rules.negation_after),
            heeled,
            refined: rules
                .refined
                .iter()
                .filter_map(|r| {
                    let (dim, id) = r.when.split_once(':')?;
                    let dim = *DIMENSIONS.iter().find(|d| **d == dim)?;
                    Some((
                        taxonomy.position("category", &r.category)?,
                        taxonomy.position(dim, id)?,
                        taxonomy.position("category", &r.becomes)?,
                    ))
                })
                .collect(),
            heel_class,
            flat_below_cm: rules.heel_flat_below_cm,
            kitten_max_cm: rules.heel_kitten_max_cm,
            mid_max_cm: rules.heel_mid_max_cm,
            taxonomy: taxonomy.clone(),
        }
    }

    /// The taxonomy this extractor was built from.
    pub fn taxonomy(&self) -> &Taxonomy {
        &self.taxonomy
    }

    /// How many distinct phrases the automaton holds (plural forms included).
    pub fn phrase_count(&self) -> usize {
        self.targets.len()
    }

    /// Every phrase the automaton holds, folded ("ballet flats"), for comparing other matchers
    /// on the same vocabulary.
    pub fn phrases(&self) -> &[String] {
        &self.phrases
    }

    /// Extracts the attributes of one product. The cost grows with the text's length: one pass
    /// of the automaton over each field, then a resolution over the phrases found. Each thread
    /// keeps its working buffers between calls.
    pub fn extract(&self, text: &ProductText) -> Attributes {
        SCRATCH.with(|cell| match cell.try_borrow_mut() {
            Ok(mut scratch) => self.extract_with(text, &mut scratch),
            Err(_) => self.extract_with(text, &mut Scratch::default()),
        })
    }

    fn extract_with(&self, text: &ProductText, scratch: &mut Scratch) -> Attributes {
        let Scratch {
            folded,
            brand,
            mentions,
            resolved,
        } = scratch;
        mentions.clear();
        brand.text.clear();
        brand.tokens.clear();
        if let Some(b) = text.brand {
            fold_into(b, brand);
            brand
                .tokens
                .retain(|t| matches!(t.kind, TokenKind::Word | TokenKind::Number));
        }
        let mut height = None;
        let mut case = None;
        let mut title_with = usize::MAX;
        let mut fields: Vec<(Field, u32, &str)> = Vec::new();
        for (i, c) in text.colours.iter().enumerate() {
            fields.push((Field::Colour, i as u32, c));
        }
        for (i, m) in text.materials.iter().enumerate() {
            fields.push((Field::Material, i as u32, m));
        }
        fields.push((Field::Title, 0, text.title));
        if let Some(path) = text.category_path {
            fields.push((Field::Category, 0, path));
        }
        if let Some(description) = text.description {
            fields.push((Field::Description, 0, description));
        }
        for (field, sub, raw) in fields {
            fold_into(raw, folded);
            if field == Field::Title {
                title_with = (0..folded.tokens.len())
                    .find(|&i| TITLE_WITH.contains(&folded.word(i)))
                    .unwrap_or(usize::MAX);
            }
            self.scan(field, sub, folded, brand, text.market, mentions);
            if height.is_none() {
                height = self.find_height(folded, field, sub);
            }
            if case.is_none() {
                case = self.find_case(folded, field, sub);
            }
        }
        resolved.clear();
        self.resolve(mentions, height, title_with, resolved);
        self.classify_case(mentions, case, resolved);
        let attributes = self.attributes(text, resolved, height);
        // One huge field should not keep a huge buffer alive in every thread.
        if folded.text.capacity() > SCRATCH_KEEP_BYTES {
            *folded = Folded::default();
        }
        attributes
    }

    /// Finds every phrase of one folded field and appends its mentions.
    fn scan(
        &self,
        field: Field,
        sub: u32,
        folded: &Folded,
        brand: &Folded,
        market: Market,
        out: &mut Vec<Mention>,
    ) {
        let first_new = out.len();
        for pass in &self.passes {
            self.scan_pass(pass, field, sub, folded, brand, market, out);
        }
        self.drop_detail_materials(&mut out[first_new..]);
    }

    /// Finds the phrases of one pass in one folded field and appends their mentions.
    #[allow(clippy::too_many_arguments)]
    fn scan_pass(
        &self,
        pass: &Pass,
        field: Field,
        sub: u32,
        folded: &Folded,
        brand: &Folded,
        market: Market,
        out: &mut Vec<Mention>,
    ) {
        let mut last_end: Option<usize> = None;
        let mut negated_end: Option<usize> = None;
        for m in pass.automaton.find_iter(&folded.text) {
            let pattern = pass.patterns[m.pattern().as_usize()];
            let Some(first) = folded.token_starting_at(m.start() + 1) else {
                continue;
            };
            let last = first + self.pattern_words[pattern] - 1;
            if folded.tokens[first..=last]
                .iter()
                .any(|t| t.kind == TokenKind::Masked)
                || in_brand(folded, brand, first, last)
            {
                continue;
            }
            let targets = &self.targets[pattern];
            if targets.is_empty() {
                last_end = Some(last);
                continue;
            }
            let chained = negated_end
                .is_some_and(|e| first == e + 2 && NEGATION_CHAIN.contains(&folded.word(e + 1)));
            let negated = chained
                || self.negated_before(folded, first, last_end)
                || self.negated_after(folded, last);
            let span = Span {
                field,
                sub,
                start: folded.tokens[first].orig.start as u32,
                end: folded.tokens[last].orig.end as u32,
            };
            let dial = self.dial_follows(folded, last);
            let mut any = false;
            for t in targets
                .iter()
                .filter(|t| t.market.is_none_or(|mk| mk == market))
            {
                any = true;
                out.push(Mention {
                    value: t.value as usize,
                    pos: first,
                    pattern,
                    span,
                    negated: negated || t.negation,
                    dial,
                });
            }
            if any {
                negated_end = negated.then_some(last);
                last_end = Some(last);
            }
        }
    }

    /// Whether a dial word comes right after token `last` ("white dial").
    fn dial_follows(&self, folded: &Folded, last: usize) -> bool {
        self.dial_words.iter().any(|n| {
            last + n.len() < folded.tokens.len()
                && n.iter().enumerate().all(|(k, w)| {
                    let i = last + 1 + k;
                    folded.tokens[i].kind == TokenKind::Word
                        && (folded.word(i) == w || folded.word(i).strip_suffix('s') == Some(w))
                })
        })
    }

    /// A material right before a detail that ends the phrase describes the detail, not the
    /// product: "flats with a satin bow" are not satin flats, while "Leather Bow Ballet Pumps"
    /// (the detail followed by the product) are leather. Such material mentions are marked
    /// negated, so they neither state the material nor count against it.
    fn drop_detail_materials(&self, mentions: &mut [Mention]) {
        let (Some(material), Some(detail), Some(category)) = (
            DIMENSIONS.iter().position(|d| *d == "material"),
            DIMENSIONS.iter().position(|d| *d == "detail"),
            DIMENSIONS.iter().position(|d| *d == "category"),
        ) else {
            return;
        };
        let dim = |m: &Mention| self.info[m.value].dim;
        let end = |m: &Mention| m.pos + self.pattern_words[m.pattern];
        for i in 0..mentions.len() {
            if dim(&mentions[i]) != material || mentions[i].negated {
                continue;
            }
            let after = end(&mentions[i]);
            let Some(d) = mentions
                .iter()
                .find(|m| m.pos == after && dim(m) == detail && m.span.sub == mentions[i].span.sub)
            else {
                continue;
            };
            let detail_end = end(d);
            let product_follows = mentions
                .iter()
                .any(|m| m.pos == detail_end && dim(m) == category);
            if !product_follows {
                mentions[i].negated = true;
            }
        }
    }

    /// Whether a negation word comes right before token `first`, or one unmatched word before.
    fn negated_before(&self, folded: &Folded, first: usize, last_end: Option<usize>) -> bool {
        let ends_at = |end: usize, words: &[String]| {
            end >= words.len()
                && words.iter().enumerate().all(|(k, w)| {
                    let i = end - words.len() + k;
                    folded.tokens[i].kind == TokenKind::Word && folded.word(i) == w
                })
        };
        if self
            .negation_before
            .iter()
            .chain(&self.negation_prefix)
            .any(|n| ends_at(first, n))
        {
            return true;
        }
        // One word between ("no visible bow"), if that word is not itself part of a phrase.
        first >= 1
            && folded.tokens[first - 1].kind == TokenKind::Word
            && last_end.is_none_or(|e| e < first - 1)
            && self.negation_before.iter().any(|n| ends_at(first - 1, n))
    }

    /// Whether a negation word comes right after token `last` ("bow-free").
    fn negated_after(&self, folded: &Folded, last: usize) -> bool {
        self.negation_after.iter().any(|n| {
            last + n.len() < folded.tokens.len()
                && n.iter().enumerate().all(|(k, w)| {
                    let i = last + 1 + k;
                    folded.tokens[i].kind == TokenKind::Word && folded.word(i) == w
                })
        })
    }

    /// The first heel height of a field: a number and a unit with "heel" a few words away.
    fn find_height(&self, folded: &Folded, field: Field, sub: u32) -> Option<Height> {
        let near = |w: &str| w.starts_with("heel");
        find_length(
            folded,
            field,
            sub,
            near,
            HEEL_CONTEXT_WORDS,
            (0.0, MAX_HEEL_CM),
        )
    }

    /// The first watch case diameter of a field, in millimetres: a number and a unit with a
    /// case word ("case", "dial", "watch") a few words away ("42 mm case", "38mm dial").
    fn find_case(&self, folded: &Folded, field: Field, sub: u32) -> Option<(f32, Span)> {
        self.case_class?;
        let near = |w: &str| CASE_WORDS.contains(&w);
        let (lo, hi) = CASE_MM_RANGE;
        let range = (lo / 10.0, hi / 10.0);
        find_length(folded, field, sub, near, CASE_CONTEXT_WORDS, range)
            .map(|h| ((h.cm * 100.0).round() / 10.0, h.span))
    }

    /// A stated case diameter classifies the case size when no phrase states one.
    fn classify_case(&self, mentions: &[Mention], case: Option<(f32, Span)>, out: &mut Resolved) {
        let (Some((classes, small, medium)), Some((mm, span))) = (self.case_class, case) else {
            return;
        };
        let Some(dim) = DIMENSIONS.iter().position(|d| *d == "case_size") else {
            return;
        };
        if out.has_dim(dim)
            || mentions
                .iter()
                .any(|m| m.negated && classes.contains(&m.value))
        {
            return;
        }
        let class = if mm <= small {
            classes[0]
        } else if mm <= medium {
            classes[1]
        } else {
            classes[2]
        };
        if class != usize::MAX {
            out.add(class, dim, span);
        }
    }

    /// Turns the mentions of one product into resolved values.
    fn resolve(
        &self,
        mentions: &[Mention],
        height: Option<Height>,
        title_with: usize,
        out: &mut Resolved,
    ) {
        let info = &self.info;
        let is_negated = |v: usize| mentions.iter().any(|m| m.negated && m.value == v);
        let any_negated = mentions.iter().any(|m| m.negated);
        let suppressed = |v: usize| {
            any_negated && (is_negated(v) || info[v].ancestors.iter().any(|&a| is_negated(a)))
        };
        let live = |m: &&Mention| !m.negated && !suppressed(m.value);

        // A feed field "maps" when a phrase in it states, or implies, a value of its dimension
        // ("Patent leather" states patent, which implies leather).
        let states = |field: Field, dim: usize| {
            mentions.iter().filter(live).any(|m| {
                m.span.field == field
                    && (info[m.value].dim == dim
                        || info[m.value].implies.iter().any(|&i| info[i].dim == dim))
            })
        };
        let feed_colour = states(Field::Colour, COLOUR);
        let feed_material = states(Field::Material, MATERIAL);
        // A dial's colour is the product's colour only when no other colour is stated ("Grey
        // Dial Blue Strap Watch" is blue; "Black Dial Watch" black); a dial's pattern ("solid
        // dial") is never the product's.
        let from_feed = |m: &Mention, field: Field, feed: bool| !feed || m.span.field == field;
        let plain_colour = mentions.iter().filter(live).any(|m| {
            info[m.value].dim == COLOUR && !m.dial && from_feed(m, Field::Colour, feed_colour)
        });
        for m in mentions.iter().filter(live) {
            let dim = info[m.value].dim;
            // The feed's own colour and material fields win over the text when they map.
            if dim == CATEGORY
                || (dim == COLOUR && !from_feed(m, Field::Colour, feed_colour))
                || (dim == MATERIAL && !from_feed(m, Field::Material, feed_material))
                || (dim == PATTERN && m.dial)
            {
                continue;
            }
            if dim == COLOUR && m.dial {
                out.add(m.value, self.dial_dim, m.span);
                if plain_colour {
                    continue;
                }
            }
            out.add(m.value, dim, m.span);
        }

        // A stated height classifies the heel when no heel height is named.
        let is_class = |v: usize| {
            self.heel_class.contains(&v)
                || info[v]
                    .ancestors
                    .iter()
                    .any(|a| self.heel_class.contains(a))
        };
        if let Some(h) = height
            && !out.values_in(HEEL).any(is_class)
        {
            let class = if h.cm < self.flat_below_cm {
                0
            } else if h.cm <= self.kitten_max_cm {
                1
            } else if h.cm <= self.mid_max_cm {
                2
            } else {
                3
            };
            let value = self.heel_class[class];
            if value != usize::MAX && !suppressed(value) {
                out.add(value, HEEL, h.span);
            }
        }
        let heel_stated = out.values_in(HEEL).any(|v| v != self.heel_class[0])
            || height.is_some_and(|h| h.cm >= self.flat_below_cm);

        // Category: title, then category path, then description; refined by a more specific
        // category found anywhere.
        let categories = || {
            mentions
                .iter()
                .filter(live)
                .filter(|m| info[m.value].dim == CATEGORY)
        };
        let in_field = |f: Field| categories().filter(move |m| m.span.field == f);
        let head = in_field(Field::Title)
            .filter(|m| m.pos < title_with)
            .max_by_key(|m| m.pos)
            .or_else(|| in_field(Field::Title).min_by_key(|m| m.pos))
            .or_else(|| in_field(Field::Category).max_by_key(|m| m.pos))
            .or_else(|| in_field(Field::Description).min_by_key(|m| m.pos))
            .or_else(|| categories().next());
        if let Some(head) = head {
            let mut category = categories()
                .filter(|m| info[m.value].ancestors.contains(&head.value))
                .max_by_key(|m| {
                    (
                        info[m.value].ancestors.len(),
                        std::cmp::Reverse(m.span.field),
                    )
                })
                .map_or(head.value, |m| m.value);
            let mut became_from = None;
            for (from, patterns, to) in &self.heeled {
                if category == *from
                    && heel_stated
                    && categories().any(|m| m.value == *from && patterns.contains(&m.pattern))
                {
                    became_from = Some(category);
                    category = *to;
                }
            }
            let stated = |v: usize| {
                out.slots
                    .iter()
                    .any(|&(s, _)| s == v || info[s].ancestors.contains(&v))
            };
            if let Some(&(from, _, to)) = self
                .refined
                .iter()
                .find(|(from, when, _)| category == *from && stated(*when))
            {
                became_from = Some(from);
                category = to;
            }
            for m in categories().filter(|m| m.value == category || Some(m.value) == became_from) {
                out.add(category, CATEGORY, m.span);
            }
        }

        // Implied values fill dimensions the text left empty.
        for _ in 0..3 {
            let before = out.slots.len();
            for slot in 0..before {
                let value = out.slots[slot].0;
                for &implied in &info[value].implies {
                    let dim = info[implied].dim;
                    // Only into an empty dimension, one value each.
                    if !out.has_dim(dim)
                        && !suppressed(implied)
                        && let Some(span) = out.first_evidence(slot)
                    {
                        out.add(implied, dim, span);
                    }
                }
            }
            if out.slots.len() == before {
                break;
            }
        }
    }

    fn attributes(
        &self,
        text: &ProductText,
        resolved: &Resolved,
        height: Option<Height>,
    ) -> Attributes {
        let all = self.taxonomy.all();
        let first = |dim: usize| resolved.values_in(dim).next();
        let category = first(CATEGORY);
        // A family attribute describes only its family ("round" of a watch is its case, not a
        // neckline); while the category is unknown, every value is kept.
        let applies = |dim: usize| {
            let families = &self.applies[dim];
            match category {
                Some(c) if !families.is_empty() => {
                    families.contains(&c)
                        || self.info[c].ancestors.iter().any(|a| families.contains(a))
                }
                _ => true,
            }
        };
        let mut values = BTreeMap::new();
        for (dim, name) in DIMENSIONS.iter().enumerate() {
            if !resolved.has_dim(dim) || !applies(dim) {
                continue;
            }
            let extracted = resolved
                .slots
                .iter()
                .enumerate()
                .filter(|(_, s)| s.1 == dim)
                .map(|(slot, &(value, _))| Extracted {
                    value: all[value].id.clone(),
                    label: all[value].label.clone(),
                    parents: self.info[value]
                        .ancestors
                        .iter()
                        .map(|&a| all[a].id.clone())
                        .collect(),
                    evidence: resolved
                        .evidence
                        .iter()
                        .filter(|e| e.0 == slot)
                        .map(|e| Evidence {
                            field: e.1.field.name().to_string(),
                            matched: e.1.text(text).to_string(),
                        })
                        .collect(),
                })
                .collect();
            values.insert((*name).to_string(), extracted);
        }
        Attributes {
            category: category.map(|v| all[v].id.clone()),
            colour_family: first(COLOUR).map(|v| {
                let root = self.info[v].ancestors.last().copied().unwrap_or(v);
                all[root].id.clone()
            }),
            values,
            heel_height_cm: height.filter(|_| applies(HEEL)).map(|h| h.cm),
            taxonomy_version: self.version.clone(),
        }
    }
}

/// The first length of a field within `range` (cm, exclusive of the low end): a number and a
/// unit with a word that `near` accepts at most `context` words away, within one sentence.
fn find_length(
    folded: &Folded,
    field: Field,
    sub: u32,
    near: impl Fn(&str) -> bool,
    context: usize,
    range: (f32, f32),
) -> Option<Height> {
    let tokens = &folded.tokens;
    for i in 0..tokens.len().saturating_sub(1) {
        if tokens[i].kind != TokenKind::Number || tokens[i + 1].kind != TokenKind::Word {
            continue;
        }
        let Some(&(_, factor)) = LENGTH_UNITS.iter().find(|(u, _)| *u == folded.word(i + 1)) else {
            continue;
        };
        let Ok(number) = folded.word(i).parse::<f32>() else {
            continue;
        };
        let cm = number * factor;
        if !(cm > range.0 && cm <= range.1) {
            continue;
        }
        let is_near = |j: usize| tokens[j].kind == TokenKind::Word && near(folded.word(j));
        let strong = |j: usize| matches!(tokens[j].kind, TokenKind::Break { strong: true });
        let before = (i.saturating_sub(context)..i)
            .rev()
            .take_while(|&j| !strong(j))
            .any(is_near);
        let after = (i + 2..(i + 2 + context).min(tokens.len()))
            .take_while(|&j| !strong(j))
            .any(is_near);
        if before || after {
            return Some(Height {
                cm: (cm * 10.0).round() / 10.0,
                span: Span {
                    field,
                    sub,
                    start: tokens[i].orig.start as u32,
                    end: tokens[i + 1].orig.end as u32,
                },
            });
        }
    }
    None
}

/// Whether tokens `first..=last` of a field overlap an occurrence of the brand's words.
fn in_brand(folded: &Folded, brand: &Folded, first: usize, last: usize) -> bool {
    let n = brand.tokens.len();
    if n == 0 {
        return false;
    }
    // An occurrence starting at `s` overlaps when s <= last and s + n - 1 >= first.
    let lowest = first.saturating_sub(n - 1);
    (lowest..=last).any(|s| {
        s + n <= folded.tokens.len()
            && (0..n).all(|k| {
                folded.text[folded.tokens[s + k].norm.clone()]
                    == brand.text[brand.tokens[k].norm.clone()]
            })
    })
}

/// The plural of a phrase's last word, when it is not plural already: "flat" → "flats",
/// "dress" → "dresses", "strappy" → "strappies". `None` for numbers and words ending in a
/// single "s".
fn plural_of(word: &str) -> Option<String> {
    if word.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    if word.ends_with("ss")
        || word.ends_with('x')
        || word.ends_with("ch")
        || word.ends_with("sh")
        || word.ends_with('z')
    {
        return Some(format!("{word}es"));
    }
    if word.ends_with('s') {
        return None;
    }
    if let Some(stem) = word.strip_suffix('y')
        && stem.chars().last().is_some_and(|c| !"aeiou".contains(c))
    {
        return Some(format!("{stem}ies"));
    }
    Some(format!("{word}s"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn extractor() -> Extractor {
        Extractor::new(&Taxonomy::bundled())
    }

    fn title(text: &str, market: Market) -> Attributes {
        extractor().extract(&ProductText::new(text, market))
    }

    fn described(title: &str, description: &str) -> Attributes {
        extractor().extract(&ProductText {
            description: Some(description),
            ..ProductText::new(title, Market::Uk)
        })
    }

    #[test]
    fn extractors_are_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Extractor>();
    }

    #[test]
    fn leather_bow_ballet_pumps_are_ballet_flats_in_both_markets() {
        for market in [Market::Uk, Market::Us] {
            let a = title("Leather Bow Ballet Pumps", market);
            assert_eq!(a.category.as_deref(), Some("ballet_flats"), "{market}");
            assert!(a.has("category", "flats"));
            assert!(a.has("material", "leather"));
            assert!(a.has("detail", "bow"));
            assert!(a.has("heel", "flat"));
        }
    }

    /// A satin-bow flat whose upper is not satin: the material belongs to the bow.
    #[test]
    fn a_material_before_a_closing_detail_describes_the_detail() {
        let a = title("Black woven flats with satin bow", Market::Uk);
        assert!(!a.has("material", "satin"), "{a:?}");
        assert!(a.has("detail", "bow"));
        let b = title("Flats with a satin bow and leather upper", Market::Uk);
        assert!(
            !b.has("material", "satin") && b.has("material", "leather"),
            "{b:?}"
        );
        // A detail followed by the product: the material is the product's.
        assert!(title("Leather Bow Ballet Pumps", Market::Uk).has("material", "leather"));
        assert!(title("Satin Bow Ballet Flats", Market::Uk).has("material", "satin"));
    }

    /// A bare "pumps" is a heeled court shoe in American usage; in British usage it is a flat
    /// (ballet pump or plimsoll), unless the text states a heel.
    #[test]
    fn bare_pumps_follow_the_market() {
        let us = title("Black suede pumps", Market::Us);
        assert_eq!(us.category.as_deref(), Some("court_shoes"));
        assert!(us.has("category", "heels"));
        assert!(us.has("material", "suede") && us.has("material", "leather"));

        let uk = title("Black suede pumps", Market::Uk);
        assert_eq!(uk.category.as_deref(), Some("flats"));
        assert!(uk.has("heel", "flat"));

        let heeled = title("Black suede pumps with an 8cm heel", Market::Uk);
        assert_eq!(heeled.category.as_deref(), Some("court_shoes"));
        assert_eq!(heeled.heel_height_cm, Some(8.0));
        assert_eq!(heeled.ids("heel"), ["high"]);

        let kitten = described("Women Black Pumps", "Pointed toe pumps with a kitten heel");
        assert_eq!(kitten.category.as_deref(), Some("court_shoes"));
        assert!(kitten.has("toe", "pointed_toe"));
    }

    #[test]
    fn purse_follows_the_market() {
        assert_eq!(
            title("Leather purse", Market::Uk).category.as_deref(),
            Some("wallets")
        );
        assert_eq!(
            title("Leather purse", Market::Us).category.as_deref(),
            Some("handbags")
        );
    }

    #[test]
    fn the_title_category_outranks_the_description_and_the_path() {
        let a = extractor().extract(&ProductText {
            description: Some("Pair them with sandals or trainers all summer."),
            category_path: Some("Shoes > Sandals"),
            ..ProductText::new("Satin ballet flats", Market::Uk)
        });
        assert_eq!(a.category.as_deref(), Some("ballet_flats"));
        assert_eq!(a.ids("category"), ["ballet_flats"]);
        // The head of the title is the product: "Shirt Dress with Belt" is a dress.
        assert_eq!(
            title("Checked Shirt Dress With Belt", Market::Uk)
                .category
                .as_deref(),
            Some("dresses")
        );
    }

    #[test]
    fn a_more_specific_category_refines_a_broader_one() {
        let a = extractor().extract(&ProductText {
            category_path: Some("Women > Shoes > Ballerinas"),
            ..ProductText::new("Arket Leather Shoes", Market::Uk)
        });
        assert_eq!(a.category.as_deref(), Some("ballet_flats"));
        let b = described("Black Flats", "A pair of ballerinas with a bow");
        assert_eq!(b.category.as_deref(), Some("ballet_flats"));
    }

    #[test]
    fn negations_suppress_the_value() {
        for text in [
            "Ballet flats, no bow",
            "Bow-free ballet flats",
            "Ballet flats without a bow",
            "Ballet flats with no visible bow",
        ] {
            let a = title(text, Market::Uk);
            assert!(!a.has("detail", "bow"), "{text}: {:?}", a.ids("detail"));
            assert_eq!(a.category.as_deref(), Some("ballet_flats"), "{text}");
        }
        let a = title("Strapless satin dress", Market::Uk);
        assert!(!a.has("detail", "strap"));
        assert!(a.has("material", "satin"));
        let b = title("Mules without straps or buckles, leather", Market::Uk);
        assert!(!b.has("detail", "strap") && !b.has("detail", "buckle"));
        assert!(b.has("material", "leather"));
        // "non" negates only the word after it.
        let c = described("Sling Bag", "Non-detachable sling strap, non-leather");
        assert!(c.has("detail", "strap"));
        assert!(!c.has("material", "leather"));
    }

    #[test]
    fn words_inside_the_brand_do_not_count() {
        let a = extractor().extract(&ProductText {
            brand: Some("Red Tape"),
            ..ProductText::new("Red Tape Men Brown Leather Sneakers", Market::Uk)
        });
        assert_eq!(a.ids("colour"), ["brown"]);
        assert_eq!(a.colour_family.as_deref(), Some("brown"));
        let b = extractor().extract(&ProductText {
            brand: Some("Mango"),
            ..ProductText::new("Mango bow leather ballerina", Market::Uk)
        });
        assert_eq!(b.category.as_deref(), Some("ballet_flats"));
        let c = extractor().extract(&ProductText {
            brand: Some("DressBerry"),
            ..ProductText::new("DressBerry Women Gold-Toned Open Toe Flats", Market::Uk)
        });
        assert_eq!(c.category.as_deref(), Some("flats"));
        assert!(c.has("toe", "open_toe"));
        // Without the brand, the same words would count.
        let d = title("Red Tape Men Brown Leather Sneakers", Market::Uk);
        assert_eq!(d.ids("colour"), ["red", "brown"]);
    }

    #[test]
    fn sizes_and_codes_do_not_match() {
        let a = title("T024471 Leather Ballet Pumps UK 5 EU 38", Market::Uk);
        assert_eq!(a.category.as_deref(), Some("ballet_flats"));
        assert_eq!(a.heel_height_cm, None);
        // "T-bar" is a detail; the code "T024471" is not a T-bar.
        assert!(!title("T024471 bar shoes", Market::Uk).has("detail", "t_bar"));
        assert!(title("T-bar shoes", Market::Uk).has("detail", "t_bar"));
        // A size is not a heel height.
        assert_eq!(
            described("Heels", "Heel height: size 6").heel_height_cm,
            None
        );
    }

    #[test]
    fn colour_families() {
        for (text, family) in [
            ("Blush satin flats", "pink"),
            ("Ballet pink flats", "pink"),
            ("Pale pink satin flats", "pink"),
            ("Ivory leather flats", "white"),
            ("Cream knit cardigan", "white"),
            ("Camel suede loafers", "neutral"),
            ("Tan leather sandals", "neutral"),
            ("Beige heels", "neutral"),
            ("Gold Toned Flats", "metallic"),
            ("Navy Blue Sneakers", "blue"),
            ("Multi Coloured Heels", "multi"),
        ] {
            assert_eq!(
                title(text, Market::Uk).colour_family.as_deref(),
                Some(family),
                "{text}"
            );
        }
        // The first colour is the main one.
        let a = title("Carlton London Women Black & Gold Toned Flats", Market::Uk);
        assert_eq!(a.ids("colour"), ["black", "gold"]);
        assert_eq!(a.colour_family.as_deref(), Some("black"));
    }

    #[test]
    fn the_feeds_own_colour_and_material_fields_win() {
        let colours = vec!["Red".to_string()];
        let materials = vec!["Patent leather".to_string()];
        let a = extractor().extract(&ProductText {
            description: Some(
                "Leather ballerina flats with a bow detail. Also available in black.",
            ),
            colours: &colours,
            materials: &materials,
            ..ProductText::new("Bow leather ballerina", Market::Uk)
        });
        assert_eq!(a.ids("colour"), ["red"]);
        assert_eq!(a.ids("material"), ["leather"]);
        assert!(a.has("finish", "patent"));
        assert_eq!(a.values["material"][0].evidence[0].field, "material");
        // A value that maps to nothing leaves the text in charge.
        let unknown = vec!["As pictured".to_string()];
        let b = extractor().extract(&ProductText {
            colours: &unknown,
            ..ProductText::new("Black leather flats", Market::Uk)
        });
        assert_eq!(b.ids("colour"), ["black"]);
    }

    #[test]
    fn patent_alone_is_patent_leather_but_not_over_a_stated_material() {
        assert!(title("Patent ballet flats", Market::Uk).has("material", "leather"));
        let a = described("Red Heels", "Synthetic Patent upper");
        assert_eq!(a.ids("material"), ["synthetic"]);
        assert!(a.has("finish", "patent"));
        assert!(!a.has("material", "leather"));
    }

    #[test]
    fn longest_phrases_win() {
        let a = described(
            "Sneakers",
            "Synthetic Leather upper, lace-up detail, rubber sole",
        );
        assert_eq!(a.ids("material"), ["faux_leather", "rubber"]);
        assert!(!a.has("material", "leather"));
        assert!(a.has("detail", "lace_up"));
        assert!(!a.has("material", "lace"));
        let b = title("Gold-plated brass earrings", Market::Uk);
        assert!(b.has("material", "metal"));
        assert!(b.has("finish", "gold_plated"));
        let c = title("Brass-plated jhumkas", Market::Uk);
        assert!(!c.has("material", "metal"));
    }

    #[test]
    fn heel_heights_are_read_and_classified() {
        for (text, cm, class) in [
            ("Court shoes, 8cm heel", 8.0, "high"),
            ("Slingback heels, heel height: 9 cm", 9.0, "high"),
            ("Kitten heels, 3.5 cm heel", 3.5, "kitten"),
            ("Block heels with a 6 cm heel", 6.0, "mid"),
            ("Loafers with a 1 cm heel", 1.0, "flat"),
            ("Sandals, 3 inch heels", 7.6, "high"),
        ] {
            let a = title(text, Market::Uk);
            assert_eq!(a.heel_height_cm, Some(cm), "{text}");
            assert!(a.has("heel", class), "{text}: {:?}", a.ids("heel"));
        }
        // A named heel height is not overridden by the number.
        let a = title("Kitten heel pumps, 4cm heel", Market::Us);
        assert_eq!(a.ids("heel"), ["kitten"]);
        // A length far from "heel" is not a heel height.
        assert_eq!(
            title("Tote bag, 30 cm handle drop", Market::Uk).heel_height_cm,
            None
        );
    }

    #[test]
    fn toes_details_and_implied_values() {
        let a = title("Tabi split-toe leather ballet flats", Market::Uk);
        assert_eq!(a.ids("toe"), ["split_toe"]);
        let b = title("Black Peep Toes", Market::Uk);
        assert_eq!(b.category.as_deref(), Some("heels"));
        assert!(b.has("toe", "open_toe"));
        let c = title("Mary Jane flats with T-bar and buckle", Market::Uk);
        assert!(
            c.has("detail", "mary_jane_strap")
                && c.has("detail", "t_bar")
                && c.has("detail", "buckle")
        );
        let d = title("Pink tulle skirt", Market::Uk);
        assert_eq!(d.category.as_deref(), Some("tulle_skirts"));
        assert!(d.has("material", "tulle") && d.has("material", "net"));
        let e = title("Black block heels", Market::Uk);
        assert_eq!(e.category.as_deref(), Some("heels"));
        assert!(e.has("heel", "block"));
    }

    #[test]
    fn evidence_names_the_field_and_the_words_as_written() {
        let colours = vec!["Pink".to_string()];
        let a = extractor().extract(&ProductText {
            description: Some(
                "Ballet flats in pale pink SATIN with an elastic strap over the instep.",
            ),
            category_path: Some("Shoes > Ballerinas"),
            colours: &colours,
            ..ProductText::new("Logo-patch satin ballet flats", Market::Uk)
        });
        let find = |dim: &str, id: &str| {
            a.values[dim]
                .iter()
                .find(|e| e.value == id)
                .unwrap_or_else(|| panic!("{dim} {id}"))
                .evidence
                .iter()
                .map(|e| (e.field.as_str(), e.matched.as_str()))
                .collect::<Vec<_>>()
        };
        assert_eq!(find("detail", "logo_patch"), [("title", "Logo-patch")]);
        assert_eq!(
            find("material", "satin"),
            [("title", "satin"), ("description", "SATIN")]
        );
        assert_eq!(
            find("category", "ballet_flats"),
            [
                ("title", "ballet flats"),
                ("category", "Ballerinas"),
                ("description", "Ballet flats")
            ]
        );
        assert_eq!(
            find("detail", "elastic_strap"),
            [("description", "elastic strap")]
        );
        assert_eq!(find("colour", "pink"), [("colour", "Pink")]);
        assert_eq!(a.taxonomy_version, Taxonomy::bundled().version());
        let json = serde_json::to_string(&a).unwrap();
        assert_eq!(serde_json::from_str::<Attributes>(&json).unwrap(), a);
    }

    #[test]
    fn run_together_feed_text_is_split_at_capitals() {
        let a = described(
            "Puma Women Black Sneakers",
            "A pair of round-toe black sneakers, has regular styling, lace-up detailLeather upperCushioned footbedTextured and patterned outsole",
        );
        assert_eq!(a.ids("material"), ["leather"]);
        assert!(a.has("toe", "round_toe"));
    }

    #[test]
    fn matching_respects_word_shape() {
        for (text, category) in [
            ("Puma Men Navy Blue T-Shirts", "t_shirts"),
            ("ADIDAS Men Black Tshirt", "t_shirts"),
            ("Nike Women Purple Polo T-shirt", "polos"),
            ("Genesis Men Blue Solid Shirt", "shirts"),
            ("Quechua Women Fleece Brown Sweatshirt", "sweatshirts"),
            (
                "United Colors of Benetton Men Solid Black SweatShirt",
                "sweatshirts",
            ),
            ("Fabindia Women Purple Kurti", "kurtis"),
            ("Fabindia Women Green Kurta", "kurtas"),
            ("Levis Men Grey Innerwear T-Shirt", "vests"),
            ("Amante Pink Push-Up Bra", "bras"),
            ("Red Rose Women Pink Nightdress", "nightdresses"),
            ("Nike Men Black AD Striker Track Pants", "track_pants"),
            ("Nike Men's Blue Short", "shorts"),
            ("FNF Printed Black Sari", "sarees"),
            ("Satin Bow Tie", "ties"),
            ("Lakme Red Lipstick", "lipsticks"),
            ("Maybelline Pink Nail Lacquer", "nail_polish"),
        ] {
            let a = title(text, Market::Uk);
            assert_eq!(a.category.as_deref(), Some(category), "{text}");
        }
        // A short sleeve is not a pair of shorts, nor a cap sleeve a cap.
        let a = title("Short sleeve cotton tee", Market::Uk);
        assert_eq!(a.category.as_deref(), Some("t_shirts"));
        assert!(a.has("sleeve", "short_sleeve"));
        let b = title("Cap sleeve blouse", Market::Uk);
        assert_eq!(b.category.as_deref(), Some("blouses"));
        assert!(b.has("sleeve", "cap_sleeve") && b.has("sleeve", "short_sleeve"));
        // A bow tie is a tie, not a bow.
        assert!(!title("Satin Bow Tie", Market::Uk).has("detail", "bow"));
    }

    #[test]
    fn an_occasion_beside_a_broad_category_makes_it_specific() {
        for (text, category) in [
            ("Arrow Men Formal Brown Shoe", "formal_shoes"),
            ("Red Chief Men Casual Black Shoes", "casual_shoes"),
            ("Puma Men Running White Shoe", "sports_shoes"),
            ("Woodland Men Sports Black Sandals", "sports_sandals"),
            ("Vans Men Grey Shoes", "shoes"),
        ] {
            assert_eq!(
                title(text, Market::Uk).category.as_deref(),
                Some(category),
                "{text}"
            );
        }
    }

    #[test]
    fn clothing_attributes_are_read_with_their_evidence() {
        let a = title(
            "Women Red A-line Midi Dress with V-neck and puff sleeves",
            Market::Uk,
        );
        assert_eq!(a.category.as_deref(), Some("dresses"));
        assert_eq!(a.ids("silhouette"), ["a_line"]);
        assert_eq!(a.ids("length"), ["midi"]);
        assert_eq!(a.ids("neckline"), ["v_neck"]);
        assert_eq!(a.ids("sleeve"), ["puff_sleeve"]);
        assert_eq!(a.values["sleeve"][0].evidence[0].matched, "puff sleeves");
        let b = title(
            "Spykar Men Slim Fit Low Waist Blue Skinny Jeans",
            Market::Uk,
        );
        assert_eq!(b.ids("rise"), ["low_rise"]);
        assert_eq!(b.ids("fit"), ["slim"]);
        assert_eq!(b.ids("silhouette"), ["skinny"]);
        let c = title("Black mini skirt", Market::Uk);
        assert_eq!(c.category.as_deref(), Some("mini_skirts"));
        assert_eq!(c.ids("length"), ["mini"]);
    }

    #[test]
    fn family_attributes_describe_only_their_family() {
        // "round dial" is a case shape, never a neckline; "mini" of a bag is its size.
        let a = title(
            "Titan Women Round Dial Leather Strap Watch 28mm case",
            Market::Uk,
        );
        assert_eq!(a.category.as_deref(), Some("watches"));
        assert_eq!(a.ids("case_shape"), ["round"]);
        assert_eq!(a.ids("case_size"), ["small"]);
        assert_eq!(a.ids("strap"), ["leather_strap"]);
        // The watch's strap phrase is still leather and a strap.
        assert!(a.has("material", "leather") && a.has("detail", "strap"));
        assert!(!a.values.contains_key("neckline"));
        let b = title("Mini leather crossbody bag with chain strap", Market::Uk);
        assert_eq!(b.ids("bag_size"), ["mini"]);
        assert!(b.has("handle", "chain_strap") && b.has("handle", "shoulder_strap"));
        assert!(!b.values.contains_key("length"));
        let c = title("Oversized dial steel bracelet watch, 44 mm", Market::Uk);
        assert_eq!(c.ids("case_size"), ["large"]);
        assert_eq!(c.ids("strap"), ["metal_bracelet"]);
        assert!(!c.values.contains_key("fit"));
        let d = title("Oversized cotton shirt", Market::Uk);
        assert_eq!(d.ids("fit"), ["oversized"]);
        assert!(!d.values.contains_key("case_size"));
        // A heel height read in a dress's text is not the dress's.
        let e = described("Black midi dress", "Pair it with 8cm heels");
        assert_eq!(e.heel_height_cm, None);
        assert!(!e.values.contains_key("heel"));
        let f = title("Gold plated kundan jhumkas with pearls", Market::Uk);
        assert_eq!(f.ids("metal"), ["gold_plated"]);
        assert!(f.has("metal", "gold_tone"));
        assert_eq!(f.ids("stone"), ["kundan", "pearl"]);
    }

    #[test]
    fn a_dial_colour_is_the_watch_colour_only_when_no_other_is_stated() {
        let a = title("Being Human Men Grey Dial Blue Strap Watch", Market::Uk);
        assert_eq!(a.ids("colour"), ["blue"]);
        assert_eq!(a.colour_family.as_deref(), Some("blue"));
        assert_eq!(a.ids("dial_colour"), ["grey"]);
        let b = title("Fastrack Women Gold Dial White Watches", Market::Uk);
        assert_eq!(b.ids("colour"), ["white"]);
        assert_eq!(b.ids("dial_colour"), ["gold"]);
        assert_eq!(b.values["dial_colour"][0].parents, ["metallic"]);
        let c = title("Titan Men Black Dial Watch", Market::Uk);
        assert_eq!(c.ids("colour"), ["black"]);
        assert_eq!(c.ids("dial_colour"), ["black"]);
    }

    /// "Fawn Kid Suede" was read as children's wear.
    #[test]
    fn kid_suede_and_kid_leather_are_materials_not_childrens_wear() {
        let a = title("Fawn Kid Suede Loafers", Market::Uk);
        assert!(a.has("material", "suede"), "{a:?}");
        assert!(!a.values.contains_key("gender"), "{:?}", a.ids("gender"));
        assert_eq!(a.colour_family.as_deref(), Some("neutral"));
        let b = title("Women's kid leather court shoes", Market::Uk);
        assert!(b.has("material", "leather"));
        assert_eq!(b.ids("gender"), ["women"]);
        // A child's shoe still is.
        assert_eq!(
            title("Kids Velcro Trainers", Market::Uk).ids("gender"),
            ["kids"]
        );
    }

    /// A bag description's "lies flat" gave it a flat heel.
    #[test]
    fn lies_flat_is_not_a_heel() {
        for text in [
            "Folds away and lies flat in a suitcase",
            "The strap sits flat",
        ] {
            let a = described("Leather tote bag", text);
            assert!(
                !a.values.contains_key("heel"),
                "{text}: {:?}",
                a.ids("heel")
            );
        }
        assert!(title("Leather flat sandals", Market::Uk).has("heel", "flat"));
    }

    /// Myntra's "Turtle Check Men Navy Blue Shirt" is a checked shirt; a description asking
    /// the shopper to check the size is no pattern.
    #[test]
    fn a_check_shirt_is_checked_and_checking_the_size_is_no_pattern() {
        assert!(title("Turtle Check Men Navy Blue Shirt", Market::Uk).has("pattern", "checked"));
        for text in [
            "Please check the size chart before you order",
            "Check out our other colours; check your size",
        ] {
            let a = described("Cotton shirt", text);
            assert!(
                !a.values.contains_key("pattern"),
                "{text}: {:?}",
                a.ids("pattern")
            );
        }
    }

    /// A home category path "Linens & Bedding" made a product linen.
    #[test]
    fn a_linens_and_bedding_path_is_not_linen() {
        let a = extractor().extract(&ProductText {
            category_path: Some("Home > Linens & Bedding > Throws"),
            ..ProductText::new("Chunky Knit Throw", Market::Us)
        });
        assert!(!a.has("material", "linen"), "{:?}", a.ids("material"));
        assert!(title("Linen wide-leg trousers", Market::Uk).has("material", "linen"));
    }

    /// A feed colour "See product page" is no colour, and leaves the title in charge.
    #[test]
    fn see_product_page_is_not_a_colour() {
        let colours = vec!["See product page".to_string()];
        let a = extractor().extract(&ProductText {
            colours: &colours,
            ..ProductText::new("Ballet flats", Market::Uk)
        });
        assert!(!a.values.contains_key("colour"));
        let b = extractor().extract(&ProductText {
            colours: &colours,
            ..ProductText::new("Black ballet flats", Market::Uk)
        });
        assert_eq!(b.ids("colour"), ["black"]);
    }

    /// "Solid dial" made a watch's pattern solid.
    #[test]
    fn a_watch_solid_dial_is_not_a_pattern() {
        let a = title("Fossil Men Solid Dial Leather Watch", Market::Uk);
        assert!(!a.values.contains_key("pattern"), "{:?}", a.ids("pattern"));
        assert_eq!(
            title("Solid black T-shirt", Market::Uk).ids("pattern"),
            ["solid"]
        );
    }

    /// "Platinum" was no colour.
    #[test]
    fn platinum_is_a_colour() {
        let a = title("Platinum heels", Market::Uk);
        assert_eq!(a.ids("colour"), ["platinum"]);
        assert_eq!(a.colour_family.as_deref(), Some("metallic"));
    }

    /// The title's own gender word is read, whatever a feed's gender field says (the index
    /// lets the feed's field speak only when the text names none).
    #[test]
    fn a_titles_explicit_gender_is_read() {
        assert_eq!(
            title("Men's Leather Loafers", Market::Us).ids("gender"),
            ["men"]
        );
        assert_eq!(
            title("Womens Suede Loafers", Market::Us).ids("gender"),
            ["women"]
        );
    }

    #[test]
    fn plurals() {
        assert_eq!(plural_of("flat").as_deref(), Some("flats"));
        assert_eq!(plural_of("dress").as_deref(), Some("dresses"));
        assert_eq!(plural_of("strappy").as_deref(), Some("strappies"));
        assert_eq!(plural_of("day").as_deref(), Some("days"));
        assert_eq!(plural_of("heels"), None);
        assert_eq!(plural_of("38"), None);
    }

    proptest! {
        #[test]
        fn extraction_never_panics_and_evidence_is_in_its_field(
            t in "\\PC{0,80}",
            d in proptest::option::of("\\PC{0,200}"),
            c in proptest::option::of("[A-Za-z >&/-]{0,40}"),
            colour in "[A-Za-z -]{0,12}",
            brand in proptest::option::of("[A-Za-z &]{0,12}"),
            us in any::<bool>(),
        ) {
            let colours = vec![colour];
            let text = ProductText {
                title: &t,
                description: d.as_deref(),
                category_path: c.as_deref(),
                colours: &colours,
                materials: &[],
                brand: brand.as_deref(),
                market: if us { Market::Us } else { Market::Uk },
            };
            let attrs = EXTRACTOR.with(|e| e.extract(&text));
            for (dim, list) in &attrs.values {
                for e in list {
                    for ev in &e.evidence {
                        let field = match ev.field.as_str() {
                            "title" => t.as_str(),
                            "description" => d.as_deref().unwrap_or_default(),
                            "category" => c.as_deref().unwrap_or_default(),
                            "colour" => colours[0].as_str(),
                            other => panic!("unexpected field {other}"),
                        };
                        prop_assert!(
                            field.to_lowercase().contains(&ev.matched.to_lowercase()),
                            "{dim} {}: {:?} not in {:?}", e.value, ev.matched, field
                        );
                        prop_assert!(!ev.matched.is_empty());
                    }
                }
            }
        }

        #[test]
        fn vocabulary_soup_never_panics(words in proptest::collection::vec(
            prop_oneof![
                Just("no"), Just("bow"), Just("free"), Just("or"), Just("strap"), Just("pumps"),
                Just("8cm"), Just("heel"), Just("UK"), Just("5"), Just("."), Just(","), Just("-"),
                Just("ballet"), Just("without"), Just("non"), Just("leather"), Just("T024471"),
                Just("3.5"), Just("cm"), Just("with"), Just("sandals"), Just("&"), Just("detailLeather"),
            ],
            0..30,
        )) {
            let t = words.join(" ");
            let a = EXTRACTOR.with(|e| e.extract(&ProductText { description: Some(&t), ..ProductText::new(&t, Market::Us) }));
            prop_assert_eq!(a.taxonomy_version.len(), 16);
        }
    }

    thread_local! {
        static EXTRACTOR: Extractor = extractor();
    }
}
