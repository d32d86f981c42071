//! The parts of a `multipart/form-data` body, as the fake Bot API server receives a file
//! (`sendPhoto`, `sendDocument`): each part's field name, its file name if it is a file, and
//! its bytes. Enough of RFC 7578 for what teloxide sends; a test double, not a parser for
//! the world.

/// One part of a form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// The field (`chat_id`, `caption`, `photo` …).
    pub name: String,
    /// The file's name, for a file.
    pub file_name: Option<String>,
    /// The part's bytes.
    pub data: Vec<u8>,
}

/// The parts of `body`, sent with `content_type` (`multipart/form-data; boundary=…`); none
/// when it is not a form.
pub fn parts(content_type: &str, body: &[u8]) -> Vec<Part> {
    let Some(boundary) = content_type
        .split(';')
        .map(str::trim)
        .find_map(|p| p.strip_prefix("boundary="))
        .map(|b| format!("--{}", b.trim_matches('"')))
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    // Each part sits between two boundary lines: "\r\n" head "\r\n\r\n" data "\r\n".
    for chunk in split(body, boundary.as_bytes()).into_iter().skip(1) {
        let Some(chunk) = chunk.strip_prefix(b"\r\n") else { continue };
        let Some(at) = find(chunk, b"\r\n\r\n") else { continue };
        let head = String::from_utf8_lossy(&chunk[..at]);
        let data = chunk[at + 4..].strip_suffix(b"\r\n").unwrap_or(&chunk[at + 4..]).to_vec();
        let param = |key: &str| {
            head.lines()
                .find(|l| l.to_ascii_lowercase().starts_with("content-disposition"))
                .and_then(|l| l.split(';').map(str::trim).find_map(|p| p.strip_prefix(&format!("{key}="))))
                .map(|v| v.trim_matches('"').to_string())
        };
        if let Some(name) = param("name") {
            out.push(Part { name, file_name: param("filename"), data });
        }
    }
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// `body` cut at every `boundary`.
fn split<'a>(mut body: &'a [u8], boundary: &[u8]) -> Vec<&'a [u8]> {
    let mut out = Vec::new();
    while let Some(at) = find(body, boundary) {
        out.push(&body[..at]);
        body = &body[at + boundary.len()..];
    }
    out.push(body);
    out
}
