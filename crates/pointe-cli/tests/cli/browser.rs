//! Rendering pages in headless Chromium (Debian's `chromium`, installed by `scripts/test`),
//! reading back what a probe measured in them, and taking screenshots, without a WebDriver.
//!
//! Pages are served by a [`Site`] on loopback, each under the policy a strict host gives an
//! embedded widget (no inline script), so the probe is a script file of the same origin, never
//! an inline one. Each page is loaded in an iframe of the width under test (a headless window
//! is never narrower than 500 px: a 375 px window lays its page out 500 px wide and crops it),
//! the probe writes a JSON result on the page's `<body>`, the framing page copies it onto its
//! own, and the DOM is dumped once the page has settled.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

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

/// The policy widget pages are served under: images from anywhere (and `data:`), inline style,
/// and script only from the site itself.
pub const WIDGET_CSP: &str = "default-src 'none'; img-src http: https: data:; \
                              style-src 'unsafe-inline'; script-src 'self'";

/// Where tests leave what people look at after a run (screenshots): `<target>/artefacts`.
pub fn artefacts_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .join("artefacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[derive(Clone)]
struct Resource {
    content_type: &'static str,
    body: Vec<u8>,
    csp: Option<&'static str>,
}

/// A loopback HTTP server for one test: it serves the resources put on it, and 404 for any
/// other path. It stops when dropped.
pub struct Site {
    port: u16,
    resources: Arc<Mutex<HashMap<String, Resource>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Site {
    pub fn start() -> Site {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let resources: Arc<Mutex<HashMap<String, Resource>>> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (resources, stop) = (resources.clone(), stop.clone());
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let resources = resources.clone();
                    std::thread::spawn(move || answer(stream, &resources));
                }
            })
        };
        Site {
            port,
            resources,
            stop,
            thread: Some(thread),
        }
    }

    /// The absolute URL of `path` (which starts with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Serves `body` at `path`.
    pub fn put(&self, path: &str, content_type: &'static str, body: impl Into<Vec<u8>>) {
        self.put_resource(path, content_type, body.into(), None);
    }

    /// Serves, at `path`, an HTML page holding `body` (with a phone viewport) under
    /// [`WIDGET_CSP`]; with a `probe`, the page runs it from `<path>.probe.js`.
    pub fn put_page(&self, path: &str, body: &str, probe: Option<&str>) {
        let script = match probe {
            Some(probe) => {
                let script_path = format!("{path}.probe.js");
                self.put(&script_path, "text/javascript", probe);
                format!("<script src=\"{script_path}\"></script>")
            }
            None => String::new(),
        };
        let page = format!(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>Widget</title></head><body style=\"margin:0\">{body}{script}</body></html>"
        );
        self.put_resource(
            path,
            "text/html; charset=utf-8",
            page.into(),
            Some(WIDGET_CSP),
        );
    }

    fn put_resource(
        &self,
        path: &str,
        content_type: &'static str,
        body: Vec<u8>,
        csp: Option<&'static str>,
    ) {
        self.resources.lock().unwrap().insert(
            path.to_string(),
            Resource {
                content_type,
                body,
                csp,
            },
        );
    }

    /// A page framing `path` in an iframe `width` × `height` at its top left corner, which
    /// copies the framed page's `data-result` onto its own body as soon as it appears.
    fn frame(&self, path: &str, width: u32, height: u32) -> String {
        let frame = format!("/frame-{width}x{height}{}", path.replace('/', "-"));
        self.put(
            &frame,
            "text/html; charset=utf-8",
            format!(
                "<!doctype html><html><body style=\"margin:0\"><iframe id=\"f\" src=\"{path}\" \
                 width=\"{width}\" height=\"{height}\" style=\"border:0;display:block\"></iframe>\
                 <script>const poll = setInterval(() => {{ \
                 const body = document.getElementById('f').contentDocument?.body; \
                 const result = body && body.getAttribute('data-result'); \
                 if (result) {{ document.body.setAttribute('data-result', result); clearInterval(poll); }} \
                 }}, 50);</script></body></html>"
            ),
        );
        self.url(&frame)
    }

    /// Loads the page at `path` (one put with a probe) `width` pixels wide and returns what its
    /// probe reported.
    pub fn measure(&self, chromium: &Path, path: &str, width: u32) -> serde_json::Value {
        let frame = self.frame(path, width, 900);
        let out = run_chromium(chromium, &["--window-size=1400,1000", "--dump-dom"], &frame);
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

    /// A screenshot of the page at `path`, `width` × `height` pixels, written to `out`.
    pub fn screenshot(&self, chromium: &Path, path: &str, width: u32, height: u32, out: &Path) {
        let frame = self.frame(path, width, height);
        let _ = std::fs::remove_file(out);
        let run = run_chromium(
            chromium,
            &[
                &format!("--window-size={width},{height}"),
                &format!("--screenshot={}", out.display()),
                "--hide-scrollbars",
            ],
            &frame,
        );
        assert!(
            out.exists(),
            "no screenshot at {}: {}",
            out.display(),
            String::from_utf8_lossy(&run.stderr)
        );
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so that it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Answers one request: the resource at the request's path (its query ignored), or 404.
fn answer(mut stream: TcpStream, resources: &Mutex<HashMap<String, Resource>>) {
    let mut request = Vec::new();
    let mut buf = [0u8; 4096];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") && request.len() < 64 * 1024 {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => request.extend_from_slice(&buf[..n]),
        }
    }
    let request = String::from_utf8_lossy(&request);
    let target = request.split_whitespace().nth(1).unwrap_or("/");
    let path = target.split('?').next().unwrap_or(target);
    let found = resources.lock().unwrap().get(path).cloned();
    let (status, resource) = match found {
        Some(resource) => ("200 OK", resource),
        None => (
            "404 Not Found",
            Resource {
                content_type: "text/plain",
                body: b"not found".to_vec(),
                csp: None,
            },
        ),
    };
    let mut head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n",
        resource.content_type,
        resource.body.len()
    );
    if let Some(csp) = resource.csp {
        head.push_str(&format!("Content-Security-Policy: {csp}\r\n"));
    }
    head.push_str("\r\n");
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&resource.body);
}

