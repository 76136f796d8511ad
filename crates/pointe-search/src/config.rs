//! The look-alike scorer's weights, read from `data/lookalike.toml` (bundled) or
//! `<data-dir>/lookalike.toml`. Every weight is documented in the bundled file.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::{Error, Result};

/// The weights shipped with Pointe.
pub const BUNDLED: &str = include_str!("../data/lookalike.toml");

/// The dimensions the scorer may compare: every dimension of the taxonomy. A dimension the
/// weights leave out (or weigh 0) is not compared; the family ones (neckline, strap, metal…)
/// only describe the categories the taxonomy's `[applies_to]` names.
pub const SCORED_DIMENSIONS: [&str; 25] = pointe_core::attributes::DIMENSIONS;

/// How much one attribute dimension counts.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DimensionWeight {
    /// What a full match of one of the hero's values in this dimension earns.
    pub weight: f32,
    /// The credit per taxonomy step between the hero's value and the common ancestor it shares
    /// with the candidate's (0 to 1).
    pub partial: f32,
}

/// The look-alike scorer's configuration. Building one parses a small TOML table.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LookalikeConfig {
    /// The share of the score given to title text similarity (0 to 1).
    pub text_weight: f32,
    /// How strictly the category decides: the score is multiplied by the category credit
    /// raised to this power (0 leaves the category an ordinary weight; 1 halves the score of
    /// a plain flat for a ballet flat and divides a loafer's by eight).
    #[serde(default)]
    pub category_gate: f32,
    /// The share of the colour credit a colour earns when the candidate's title names it after
    /// its main colour (0 to 1; default 0).
    #[serde(default)]
    pub other_colour: f32,
    /// The weight of the hero's second colour (navy in "Red & Navy Checked Shirt"), matched by
    /// any colour the candidate's title names (≥ 0; default 0, not compared).
    #[serde(default)]
    pub second_colour: f32,
    /// The share of a dimension's weight a candidate earns when it states no value there at
    /// all (no material given), rather than a different one (0 to 1; default 0). Not for
    /// details, finishes and patterns, whose absence is a difference, nor the category.
    #[serde(default)]
    pub unstated: f32,
    /// The credit a sibling value earns (a kurti for a kurta, a polo for a T-shirt, as the
    /// taxonomy declares them; 0 to 1; default 0.8). A sibling category ranks with the hero's
    /// own.
    #[serde(default = "sibling")]
    pub sibling: f32,
    /// The category credit of a narrower category than the hero's (a clutch for a handbag, a
    /// ballet flat for flats; 0 to 1; default 1): below 1, products of exactly the hero's kind
    /// rank above its narrower kinds, all else equal.
    #[serde(default = "one")]
    pub narrower_category: f32,
    /// The factor on the weight of a hero's value only its description states ("concealed
    /// zip closure"), not its title or the feed's fields (0 to 1; default 1).
    #[serde(default = "one")]
    pub described_only: f32,
    /// The factor on the score of a candidate made for another market than the hero: both
    /// state a gender and none of the candidate's meets the hero's (men's or girls' for a
    /// women's hero); unisex meets every gender (0 to 1; default 1, no effect).
    #[serde(default = "one")]
    pub other_market: f32,
    /// Subtracted from the attribute score for each detail the candidate has and the hero lacks.
    pub extra_detail_penalty: f32,
    /// How many candidates the index proposes before re-ranking.
    pub candidates: usize,
    /// How much each earlier result of the same brand lowers a candidate while picking results.
    pub brand_repeat_penalty: f32,
    /// Weights by dimension.
    pub weights: BTreeMap<String, DimensionWeight>,
}

fn one() -> f32 {
    1.0
}

fn sibling() -> f32 {
    0.8
}

impl LookalikeConfig {
    /// The bundled weights (`crates/pointe-search/data/lookalike.toml`).
    pub fn bundled() -> LookalikeConfig {
        LookalikeConfig::from_toml(BUNDLED, Path::new("lookalike.toml (bundled)"))
            .expect("the bundled look-alike weights are valid (checked by their tests)")
    }

