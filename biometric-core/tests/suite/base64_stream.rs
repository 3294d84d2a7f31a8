//! `StreamDecoder` decodes whole groups in place when no group is pending and falls back to
//! filtering whitespace otherwise: whatever the cuts, the result must be the same.

use biometric_core::base64::{StreamDecoder, decode, encode};
use proptest::prelude::*;

/// Pushes `text` cut at `cuts` and finishes: the bytes, or `None` on an error.
fn streamed(text: &[u8], cuts: &[usize]) -> Option<Vec<u8>> {
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (text.len() + 1)).collect();
    cuts.sort_unstable();
    let mut decoder = StreamDecoder::new();
    let mut out = Vec::new();
    let mut start = 0;
    for cut in cuts.into_iter().chain([text.len()]) {
        decoder.push(&text[start..cut], &mut out).ok()?;
        start = cut;
    }
    decoder.finish(&mut out).ok()?;
    Some(out)
}

/// `encode(data)` with whitespace inserted before the characters at `spots`, and its padding
/// dropped when `unpadded`.
fn spaced(data: &[u8], spots: &[(usize, u8)], unpadded: bool) -> Vec<u8> {
    let mut text = encode(data);
    if unpadded {
        text = text.trim_end_matches('=').to_owned();
    }
    let mut out = text.into_bytes();
    let mut spots: Vec<(usize, u8)> = spots
        .iter()
        .map(|&(at, which)| (at % (out.len() + 1), which))
        .collect();
    spots.sort_unstable();
    for (at, which) in spots.into_iter().rev() {
        let blank: &[u8] = match which % 4 {
            0 => b" ",
            1 => b"\n",
            2 => b"\r\n",
            _ => b"\t",
        };
        out.splice(at..at, blank.iter().copied());
    }
    out
}

proptest! {
    #[test]
    fn whitespace_and_cuts_anywhere_decode_to_the_data(
        data in proptest::collection::vec(any::<u8>(), 0..400),
        spots in proptest::collection::vec((0usize..600, any::<u8>()), 0..12),
        cuts in proptest::collection::vec(0usize..700, 0..12),
        unpadded in any::<bool>(),
    ) {
        let text = spaced(&data, &spots, unpadded);
        prop_assert_eq!(streamed(&text, &cuts), Some(data.clone()));
        prop_assert_eq!(decode(std::str::from_utf8(&text).unwrap()).unwrap(), data);
    }

    #[test]
    fn any_text_gives_the_same_result_whatever_the_cuts(
        text in "[A-Za-z0-9+/= \n]{0,64}",
        cuts in proptest::collection::vec(0usize..70, 0..8),
    ) {
        prop_assert_eq!(streamed(text.as_bytes(), &cuts), streamed(text.as_bytes(), &[]));
    }
}

#[test]
fn text_after_padding_is_refused_in_place_or_carried() {
    for cuts in [&[][..], &[2], &[4], &[5], &[7]] {
        assert_eq!(streamed(b"AA==AAAA", cuts), None, "{cuts:?}");
        assert_eq!(streamed(b"AA== \n", cuts), Some(vec![0]), "{cuts:?}");
    }
}

#[test]
fn text_after_padding_in_the_same_piece_is_refused() {
    // Found by `any_text_gives_the_same_result_whatever_the_cuts`: whole, the characters after
    // the padded group were decoded as a last group instead of refused.
    let text = b"00a++a\n00Aa0=+A";
    assert_eq!(streamed(text, &[]), None);
    assert_eq!(streamed(text, &[5]), None);
}
