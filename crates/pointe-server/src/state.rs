//! What every handler shares: the data directory, the limits and the metrics.

use std::sync::Arc;
use std::time::Duration;

use pointe_app::Workspace;
use pointe_app::reader::{Open, Reader};

use crate::error::{ApiError, ApiResult};
use crate::metrics::Metrics;

/// The server's configuration.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The largest feed or trend export a POST may send, in bytes.
    pub feed_limit: u64,
    /// The largest JSON body, in bytes.
    pub json_limit: usize,
    /// How long one request may take before it is answered 408.
    pub timeout: Duration,
    /// Origins allowed to call the API from a browser (CORS); none by default.
    pub cors_origins: Vec<String>,
    /// Who may frame edit pages and widgets (the CSP `frame-ancestors` sources); `*` by
    /// default, since embedding them is their purpose.
    pub frame_ancestors: String,
    /// The address readers reach the server at: edits' public pages, iframe snippets and
    /// oEmbed answers are given under it.
    pub public_url: String,
    /// Whether a source added over the API may name a private or loopback address.
    pub allow_private_sources: bool,
}

impl Default for ServerConfig {
    fn default() -> ServerConfig {
        ServerConfig {
            feed_limit: 512 * 1024 * 1024,
            json_limit: 1024 * 1024,
            timeout: Duration::from_secs(300),
            cors_origins: Vec::new(),
            frame_ancestors: "*".into(),
            public_url: "http://127.0.0.1:8080".into(),
            allow_private_sources: false,
        }
    }
}

/// The state handlers share.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The data directory served.
    pub ws: Workspace,
    /// Store connections and the search index, shared by every read.
    pub reader: Arc<Reader>,
    /// The limits.
    pub config: Arc<ServerConfig>,
    /// The metrics.
    pub metrics: Arc<Metrics>,
}

impl AppState {
    /// The addresses of published edits.
    pub fn links(&self) -> ApiResult<pointe_app::edits::Links> {
        Ok(pointe_app::edits::Links::new(&self.config.public_url)?)
    }

    /// Runs blocking work (SQLite, tantivy, feed parsing) off the async runtime.
    pub async fn blocking<T, F>(&self, f: F) -> ApiResult<T>
    where
        F: FnOnce(&Workspace) -> pointe_app::Result<T> + Send + 'static,
        T: Send + 'static,
    {
        let ws = self.ws.clone();
        joined(tokio::task::spawn_blocking(move || f(&ws)).await)
    }

    /// Runs a read over the shared store connections and search index, off the async
    /// runtime; the index is reopened first when the store's generation moved.
    pub async fn read<T, F>(&self, f: F) -> ApiResult<T>
    where
        F: FnOnce(&Open<'_>) -> pointe_app::Result<T> + Send + 'static,
        T: Send + 'static,
    {
        let reader = Arc::clone(&self.reader);
        joined(tokio::task::spawn_blocking(move || reader.with(f)).await)
    }
}

fn joined<T>(outcome: Result<pointe_app::Result<T>, tokio::task::JoinError>) -> ApiResult<T> {
    match outcome {
        Ok(result) => result.map_err(ApiError::from),
        Err(join) => {
            tracing::error!(error = %join, "a blocking task failed");
            Err(ApiError::new(
                pointe_app::ErrorCode::Internal,
                "internal error; the server log has the details",
            ))
        }
    }
}
