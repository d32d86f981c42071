//! `X-Line-Signature`: base64 of HMAC-SHA256 of the raw request body under the channel
//! secret. Checked in constant time before anything of the body is read.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The signature LINE sends with `body` (what the fake LINE server of the tests signs with).
pub fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = mac(secret);
    mac.update(body);
    STANDARD.encode(mac.finalize().into_bytes())
}

/// True when `header` is `body`'s signature under `secret` (compared in constant time).
pub fn verify(secret: &str, body: &[u8], header: Option<&str>) -> bool {
    let Some(Ok(claimed)) = header.map(|h| STANDARD.decode(h.trim())) else { return false };
    let mut mac = mac(secret);
    mac.update(body);
    mac.verify_slice(&claimed).is_ok()
}

fn mac(secret: &str) -> Hmac<Sha256> {
    // HMAC takes a key of any length: this cannot fail.
    <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).unwrap_or_else(|_| unreachable!("HMAC keys of any length"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_and_any_change_does_not() {
        let body = br#"{"events":[]}"#;
        let s = sign("secret", body);
        assert!(verify("secret", body, Some(&s)));
        assert!(!verify("other", body, Some(&s)));
        assert!(!verify("secret", br#"{"events":[1]}"#, Some(&s)));
        assert!(!verify("secret", body, None));
        assert!(!verify("secret", body, Some("not base64 !")));
    }

    #[test]
    fn it_matches_a_signature_computed_elsewhere() {
        // `printf '%s' 'hello' | openssl dgst -sha256 -hmac key -binary | base64`
        assert_eq!(sign("key", b"hello"), "kwezuRXvtRcf8U2MtV+8x5jGwO8UVtZt7RpqpyOli3s=");
    }
}
