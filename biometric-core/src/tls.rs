//! TLS settings: rustls on ring, the platform's roots, and the two things LAN devices need.
//!
//! Terminals on a LAN (Control iD with HTTPS on, EF-45 since spec 1.3.20) present self-signed
//! certificates. The safe answer is to trust that one certificate
//! ([`TlsOptions::add_root_certificate_pem`], with [`TlsOptions::only_added_roots`] to pin it);
//! the last resort is [`TlsOptions::danger_accept_invalid_certificates`], named so that it stands
//! out in code review.

use std::fmt;

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use crate::error::{Error, Result};

/// TLS settings for an engine.
///
/// ```
/// use biometric_core::TlsOptions;
/// let pem = b"not a certificate";
/// assert!(TlsOptions::default().add_root_certificate_pem(pem).is_err());
/// ```
#[derive(Clone, Default)]
pub struct TlsOptions {
    pub(crate) extra_roots: Vec<reqwest::Certificate>,
    pub(crate) only_added_roots: bool,
    pub(crate) accept_invalid_certificates: bool,
}

impl TlsOptions {
    /// Also trusts the PEM certificate(s) in `pem` (for example a device's self-signed one).
    pub fn add_root_certificate_pem(mut self, pem: &[u8]) -> Result<Self> {
        let rule = "must be X.509 certificates in PEM";
        let ders = CertificateDer::pem_slice_iter(pem)
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|_| Error::invalid("root_certificate", rule))?;
        if ders.is_empty() {
            return Err(Error::invalid(
                "root_certificate",
                "must hold at least one PEM certificate",
            ));
        }
        for der in ders {
            self = self.add_root_certificate_der(&der)?;
        }
        Ok(self)
    }

    /// Also trusts the DER certificate `der`.
    pub fn add_root_certificate_der(mut self, der: &[u8]) -> Result<Self> {
        let rule = "must be a valid X.509 certificate";
        // reqwest parses certificates only when a client is built; rustls's parser reports a bad
        // one here, where it was given.
        rustls::RootCertStore::empty()
            .add(CertificateDer::from(der.to_vec()))
            .map_err(|_| Error::invalid("root_certificate", rule))?;
        let cert = reqwest::Certificate::from_der(der)
            .map_err(|_| Error::invalid("root_certificate", rule))?;
        self.extra_roots.push(cert);
        Ok(self)
    }

    /// Trusts only the added roots, not the platform's: pins a device's own certificate.
    pub fn only_added_roots(mut self) -> Self {
        self.only_added_roots = true;
        self
    }

    /// Accepts any server certificate, even an expired or forged one. This removes the protection
    /// TLS gives against a machine in the middle; prefer trusting the device's certificate.
    pub fn danger_accept_invalid_certificates(mut self) -> Self {
        self.accept_invalid_certificates = true;
        self
    }

    pub(crate) fn apply(&self, builder: reqwest::ClientBuilder) -> reqwest::ClientBuilder {
        let roots = self.extra_roots.iter().cloned();
        let builder = if self.only_added_roots {
            builder.tls_certs_only(roots)
        } else if self.extra_roots.is_empty() {
            builder
        } else {
            builder.tls_certs_merge(roots)
        };
        builder.tls_danger_accept_invalid_certs(self.accept_invalid_certificates)
    }
}

impl fmt::Debug for TlsOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsOptions")
            .field("extra_roots", &self.extra_roots.len())
            .field("only_added_roots", &self.only_added_roots)
            .field(
                "accept_invalid_certificates",
                &self.accept_invalid_certificates,
            )
            .finish()
    }
}

/// Makes *ring* the process's rustls crypto provider, unless the application installed one
/// first (its choice wins). Engines call it when they are built; call it yourself before
/// building a rustls or reqwest client of your own in the same process (a test's plain HTTP
/// client, a server).
///
/// reqwest is built without a provider of its own (so aws-lc-rs and its C and assembly build
/// stay out of the dependency tree) and takes the process default.
///
/// ```
/// biometric_core::ensure_crypto_provider();
/// // Now any rustls or reqwest client in this process finds a provider.
/// ```
pub fn ensure_crypto_provider() {
    // rustls 0.23.48 deprecates the ring provider in favour of aws-lc-rs, whose key exchange
    // includes post-quantum X25519MLKEM768; ring stays this SDK's default for now (a lighter
    // build, and the LAN devices it talks to offer no post-quantum group). The one call site
    // of the deprecated function is here, so a `cargo update` fails nowhere else.
    #[allow(deprecated)]
    let ring = rustls::crypto::ring::default_provider();
    // `Err` means a provider is already installed: the application's choice wins.
    let _ = ring.install_default();
}
