//! HTTPS for `delist serve --tls-cert FILE --tls-key FILE`: rustls (ring), the certificate chain
//! and key handed in as PEM bytes by the CLI (this crate reads no files).
//!
//! Owns the TLS listener axum serves on. Handshakes run in their own tasks, with a deadline, so a
//! client that connects and says nothing holds up no one else; only finished handshakes reach
//! axum. It must never fall back to plain HTTP.

use anyhow::{Context, Result, anyhow};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

/// A certificate chain and its private key, PEM.
#[derive(Clone)]
pub struct TlsPem {
    pub cert_chain: Vec<u8>,
    pub key: Vec<u8>,
}

/// How long a client has to finish its handshake.
const HANDSHAKE_DEADLINE: Duration = Duration::from_secs(10);
/// Finished handshakes waiting for axum to take them.
const READY: usize = 256;

/// The server configuration from PEM: every certificate in the chain file, the first key.
pub fn server_config(pem: &TlsPem) -> Result<rustls::ServerConfig> {
    let certs = CertificateDer::pem_slice_iter(&pem.cert_chain)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| anyhow!("--tls-cert: not a PEM certificate chain: {e:?}"))?;
    if certs.is_empty() {
        return Err(anyhow!("--tls-cert: no CERTIFICATE block in the file"));
    }
    let key =
        PrivateKeyDer::from_pem_slice(&pem.key).map_err(|e| anyhow!("--tls-key: not a PEM private key: {e:?}"))?;
    // ring, the provider the workspace already builds for ureq; its post-quantum key exchange
    // needs aws-lc-rs (a C build), hence the deprecation rustls marks on this one.
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("TLS protocol versions")?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .context("--tls-cert and --tls-key do not make a usable pair")?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// A TCP listener whose connections come out TLS-terminated.
pub struct TlsListener {
    ready: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    addr: SocketAddr,
}

impl TlsListener {
    pub fn new(tcp: TcpListener, config: rustls::ServerConfig) -> Result<Self> {
        let addr = tcp.local_addr()?;
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let (tx, ready) = mpsc::channel(READY);
        tokio::spawn(async move {
            loop {
                let (stream, peer) = match tcp.accept().await {
                    Ok(c) => c,
                    // Out of file descriptors and the like: wait rather than spin.
                    Err(_) => {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let (handshake, done) = (acceptor.clone(), tx.clone());
                tokio::spawn(async move {
                    if let Ok(Ok(tls)) = tokio::time::timeout(HANDSHAKE_DEADLINE, handshake.accept(stream)).await {
                        let _ = done.send((tls, peer)).await;
                    }
                });
                if tx.is_closed() {
                    return;
                }
            }
        });
        Ok(Self { ready, addr })
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(c) => c,
            // The accepting task only stops when this listener is gone.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.addr)
    }
}
