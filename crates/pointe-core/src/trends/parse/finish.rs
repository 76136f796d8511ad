//! Turning what a layout reader collected into series: one point per date, a granularity and a
//! scale group per request, and every term kept (see [`settle`]).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::Path;

use jiff::civil::Date;

use crate::Result;
use crate::text::fnv1a64;

use super::super::{Series, SeriesId, TermCollision, normalise_term};
use super::{Builder, Draft, Granularity, Layout, Reader, TrendFile};

impl Reader<'_> {
    /// Checks, sorts and names the series of a file.
    pub(super) fn finish(&self, draft: Draft) -> Result<TrendFile> {
        let Draft {
            layout,
            mut builders,
            requests,
            hint,
            metric,
            related,
            reported,
        } = draft;
        for builder in &mut builders {
            self.sort_points(builder)?;
        }
        let granularities = self.granularities(&builders, requests.len(), hint)?;
        let mut series: Vec<(usize, Series)> = builders
            .into_iter()
            .map(|b| {
                let granularity = granularities.get(b.request).copied();
                (b.request, self.series(b, granularity, &metric))
            })
            .collect();
        let groups = self.scale_groups(layout, &series, &requests);
        for (request, s) in &mut series {
            s.scale_group = groups.get(*request).cloned().unwrap_or_default();
        }
        let mut series: Vec<Series> = series.into_iter().map(|(_, s)| s).collect();
        let collisions = settle(&mut series);
        Ok(TrendFile {
            path: self.path.to_path_buf(),
            layout,
            series,
            related,
            reported,
            collisions,
            default_groups: self.options.scale_group.is_none(),
        })
    }

    fn series(&self, b: Builder, granularity: Option<Granularity>, metric: &str) -> Series {
        Series {
            key: normalise_term(&b.term),
            term: b.term,
            source: b.source,
            region: self.options.region.clone().or(b.region),
            segment: b.segment,
            granularity: granularity.unwrap_or(Granularity::Day),
            scale_group: String::new(),
            metric: metric.to_string(),
            points: b.points.into_iter().map(|(p, _)| p).collect(),
        }
    }

    /// Sorts a series' points by date; two values for one date are an error naming both lines.
    fn sort_points(&self, builder: &mut Builder) -> Result<()> {
        builder.points.sort_by_key(|(p, line)| (p.date, *line));
        for pair in builder.points.windows(2) {
            let ((a, first_line), (b, line)) = (&pair[0], &pair[1]);
            if a.date == b.date {
                return Err(self.error(
                    *line,
                    format!(
                        "expected one value per date for `{}`, found a second value for {} \
                         (the first is on line {first_line})",
                        builder.term, b.date
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The granularity of each request, from the dates of its series.
    fn granularities(
        &self,
        builders: &[Builder],
        requests: usize,
        hint: Option<Granularity>,
    ) -> Result<Vec<Granularity>> {
        let mut dates: Vec<Vec<Date>> = vec![Vec::new(); requests.max(1)];
        for b in builders {
            if let Some(list) = dates.get_mut(b.request) {
                list.extend(b.points.iter().map(|(p, _)| p.date));
            }
        }
        dates
            .into_iter()
            .map(|mut list| {
                list.sort_unstable();
                list.dedup();
                infer_granularity(&list, hint)
                    .map_err(|found| self.error(self.first_data_line(), found))
            })
            .collect()
    }

    fn first_data_line(&self) -> u64 {
        self.rows
            .iter()
            .find(|r| !r.is_blank())
            .map_or(1, |r| r.line)
    }

    /// The scale group of each request: `--scale-group` (numbered `G/1`, `G/2`… when the file
    /// holds several requests), else [`default_scale_group`].
    fn scale_groups(
        &self,
        layout: Layout,
        series: &[(usize, Series)],
        requests: &[String],
    ) -> Vec<String> {
        (0..requests.len())
            .map(|r| match &self.options.scale_group {
                Some(group) if requests.len() == 1 => group.clone(),
                Some(group) => format!("{group}/{}", r + 1),
                None => {
                    let of_request: Vec<&Series> = series
                        .iter()
                        .filter(|(request, _)| *request == r)
                        .map(|(_, s)| s)
                        .collect();
                    default_scale_group(self.path, layout, &of_request, &requests[r])
                }
            })
            .collect()
    }
}

/// The granularity of a set of sorted, distinct dates: the median distance between neighbours
/// (1 day, about 7 days, or 28–31 days with every date a first of the month). A single date takes
/// the header's word, else is read as daily.
fn infer_granularity(
    dates: &[Date],
    hint: Option<Granularity>,
) -> std::result::Result<Granularity, String> {
    if dates.len() < 2 {
        return Ok(hint.unwrap_or(Granularity::Day));
    }
    let mut gaps: Vec<i32> = dates
        .windows(2)
        .map(|w| {
            super::super::analysis::day_number(w[1]) - super::super::analysis::day_number(w[0])
        })
        .collect();
    gaps.sort_unstable();
    let median = gaps[gaps.len() / 2];
    let firsts = dates.iter().all(|d| d.day() == 1);
    match median {
        1 => Ok(Granularity::Day),
        6..=8 => Ok(Granularity::Week),
        28..=31 if firsts => Ok(Granularity::Month),
        _ => Err(format!(
            "expected daily, weekly or monthly dates, found dates a median {median} days apart"
        )),
    }
}

/// True when the values of a layout's terms share one scale, so that the terms are part of the
/// request: Google and pytrends scale every term of a request to the request's peak. Pinterest
/// scales each trend to its own peak and its list of trends changes with every export; counts
/// (`term,date,value`) have no scale at all.
fn terms_name_the_request(layout: Layout) -> bool {
    !matches!(layout, Layout::Pinterest | Layout::TermDateValue)
}

/// The default scale group of one request: the file's stem (see [`group_stem`]) and a hash of
/// the layout, the request's label, and its sources, metrics, regions, segments and (where they
/// share its scale) terms, each as a sorted set. Never its dates: a longer export of the same
/// terms names the same group, so importing it updates its series in place.
fn default_scale_group(path: &Path, layout: Layout, series: &[&Series], label: &str) -> String {
    let set = |of: fn(&Series) -> String| -> String {
        let values: BTreeSet<String> = series.iter().map(|s| of(s)).collect();
        values.into_iter().collect::<Vec<_>>().join("\u{1f}")
    };
    let mut parts = vec![
        layout.as_str().to_string(),
        label.to_string(),
        set(|s| s.source.as_str().to_string()),
        set(|s| s.metric.clone()),
        set(|s| s.region.clone().unwrap_or_default()),
        set(|s| s.segment.clone().unwrap_or_default()),
    ];
    if terms_name_the_request(layout) {
        parts.push(set(|s| s.term.clone()));
    }
    let hash = fnv1a64(parts.join("\u{1e}").as_bytes());
    format!(
        "{}-{:08x}",
        group_stem(path),
        (hash >> 32) as u32 ^ hash as u32
    )
}

/// The part of a file's name that names its request: the stem without a download counter
/// (`multiTimeline (1)` is `multiTimeline`) or dates (`pinterest_trends_2024-06-03` is
/// `pinterest_trends`), so that a refreshed export saved beside the first names the same group.
pub(crate) fn group_stem(path: &Path) -> String {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = without_dates(without_counter(&stem));
    if stem.is_empty() {
        "trends".into()
    } else {
        stem
    }
}

fn without_counter(stem: &str) -> &str {
    let trimmed = stem.trim_end();
    if let Some(open) = trimmed.rfind('(')
        && let Some(inside) = trimmed[open + 1..].strip_suffix(')')
        && !inside.is_empty()
        && inside.bytes().all(|b| b.is_ascii_digit())
    {
        return trimmed[..open].trim_end();
    }
    trimmed
}

const SEPARATORS: [char; 4] = ['-', '_', ' ', '.'];

/// Drops the date tokens of a stem (`20240603`, `2024-06-03`, `2024_06`), keeping the other
/// tokens and the separator after each.
fn without_dates(stem: &str) -> String {
    let mut pieces: Vec<(&str, &str)> = Vec::new();
    let mut rest = stem;
    while !rest.is_empty() {
        let end = rest.find(SEPARATORS).unwrap_or(rest.len());
        let sep = rest[end..].chars().next().map_or(0, char::len_utf8);
        pieces.push((&rest[..end], &rest[end..end + sep]));
        rest = &rest[end + sep..];
    }
    let mut keep = vec![true; pieces.len()];
    let mut i = 0;
    while i < pieces.len() {
        let run = date_run(&pieces, i);
        keep[i..i + run].iter_mut().for_each(|k| *k = false);
        i += run.max(1);
    }
    let mut out = String::new();
    let mut pending = "";
    for ((token, sep), keep) in pieces.iter().zip(keep) {
        if keep && !token.is_empty() {
            if !out.is_empty() {
                out.push_str(if pending.is_empty() { "-" } else { pending });
            }
            out.push_str(token);
            pending = sep;
        }
    }
    out
}

/// How many tokens from `i` on write a date: `20240603`; `2024`, `06`, `03`; or `2024`, `06`.
fn date_run(pieces: &[(&str, &str)], i: usize) -> usize {
    let digits = |k: usize, n: usize| {
        pieces
            .get(k)
            .is_some_and(|(t, _)| t.len() == n && t.bytes().all(|b| b.is_ascii_digit()))
    };
    let year = pieces
        .get(i)
        .and_then(|(t, _)| t.get(..4))
        .and_then(|y| y.parse::<u32>().ok())
        .is_some_and(|y| (1990..=2100).contains(&y));
    if !year {
        0
    } else if digits(i, 8) {
        1
    } else if digits(i, 4) && digits(i + 1, 2) && digits(i + 2, 2) {
        3
    } else if digits(i, 4) && digits(i + 1, 2) {
        2
    } else {
        0
    }
}

/// Keeps every series of a file. A term written twice in one request (a column repeated) would
/// be one series twice: the second is kept as `term (2)`, the third as `term (3)`. Terms that
/// fold to one key ("back to school outfits", "back to school") are different series; they are
/// returned so the import can say so.
fn settle(series: &mut [Series]) -> Vec<TermCollision> {
    let mut seen: HashSet<SeriesId> = HashSet::new();
    let mut repeats: HashMap<SeriesId, usize> = HashMap::new();
    for s in series.iter_mut() {
        let original = s.id();
        if seen.contains(&original) {
            let term = s.term.clone();
            let n = repeats.entry(original).or_insert(1);
            loop {
                *n += 1;
                s.term = format!("{term} ({n})");
                if !seen.contains(&s.id()) {
                    break;
                }
            }
        }
        seen.insert(s.id());
    }
    let mut by_key: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for s in series.iter() {
        let terms = by_key.entry(s.key.as_str()).or_default();
        if !terms.contains(&s.term.as_str()) {
            terms.push(&s.term);
        }
    }
    by_key
        .into_iter()
        .filter(|(_, terms)| terms.len() > 1)
        .map(|(key, terms)| TermCollision {
            key: key.to_string(),
            terms: terms.into_iter().map(str::to_string).collect(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_stems_drop_download_counters_and_dates() {
        let stem = |name: &str| group_stem(Path::new(name));
        assert_eq!(stem("multiTimeline (1).csv"), "multiTimeline");
        assert_eq!(stem("multiTimeline(12).csv"), "multiTimeline");
        assert_eq!(stem("pinterest_trends_2024-06-03.csv"), "pinterest_trends");
        assert_eq!(stem("2024-06-03_pinterest.csv"), "pinterest");
        assert_eq!(stem("export-20240603-uk.csv"), "export-uk");
        assert_eq!(stem("balletcore 2024_06.csv"), "balletcore");
        assert_eq!(stem("balletcore-2024.csv"), "balletcore-2024");
        assert_eq!(stem("yeezy-us.csv"), "yeezy-us");
        assert_eq!(stem("2024-06-03.csv"), "trends");
        assert_eq!(stem("mood (2023).csv"), "mood");
    }
}
