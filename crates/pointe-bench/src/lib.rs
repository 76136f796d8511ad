//! Generators of realistic fashion feeds for Pointe's benchmarks, and small measuring helpers.
//!
//! The generated text is built from a vocabulary of real fashion terms (brands, product types,
//! materials, colours, details), with a seeded pseudo-random generator so every run of a
//! benchmark reads the same data.

#![warn(missing_docs)]

use std::io::Write;

pub mod catalog;
pub mod fts;
pub mod harbour;
pub mod pg_fts;

/// A small, seeded pseudo-random generator (SplitMix64): the same seed gives the same feed on
/// every machine, which is all a benchmark's data needs.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// One element of `items`.
    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// Brands seen in fashion retail feeds.
pub const BRANDS: &[&str] = &[
    "Miu Miu",
    "Maison Margiela",
    "Everlane",
    "Arket",
    "Mango",
    "Marks & Spencer",
    "Porte & Paire",
    "Repetto",
    "Zara",
    "H&M",
    "COS",
    "& Other Stories",
    "Ganni",
    "Loewe",
    "Chloé",
    "Sandro",
    "Maje",
    "Reformation",
    "Whistles",
    "Jigsaw",
    "Boden",
    "Kurt Geiger",
    "Russell & Bromley",
    "Office",
    "Dune London",
    "Clarks",
    "Dr. Martens",
    "Vagabond",
    "Aeyde",
    "Sézane",
    "Toteme",
    "Khaite",
    "The Row",
    "Jacquemus",
    "Simone Rocha",
    "Self-Portrait",
    "Rixo",
    "Me+Em",
    "Hush",
    "Uniqlo",
];

/// Product types, with their Google product category id.
pub const TYPES: &[(&str, u32)] = &[
    ("ballet flats", 187),
    ("ballet pumps", 187),
    ("ballerinas", 187),
    ("Mary Jane flats", 187),
    ("loafers", 187),
    ("mules", 187),
    ("slingback pumps", 187),
    ("court shoes", 187),
    ("sandals", 187),
    ("slides", 187),
    ("flip-flops", 187),
    ("trainers", 187),
    ("ankle boots", 187),
    ("knee-high boots", 187),
    ("shoulder bag", 3032),
    ("tote bag", 3032),
    ("clutch", 3032),
    ("tulle midi skirt", 1581),
    ("pleated skirt", 1581),
    ("wrap dress", 2271),
    ("slip dress", 2271),
    ("leotard", 5490),
    ("bodysuit", 5490),
    ("wrap cardigan", 212),
    ("ribbed leg warmers", 5941),
    ("cable-knit jumper", 212),
];

/// Materials and finishes.
pub const MATERIALS: &[&str] = &[
    "leather",
    "patent leather",
    "suede",
    "satin",
    "silk",
    "mesh",
    "canvas",
    "velvet",
    "tulle",
    "knit",
    "faux leather",
    "wool",
    "cotton",
    "nappa leather",
    "crinkled leather",
    "recycled polyester",
];

/// Colours as feeds state them.
pub const COLOURS: &[&str] = &[
    "Black",
    "Pink",
    "Pale pink",
    "Blush",
    "Ballet pink",
    "Ivory",
    "Cream",
    "White",
    "Red",
    "Burgundy",
    "Navy",
    "Tan",
    "Camel",
    "Beige",
    "Silver",
    "Gold",
    "Grey",
    "Brown",
    "Green",
    "Leopard",
];

/// Details and construction.
pub const DETAILS: &[&str] = &[
    "a bow at the toe",
    "an elastic strap",
    "ankle ribbons",
    "a buckled strap",
    "a square toe",
    "an almond toe",
    "a pointed toe",
    "a round toe",
    "a slim sole",
    "a logo patch",
    "a chain strap",
    "horsebit hardware",
    "a cap toe",
    "cut-out sides",
    "quilted panels",
    "crystal embellishment",
    "pearl trims",
    "a kitten heel",
    "a block heel",
    "a T-bar strap",
    "a slingback strap",
];

