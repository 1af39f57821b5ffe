//! Secrets (forge tokens, credentials written into URLs) kept out of
//! everything fixgen prints or stores. A secret is registered where it
//! enters the process (the token's environment variable, a URL with
//! userinfo); every output boundary (stdout, stderr, manifest, summaries,
//! what the forge answered) passes its text through [`redact`].
//!
//! Servers and proxies echo credentials in forms other than the one sent:
//! `Authorization: Basic base64(user:token)` and `base64(x-access-token:
//! token)` are what ureq and git send. So a secret is also masked inside any
//! base64 text: for each of the three byte alignments it can have in the
//! encoded data, the characters that depend only on the secret are a
//! pattern of their own.

use base64::engine::general_purpose::{STANDARD, URL_SAFE};
use base64::Engine;
use std::sync::RwLock;

/// Shorter patterns are masked only where they stand alone as a word. A
/// short string occurs by chance inside ordinary text (words, hashes,
/// other base64), so masking every occurrence would garble the output and,
/// through where the asterisks fall, show the secret itself. Real tokens
/// are far longer (GitHub's are 40 characters, GitLab's 20 or more).
pub const MIN_ANYWHERE: usize = 8;

const MASK: &str = "***";

/// The user name git sends with a token over https (see git::remote).
const TOKEN_USER: &str = "x-access-token";

/// The patterns that stand for known secrets, and the masking of them.
#[derive(Debug, Default, Clone)]
pub struct Redactor {
    /// Masked wherever they occur.
    anywhere: Vec<String>,
    /// Masked only between non-word characters (see `MIN_ANYWHERE`).
    whole_word: Vec<String>,
}

impl Redactor {
    pub const fn new() -> Self {
        Redactor {
            anywhere: Vec::new(),
            whole_word: Vec::new(),
        }
    }

    /// A forge token, as it is sent: alone (a header) or as git's password.
    pub fn add_token(&mut self, token: &str) {
        self.add_secret(token, &[format!("{TOKEN_USER}:{token}")]);
    }

    /// The credentials in a URL's userinfo, raw and percent-decoded. Over
    /// http(s) a user name without a password is itself the token
    /// (`https://TOKEN@host/…`); elsewhere (`ssh://git@host`) it is not secret.
    pub fn add_url(&mut self, url: &str) {
        let Some((scheme, user, password)) = userinfo(url) else {
            return;
        };
        match password {
            Some(password) => {
                for (user, password) in [
                    (user.to_string(), password.to_string()),
                    (percent_decode(user), percent_decode(password)),
                ] {
                    self.add_secret(&password, &[format!("{user}:{password}")]);
                }
            }
            None if scheme.starts_with("http") => {
                self.add_token(user);
                self.add_token(&percent_decode(user));
            }
            None => {}
        }
    }

    /// `secret` itself, the forms it is sent in (`sent_as`), and each of
    /// them inside base64 text.
    fn add_secret(&mut self, secret: &str, sent_as: &[String]) {
        if secret.is_empty() {
            return;
        }
        self.add_pattern(secret.to_string());
        self.add_pattern(STANDARD.encode(secret));
        for form in std::iter::once(secret).chain(sent_as.iter().map(String::as_str)) {
            self.add_pattern(STANDARD.encode(form));
            for core in base64_cores(form.as_bytes()) {
                // A short core is noise inside base64; the whole encodings
                // above still catch a short secret standing alone.
                if core.len() >= MIN_ANYWHERE {
                    self.add_pattern(core);
                }
            }
        }
    }

    fn add_pattern(&mut self, pattern: String) {
        let list = if pattern.chars().count() >= MIN_ANYWHERE {
            &mut self.anywhere
        } else {
            &mut self.whole_word
        };
        if !pattern.is_empty() && !list.contains(&pattern) {
            list.push(pattern);
        }
    }

    /// `text` with every known secret replaced by `***`.
    pub fn redact(&self, text: &str) -> String {
        let mut spans: Vec<(usize, usize)> = Vec::new();
        for pattern in &self.anywhere {
            spans.extend(
                text.match_indices(pattern.as_str())
                    .map(|(i, p)| (i, i + p.len())),
            );
        }
        for pattern in &self.whole_word {
            let standalone = |&(i, p): &(usize, &str)| {
                !text[..i].chars().next_back().is_some_and(is_word)
                    && !text[i + p.len()..].chars().next().is_some_and(is_word)
            };
            spans.extend(
                text.match_indices(pattern.as_str())
                    .filter(standalone)
                    .map(|(i, p)| (i, i + p.len())),
            );
        }
        mask(text, spans)
    }
}

/// Characters a token or a base64 text is made of.
fn is_word(c: char) -> bool {
    c.is_alphanumeric() || "-_+/=".contains(c)
}

