//! Rendering pages in headless Chromium (Debian's `chromium`, installed by `scripts/test`) and
//! reading back what a script measured in them, without a WebDriver: each page is loaded in an
//! iframe of the width under test (headless windows are never narrower than 500 px), its script
//! writes a JSON result on its `<body>`, and the DOM is dumped once the page has settled.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The Chromium binary, or `None` (the skip recorded) when it is not installed.
pub fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("POINTE_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    if path.exists() {
        return Some(path);
    }
    pointe_testdata::skip(&format!("{} is not installed", path.display()));
    None
}

/// The script a measured page ends with: `measure` is the body of a function returning the
/// value to report.
pub fn measuring_script(measure: &str) -> String {
    format!(
        "<script>window.addEventListener('load', () => {{ const result = (() => {{ {measure} }})(); \
         document.body.setAttribute('data-result', JSON.stringify(result)); }});</script>"
    )
}

/// Loads `page` (a file whose script reports through [`measuring_script`]) in a frame `width`
/// pixels wide and returns what it reported.
pub fn measure_at(chromium: &Path, dir: &Path, page: &Path, width: u32) -> serde_json::Value {
    let frame = dir.join(format!("frame-{width}.html"));
    let src = page.file_name().unwrap().to_string_lossy().into_owned();
    std::fs::write(
        &frame,
        format!(
            "<!doctype html><html><body style=\"margin:0\"><iframe id=\"f\" src=\"{src}\" \
             width=\"{width}\" height=\"900\" style=\"border:0\"></iframe><script>\
             document.getElementById('f').addEventListener('load', e => {{ \
             document.body.setAttribute('data-result', \
             e.target.contentDocument.body.getAttribute('data-result')); }});</script></body></html>"
        ),
    )
    .unwrap();
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--allow-file-access-from-files",
            "--window-size=1400,1000",
            "--virtual-time-budget=5000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("file://{}", frame.display()))
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&out.stdout);
    let start = dom
        .find("data-result=\"")
        .unwrap_or_else(|| panic!("no result in the page:\n{dom}"))
        + "data-result=\"".len();
    let end = start + dom[start..].find('"').unwrap();
    let json = dom[start..end]
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"))
}