fn run_chromium(chromium: &Path, args: &[&str], url: &str) -> std::process::Output {
    let profile = tempfile::tempdir().unwrap();
    Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--virtual-time-budget=5000",
        ])
        .args(args)
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(url)
        .output()
        .unwrap()
}

/// A PNG of one colour, `width` × `height`.
pub fn png(width: u32, height: u32, rgb: [u8; 3]) -> Vec<u8> {
    let row: Vec<u8> = std::iter::once(0)
        .chain(rgb.iter().copied().cycle().take(3 * width as usize))
        .collect();
    let mut deflate = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    for _ in 0..height {
        deflate.write_all(&row).unwrap();
    }
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    for (kind, data) in [
        (b"IHDR", ihdr),
        (b"IDAT", deflate.finish().unwrap()),
        (b"IEND", Vec::new()),
    ] {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut crc = flate2::Crc::new();
        crc.update(kind);
        crc.update(&data);
        out.extend_from_slice(kind);
        out.extend_from_slice(&data);
        out.extend_from_slice(&crc.sum().to_be_bytes());
    }
    out
}

/// The pixels of a PNG screenshot (8-bit RGB or RGBA, not interlaced, as Chromium writes them).
pub struct Bitmap {
    pub width: usize,
    pub height: usize,
    channels: usize,
    pixels: Vec<u8>,
}