/// `text` with the (possibly overlapping) byte spans replaced by one mask each.
fn mask(text: &str, mut spans: Vec<(usize, usize)>) -> String {
    spans.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (start, end) in spans {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    let mut out = String::with_capacity(text.len());
    let mut done = 0;
    for (start, end) in merged {
        out.push_str(&text[done..start]);
        out.push_str(MASK);
        done = end;
    }
    out.push_str(&text[done..]);
    out
}

/// For each alignment of `secret` in encoded data (0, 1 or 2 bytes before
/// it), the base64 characters that depend on no byte but the secret's, in
/// the standard and the URL-safe alphabets.
fn base64_cores(secret: &[u8]) -> Vec<String> {
    let mut cores = Vec::new();
    for before in 0..3 {
        let mut data = vec![0u8; before];
        data.extend_from_slice(secret);
        // Character i holds bits 6i..6i+6 of the data.
        let first = (8 * before).div_ceil(6);
        let last = 8 * data.len() / 6;
        for engine in [&STANDARD, &URL_SAFE] {
            let encoded = engine.encode(&data);
            if first < last {
                cores.push(encoded[first..last].to_string());
            }
        }
    }
    cores
}

/// The user and password a URL carries (`scheme://user:password@host/…`),
/// percent-decoded: to hand to git in memory rather than store the URL.
pub fn url_login(url: &str) -> Option<(String, String)> {
    let (_, user, password) = userinfo(url)?;
    Some((percent_decode(user), percent_decode(password?)))
}

/// (scheme, user, password) of `scheme://user[:password]@host/…`.
fn userinfo(url: &str) -> Option<(&str, &str, Option<&str>)> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    let (info, _host) = authority.rsplit_once('@')?;
    Some(match info.split_once(':') {
        Some((user, password)) => (scheme, user, Some(password)),
        None => (scheme, info, None),
    })
}

/// `url` without its userinfo: what may be shown or stored. The scp-like
/// `git@host:path` names only a user, which is kept.
pub fn strip_userinfo(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rsplit_once('@') {
        Some((_, host)) => format!("{scheme}://{host}{}", &rest[authority_end..]),
        None => url.to_string(),
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The secrets this process knows of.
static KNOWN: RwLock<Redactor> = RwLock::new(Redactor::new());

pub fn register_token(token: &str) {
    KNOWN
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .add_token(token);
}

pub fn register_url(url: &str) {
    KNOWN
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .add_url(url);
}

/// `text` without any secret registered so far.
pub fn redact(text: &str) -> String {
    KNOWN.read().unwrap_or_else(|e| e.into_inner()).redact(text)
}

/// Every string in `value` (keys left as they are) redacted.
pub fn redact_json(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::String(s) => *s = redact(s),
        Value::Array(items) => items.iter_mut().for_each(redact_json),
        Value::Object(map) => map.values_mut().for_each(redact_json),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "ghp_S3cr3tT0kenValue0123456789abcdef";

    fn with_token(token: &str) -> Redactor {
        let mut r = Redactor::new();
        r.add_token(token);
        r
    }

    #[test]
    fn a_token_is_masked_alone_and_inside_base64_at_any_alignment() {
        let r = with_token(TOKEN);
        assert_eq!(r.redact(&format!("Bearer {TOKEN}.")), "Bearer ***.");
        for prefix in ["", "x", "xy", "x-access-token:", "user:"] {
            let echoed = STANDARD.encode(format!("{prefix}{TOKEN}"));
            let shown = r.redact(&format!("Basic {echoed}"));
            assert!(shown.contains(MASK), "{prefix:?}: {shown}");
            assert!(!shown.contains(&echoed), "{prefix:?}: {shown}");
            let safe = URL_SAFE.encode(format!("{prefix}{TOKEN}"));
            assert!(!r.redact(&safe).contains(&safe), "{prefix:?}");
        }
    }

    #[test]
    fn a_short_token_is_masked_only_where_it_stands_alone() {
        let r = with_token("o");
        assert_eq!(
            r.redact("Not Found: token o, or YQ"),
            "Not Found: token ***, or YQ"
        );
        // Its header form is long enough to be masked anywhere.
        let header = STANDARD.encode("x-access-token:o");
        assert!(!r.redact(&format!("basic {header}")).contains(&header));
    }

    #[test]
    fn url_credentials_are_secrets_and_are_stripped_for_display() {
        let url = "https://bot:p%40ss-w0rd-long@git.example.com/o/r.git";
        let mut r = Redactor::new();
        r.add_url(url);
        assert_eq!(r.redact("pw p@ss-w0rd-long"), "pw ***");
        let basic = STANDARD.encode("bot:p@ss-w0rd-long");
        assert!(!r.redact(&basic).contains(&basic));
        assert_eq!(strip_userinfo(url), "https://git.example.com/o/r.git");
        assert_eq!(
            strip_userinfo("http://TOKEN@h:8080?q=a@b"),
            "http://h:8080?q=a@b"
        );
        assert_eq!(
            strip_userinfo("git@github.com:a/b.git"),
            "git@github.com:a/b.git"
        );
        assert_eq!(strip_userinfo("/srv/a@b/repo"), "/srv/a@b/repo");
        // ssh's user is a name, not a credential.
        let mut r = Redactor::new();
        r.add_url("ssh://git@host/o/r.git");
        assert_eq!(r.redact("git fetch"), "git fetch");
    }

    #[test]
    fn overlapping_matches_become_one_mask() {
        let mut r = with_token(TOKEN);
        r.add_token("S3cr3tT0kenValue0123");
        assert_eq!(r.redact(&format!("<{TOKEN}>")), "<***>");
    }
}
