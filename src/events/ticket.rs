//! Personal tickets: a short code a person shows at the registration desk (as a QR code or
//! typed), e.g. `LSN-2A-7K3QX9M1PZ`. It names the registration and carries a truncated
//! HMAC-SHA256 tag keyed from the server's secret, so nobody can guess or forge another
//! person's ticket, and no database column is needed: the code is derived, never stored.
//!
//! Crockford base32 (no I, L, O, U) keeps it typeable and case-insensitive; typing O for 0 or
//! I/L for 1, spaces and missing hyphens are forgiven.

use hmac::{Hmac, Mac};
use qrcode::{Color, EcLevel, QrCode};
use sha2::Sha256;

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const PREFIX: &str = "LSN";
/// Characters of the tag: 50 bits.
const TAG_LEN: usize = 10;

/// The key tickets are signed with, derived from the server's secret key (so it changes when
/// that key does, and is never the cookie key itself).
#[derive(Clone)]
pub struct TicketKey([u8; 32]);

impl TicketKey {
    pub fn derive(secret: &[u8]) -> TicketKey {
        TicketKey(mac(secret, b"liaison ticket key v1"))
    }
}

impl std::fmt::Debug for TicketKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TicketKey(…)")
    }
}

fn mac(key: &[u8], msg: &[u8]) -> [u8; 32] {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes a key of any length");
    m.update(msg);
    m.finalize().into_bytes().into()
}

fn base32(mut n: u64) -> String {
    let mut out = Vec::new();
    loop {
        out.push(ALPHABET[(n % 32) as usize]);
        n /= 32;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8(out).expect("ASCII")
}

fn tag(key: &TicketKey, registration_id: i64) -> String {
    let m = mac(&key.0, format!("ticket:{registration_id}").as_bytes());
    let bits = u64::from_be_bytes(m[..8].try_into().expect("8 bytes")) >> (64 - 5 * TAG_LEN);
    format!("{:0>width$}", base32(bits), width = TAG_LEN)
}

/// The ticket code of a registration.
pub fn code(key: &TicketKey, registration_id: i64) -> String {
    format!("{PREFIX}-{}-{}", base32(registration_id.max(0) as u64), tag(key, registration_id))
}

/// The text as a ticket would be compared: upper case, no spaces or hyphens, look-alike
/// letters read as digits.
fn normalise(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace() && *c != '-').map(|c| c.to_ascii_uppercase()).collect()
}

/// Whether `text` is meant as a ticket code (so a desk search shows "no ticket matches" rather
/// than searching names for it).
pub fn looks_like_code(text: &str) -> bool {
    let n = normalise(text);
    n.len() > PREFIX.len() + TAG_LEN && n.starts_with(PREFIX) && n.chars().all(|c| c.is_ascii_alphanumeric())
}

/// The registration id a genuine ticket code names, or None for anything else.
pub fn verify(key: &TicketKey, text: &str) -> Option<i64> {
    let n = normalise(text);
    let body = n.strip_prefix(PREFIX).unwrap_or(&n);
    if body.len() <= TAG_LEN || body.len() > TAG_LEN + 13 {
        return None;
    }
    let digits: Vec<u8> = body
        .chars()
        .map(|c| match c {
            'O' => Some(0),
            'I' | 'L' => Some(1),
            c => ALPHABET.iter().position(|a| *a as char == c).map(|p| p as u8),
        })
        .collect::<Option<_>>()?;
    let (id_part, tag_part) = digits.split_at(digits.len() - TAG_LEN);
    let id = id_part.iter().try_fold(0u64, |n, d| n.checked_mul(32)?.checked_add(u64::from(*d)))?;
    let id = i64::try_from(id).ok()?;
    let given: String = tag_part.iter().map(|d| ALPHABET[*d as usize] as char).collect();
    // Constant-time comparison: the time taken tells nothing about how much of a guess was right.
    let expected = tag(key, id);
    let differs = expected.bytes().zip(given.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b));
    (differs == 0).then_some(id)
}

fn qr(code: &str) -> Option<QrCode> {
    QrCode::with_error_correction_level(code.as_bytes(), EcLevel::M).ok()
}

