//! Proxy mode (`serve --upstream URL [--record DIR]`): every `/v2` call is forwarded to a real
//! Tripletex with the caller's own credentials and answered with its answer (`forward`), and each
//! exchange, secrets redacted, is written to one recording file per session in the run format
//! `conformance --recorded` replays (`record`).

mod forward;
mod record;

pub use forward::{Upstream, divert};
pub use record::{Exchange, Recorder};

use std::path::PathBuf;

/// What `serve` was told about the upstream.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Scheme and host (and any base path) without a trailing `/v2`: `https://api-test.tripletex.tech`.
    pub origin: String,
    /// Where each session's recording is written; None records nothing.
    pub record: Option<PathBuf>,
}

impl Settings {
    /// Reads `--upstream` (with or without `/v2`, with or without a trailing slash).
    pub fn parse(upstream: &str, record: Option<PathBuf>) -> Result<Self, String> {
        let how = "give the Tripletex to forward to as http(s)://host[:port], e.g. --upstream https://api-test.tripletex.tech";
        let url = reqwest::Url::parse(upstream.trim())
            .map_err(|e| format!("--upstream {upstream:?} is not a URL ({e}); {how}"))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(format!(
                "--upstream {upstream:?} is not an http(s) URL with a host; {how}"
            ));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(format!("--upstream {upstream:?} has a query or fragment; {how}"));
        }
        let text = url.as_str().trim_end_matches('/');
        let origin = text.strip_suffix("/v2").unwrap_or(text).to_owned();
        if let Some(dir) = &record {
            std::fs::create_dir_all(dir).map_err(|e| {
                format!(
                    "--record {}: cannot create the directory ({e}); give a writable directory",
                    dir.display()
                )
            })?;
        }
        Ok(Self { origin, record })
    }
}

#[cfg(test)]
mod tests {
    use super::Settings;

    #[test]
    fn an_upstream_is_read_with_or_without_v2_and_refused_without_a_host() {
        for given in [
            "https://api-test.tripletex.tech",
            "https://api-test.tripletex.tech/v2/",
            "https://api-test.tripletex.tech/",
        ] {
            assert_eq!(
                Settings::parse(given, None).map(|s| s.origin),
                Ok("https://api-test.tripletex.tech".to_owned())
            );
        }
        assert_eq!(
            Settings::parse("http://127.0.0.1:9000/base/v2", None).map(|s| s.origin),
            Ok("http://127.0.0.1:9000/base".to_owned())
        );
        for bad in ["api-test.tripletex.tech", "ftp://host", "https://host/v2?x=1"] {
            assert!(Settings::parse(bad, None).is_err(), "{bad} was accepted");
        }
    }
}
