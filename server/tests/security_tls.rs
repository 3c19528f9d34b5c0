//! HTTPS served by the server itself: a real rustls handshake on loopback
//! against a certificate made for the test, cookies marked `Secure`, plain
//! HTTP on the HTTPS port answered with nothing, and a certificate that
//! cannot be used refused at start, naming the file.

#![allow(clippy::expect_used, clippy::unwrap_used, missing_docs)]

use std::sync::Arc;

use banli_server::clock::ManualClock;
use banli_server::tls::TlsFiles;
use banli_server::{HallSource, Server, Settings};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::pki_types::ServerName;
use tokio_rustls::rustls::{ClientConfig, RootCertStore};

struct Https {
    addr: std::net::SocketAddr,
    connector: TlsConnector,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    served: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    _dir: tempfile::TempDir,
}

/// A demo hall serving HTTPS with a fresh certificate for `localhost`.
async fn https_hall() -> Https {
    let dir = tempfile::tempdir().unwrap();
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let (cert_pem, key_pem) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert_pem, cert.cert.pem()).unwrap();
    std::fs::write(&key_pem, cert.signing_key.serialize_pem()).unwrap();
    let server = Server::open(
        Settings {
            data_dir: dir.path().join("data"),
            hall: HallSource::Demo,
            admin_password: Some("tls-test-admin-password".into()),
            trusted_proxies: Vec::new(),
            tls: Some(TlsFiles {
                cert: cert_pem,
                key: key_pem,
            }),
        },
        Arc::new(ManualClock::new(
            "2026-11-24T10:00:00+08:00".parse().unwrap(),
        )),
    )
    .await
    .expect("opens with HTTPS");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = tokio::spawn(server.serve(listener, async {
        let _ = stopped.await;
    }));
    let mut roots = RootCertStore::empty();
    roots.add(cert.cert.der().clone()).unwrap();
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    Https {
        addr,
        connector: TlsConnector::from(Arc::new(config)),
        stop: Some(stop),
        served: Some(served),
        _dir: dir,
    }
}

impl Https {
    /// One request over a new TLS connection; the whole answer.
    async fn request(&self, head: &str) -> String {
        let tcp = TcpStream::connect(self.addr).await.unwrap();
        let mut tls = self
            .connector
            .connect(ServerName::try_from("localhost").unwrap(), tcp)
            .await
            .expect("TLS handshake");
        tls.write_all(head.as_bytes()).await.unwrap();
        let mut answer = Vec::new();
        // `Connection: close`: the server ends the stream after answering.
        let _ = tls.read_to_end(&mut answer).await;
        String::from_utf8_lossy(&answer).into_owned()
    }

    async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(served) = self.served.take() {
            served.await.unwrap().expect("served and stopped cleanly");
        }
    }
}

#[tokio::test]
async fn the_server_serves_https_itself_and_its_cookies_are_secure() {
    let hall = https_hall().await;
    let health = hall
        .request("GET /api/v1/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await;
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    // The login form sets its cookie, over HTTPS with Secure.
    let login = hall
        .request("GET /login HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await;
    assert!(login.starts_with("HTTP/1.1 200"), "{login}");
    let cookie = login
        .lines()
        .find(|l| {
            l.to_ascii_lowercase()
                .starts_with("set-cookie: banli_login=")
        })
        .expect("the form's cookie");
    assert!(cookie.contains("Secure"), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );

    // Plain HTTP on the HTTPS port gets no HTTP answer (the handshake fails).
    let mut plain = TcpStream::connect(hall.addr).await.unwrap();
    plain
        .write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    let _ = plain.read_to_end(&mut answer).await;
    assert!(!String::from_utf8_lossy(&answer).contains("HTTP/1.1 200"));

    // A client that connects and says nothing does not stop others.
    let _silent = TcpStream::connect(hall.addr).await.unwrap();
    let again = hall
        .request("GET /api/v1/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await;
    assert!(again.starts_with("HTTP/1.1 200"), "{again}");
    hall.stop().await;
}

#[tokio::test]
async fn a_certificate_that_cannot_be_used_stops_the_start_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert, "not a certificate\n").unwrap();
    std::fs::write(&key, "not a key\n").unwrap();
    let settings = |cert: std::path::PathBuf, key: std::path::PathBuf| Settings {
        data_dir: dir.path().join("data"),
        hall: HallSource::Demo,
        admin_password: Some("tls-test-admin-password".into()),
        trusted_proxies: Vec::new(),
        tls: Some(TlsFiles { cert, key }),
    };
    let clock = || {
        Arc::new(ManualClock::new(
            "2026-11-24T10:00:00+08:00".parse().unwrap(),
        ))
    };
    let err = Server::open(settings(cert.clone(), key.clone()), clock())
        .await
        .err()
        .expect("refused");
    let text = format!("{err:#}");
    assert!(
        text.contains("cert.pem") && text.contains("no certificate"),
        "{text}"
    );
    // A real certificate with somebody else's key.
    let ours = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let theirs = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    std::fs::write(&cert, ours.cert.pem()).unwrap();
    std::fs::write(&key, theirs.signing_key.serialize_pem()).unwrap();
    let err = Server::open(settings(cert, key), clock())
        .await
        .err()
        .expect("refused");
    assert!(format!("{err:#}").contains("cannot be used"), "{err:#}");
}