/// The QR code of `code` as inline SVG (one path; black on white, with the quiet zone).
/// `code` comes from [`code`], so the label needs no escaping beyond what its alphabet allows.
pub fn qr_svg(code: &str) -> String {
    let Some(q) = qr(code) else { return String::new() };
    let w = q.width();
    let colors = q.to_colors();
    let mut path = String::new();
    for (i, c) in colors.iter().enumerate() {
        if *c == Color::Dark {
            path.push_str(&format!("M{} {}h1v1h-1z", i % w + 4, i / w + 4));
        }
    }
    let size = w + 8;
    let label: String = code.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" class="qr" viewBox="0 0 {size} {size}" role="img" aria-label="QR code of ticket {label}" shape-rendering="crispEdges"><rect width="{size}" height="{size}" fill="#fff"/><path fill="#000" d="{path}"/></svg>"##
    )
}

/// The QR code of `code` as a PNG (8 pixels a module, grey scale), for the e-mail.
pub fn qr_png(code: &str) -> Option<Vec<u8>> {
    const SCALE: usize = 8;
    let q = qr(code)?;
    let w = q.width();
    let colors = q.to_colors();
    let side = (w + 8) * SCALE;
    let mut pixels = vec![255u8; side * side];
    for (i, c) in colors.iter().enumerate() {
        if *c == Color::Dark {
            let (x, y) = ((i % w + 4) * SCALE, (i / w + 4) * SCALE);
            for row in y..y + SCALE {
                pixels[row * side + x..row * side + x + SCALE].fill(0);
            }
        }
    }
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, side as u32, side as u32);
    enc.set_color(png::ColorType::Grayscale);
    enc.set_depth(png::BitDepth::Eight);
    let mut writer = enc.write_header().ok()?;
    writer.write_image_data(&pixels).ok()?;
    writer.finish().ok()?;
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> TicketKey {
        TicketKey::derive(b"a server secret that is long enough")
    }

    #[test]
    fn a_code_verifies_to_its_registration() {
        for id in [1, 2, 31, 32, 1000, 123_456_789, i64::MAX] {
            let c = code(&key(), id);
            assert!(c.starts_with("LSN-"), "{c}");
            assert_eq!(verify(&key(), &c), Some(id), "{c}");
        }
        assert_eq!(code(&key(), 7), code(&key(), 7), "derived, so always the same");
        assert_ne!(code(&key(), 7), code(&key(), 8));
    }

    #[test]
    fn case_spaces_hyphens_and_look_alikes_are_forgiven() {
        let c = code(&key(), 4242);
        assert_eq!(verify(&key(), &c.to_lowercase()), Some(4242));
        assert_eq!(verify(&key(), &format!("  {}\n", c.replace('-', " "))), Some(4242));
        assert_eq!(verify(&key(), &c.replace('-', "")), Some(4242));
        assert_eq!(verify(&key(), &c.replace('0', "o").replace('1', "l")), Some(4242));
        assert_eq!(verify(&key(), c.trim_start_matches("LSN-")), Some(4242), "without the prefix");
    }

    #[test]
    fn tampered_or_foreign_codes_are_refused() {
        let k = key();
        let c = code(&k, 99);
        // Another registration's id with this tag.
        let other = c.replacen(&format!("-{}-", base32(99)), &format!("-{}-", base32(100)), 1);
        assert_ne!(other, c);
        assert_eq!(verify(&k, &other), None);
        // One character of the tag changed.
        let mut t: Vec<char> = c.chars().collect();
        let last = t.len() - 1;
        t[last] = if t[last] == 'A' { 'B' } else { 'A' };
        assert_eq!(verify(&k, &t.into_iter().collect::<String>()), None);
        // Signed with another key.
        assert_eq!(verify(&TicketKey::derive(b"another secret"), &c), None);
        for junk in ["", "LSN", "LSN--", "LSN-1-", "hello world", "LSN-UUUU-AAAAAAAAAA", &"Z".repeat(40)] {
            assert_eq!(verify(&k, junk), None, "{junk:?}");
        }
    }

    #[test]
    fn codes_are_recognised_as_codes_and_names_are_not() {
        assert!(looks_like_code(&code(&key(), 5)));
        assert!(looks_like_code("lsn-5-aaaaaaaaaa"));
        assert!(!looks_like_code("Ana Silva"));
        assert!(!looks_like_code("LSN"));
    }

    #[test]
    fn qr_codes_render_as_svg_and_png() {
        let c = code(&key(), 12);
        let svg = qr_svg(&c);
        assert!(svg.starts_with("<svg") && svg.contains(&c) && svg.contains("<path"), "{svg}");
        let png = qr_png(&c).expect("png");
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
        let decoder = png::Decoder::new(std::io::Cursor::new(png));
        let reader = decoder.read_info().expect("a PNG that decodes");
        assert!(reader.info().width >= 21 * 8);
    }
}