const OPENERS: &[&str] = &[
    "Cut from",
    "Crafted in",
    "Made in",
    "Shaped in",
    "Finished in",
    "Designed in",
];

const CLOSERS: &[&str] = &[
    "A wardrobe staple that works from desk to dinner.",
    "Inspired by the dancer's slipper.",
    "Cushioned insole for all-day comfort.",
    "Pairs with tailoring and denim alike.",
    "Lined in soft leather.",
    "True to size.",
    "Part of the new season collection.",
];

/// One generated product row.
#[derive(Debug, Clone)]
pub struct GeneratedProduct {
    /// Item id.
    pub id: String,
    /// Brand.
    pub brand: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Price in minor units (GBP pence).
    pub price_minor: i64,
    /// Colour.
    pub colour: String,
    /// Material.
    pub material: String,
    /// Google category id.
    pub google_category: u32,
    /// Whether in stock.
    pub in_stock: bool,
}

/// The feed item id of generated product `i`.
pub fn item_id(i: usize) -> String {
    format!("gen-{i:08}")
}

/// Generates product `i` of a catalog seeded with `seed`.
pub fn product(rng: &mut Rng, i: usize) -> GeneratedProduct {
    let brand = rng.pick(BRANDS).to_string();
    let (kind, cat) = TYPES[rng.below(TYPES.len())];
    let material = rng.pick(MATERIALS).to_string();
    let colour = rng.pick(COLOURS).to_string();
    let d1 = rng.pick(DETAILS);
    let d2 = rng.pick(DETAILS);
    let title = format!("{} {} {}", colour, material, kind);
    let description = format!(
        "{} {} with {} and {}. {}",
        rng.pick(OPENERS),
        material,
        d1,
        d2,
        rng.pick(CLOSERS)
    );
    // A long-tailed price distribution: most pieces under £150, some luxury ones.
    let price_minor = match rng.below(10) {
        0..=5 => 1_500 + rng.below(10_000) as i64,
        6..=8 => 10_000 + rng.below(30_000) as i64,
        _ => 40_000 + rng.below(150_000) as i64,
    };
    GeneratedProduct {
        id: item_id(i),
        brand,
        title,
        description,
        price_minor,
        colour,
        material,
        google_category: cat,
        in_stock: rng.below(10) != 0,
    }
}

/// The header of a generated Google Merchant Center TSV feed.
pub const GMC_TSV_HEADER: &str = "id\ttitle\tdescription\tlink\timage_link\tavailability\tprice\tbrand\tgoogle_product_category\tcolor\tmaterial\tcondition\n";

/// Writes a Google Merchant Center TSV feed of `rows` products to `out`.
pub fn write_gmc_tsv(out: &mut dyn Write, rows: usize, seed: u64) -> std::io::Result<()> {
    write_gmc_tsv_as(out, rows, seed, |p| p)
}

/// Writes a Google Merchant Center TSV feed of `rows` products to `out`, each as `change`
/// makes it from the generated one (another retailer's ids, another price).
pub fn write_gmc_tsv_as(
    out: &mut dyn Write,
    rows: usize,
    seed: u64,
    mut change: impl FnMut(GeneratedProduct) -> GeneratedProduct,
) -> std::io::Result<()> {
    let mut rng = Rng::new(seed);
    out.write_all(GMC_TSV_HEADER.as_bytes())?;
    for i in 0..rows {
        let p = change(product(&mut rng, i));
        writeln!(
            out,
            "{}\t{}\t{}\thttps://shop.example/p/{}\thttps://images.example/p/{}.jpg\t{}\t{}.{:02} GBP\t{}\t{}\t{}\t{}\tnew",
            p.id,
            p.title,
            p.description,
            p.id,
            p.id,
            if p.in_stock {
                "in_stock"
            } else {
                "out_of_stock"
            },
            p.price_minor / 100,
            p.price_minor % 100,
            p.brand,
            p.google_category,
            p.colour,
            p.material
        )?;
    }
    Ok(())
}

/// The peak resident memory of this process so far, in bytes (Linux `VmHWM`), or `None`
/// elsewhere.
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}