impl Bitmap {
    pub fn read(path: &Path) -> Bitmap {
        let data = std::fs::read(path).unwrap();
        assert_eq!(
            &data[..8],
            b"\x89PNG\r\n\x1a\n",
            "{} is no PNG",
            path.display()
        );
        let (mut pos, mut header, mut idat) = (8, Vec::new(), Vec::new());
        while pos + 8 <= data.len() {
            let len = u32::from_be_bytes(data[pos..pos + 4].try_into().unwrap()) as usize;
            let kind = &data[pos + 4..pos + 8];
            let body = &data[pos + 8..pos + 8 + len];
            match kind {
                b"IHDR" => header = body.to_vec(),
                b"IDAT" => idat.extend_from_slice(body),
                _ => {}
            }
            pos += 12 + len;
        }
        let width = u32::from_be_bytes(header[0..4].try_into().unwrap()) as usize;
        let height = u32::from_be_bytes(header[4..8].try_into().unwrap()) as usize;
        let channels = match (header[8], header[9], header[12]) {
            (8, 2, 0) => 3,
            (8, 6, 0) => 4,
            other => panic!("unexpected PNG format (depth, colour, interlace) {other:?}"),
        };
        let mut raw = Vec::new();
        flate2::read::ZlibDecoder::new(&idat[..])
            .read_to_end(&mut raw)
            .unwrap();
        let stride = width * channels;
        let mut pixels = vec![0u8; stride * height];
        for y in 0..height {
            let line = &raw[y * (stride + 1)..(y + 1) * (stride + 1)];
            let filter = line[0];
            for x in 0..stride {
                let a = if x >= channels {
                    pixels[y * stride + x - channels]
                } else {
                    0
                };
                let b = if y > 0 {
                    pixels[(y - 1) * stride + x]
                } else {
                    0
                };
                let c = if y > 0 && x >= channels {
                    pixels[(y - 1) * stride + x - channels]
                } else {
                    0
                };
                let predicted = match filter {
                    0 => 0,
                    1 => a,
                    2 => b,
                    3 => ((u16::from(a) + u16::from(b)) / 2) as u8,
                    4 => paeth(a, b, c),
                    other => panic!("unknown PNG filter {other}"),
                };
                pixels[y * stride + x] = line[1 + x].wrapping_add(predicted);
            }
        }
        Bitmap {
            width,
            height,
            channels,
            pixels,
        }
    }

    /// The colour at `(x, y)`.
    pub fn rgb(&self, x: usize, y: usize) -> [u8; 3] {
        let at = (y * self.width + x) * self.channels;
        [self.pixels[at], self.pixels[at + 1], self.pixels[at + 2]]
    }

    /// How many pixels of the rectangle `rect` (`x`, `y`, `width`, `height` in CSS pixels of a
    /// page at scale 1) are within `tolerance` of `rgb` on every channel.
    pub fn count_near(&self, rect: &serde_json::Value, rgb: [u8; 3], tolerance: u8) -> usize {
        let edge = |key: &str| rect[key].as_f64().unwrap().max(0.0) as usize;
        let (x0, y0) = (edge("x"), edge("y"));
        let x1 = (x0 + edge("width")).min(self.width);
        let y1 = (y0 + edge("height")).min(self.height);
        (y0..y1)
            .flat_map(|y| (x0..x1).map(move |x| (x, y)))
            .filter(|&(x, y)| {
                self.rgb(x, y)
                    .iter()
                    .zip(rgb)
                    .all(|(have, want)| have.abs_diff(want) <= tolerance)
            })
            .count()
    }
}

fn paeth(a: u8, b: u8, c: u8) -> u8 {
    let p = i16::from(a) + i16::from(b) - i16::from(c);
    let (pa, pb, pc) = (
        (p - i16::from(a)).abs(),
        (p - i16::from(b)).abs(),
        (p - i16::from(c)).abs(),
    );
    if pa <= pb && pa <= pc {
        a
    } else if pb <= pc {
        b
    } else {
        c
    }
}

#[test]
fn a_png_written_here_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.png");
    std::fs::write(&path, png(7, 5, [12, 200, 34])).unwrap();
    let bitmap = Bitmap::read(&path);
    assert_eq!((bitmap.width, bitmap.height), (7, 5));
    assert_eq!(bitmap.rgb(6, 4), [12, 200, 34]);
    let all = serde_json::json!({ "x": 0, "y": 0, "width": 7, "height": 5 });
    assert_eq!(bitmap.count_near(&all, [12, 200, 34], 0), 35);
    assert_eq!(bitmap.count_near(&all, [200, 12, 34], 10), 0);
}
