//! Images, bitmaps and the base64 codec: documented behaviour and no panic on any input.

use biometric_core::{GrayBitmap, Image, ImageFormat, base64};
use proptest::prelude::*;

#[test]
fn formats_are_told_apart_by_content() {
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    let bmp = b"BM\x36\0\0\0\0\0\0\0\x36\0\0\0(";
    assert_eq!(Image::from_bytes(&png[..]).format(), ImageFormat::Png);
    assert_eq!(Image::from_bytes(&bmp[..]).format(), ImageFormat::Bmp);
    assert_eq!(
        Image::from_bytes(vec![0xff, 0xd8, 0xff, 0xe1]).format(),
        ImageFormat::Jpeg
    );
    // 4x2 raw grayscale: only recognisable with its dimensions.
    let raw = vec![10u8; 8];
    assert_eq!(
        Image::from_bytes(raw.clone()).format(),
        ImageFormat::Unknown
    );
    let gray = Image::from_bytes_with_dimensions(raw, 4, 2);
    assert_eq!(
        gray.format(),
        ImageFormat::Gray8 {
            width: 4,
            height: 2
        }
    );
    assert_eq!(
        gray.as_gray_bitmap().unwrap().to_pgm().len(),
        "P5\n4 2\n255\n".len() + 8
    );
    // A JPEG of the "right" length is still a JPEG.
    let jpeg = Image::from_bytes_with_dimensions(vec![0xff, 0xd8, 0xff, 0, 0, 0, 0, 0], 4, 2);
    assert_eq!(jpeg.format(), ImageFormat::Jpeg);
}

#[test]
fn image_serializes_as_standard_base64() {
    let image = Image::from_bytes(vec![0xff, 0xd8, 0xff, 0xfe]);
    assert_eq!(serde_json::to_string(&image).unwrap(), "\"/9j//g==\"");
    let back: Image = serde_json::from_str("\"/9j//g\"").unwrap();
    assert_eq!(back, image, "missing padding is accepted");
    let err = serde_json::from_str::<Image>("\"not*base64\"").unwrap_err();
    assert!(err.to_string().contains("invalid base64"), "{err}");
}

#[test]
fn base64_tolerates_whitespace_and_data_urls() {
    let expected = b"hello world".to_vec();
    for input in [
        "aGVsbG8gd29ybGQ=",
        "aGVsbG8g\nd29y\r\nbGQ=",
        "  aGVsbG8gd29ybGQ  ",
        "data:image/jpeg;base64,aGVsbG8gd29ybGQ=",
        "aGVsbG8gd29ybGQ",
    ] {
        assert_eq!(base64::decode(input).unwrap(), expected, "{input:?}");
    }
    assert!(
        base64::decode("aGVsbG8-d29ybGQ_").is_err(),
        "URL-safe alphabet is not standard"
    );
}

#[test]
fn optional_base64_treats_empty_as_none() {
    #[derive(serde::Deserialize)]
    struct Log {
        #[serde(default, with = "base64::option")]
        matched_faceimage_data: Option<Vec<u8>>,
    }
    let empty: Log = serde_json::from_str(r#"{"matched_faceimage_data": ""}"#).unwrap();
    let null: Log = serde_json::from_str(r#"{"matched_faceimage_data": null}"#).unwrap();
    let absent: Log = serde_json::from_str("{}").unwrap();
    let some: Log = serde_json::from_str(r#"{"matched_faceimage_data": "AQI="}"#).unwrap();
    assert!(empty.matched_faceimage_data.is_none());
    assert!(null.matched_faceimage_data.is_none());
    assert!(absent.matched_faceimage_data.is_none());
    assert_eq!(some.matched_faceimage_data, Some(vec![1, 2]));
}

#[test]
fn gray_bitmap_checks_its_length() {
    assert!(GrayBitmap::new(3, 3, vec![0; 9]).is_ok());
    let err = GrayBitmap::new(3, 3, vec![0; 10]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid request: `pixels` must hold width * height = 9 bytes (found 10); nothing was sent"
    );
    assert!(GrayBitmap::new(0, 3, Vec::new()).is_err());
}

proptest! {
    #[test]
    fn base64_round_trips(data in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let encoded = base64::encode(&data);
        prop_assert_eq!(base64::decode(&encoded).unwrap(), data.clone());
        // Line-wrapped and data-URL forms decode to the same bytes.
        let wrapped: String = encoded
            .as_bytes()
            .chunks(76)
            .map(|line| std::str::from_utf8(line).unwrap())
            .collect::<Vec<_>>()
            .join("\r\n");
        prop_assert_eq!(base64::decode(&wrapped).unwrap(), data.clone());
        prop_assert_eq!(base64::decode(&format!("data:image/png;base64,{encoded}")).unwrap(), data);
    }

    #[test]
    fn base64_decode_never_panics(text in ".{0,512}") {
        let _ = base64::decode(&text);
    }

    #[test]
    fn sniffing_never_panics(data in proptest::collection::vec(any::<u8>(), 0..64), w in 0u32..64, h in 0u32..64) {
        let _ = ImageFormat::sniff(&data);
        let format = ImageFormat::sniff_with_dimensions(&data, w, h);
        let image = Image::from_bytes_with_dimensions(data.clone(), w, h);
        if let ImageFormat::Gray8 { width, height } = format {
            prop_assert_eq!(width as usize * height as usize, data.len());
            prop_assert!(image.as_gray_bitmap().is_some());
        }
        let _ = GrayBitmap::new(w, h, data);
    }
}
