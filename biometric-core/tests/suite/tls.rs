//! TLS options: a device's self-signed certificate can be trusted; bad input is refused early.

use biometric_core::{Engine, Error, TlsOptions};

/// A self-signed certificate like a LAN terminal's (CN=192.168.0.129), made for this test.
const DEVICE_CERT: &[u8] = include_bytes!("../fixtures/device-self-signed.pem");

#[test]
fn a_device_certificate_can_be_added_or_pinned() {
    let merged = TlsOptions::default()
        .add_root_certificate_pem(DEVICE_CERT)
        .unwrap();
    let pinned = TlsOptions::default()
        .add_root_certificate_pem(DEVICE_CERT)
        .unwrap()
        .only_added_roots();
    for tls in [merged, pinned] {
        let debug = format!("{tls:?}");
        assert!(debug.contains("extra_roots: 1"), "{debug}");
        Engine::builder("https://192.168.0.129/")
            .http(|h| h.tls(tls))
            .build()
            .unwrap();
    }
}

#[test]
fn the_last_resort_is_named_and_builds() {
    let tls = TlsOptions::default().danger_accept_invalid_certificates();
    assert!(format!("{tls:?}").contains("accept_invalid_certificates: true"));
    Engine::builder("https://192.168.0.129/")
        .http(|h| h.tls(tls))
        .build()
        .unwrap();
}

#[test]
fn malformed_certificates_are_invalid_requests() {
    for result in [
        TlsOptions::default().add_root_certificate_pem(
            b"-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n",
        ),
        TlsOptions::default().add_root_certificate_pem(b""),
        TlsOptions::default().add_root_certificate_der(b"\x30\x03\x02\x01"),
    ] {
        let err = result.unwrap_err();
        assert!(
            matches!(&err, Error::InvalidRequest { field, .. } if field == "root_certificate"),
            "{err:?}"
        );
    }
}