    /// The weights of `<data_dir>/lookalike.toml` when it exists (it replaces the bundled file
    /// whole), else the bundled ones.
    pub fn load(data_dir: Option<&Path>) -> Result<LookalikeConfig> {
        match pointe_core::toml_file::data_dir_copy(data_dir, "lookalike.toml")? {
            Some((text, path)) => LookalikeConfig::from_toml(&text, &path),
            None => Ok(LookalikeConfig::bundled()),
        }
    }

    /// Parses and checks a weights file; `path` names it in errors.
    pub fn from_toml(text: &str, path: &Path) -> Result<LookalikeConfig> {
        let bad = |m: String| Error::Config {
            path: path.to_path_buf(),
            message: m,
        };
        let config: LookalikeConfig = toml::from_str(text).map_err(|e| bad(e.to_string()))?;
        for (dim, w) in &config.weights {
            if !SCORED_DIMENSIONS.contains(&dim.as_str()) {
                return Err(bad(format!(
                    "[weights.{dim}]: no such dimension; use one of {}",
                    SCORED_DIMENSIONS.join(", ")
                )));
            }
            if !(w.weight >= 0.0 && (0.0..=1.0).contains(&w.partial)) {
                return Err(bad(format!(
                    "[weights.{dim}]: weight must be ≥ 0 and partial between 0 and 1"
                )));
            }
        }
        if !(0.0..=1.0).contains(&config.other_market) {
            return Err(bad("other_market must be between 0 and 1".into()));
        }
        if config.second_colour.is_nan() || config.second_colour < 0.0 {
            return Err(bad("second_colour must be ≥ 0".into()));
        }
        if !(0.0..=1.0).contains(&config.other_colour) {
            return Err(bad("other_colour must be between 0 and 1".into()));
        }
        if !(0.0..=1.0).contains(&config.sibling) {
            return Err(bad("sibling must be between 0 and 1".into()));
        }
        if !(0.0..=1.0).contains(&config.narrower_category) {
            return Err(bad("narrower_category must be between 0 and 1".into()));
        }
        if !(0.0..=1.0).contains(&config.unstated) || !(0.0..=1.0).contains(&config.described_only)
        {
            return Err(bad(
                "unstated and described_only must be between 0 and 1".into()
            ));
        }
        if config.category_gate.is_nan() || config.category_gate < 0.0 {
            return Err(bad("category_gate must be ≥ 0".into()));
        }
        if !(0.0..=1.0).contains(&config.text_weight) {
            return Err(bad("text_weight must be between 0 and 1".into()));
        }
        if config.candidates == 0 {
            return Err(bad("candidates must be at least 1".into()));
        }
        Ok(config)
    }

    /// The weight of `dimension` (zero weight when the file leaves it out).
    pub fn weight(&self, dimension: &str) -> DimensionWeight {
        self.weights
            .get(dimension)
            .copied()
            .unwrap_or(DimensionWeight {
                weight: 0.0,
                partial: 0.0,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_weights_parse_and_put_category_first() {
        let c = LookalikeConfig::bundled();
        let category = c.weight("category").weight;
        for dim in SCORED_DIMENSIONS.iter().skip(1) {
            assert!(c.weight(dim).weight < category, "{dim}");
        }
        assert!(c.weight("detail").weight >= c.weight("colour").weight * 0.5);
    }

    #[test]
    fn bad_files_name_the_problem_and_a_user_file_replaces_the_bundled_one() {
        let err = LookalikeConfig::from_toml(
            &BUNDLED.replace("[weights.gender]", "[weights.gendr]"),
            Path::new("w.toml"),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("w.toml") && err.contains("gendr"), "{err}");
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("lookalike.toml"),
            BUNDLED.replace("text_weight = 0.2", "text_weight = 0.5"),
        )
        .unwrap();
        assert_eq!(
            LookalikeConfig::load(Some(dir.path())).unwrap().text_weight,
            0.5
        );
    }
}
